import { z } from 'zod';
import { workloadOptionsSchema } from '../workloads';

// The options every procedure on a host takes besides its parameters (HostOptions): maintenance
// mode, timings and the VM policy.

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
