import type { WorkloadOptions } from '../workloads';

export interface PlannedStep {
  step: string;
  commands: string[];
  /** The step reboots the target. */
  reboot?: boolean;
  /** What the step checks, or when it runs only conditionally. */
  note?: string;
}

export interface PlanOptions {
  /** Enter maintenance mode before a reboot (HostOptions.maintenanceMode); default true. */
  maintenanceMode?: boolean;
  /** The VM policy and maintenance-mode timeouts (HostOptions.vms); default: refuse. */
  vms?: WorkloadOptions;
  /** Some target is in a vSAN cluster (its peers are checked before maintenance mode). */
  vsan?: boolean;
}

/** PlanOptions with the maintenance-mode default applied. */
export type ResolvedPlanOptions = PlanOptions & { maintenanceMode: boolean };
