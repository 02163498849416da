import type { CredentialCheckInput, CredentialCheckResult } from '../common/credential-check';
import type { Timing } from '../common/procedures';
import type { CommandRecord } from '../common/reports';
import type { GuestPairRef, HostRef, SwitchRef } from '../common/targets';

// The activities' signatures: what workflows may call (they import this file as types only) and what
// createActivities() implements. Every step reads state, acts only if needed and verifies; every result
// carries the commands it ran, for the audit trail.

export interface Audited {
  commands: CommandRecord[];
}

/** Every host step gets the host, the timings and the name of the workflow step it serves. */
export interface HostStepInput {
  host: HostRef;
  timing: Timing;
  step: string;
}

/**
 * A boot marker: the vmksummary boot count and the boot time (controller clock minus uptime).
 * A reboot is proven only when a marker read after it differs from the one recorded before it.
 */
export interface BootMarker {
  boots: number;
  bootTimeMs: number;
  uptimeMs: number;
}

export interface VibInfo {
  name: string;
  version: string;
}

export interface NicInfo {
  name: string;
  pciDevice: string;
  driver: string;
}

export interface HostFacts extends Audited {
  esxiVersion: string;
  esxiBuild: string;
  vibs: VibInfo[];
  moduleLoaded: boolean;
  loadedModules: string[];
  /** The stored nmlx5_core option string (esxcfg-module -g), exactly. */
  moduleOptions: string;
  /** The same, as key -> value. */
  moduleOptionValues: Record<string, string>;
  mstDevices: string[];
  maintenanceMode: boolean;
  nics: NicInfo[];
  bootMarker: BootMarker;
}

export interface ModuleOptionsChange extends Audited {
  before: string;
  after: string;
  changed: boolean;
}

export interface MaintenanceChange extends Audited {
  before: boolean;
  changed: boolean;
}

export interface RebootResult extends Audited {
  /** False when the marker had already changed: an earlier attempt's reboot happened. */
  issued: boolean;
  detail: string;
}

export interface HostReturn extends Audited {
  marker: BootMarker;
  waitedMs: number;
  polls: number;
}

/** A reboot and the host's return, done by one activity (rebootAndAwaitReturn). */
export interface RebootAndReturn extends HostReturn {
  reboot: { issued: boolean; detail: string; /** how long the reboot part took, ms */ tookMs: number };
}

export interface MlxParam {
  default?: string;
  current?: string;
  nextBoot: string;
}

export interface CardInfo {
  device: string;
  deviceType: string;
  description: string;
  pci: string;
  /** nmlx5 vmnics on this card, in PCI order. */
  nics: string[];
  params: Record<string, MlxParam>;
}

export interface CardsState extends Audited {
  cards: CardInfo[];
  /** Every nmlx5 port in PCI order (the order of max_vfs values). */
  ports: string[];
  /** VFs per nmlx5 port. */
  vfs: Record<string, number>;
  moduleOptions: string;
}

export interface MlxconfigChange extends Audited {
  device: string;
  changed: string[];
  alreadySet: string[];
}

export interface QuickBootChange extends Audited {
  before: boolean;
  changed: boolean;
}

export interface ModuleReloadResult extends Audited {
  wasLoaded: boolean;
  actions: string[];
  mstDevices: string[];
}

export interface SwitchState extends Audited {
  release: string;
  smEnabled: boolean;
  smVirtEnabled: boolean;
}

export interface SwitchChange extends SwitchState {
  actions: string[];
}

export interface BandwidthResult extends Audited {
  test: string;
  bidirectional: boolean;
  queuePairs: number;
  largestBytes: number;
  avgGbps: number;
  peakGbps: number;
  /** Expected line rate (x2 when bidirectional). */
  lineRateGbps: number;
  fraction: number;
  linkState: string;
}

export interface HostActivities {
  readHostFacts(input: HostStepInput): Promise<HostFacts>;
  readBootMarker(input: HostStepInput): Promise<BootMarker & Audited>;
  /**
   * Merge key=value into the stored nmlx5_core options (value null removes the key); verify by re-reading.
   * `override`: append key=value as the last word instead of editing the key in place (a temporary
   * setting), so the string from before stays in it for restoreModuleOptions.
   */
  setModuleOption(
    input: HostStepInput & { key: string; value: string | null; override?: boolean },
  ): Promise<ModuleOptionsChange>;
  /**
   * Restore the option string recorded before the procedure byte for byte; recorded with the temporary
   * override `key=1` in it (a run after an interrupted one), without that override.
   */
  restoreModuleOptions(
    input: HostStepInput & { original: string; key: string },
  ): Promise<ModuleOptionsChange>;
  setMaintenanceMode(input: HostStepInput & { enabled: boolean }): Promise<MaintenanceChange>;
  /** Reboot only if the boot marker is still `before` (a retried attempt never reboots twice). */
  rebootIfStill(
    input: HostStepInput & { before: BootMarker; reason: string; viaEsxcli: boolean },
  ): Promise<RebootResult>;
  /** Poll until the marker differs from `before` and stays for the stability window; heartbeats progress. */
  awaitHostReturn(input: HostStepInput & { before: BootMarker; deadlineAt: number }): Promise<HostReturn>;
  /** rebootIfStill then awaitHostReturn, as one activity with both guards (see activities/esxi/reboot.ts). */
  rebootAndAwaitReturn(
    input: HostStepInput & { before: BootMarker; reason: string; viaEsxcli: boolean; deadlineAt: number },
  ): Promise<RebootAndReturn>;
  /** mst status; fails with VerificationFailed when `require` and no card is listed. */
  listMstDevices(input: HostStepInput & { require: boolean }): Promise<Audited & { devices: string[] }>;
  readCards(input: HostStepInput & { devices?: string[] }): Promise<CardsState>;
  setMlxconfig(
    input: HostStepInput & { device: string; values: Record<string, string> },
  ): Promise<MlxconfigChange>;
  setQuickBoot(input: HostStepInput & { enabled: boolean }): Promise<QuickBootChange>;
  reloadNmlx5Module(input: HostStepInput & { force: boolean }): Promise<ModuleReloadResult>;
}

export interface SwitchStepInput {
  target: SwitchRef;
  timing: Timing;
  step: string;
}

export interface SwitchActivities {
  readSwitchState(input: SwitchStepInput): Promise<SwitchState>;
  enableSmVirt(input: SwitchStepInput & { restartSm: boolean }): Promise<SwitchChange>;
}

export interface BandwidthTestInput {
  pair: GuestPairRef;
  timing: Timing;
  step: string;
  test: string;
  queuePairs: number;
  bidirectional: boolean;
  lineRateGbps: number;
  port: number;
}

export interface PerftestActivities {
  runBandwidthTest(input: BandwidthTestInput): Promise<BandwidthResult>;
}

/** Each host's last reboot duration (ms) from its vmksummary.log; hosts without one are `unknown`. */
export interface RebootDurations {
  durationsMs: Record<string, number>;
  unknown: string[];
}

/** Activities of a rollout itself (not of one host). */
export interface FleetActivities {
  readRebootDurations(input: { hosts: HostRef[]; timing: Timing }): Promise<RebootDurations>;
  /** Resolve every credential reference on this worker, connecting nowhere; problems by endpoint and field. */
  checkCredentials(input: CredentialCheckInput): Promise<CredentialCheckResult>;
}

export type IbfleetActivities = HostActivities & SwitchActivities & PerftestActivities & FleetActivities;
