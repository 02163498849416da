import type { HostConvergePlan } from './converge-plan';
import type { VmPolicy, WorkloadOptions } from './workloads';

// The powered-on VMs in a converge plan: what `ibfleet plan` shows apply would do with them under the
// chosen VM policy. Pure (the CLI and the workflow share it).

/** A powered-on VM of a host, as a plan names it: the card devices it holds are why it cannot be vMotioned. */
export interface PlanVm {
  name: string;
  devices: { kind: 'passthrough' | 'sriov'; id?: string; pf?: string }[];
}

/** What apply does, before the host's first change, about its powered-on VMs (`--vm-policy`). */
export interface PlanWorkloads {
  policy: VmPolicy;
  /** In vmid order: stopped and powered on again (shutdown), waited for (wait), or keeping the host untouched (refuse). */
  poweredOn: PlanVm[];
  /** The policy's effect on them, for an operator. */
  effect: string;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/**
 * `plan` with what the VM policy does about the host's powered-on VMs (read by `ibfleet plan`; apply
 * reads them again right before its first change, workflows/host/workloads.ts). Only a host that reboots
 * meets them; under `refuse` it is blocked: apply leaves it untouched, as needs-attention.
 */
export function withVmPolicy(
  plan: HostConvergePlan,
  poweredOn: readonly PlanVm[],
  o: WorkloadOptions,
): HostConvergePlan {
  if (plan.phases.length === 0 || poweredOn.length === 0) return plan;
  const names = poweredOn.map((v) => v.name).join(', ');
  const vms = (effect: string): PlanWorkloads => ({ policy: o.policy, poweredOn: [...poweredOn], effect });
  switch (o.policy) {
    case 'shutdown':
      return {
        ...plan,
        vms: vms(
          `stopped before the first change by a guest shutdown (up to ${seconds(o.guestShutdownTimeoutMs)}` +
            (o.forcePowerOff
              ? ', then powered off hard: --force-power-off)'
              : '; one still running then leaves the host unchanged, needs-attention)') +
            ', and powered on again in this order once the host is verified',
        ),
      };
    case 'wait':
      return {
        ...plan,
        vms: vms(
          `apply waits up to ${seconds(o.drainDeadlineMs)} for their owners to power them off, changing nothing before; then needs-attention`,
        ),
      };
    case 'refuse':
      return {
        ...plan,
        blockers: [
          `${poweredOn.length} VM(s) powered on: ${names}; --vm-policy refuse leaves a host with running VMs untouched ` +
            `(apply ends it as needs-attention): power them off, or use --vm-policy wait or shutdown ` +
            `(then ${plan.reboots} reboot(s))`,
        ],
        phases: [],
        reboots: 0,
        coldReboots: 0,
        maybeColdReboots: 0,
        vms: vms('the host is left untouched while they run'),
      };
  }
}
