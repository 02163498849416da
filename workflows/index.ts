// Every workflow type (the tests' bundle entry point). The production worker's entry, worker/workflows.ts,
// loads each of these on first use.
export { preflightWorkflow } from './host/preflight';
export { recoveryCycleWorkflow } from './host/recovery-cycle';
export { sriovEnableWorkflow } from './host/sriov-enable';
export { sriovDisableWorkflow } from './host/sriov-disable';
export { convergeWorkflow } from './host/converge';
export { moduleReloadWorkflow } from './host/module-reload';
export { switchSmVirtWorkflow } from './switch-sm-virt';
export { readSwitchWorkflow } from './switch-read';
export { validateBandwidthWorkflow } from './validate-bandwidth';
export { rolloutWorkflow } from './rollout/workflow';
export { rolloutShardWorkflow } from './rollout/shard';
export { credentialCheckWorkflow } from './credential-check';
export { notifyWorkflow } from './notify';
export { leaseWorkflow } from './lease';
export { driftCheckWorkflow } from './drift-check';
