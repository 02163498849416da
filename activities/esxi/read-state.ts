import { ApplicationFailure } from '@temporalio/common';
import type { BootMarker, CardInfo, CardsState, HostFacts, MlxParam } from '../contract';
import { VERIFICATION_FAILED } from '../../common/procedure-failures';
import type { StepCommands } from '../step-context';
import { esxCommands, MODULE } from './commands';
import { rejectWith } from './firmware';
import {
  groupMstCards,
  parseEsxcfgModuleGet,
  parseMaintenanceMode,
  parseMlxconfigQuery,
  parseModuleOptions,
  parseMstStatus,
  parseMstStatusVerbose,
  parseNicList,
  parseSriovVfList,
  parseSystemVersion,
  parseUptimeMicros,
  parseVibList,
  parseVmkloadModList,
  parseVmksummaryBoots,
} from './parsers';

const RELEVANT_VIBS = /^(nmlx|mft$|nmst$)/;

/** The stored nmlx5_core option string, exactly as esxcfg-module shows it. */
export async function readModuleOptions(cmd: StepCommands): Promise<string> {
  return parseEsxcfgModuleGet(await cmd.check(esxCommands.moduleOptions)).options;
}

export function optionValues(options: string): Record<string, string> {
  return Object.fromEntries(parseModuleOptions(options).map((o) => [o.key, o.value ?? '']));
}

/**
 * Cards listed by `mst status`, one device per card (see mst-cards.ts: a card listed under several
 * access paths counts once); empty when the cards are hidden or mst is not installed.
 */
export async function readMstDevices(
  cmd: StepCommands,
  opts: { connectTimeoutMs?: number } = {},
): Promise<string[]> {
  const r = await cmd.run(esxCommands.mstStatus, opts);
  if (r.code === 127) return []; // MFT/NMST not installed: preflight reports it from the VIB list.
  if (r.code !== 0 && r.stdout.trim() === '') return [];
  return groupMstCards(parseMstStatus(r.stdout)).map((c) => c.device);
}

/** The boot marker: vmksummary's boot count, and boot time = controller clock − uptime. */
export async function readBootMarker(
  cmd: StepCommands,
  opts: { connectTimeoutMs?: number; record?: boolean } = {},
): Promise<BootMarker> {
  const [boots, uptime] = await Promise.all([
    cmd.run(esxCommands.boots, opts),
    cmd.run(esxCommands.uptime, opts),
  ]);
  // grep exits 1 when there is no boot line yet: a count of 0, not an error.
  if (boots.code > 1) throw new Error(`${esxCommands.boots} exited ${boots.code}`);
  if (uptime.code !== 0) throw new Error(`${esxCommands.uptime} exited ${uptime.code}`);
  const uptimeMs = Math.floor(parseUptimeMicros(uptime.stdout) / 1000);
  return { boots: parseVmksummaryBoots(boots.stdout).bootCount, bootTimeMs: Date.now() - uptimeMs, uptimeMs };
}

/** Boot times read twice within one boot differ by measurement noise only; a reboot moves them by far more. */
const BOOT_TIME_TOLERANCE_MS = 2_000;

/** A reboot is proven only by a marker that differs from the one recorded before it. */
export function markerChanged(before: BootMarker, now: BootMarker): boolean {
  return now.boots !== before.boots || now.bootTimeMs > before.bootTimeMs + BOOT_TIME_TOLERANCE_MS;
}

export function sameBoot(a: BootMarker, b: BootMarker): boolean {
  return a.boots === b.boots && Math.abs(a.bootTimeMs - b.bootTimeMs) <= BOOT_TIME_TOLERANCE_MS;
}

export async function readHostFacts(cmd: StepCommands): Promise<Omit<HostFacts, 'commands'>> {
  const [version, vibs, modules, options, mstDevices, maintenance, nics, bootMarker] = await Promise.all([
    cmd.check(esxCommands.version).then(parseSystemVersion),
    cmd.check(esxCommands.vibList).then(parseVibList),
    cmd.check(esxCommands.loadedModules).then(parseVmkloadModList),
    readModuleOptions(cmd),
    readMstDevices(cmd),
    cmd.check(esxCommands.maintenanceGet).then(parseMaintenanceMode),
    cmd.check(esxCommands.nicList).then(parseNicList),
    readBootMarker(cmd),
  ]);
  const loadedModules = modules.map((m) => m.name);
  return {
    esxiVersion: version.version,
    esxiBuild: version.build ?? '',
    vibs: vibs.filter((v) => RELEVANT_VIBS.test(v.name)).map((v) => ({ name: v.name, version: v.version })),
    moduleLoaded: loadedModules.includes(MODULE),
    loadedModules,
    moduleOptions: options,
    moduleOptionValues: optionValues(options),
    mstDevices,
    maintenanceMode: maintenance,
    nics: nics.map((n) => ({ name: n.name, pciDevice: n.pciDevice, driver: n.driver })),
    bootMarker,
  };
}

export async function listMstDevices(cmd: StepCommands, require: boolean): Promise<string[]> {
  const devices = await readMstDevices(cmd);
  if (require && devices.length === 0) {
    throw ApplicationFailure.create({
      type: VERIFICATION_FAILED,
      message: `${cmd.endpoint.name}: mst status lists no ConnectX card (the host came back without its cards)`,
      nonRetryable: true,
    });
  }
  return devices;
}

/** "0000:3b:00.1" and "3b:00.0" → "3b:00" (bus:device): the ports of one card share it. */
function busDevice(pci: string): string {
  const parts = pci.toLowerCase().split(':');
  const bus = parts[parts.length - 2] ?? '';
  const dev = (parts[parts.length - 1] ?? '').split('.')[0];
  return `${bus.replace(/^0+(?=.)/, '')}:${dev}`;
}

/** Cards (mst -vv), their mlxconfig values (Default/Current/Next Boot), nmlx5 ports in PCI order and VFs per port. */
export async function readCards(
  cmd: StepCommands,
  devices?: string[],
): Promise<Omit<CardsState, 'commands'>> {
  const [verbose, nics, options] = await Promise.all([
    cmd.run(esxCommands.mstStatusVerbose).then((r) => (r.code === 0 ? parseMstStatusVerbose(r.stdout) : [])),
    cmd.check(esxCommands.nicList).then(parseNicList),
    readModuleOptions(cmd),
  ]);
  const ports = nics
    .filter((n) => n.driver === MODULE)
    .sort((a, b) => a.pciDevice.localeCompare(b.pciDevice))
    .map((n) => ({ name: n.name, pci: n.pciDevice }));
  // One card per physical card, not per access path (pciconf0.1, pci_cr0): mlxconfig once per card.
  const rowOf = (path: string) => verbose.find((d) => d.mst === path);
  const wanted = groupMstCards(verbose.map((d) => ({ name: d.mst, pci: d.pci })))
    .filter((c) => !devices || c.paths.some((p) => devices.includes(p)))
    .map((c) => rowOf(c.device))
    .filter((d) => d !== undefined);
  // Every command made from a name the host printed is built (its shape checked) before any of them runs.
  const queries = wanted.map((d) => ({ d, query: esxCommands.mlxQuery(d.mst) }));
  const vfLists = ports.map((p) => ({ p, list: esxCommands.vfList(p.name) }));
  const cards = await Promise.all(
    queries.map(async ({ d, query: command }): Promise<CardInfo> => {
      const r = await cmd.run(command);
      if (r.code !== 0) rejectWith(cmd, d.mst, r.stdout + r.stderr);
      const query = parseMlxconfigQuery(r.stdout);
      const params: Record<string, MlxParam> = {};
      for (const p of query.params) {
        params[p.name] = {
          nextBoot: p.nextBoot,
          ...(p.default !== undefined ? { default: p.default } : {}),
          ...(p.current !== undefined ? { current: p.current } : {}),
        };
      }
      return {
        device: d.mst,
        deviceType: query.device.deviceType || d.deviceType,
        description: query.device.description,
        pci: d.pci,
        nics: ports.filter((p) => busDevice(p.pci) === busDevice(d.pci)).map((p) => p.name),
        params,
      };
    }),
  );
  const vfEntries = await Promise.all(
    vfLists.map(async ({ p, list }): Promise<[string, number]> => {
      const r = await cmd.run(list);
      // A port without SR-IOV answers with an error: it has no VFs.
      return [p.name, r.code === 0 ? parseSriovVfList(r.stdout).length : 0];
    }),
  );
  return {
    cards,
    ports: ports.map((p) => p.name),
    vfs: Object.fromEntries(vfEntries),
    moduleOptions: options,
  };
}
