// The procedures: one record each (catalog.ts), their parameters (params.ts) and the options of every
// procedure on a host (host-options.ts).

export * from './catalog';
export * from './host-options';
export * from './params';
export { MAX_NUM_OF_VFS, MAX_VFS_PER_PORT, vfPortsFit } from '../vf-rule';
