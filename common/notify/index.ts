// Notifications (`--notify`): targets, events, payloads.
export * from './target';
export * from './events';
export * from './payload';
export { isSlackHookUrl, URL_ENV_PREFIX } from '../url-ref';
