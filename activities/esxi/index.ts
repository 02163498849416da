import { Context } from '@temporalio/activity';
import type { HostActivities, HostStepInput } from '../contract';
import type { SshRunner } from '../ssh';
import { asActivity, StepCommands } from '../step-context';
import { isReadOnlyCommand } from './commands';
import { reloadNmlx5Module } from './module-reload';
import { installMftTools } from './software';
import { restoreModuleOptions, setModuleOption } from './module-options';
import { setMlxconfig, setQuickBoot } from './firmware';
import { listMstDevices, readBootMarker, readCards, readHostFacts } from './read-state';
import { awaitHostReturn, rebootAndAwaitReturn, rebootIfStill, setMaintenanceMode } from './reboot';
import { enterMaintenance, exitMaintenance, readPeerMaintenance } from './maintenance';
import { listVms } from './vm-list';
import { startVms, stopVms } from './vm-power';

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** The ESXi host activities over one shared SSH runner (one pooled connection per host). */
export function createHostActivities(runner: SshRunner): HostActivities {
  /** Run a step's body with its command recorder, and return its result with the commands it ran. */
  const step = <R extends object>(input: HostStepInput, body: (cmd: StepCommands) => Promise<R>) =>
    asActivity(async () => {
      const cmd = new StepCommands(runner, input.host, input.timing, input.step, isReadOnlyCommand);
      const result = await body(cmd);
      return { ...result, commands: cmd.commands };
    });

  /** The boot marker read after a write, recorded as the reboot's boot-marker step (`readBootMarkerAs`). */
  const markerAfterWrite = (input: HostStepInput & { readBootMarkerAs?: string }) => {
    const as = input.readBootMarkerAs;
    if (as === undefined) return undefined;
    return async () => {
      const marker = new StepCommands(runner, input.host, input.timing, as, isReadOnlyCommand);
      return { ...(await readBootMarker(marker)), commands: marker.commands };
    };
  };

  return {
    readHostFacts: (input) => step(input, readHostFacts),
    readBootMarker: (input) => step(input, (cmd) => readBootMarker(cmd)),
    setModuleOption: (input) =>
      step(input, (cmd) =>
        setModuleOption(cmd, input.key, input.value, input.override, markerAfterWrite(input)),
      ),
    restoreModuleOptions: (input) =>
      step(input, (cmd) => restoreModuleOptions(cmd, input.original, input.key, markerAfterWrite(input))),
    setMaintenanceMode: (input) => step(input, (cmd) => setMaintenanceMode(cmd, input.enabled, input.timing)),
    rebootIfStill: (input) =>
      step(input, (cmd) => rebootIfStill(cmd, runner, input.timing, { ...input, attempt: attempt() })),
    awaitHostReturn: (input) => step(input, (cmd) => awaitHostReturn(cmd, input.timing, input)),
    rebootAndAwaitReturn: (input) =>
      step(input, (cmd) => rebootAndAwaitReturn(cmd, runner, input.timing, { ...input, attempt: attempt() })),
    listMstDevices: (input) =>
      step(input, async (cmd) => ({ devices: await listMstDevices(cmd, input.require) })),
    readCards: (input) => step(input, (cmd) => readCards(cmd, input.devices)),
    setMlxconfig: (input) => step(input, (cmd) => setMlxconfig(cmd, input.device, input.values)),
    setQuickBoot: (input) => step(input, (cmd) => setQuickBoot(cmd, input.enabled)),
    reloadNmlx5Module: (input) => step(input, (cmd) => reloadNmlx5Module(cmd, input.force)),
    installMftTools: (input) => step(input, (cmd) => installMftTools(cmd, input.depots, input.method)),
    listVms: (input) => step(input, async (cmd) => ({ vms: await listVms(cmd, input.devices) })),
    stopVms: (input) => step(input, (cmd) => stopVms(cmd, input.timing, input)),
    startVms: (input) => step(input, (cmd) => startVms(cmd, input)),
    enterMaintenance: (input) => step(input, (cmd) => enterMaintenance(cmd, input.timing, input)),
    exitMaintenance: (input) => step(input, (cmd) => exitMaintenance(cmd)),
    readPeerMaintenance: (input) =>
      asActivity(() => readPeerMaintenance(runner, input.timing, input.step, input.peers)),
  };
}
