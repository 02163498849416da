/* eslint-disable @typescript-eslint/no-require-imports -- each workflow's modules load on first use */

// The production worker's workflow bundle entry (create-worker.ts, bundle.ts): every workflow of
// workflows/index.ts, each loaded on first use. The SDK evaluates the entry's modules once per workflow
// execution and reads only the export named by the workflow type, so a host workflow no longer builds
// the rollout's, the notifications' and the leases' modules (and their zod schemas): about 0.2 MB less
// heap per workflow. The type of `load` makes this list equal workflows/index.ts's (tsc fails otherwise).
// A CommonJS module on purpose (no import or export statement): ES module exports cannot be lazy.
{
  type Workflows = typeof import('../workflows');

  const pick = <Name extends keyof Workflows>(name: Name, module: unknown): Workflows[Name] =>
    (module as Workflows)[name];

  const load: { [Name in keyof Workflows]: () => Workflows[Name] } = {
    preflightWorkflow: () => pick('preflightWorkflow', require('../workflows/host/preflight')),
    recoveryCycleWorkflow: () => pick('recoveryCycleWorkflow', require('../workflows/host/recovery-cycle')),
    sriovEnableWorkflow: () => pick('sriovEnableWorkflow', require('../workflows/host/sriov-enable')),
    sriovDisableWorkflow: () => pick('sriovDisableWorkflow', require('../workflows/host/sriov-disable')),
    convergeWorkflow: () => pick('convergeWorkflow', require('../workflows/host/converge')),
    moduleReloadWorkflow: () => pick('moduleReloadWorkflow', require('../workflows/host/module-reload')),
    switchSmVirtWorkflow: () => pick('switchSmVirtWorkflow', require('../workflows/switch-sm-virt')),
    readSwitchWorkflow: () => pick('readSwitchWorkflow', require('../workflows/switch-read')),
    validateBandwidthWorkflow: () =>
      pick('validateBandwidthWorkflow', require('../workflows/validate-bandwidth')),
    rolloutWorkflow: () => pick('rolloutWorkflow', require('../workflows/rollout/workflow')),
    rolloutShardWorkflow: () => pick('rolloutShardWorkflow', require('../workflows/rollout/shard')),
    credentialCheckWorkflow: () => pick('credentialCheckWorkflow', require('../workflows/credential-check')),
    notifyWorkflow: () => pick('notifyWorkflow', require('../workflows/notify')),
    leaseWorkflow: () => pick('leaseWorkflow', require('../workflows/lease')),
    driftCheckWorkflow: () => pick('driftCheckWorkflow', require('../workflows/drift-check')),
  };

  for (const [name, get] of Object.entries(load))
    Object.defineProperty(module.exports, name, { enumerable: true, get });
}
