import { z } from 'zod';
import { convergeParamsSchema } from '../desired-state';
import {
  convergeSteps,
  moduleReloadSteps,
  preflightSteps,
  recoveryCycleSteps,
  sriovDisableSteps,
  sriovEnableSteps,
  switchSmVirtSteps,
  validateBandwidthSteps,
} from '../procedure-steps';
import type { HostRef, TargetRef } from '../targets';
import type { HostOptions } from './host-options';
import {
  moduleReloadParamsSchema,
  preflightParamsSchema,
  recoveryCycleParamsSchema,
  sriovDisableParamsSchema,
  sriovEnableParamsSchema,
  switchSmVirtParamsSchema,
  validateBandwidthParamsSchema,
} from './params';

// The procedures of the InfiniBand-on-vSphere-8 guide, one record each: the CLI's help and procedure
// list, the dry-run plan, the rollout and the workflows read them from here. Parameters are validated
// by the client (before anything starts) and again by the workflows (as a non-retryable failure,
// because a workflow can be started by anything that talks to Temporal). Each procedure's dry-run plan
// is in common/plan/index.ts: every workflow imports this catalog, and none runs a plan (issue #15).

export interface Procedure<Params extends z.ZodType = z.ZodType> {
  /** One line for the procedure list (`rollout start --help`). */
  summary: string;
  /** The kind of target it acts on (one workflow per target; see targetWorkflowId). */
  target: TargetRef['kind'];
  /** Reboots of one target (the dry-run plan, the cancel report, the VM flags); converge: at most. */
  reboots: number;
  /** Its parameters (`--set KEY=VALUE`), their schema and defaults; built on its first read (common/lazy.ts). */
  params: Params;
  /** The workflow that runs it on one target (workflows/index.ts exports it by this name). */
  workflowType: string;
  /** Its step names, by what each step does (common/procedure-steps.ts). */
  steps: Readonly<Record<string, unknown>>;
}

/** A procedure's record; its params schema is built on first use (a host workflow reads only its own). */
const procedure = <Params extends z.ZodType>({
  paramsSchema,
  ...p
}: Omit<Procedure<Params>, 'params'> & { paramsSchema: () => Params }): Procedure<Params> => ({
  ...p,
  get params() {
    return paramsSchema();
  },
});

export const procedures = {
  preflight: procedure({
    summary: 'read-only checks of version, VIBs, driver, cards and their values',
    target: 'esxi',
    reboots: 0,
    paramsSchema: preflightParamsSchema,
    workflowType: 'preflightWorkflow',
    steps: preflightSteps,
  }),
  'recovery-cycle': procedure({
    summary: 'recovery mode and back to normal, one reboot each (guide 2.4)',
    target: 'esxi',
    reboots: 2,
    paramsSchema: recoveryCycleParamsSchema,
    workflowType: 'recoveryCycleWorkflow',
    steps: recoveryCycleSteps,
  }),
  'sriov-enable': procedure({
    summary: 'SR-IOV on with mlxconfig and max_vfs, one reboot (guide 3.1)',
    target: 'esxi',
    reboots: 1,
    paramsSchema: sriovEnableParamsSchema,
    workflowType: 'sriovEnableWorkflow',
    steps: sriovEnableSteps,
  }),
  'sriov-disable': procedure({
    summary: 'SR-IOV off for passthrough, one reboot (guide 3.2)',
    target: 'esxi',
    reboots: 1,
    paramsSchema: sriovDisableParamsSchema,
    workflowType: 'sriovDisableWorkflow',
    steps: sriovDisableSteps,
  }),
  'module-reload': procedure({
    summary: 'nmlx5_core reloaded in recovery mode until the next boot (troubleshooting)',
    target: 'esxi',
    reboots: 0,
    paramsSchema: moduleReloadParamsSchema,
    workflowType: 'moduleReloadWorkflow',
    steps: moduleReloadSteps,
  }),
  'switch-sm-virt': procedure({
    summary: 'the subnet manager with virtualization enabled (guide 4)',
    target: 'switch',
    reboots: 0,
    paramsSchema: switchSmVirtParamsSchema,
    workflowType: 'switchSmVirtWorkflow',
    steps: switchSmVirtSteps,
  }),
  'validate-bandwidth': procedure({
    summary: 'perftest between the two guests against line rate',
    target: 'guest-pair',
    reboots: 0,
    paramsSchema: validateBandwidthParamsSchema,
    workflowType: 'validateBandwidthWorkflow',
    steps: validateBandwidthSteps,
  }),
  converge: procedure({
    summary: 'the declared state in the fewest reboots (ibfleet apply)',
    target: 'esxi',
    /** At most: recovery mode or an MFT install, then one (cold) reboot; `ibfleet plan` says exactly per host. */
    reboots: 2,
    paramsSchema: convergeParamsSchema,
    workflowType: 'convergeWorkflow',
    steps: convergeSteps,
  }),
};

export type ProcedureName = keyof typeof procedures;
/** The procedure names, in the order of the procedure list. */
export const procedureNames = Object.keys(procedures) as [ProcedureName, ...ProcedureName[]];
export const procedureNameSchema = z.enum(procedureNames);

export type ProcedureParams = {
  [P in ProcedureName]: z.output<(typeof procedures)[P]['params']>;
};

/** Input of every procedure workflow. `params` is validated against procedures[procedure].params. */
export interface ProcedureInput {
  procedure: ProcedureName;
  target: TargetRef;
  params: Record<string, unknown>;
  options: HostOptions;
  /** Set when started by a rollout. */
  rolloutId?: string;
  /**
   * The other hosts of a vSAN cluster (`vsan: true`), for a host of that cluster: it does not enter
   * maintenance mode while one of them is in it (read from each peer over SSH).
   */
  vsanPeers?: HostRef[];
}
