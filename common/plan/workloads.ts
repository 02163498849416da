import { maintenanceWindowSteps as windowSteps } from '../procedure-steps';
import { maintenanceTimeoutSeconds, workloadOptions } from '../workloads';
import type { PlannedStep, PlanOptions } from './types';

// The planned steps around a rebooting procedure's changes (workflows/host/maintenance.ts): the
// host's VMs as the policy says, the vSAN peers and maintenance mode before; after, the way back.

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/**
 * Before a rebooting procedure's first change: the host's VMs as the policy says, the vSAN peers,
 * maintenance mode with a timeout. The VMs themselves are read at run time.
 */
export function workloadsBefore(o: PlanOptions): PlannedStep[] {
  const w = workloadOptions(o.vms);
  const read = ['vim-cmd vmsvc/getallvms', 'esxcli vm process list'];
  const policyNote = {
    refuse:
      'VMs are read at run time (preflight lists them): a host with a powered-on VM is left untouched, needs-attention naming the VMs (--vm-policy refuse)',
    wait: 'VMs are read at run time (preflight lists them): a host with powered-on VMs waits for their owners to power them off (--vm-policy wait)',
    shutdown:
      'VMs are read at run time (preflight lists them): the powered-on VMs are recorded before any is stopped (--vm-policy shutdown)',
  }[w.policy];
  const steps: PlannedStep[] = [{ step: windowSteps.vmsRead, commands: read, note: policyNote }];
  if (w.policy === 'wait')
    steps.push({
      step: windowSteps.vmsDrain,
      commands: read,
      note: `polled until no VM is powered on, up to the drain deadline of ${seconds(w.drainDeadlineMs)}; nothing is changed before; then needs-attention naming the VMs`,
    });
  if (o.vsan)
    steps.push({
      step: windowSteps.vsanPeers,
      commands: ['[each other host of the cluster] esxcli system maintenanceMode get'],
      note: 'hosts of vsan: true clusters only: none enters maintenance mode while another host of its cluster is in it',
    });
  if (w.policy === 'shutdown')
    steps.push({
      step: windowSteps.vmsStop,
      commands: [
        'esxcli vm process list',
        'vim-cmd vmsvc/power.shutdown <vmid>',
        ...(w.forcePowerOff ? ['vim-cmd vmsvc/power.off <vmid>'] : []),
      ],
      note:
        `each powered-on VM: guest shutdown, up to ${seconds(w.guestShutdownTimeoutMs)}; ` +
        (w.forcePowerOff
          ? 'then a hard power-off of those still running (--force-power-off)'
          : 'VMs still running then: needs-attention naming them, the others powered on again, nothing changed'),
    });
  if (o.maintenanceMode ?? true)
    steps.push({
      step: windowSteps.maintenanceOn,
      commands: [
        'esxcli system maintenanceMode get',
        `esxcli system maintenanceMode set -e true -t ${maintenanceTimeoutSeconds(w)}`,
        'esxcli system maintenanceMode get',
      ],
      note:
        `skipped when already in maintenance mode; vsan: true clusters add -m ${w.vsanMode}; ` +
        `not entered in time: ${w.maintenanceRetries} more tr${w.maintenanceRetries === 1 ? 'y' : 'ies'} after ${seconds(w.maintenanceRetryDelayMs)}, then needs-attention with the VMs that blocked it, nothing changed`,
    });
  return steps;
}

/** After the last verification: maintenance mode off (retried), then the VMs the policy stopped on again. */
export function workloadsAfter(o: PlanOptions): PlannedStep[] {
  const w = workloadOptions(o.vms);
  return [
    ...((o.maintenanceMode ?? true)
      ? [
          {
            step: windowSteps.maintenanceOff,
            commands: [
              'esxcli system maintenanceMode get',
              'esxcli system maintenanceMode set -e false',
              'esxcli system maintenanceMode get',
            ],
            note: `only if ibfleet entered it; retried ${w.maintenanceRetries} time(s) (it fails transiently right after a boot)`,
          },
        ]
      : []),
    ...(w.policy === 'shutdown'
      ? [
          {
            step: windowSteps.vmsStart,
            commands: ['vim-cmd vmsvc/power.getstate <vmid>', 'vim-cmd vmsvc/power.on <vmid>'],
            note: 'exactly the VMs stopped, in their order; a VM already on is left alone',
          },
        ]
      : []),
  ];
}
