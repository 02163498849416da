import { z } from 'zod';
import { workloadOptionsSchema } from './workloads';
import { convergeParamsSchema } from './desired-state';
import { MAX_NUM_OF_VFS, MAX_VFS_PER_PORT, vfPortsFit, vfRuleMessage } from './vf-rule';

// The procedures of the InfiniBand-on-vSphere-8 guide, and the validated parameters of each.
// Shared by the client (validation before anything starts) and the workflows (validation again,
// as a non-retryable failure, because a workflow can be started by anything that talks to Temporal).

export const procedureNames = [
  'preflight',
  'recovery-cycle',
  'sriov-enable',
  'sriov-disable',
  'module-reload',
  'switch-sm-virt',
  'validate-bandwidth',
  'converge',
] as const;
export const procedureNameSchema = z.enum(procedureNames);
export type ProcedureName = z.infer<typeof procedureNameSchema>;

/** Which kind of target each procedure acts on. */
export const procedureTargetKind: Record<ProcedureName, 'esxi' | 'switch' | 'guest-pair'> = {
  preflight: 'esxi',
  'recovery-cycle': 'esxi',
  'sriov-enable': 'esxi',
  'sriov-disable': 'esxi',
  'module-reload': 'esxi',
  'switch-sm-virt': 'switch',
  'validate-bandwidth': 'guest-pair',
  converge: 'esxi',
};

/** Procedures that reboot the host (the dry-run plan and the cancel report use this). */
export const procedureReboots: Record<ProcedureName, number> = {
  preflight: 0,
  'recovery-cycle': 2,
  'sriov-enable': 1,
  'sriov-disable': 1,
  'module-reload': 0,
  'switch-sm-virt': 0,
  'validate-bandwidth': 0,
  /** At most: recovery mode or an MFT install, then one (cold) reboot; `ibfleet plan` says exactly per host. */
  converge: 2,
};

export { MAX_NUM_OF_VFS, MAX_VFS_PER_PORT, vfPortsFit } from './vf-rule';

const durationMs = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * Timings are inputs so tests can run in seconds and operators can match slow-booting hardware.
 * Defaults suit real ESXi hosts with GPUs (boots of 5-15 minutes).
 */
export const timingSchema = z.strictObject({
  /** How long a rebooted host may take to answer again before it needs attention. */
  bootDeadlineMs: durationMs(1_000, 24 * 3_600_000).default(45 * 60_000),
  /** First poll interval while waiting for a host; backs off up to maxPollIntervalMs. */
  pollIntervalMs: durationMs(50, 60_000).default(250),
  maxPollIntervalMs: durationMs(50, 300_000).default(1_000),
  /** The host must stay up with its new boot marker this long before it counts as returned. */
  stabilityMs: durationMs(0, 3_600_000).default(500),
  /** How long a reboot may take to start (sessions dropping) after it was issued. */
  rebootStartMs: durationMs(100, 3_600_000).default(120_000),
  /** Timeout of one SSH command. */
  commandTimeoutMs: durationMs(100, 3_600_000).default(60_000),
  /** Timeout of one SSH connection attempt. */
  connectTimeoutMs: durationMs(100, 600_000).default(15_000),
  /**
   * Activities heartbeat; a worker that dies is noticed after this long and the step is retried on
   * another worker (steps are idempotent and the reboot step is guarded).
   */
  heartbeatTimeoutMs: durationMs(500, 600_000).default(20_000),
});
export type Timing = z.infer<typeof timingSchema>;

export const hostOptionsSchema = z.strictObject({
  /** Enter maintenance mode before a reboot (`esxcli system shutdown reboot` requires it). */
  maintenanceMode: z.boolean().default(true),
  timing: timingSchema.default(timingSchema.parse({})),
  /** The VM policy and maintenance-mode timeouts of rebooting procedures (common/workloads.ts); absent: the defaults. */
  vms: workloadOptionsSchema.optional(),
});
export type HostOptions = z.infer<typeof hostOptionsSchema>;

const mstDevice = z
  .string()
  .regex(/^mt\d{4,5}_pciconf\d+$/, 'must be an mst device name such as mt4129_pciconf0');

export const preflightParamsSchema = z.strictObject({
  /** ESXi version the host must run (prefix match, e.g. "8." or "8.0.2"). */
  esxiVersionPrefix: z.string().min(1).default('8.'),
  /** Require the MFT and NMST VIBs (needed for mst/mlxconfig). */
  requireMft: z.boolean().default(true),
});

export const recoveryCycleParamsSchema = z.strictObject({});

export const sriovEnableParamsSchema = z
  .strictObject({
    /** NUM_OF_VFS written to each card's firmware. */
    numVfs: z.number().int().min(1).max(MAX_NUM_OF_VFS).default(16),
    /** VFs the driver creates on each nmlx5 port (the max_vfs module parameter). */
    maxVfs: z.number().int().min(1).max(MAX_VFS_PER_PORT).default(4),
    /** mst devices to configure; all cards found when omitted. */
    devices: z.array(mstDevice).min(1).optional(),
    /** If the firmware values are still only "Next Boot" after the reboot (Quick Boot), cold-reboot once. */
    allowColdReboot: z.boolean().default(true),
  })
  .superRefine((p, ctx) => {
    // Checked before anything starts for the least a card can have (one port); the workflow checks
    // each card's real port count again (workflows/host/sriov-enable.ts) before changing anything.
    if (vfPortsFit(p.numVfs, p.maxVfs) >= 1) return;
    ctx.addIssue({
      code: 'custom',
      path: ['numVfs'],
      message: vfRuleMessage(p.maxVfs),
    });
  });

export const sriovDisableParamsSchema = z.strictObject({
  devices: z.array(mstDevice).min(1).optional(),
  allowColdReboot: z.boolean().default(true),
});

export const moduleReloadParamsSchema = z.strictObject({
  /** Reload even if nmlx5_core looks loaded (normally the procedure only acts when it is not). */
  force: z.boolean().default(false),
});

export const switchSmVirtParamsSchema = z.strictObject({
  /** Oldest MLNX-OS release accepted (the guide's switches ran 3.11.1004). */
  minVersion: z
    .string()
    .regex(/^\d+(\.\d+){1,3}$/, 'must be a dotted version such as 3.10.4000')
    .default('3.10.4000'),
  /** Restart the SM after enabling virtualization, as published practice does. */
  restartSm: z.boolean().default(true),
});

export const validateBandwidthParamsSchema = z.strictObject({
  test: z.enum(['ib_send_bw', 'ib_write_bw', 'ib_read_bw']).default('ib_send_bw'),
  queuePairs: z.number().int().min(1).max(64).default(4),
  bidirectional: z.boolean().default(false),
  /** Line rate of one port in Gb/s; bidirectional tests expect twice this. */
  lineRateGbps: z.number().positive().max(3200).default(400),
  /** Pass when the average at the largest message size is at least this fraction of line rate. */
  threshold: z.number().gt(0).max(1).default(0.95),
  /** Port the perftest server listens on. */
  port: z.number().int().min(1024).max(65535).default(18515),
});

export const procedureParamsSchemas = {
  preflight: preflightParamsSchema,
  'recovery-cycle': recoveryCycleParamsSchema,
  'sriov-enable': sriovEnableParamsSchema,
  'sriov-disable': sriovDisableParamsSchema,
  'module-reload': moduleReloadParamsSchema,
  'switch-sm-virt': switchSmVirtParamsSchema,
  'validate-bandwidth': validateBandwidthParamsSchema,
  converge: convergeParamsSchema,
} as const;

export type ProcedureParams = {
  [P in ProcedureName]: z.infer<(typeof procedureParamsSchemas)[P]>;
};

/** Workflow type of each procedure (one workflow per target; see targetWorkflowId). */
export const procedureWorkflowType: Record<ProcedureName, string> = {
  preflight: 'preflightWorkflow',
  'recovery-cycle': 'recoveryCycleWorkflow',
  'sriov-enable': 'sriovEnableWorkflow',
  'sriov-disable': 'sriovDisableWorkflow',
  'module-reload': 'moduleReloadWorkflow',
  'switch-sm-virt': 'switchSmVirtWorkflow',
  'validate-bandwidth': 'validateBandwidthWorkflow',
  converge: 'convergeWorkflow',
};

/** Input of every procedure workflow. `params` is validated against procedureParamsSchemas[procedure]. */
export interface ProcedureInput {
  procedure: ProcedureName;
  target: import('./targets').TargetRef;
  params: Record<string, unknown>;
  options: HostOptions;
  /** Set when started by a rollout. */
  rolloutId?: string;
  /**
   * The other hosts of a vSAN cluster (`vsan: true`), for a host of that cluster: it does not enter
   * maintenance mode while one of them is in it (read from each peer over SSH).
   */
  vsanPeers?: import('./targets').HostRef[];
}
