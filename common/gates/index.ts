// Health gates (`--gate`, `--gate-timeout`): the spec and the controller.
export * from './spec';
export * from './controller';
