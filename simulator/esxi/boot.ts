import { moduleCatalog } from './catalog';
import { computeVfs, effectiveCoreParams, recoveryModeActive } from './derived';
import { activateStagedSoftware } from './software';
import { appendLog, MAX_VMKSUMMARY_LINES, MLX_PARAMS, type EsxiState } from './state';
import { startVmsAfterBoot, stopAllVms } from './vm-power';

// Power transitions of a simulated ESXi host, as pure mutations of its state.

export interface BootOptions {
  now: number;
  /** Cold boot: the adapters' firmware re-initialises and mlxconfig Next Boot becomes Current. */
  cold: boolean;
  /** Fault: the host comes back without its cards. */
  cardsMissing?: boolean;
  /** Fault: nmlx5_core is not loaded after boot (nmlx5_rdma is). */
  moduleUnloaded?: boolean;
}

/**
 * A host's log before the simulation: the reboot that led to its current boot, `tookMs` long (so a
 * rollout can read how long this host takes to reboot, as it would on a real host's vmksummary.log).
 */
export function recordEarlierReboot(state: EsxiState, bootedAt: number, tookMs: number): void {
  appendLog(
    state.logs.vmksummary,
    `${new Date(bootedAt - tookMs).toISOString()} bootstop: Host is rebooting`,
    MAX_VMKSUMMARY_LINES,
  );
}

/** The host goes down: marker in vmksummary.log, every session is gone, running VMs stop hard. */
export function shutdownHost(state: EsxiState, now: number): void {
  if (state.power === 'off') return;
  stopAllVms(state);
  appendLog(
    state.logs.vmksummary,
    `${new Date(now).toISOString()} bootstop: Host is rebooting`,
    MAX_VMKSUMMARY_LINES,
  );
  state.power = 'off';
}

/** Modules loaded at boot: every catalog module whose VIB is installed; nmlx5_core with its stored options. */
function modulesAtBoot(state: EsxiState): Record<string, string> {
  const loaded: Record<string, string> = {};
  for (const [name, info] of Object.entries(moduleCatalog)) {
    if (info.vib === 'nmst' && !state.vibs.nmst) continue;
    loaded[name] = state.moduleOptions[name] ?? '';
  }
  return loaded;
}

export function bootHost(state: EsxiState, o: BootOptions): void {
  // Software installed since the last boot (esxcli software ... -d) is the new image's.
  activateStagedSoftware(state);
  if (o.cold) {
    for (const card of state.cards) {
      for (const p of MLX_PARAMS) {
        const v = card.mlxconfig[p];
        if (v) v.current = v.next;
      }
    }
  }
  const firstBoot = state.boot.count === 0;
  const count = state.boot.count + 1;
  state.boot = {
    count,
    bootedAt: o.now,
    cold: o.cold,
    loaded: modulesAtBoot(state),
    claimed: false,
    cardsPresent: !o.cardsMissing,
    devmgrWid: devmgrWid(state.name, count),
    vfs: [],
  };
  if (o.moduleUnloaded) delete state.boot.loaded.nmlx5_core;
  state.power = 'on';
  claimDevices(state);
  // Guide 2.4: one boot in recovery mode makes hidden cards visible for good.
  if (state.boot.claimed && recoveryModeActive(state)) state.cardsHidden = false;
  startVmsAfterBoot(state, firstBoot);
  appendLog(
    state.logs.vmksummary,
    `${new Date(o.now).toISOString()} bootstop: Host has booted`,
    MAX_VMKSUMMARY_LINES,
  );
}

/** vmkdevmgr binds the present cards to a loaded nmlx5_core; VFs are created per max_vfs. */
export function claimDevices(state: EsxiState): void {
  if (state.boot.loaded.nmlx5_core === undefined || !state.boot.cardsPresent) return;
  state.boot.claimed = true;
  state.boot.vfs = computeVfs(state, effectiveCoreParams(state));
}

/** nmlx5_core unloaded: the cards lose their driver. */
export function releaseDevices(state: EsxiState): void {
  state.boot.claimed = false;
  state.boot.vfs = [];
}

function devmgrWid(name: string, bootCount: number): number {
  let h = 2166136261;
  for (const c of `${name}#${bootCount}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return 2097200 + ((h >>> 0) % 90000);
}
