import { ApplicationFailure } from '@temporalio/common';
import type {
  VcenterHostInput,
  VcenterHostSummary,
  VcenterHostView,
  VcenterMaintenanceEntry,
  VcenterMaintenanceInput,
  VcenterRebootInput,
  VcenterRebootResult,
  VcenterSshInput,
  VcenterSwitch,
  VcenterActivities,
} from '../contract';
import type { HostRef } from '../../common/targets';
import type { VcenterRef } from '../../common/vcenter-schemas';
import { setTimeout as sleep } from 'node:timers/promises';
import { activitySignal, asActivity, heartbeat } from '../step-context';
import { Govc } from './govc';
import { VcenterError } from './govc-run';

// Govc (govc.ts) as activities (issue #14): each reads the host's state through vCenter, acts only
// if needed and reads back. Refusals that retrying cannot change (no vCenter on the host, a
// credential, certificate or login problem, a host vCenter does not know) fail non-retryably.

export const VCENTER_REFUSED = 'VcenterRefused';
export const VCENTER_FAILED = 'VcenterFailed';

const REFUSED_KINDS: readonly string[] = [
  'credential',
  'certificate',
  'login',
  'not-found',
  'govc-missing',
  'unsupported',
];

export type GovcFor = (vcenter: VcenterRef) => Govc;

export function createVcenterActivities(govcFor: GovcFor): VcenterActivities {
  const withGovc = <T>(host: HostRef, body: (govc: Govc) => Promise<T>): Promise<T> =>
    asActivity(async () => {
      if (!host.vcenter)
        throw ApplicationFailure.create({
          type: VCENTER_REFUSED,
          message: `host ${host.name} has no vcenter in its inventory`,
          nonRetryable: true,
        });
      try {
        return await body(govcFor(host.vcenter));
      } catch (err) {
        if (!(err instanceof VcenterError)) throw err;
        throw ApplicationFailure.create({
          type: REFUSED_KINDS.includes(err.kind) ? VCENTER_REFUSED : VCENTER_FAILED,
          message: `${host.name}: ${err.field ? `${err.field}: ` : ''}${err.message}`,
          nonRetryable: REFUSED_KINDS.includes(err.kind),
          details: [{ kind: err.kind }],
        });
      }
    });

  return {
    vcenterHostState: ({ host }: VcenterHostInput) => withGovc(host, (govc) => summary(govc, host.name)),

    vcenterHostView: ({ host }: VcenterHostInput) =>
      withGovc(host, async (govc): Promise<VcenterHostView> => {
        // Three independent reads, at once (each govc run costs seconds on a busy vCenter).
        const [state, clusters, ssh] = await Promise.all([
          govc.hostState(host.name),
          govc.clusters(),
          govc.sshService(host.name),
        ]);
        const cluster = clusters.find((c) => c.hosts.includes(state.moref));
        return {
          connectionState: state.connectionState,
          inMaintenanceMode: state.inMaintenanceMode,
          bootTime: state.bootTime,
          vms: state.vmDetails.map((vm) => ({ name: vm.name, powerState: vm.powerState })),
          ...(cluster
            ? { cluster: { name: cluster.name, drs: cluster.drs, ha: cluster.ha, vsan: cluster.vsan } }
            : {}),
          vmotionable: state.vmDetails.filter((vm) => vm.vmotionable).map((vm) => vm.name),
          ssh: { running: ssh.running, policy: ssh.policy },
        };
      }),

    vcenterAwaitReturn: ({ host, previousBootTime, pollMs }) =>
      withGovc(host, async (govc) => {
        const signal = activitySignal();
        for (let polls = 1; ; polls++) {
          // While the host is down vCenter still answers (the host "not responding"); a failing poll
          // (vCenter itself briefly away) is retried by the next one. Its VMs are read once it is back.
          const state = await govc.host(host.name).catch(() => undefined);
          if (state?.connectionState === 'connected' && state.bootTime !== previousBootTime) {
            const back = await summary(govc, host.name).catch(() => undefined);
            if (back?.connectionState === 'connected' && back.bootTime !== previousBootTime) return back;
          }
          heartbeat({ polls, connectionState: state?.connectionState ?? 'unknown' });
          if (signal?.aborted) throw signal.reason;
          await sleep(pollMs);
        }
      }),

    vcenterSshState: ({ host }: VcenterHostInput) =>
      withGovc(host, async (govc) => {
        const ssh = await govc.sshService(host.name);
        return { running: ssh.running, policy: ssh.policy };
      }),

    vcenterSetSshRunning: ({ host, running }: VcenterSshInput) =>
      withGovc(host, async (govc): Promise<VcenterSwitch> => {
        const before = (await govc.sshService(host.name)).running;
        if (before !== running) await govc.setSshRunning(host.name, running);
        const after = (await govc.sshService(host.name)).running;
        if (after !== running)
          throw new VcenterError(
            'other',
            `TSM-SSH is ${after ? 'running' : 'stopped'} after ${running ? 'start' : 'stop'}`,
          );
        return { before, changed: before !== running };
      }),

    vcenterEnterMaintenance: ({ host, timeoutSeconds, vsanMode }: VcenterMaintenanceInput) =>
      withGovc(host, async (govc): Promise<VcenterMaintenanceEntry> => {
        const found = await govc.hostState(host.name);
        const before = found.inMaintenanceMode;
        const wereOn = found.vmDetails.filter((vm) => vm.powerState === 'poweredOn').map((vm) => vm.name);
        if (!before) {
          try {
            await govc.enterMaintenance(host.name, { timeoutSeconds, vsanMode });
          } catch (err) {
            if (!(err instanceof VcenterError) || err.kind !== 'timedout') throw err;
            // DRS moved what it could; what still runs on the host is what blocked the entry.
            const left = (await govc.hostState(host.name)).vmDetails.filter(
              (vm) => vm.powerState === 'poweredOn',
            );
            return {
              before,
              changed: false,
              entered: false,
              failure: 'timed-out',
              blockedBy: left.map((vm) => vm.name),
            };
          }
        }
        const after = await govc.hostState(host.name);
        if (!after.inMaintenanceMode)
          throw new VcenterError(
            'other',
            'vCenter does not show the host in maintenance mode after entering it',
          );
        const still = new Set(after.vmDetails.map((vm) => vm.name));
        return { before, changed: !before, entered: true, evacuated: wereOn.filter((vm) => !still.has(vm)) };
      }),

    vcenterExitMaintenance: ({ host }: VcenterHostInput) =>
      withGovc(host, async (govc): Promise<VcenterSwitch> => {
        const before = (await govc.host(host.name)).inMaintenanceMode;
        if (before) await govc.exitMaintenance(host.name);
        if ((await govc.host(host.name)).inMaintenanceMode)
          throw new VcenterError(
            'other',
            'vCenter still shows the host in maintenance mode after exiting it',
          );
        return { before, changed: before };
      }),

    vcenterRebootHost: ({ host, expectedBootTime, force }: VcenterRebootInput) =>
      withGovc(host, async (govc): Promise<VcenterRebootResult> => {
        // The boot-marker guard: a boot time other than the recorded one means an earlier attempt's
        // reboot already happened, so this one must not reboot again.
        const now = await govc.host(host.name);
        if (now.bootTime !== expectedBootTime)
          return {
            issued: false,
            detail: `boot time is ${now.bootTime ?? 'unknown'}, not the recorded ${expectedBootTime ?? 'unknown'}: already rebooted`,
          };
        await govc.reboot(host.name, { force });
        return {
          issued: true,
          detail: `RebootHost_Task accepted (boot time was ${expectedBootTime ?? 'unknown'})`,
        };
      }),
  };
}

async function summary(govc: Govc, name: string): Promise<VcenterHostSummary> {
  const s = await govc.hostState(name);
  return {
    connectionState: s.connectionState,
    inMaintenanceMode: s.inMaintenanceMode,
    bootTime: s.bootTime,
    vms: s.vmDetails.map((vm) => ({ name: vm.name, powerState: vm.powerState })),
  };
}
