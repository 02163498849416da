import { z } from 'zod';

// What a rebooting procedure does with the VMs running on its host, chosen per rollout (`--vm-policy`
// and the flags around it), and what the report says it did. Pure: workflows, the CLI and the report
// share it. See workflows/host/maintenance.ts for the steps.

export const vmPolicies = ['refuse', 'wait', 'shutdown'] as const;
export type VmPolicy = (typeof vmPolicies)[number];

/** esxcli's -m|--vsanmode values (vSphere VsanHostDecommissionModeObjectAction). */
export const vsanModes = ['ensureObjectAccessibility', 'evacuateAllData', 'noAction'] as const;
export type VsanMode = (typeof vsanModes)[number];

const durationMs = (min: number, max: number) => z.number().int().min(min).max(max);
const DAY_MS = 24 * 3_600_000;

export const workloadOptionsSchema = z.strictObject({
  /**
   * refuse: a host with powered-on VMs is not touched at all (needs-attention naming them);
   * wait: wait up to drainDeadlineMs for their owners to power them off, changing nothing meanwhile;
   * shutdown: guest-shut-down each (guestShutdownTimeoutMs), power them on again once the host is done.
   */
  policy: z.enum(vmPolicies).default('refuse'),
  /** wait: how long the host waits for its VMs to be powered off by their owners. */
  drainDeadlineMs: durationMs(1_000, 7 * DAY_MS).default(3_600_000),
  /** shutdown: how long the guests get to shut down. */
  guestShutdownTimeoutMs: durationMs(1_000, DAY_MS).default(300_000),
  /** shutdown: power off VMs still running after guestShutdownTimeoutMs (otherwise: needs-attention). */
  forcePowerOff: z.boolean().default(false),
  /** `esxcli system maintenanceMode set -t` (rounded up to whole seconds): maintenance mode never waits for ever. */
  maintenanceTimeoutMs: durationMs(1_000, 7 * DAY_MS).default(600_000),
  /** Further tries when entering (or, after a reboot, leaving) maintenance mode fails. */
  maintenanceRetries: z.number().int().min(0).max(100).default(2),
  maintenanceRetryDelayMs: durationMs(0, DAY_MS).default(30_000),
  /** `-m` for hosts of a vSAN cluster (`vsan: true` in the inventory). */
  vsanMode: z.enum(vsanModes).default('ensureObjectAccessibility'),
});
export type WorkloadOptions = z.infer<typeof workloadOptionsSchema>;

/** The options in force: HostOptions.vms, or the defaults when a rollout gave none. */
export function workloadOptions(given: WorkloadOptions | undefined): WorkloadOptions {
  return given ?? workloadOptionsSchema.parse({});
}

/** `-t` of `esxcli system maintenanceMode set`: whole seconds, at least 1 (0 would mean no timeout). */
export function maintenanceTimeoutSeconds(o: WorkloadOptions): number {
  return Math.max(1, Math.ceil(o.maintenanceTimeoutMs / 1000));
}

/** How a VM was stopped: by its guest (VMware Tools), by a hard power-off, or it was off when its turn came. */
export type VmStopMethod = 'guest-shutdown' | 'hard-off' | 'already-off';

/** One VM ibfleet stopped (recorded before the first was stopped), and what became of it. */
export interface StoppedVm {
  vmid: number;
  name: string;
  /** Set once it is off (absent: it did not stop). */
  how?: VmStopMethod;
  shutdownRequestedAt?: string;
  stoppedAt?: string;
  /** Why it did not stop, or how the guest shutdown was refused. */
  detail?: string;
  restarted?: 'powered-on' | 'already-on' | 'failed';
  restartedAt?: string;
  /** Why it could not be powered on again. */
  restartError?: string;
}

/** A VM registered on the host when the procedure first read its VMs. */
export interface FoundVm {
  vmid: number;
  name: string;
  power: string;
  /**
   * Through vCenter only (issue #14): `drs` — no passthrough/SR-IOV device, left to DRS to move when the
   * host enters maintenance mode; `policy` — tied to the host (or its devices unknown): the VM policy
   * handles it. Absent over SSH, where the policy handles every VM.
   */
  handledBy?: 'drs' | 'policy';
  /** Through vCenter: DRS moved it to another host of the cluster while the host entered maintenance mode. */
  movedByDrs?: boolean;
}

/** What a rebooting procedure found and did about the host's VMs (ProcedureReport.vms). */
export interface WorkloadReport {
  policy: VmPolicy;
  /** Registered VMs when first read (before any change): name and power state, in vmid order. */
  found: FoundVm[];
  /** wait: the VMs waited for, and how long. */
  waited?: {
    vms: string[];
    startedAt: string;
    endedAt?: string;
    outcome: 'drained' | 'deadline' | 'stopped';
  };
  /** shutdown: the VMs that were running, in order, as recorded before the first was stopped. */
  stopped: StoppedVm[];
}
