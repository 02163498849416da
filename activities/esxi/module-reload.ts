import { ApplicationFailure } from '@temporalio/common';
import { STEP_COMMAND_FAILED } from '../../common/procedure-failures';
import type { ModuleReloadResult } from '../contract';
import { outputExcerpt, type StepCommands } from '../step-context';
import { esxCommands, MODULE } from './commands';
import { findVmkdevmgrWid, parsePsC, parseVmkloadModList } from './parsers';
import { readMstDevices } from './read-state';

const RDMA = 'nmlx5_rdma';

/**
 * The troubleshooting section's non-persistent recovery: unload nmlx5_rdma and nmlx5_core, load
 * nmlx5_core with mst_recovery=1, HUP vmkdevmgr so it rescans. Each action is taken only if still
 * needed, so a retried attempt continues where the last one stopped.
 */
export async function reloadNmlx5Module(
  cmd: StepCommands,
  force: boolean,
): Promise<Omit<ModuleReloadResult, 'commands'>> {
  const loaded = async () =>
    parseVmkloadModList(await cmd.check(esxCommands.loadedModules)).map((m) => m.name);
  const initially = await loaded();
  const wasLoaded = initially.includes(MODULE);
  const actions: string[] = [];
  if (!wasLoaded || force) {
    if (initially.includes(RDMA)) {
      await cmd.check(esxCommands.unloadModule(RDMA));
      actions.push(`unloaded ${RDMA}`);
    }
    // The guide unloads nmlx5_core even when it looks unloaded (what is left of it must go before the load);
    // "Not found" only confirms it is gone.
    const unload = await cmd.run(esxCommands.unloadModule(MODULE));
    if (unload.code === 0) actions.push(`unloaded ${MODULE}`);
    else if (!/not found/i.test(unload.stdout + unload.stderr)) {
      throw ApplicationFailure.create({
        type: STEP_COMMAND_FAILED,
        message: `${cmd.endpoint.name}: \`${esxCommands.unloadModule(MODULE)}\` exited ${unload.code}: ${outputExcerpt(unload)}`,
        nonRetryable: true,
      });
    }
    await cmd.check(esxCommands.loadModule(MODULE, ['mst_recovery=1']));
    actions.push(`loaded ${MODULE} mst_recovery=1 (until the next reboot)`);
  }
  let devices = await readMstDevices(cmd);
  if (actions.length > 0 || devices.length === 0) {
    const wid = findVmkdevmgrWid(parsePsC(await cmd.check(esxCommands.worlds)));
    if (wid === undefined) throw new Error(`${cmd.endpoint.name}: vmkdevmgr is not running (ps -c)`);
    await cmd.check(esxCommands.hup(wid));
    actions.push(`sent HUP to vmkdevmgr (${wid})`);
    devices = await readMstDevices(cmd);
  }
  return { wasLoaded, actions, mstDevices: devices };
}
