// The workflows the worker registers (its workflowsPath / bundle entry point).
export { preflightWorkflow } from './host/preflight';
export { recoveryCycleWorkflow } from './host/recovery-cycle';
export { sriovEnableWorkflow } from './host/sriov-enable';
export { sriovDisableWorkflow } from './host/sriov-disable';
export { convergeWorkflow } from './host/converge';
export { moduleReloadWorkflow } from './host/module-reload';
export { switchSmVirtWorkflow } from './switch-sm-virt';
export { validateBandwidthWorkflow } from './validate-bandwidth';
export { rolloutWorkflow } from './rollout/workflow';
export { rolloutShardWorkflow } from './rollout/shard';
export { credentialCheckWorkflow } from './credential-check';
export { notifyWorkflow } from './notify';
export { leaseWorkflow } from './lease';
export { driftCheckWorkflow } from './drift-check';
