// The SSH layer of ibfleet's activities: pooled ssh2 connections with pinned host keys, typed errors
// that map to Temporal failures, credential resolution inside the worker, and output redaction.

export { SshRunner, type RunOptions, type ShellOptions, type SshRunnerOptions } from './run-command';
export type { CommandResult } from './exec-channel';
export type { ShellSession, SendOptions } from './shell-session';
export { stripTerminalNoise } from './shell-session';
export type { PoolOptions } from './connection-pool';
export {
  SshError,
  SshAuthFailedError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  CredentialUnavailableError,
  SshHandshakeFailedError,
  HostUnreachableError,
  SshConnectionLostError,
  SshChannelFailedError,
  CommandTimeoutError,
  toActivityFailure,
  describeEndpoint,
  type EndpointLabel,
} from './errors';
export {
  fingerprintOf,
  isFingerprint,
  scanHostKey,
  HOST_KEY_ALGORITHMS,
  type PresentedHostKey,
} from './host-key';
export { CredentialResolver, describeCredential, type ResolvedCredential } from './credentials';
export { redactSecrets, boundOutput, safeText } from './redact';
export * from '../../common/failure-types';
