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
  /**
   * When asked (`readBootMarkerAs`): the boot marker, read after the write (with its read-back), for the
   * reboot that applies it; its commands are recorded under that step.
   */
  bootMarker?: BootMarker & Audited;
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
  /**
   * When asked (`listCardsAs`): `mst status` read alongside the boot-marker read that ended the stability
   * window, on the same connection (so on the same boot), with its commands recorded under that step.
   * Absent when that read did not succeed: the workflow then lists the cards in a step of its own.
   */
  cards?: Audited & { devices: string[] };
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

/** A registered VM as the VM steps see it (vim-cmd getallvms, esxcli vm process list, its .vmx). */
export interface VmInfo {
  vmid: number;
  name: string;
  /** "[datastore1] vm/vm.vmx". */
  file: string;
  power: 'on' | 'off' | 'suspended';
  /** Devices passed through (read from the .vmx only when asked; absent when it could not be read). */
  devices?: { kind: 'passthrough' | 'sriov'; id?: string; pf?: string }[];
  /** Why the devices are not known. */
  devicesUnknown?: string;
}

export interface VmListing extends Audited {
  /** In vmid order. */
  vms: VmInfo[];
}

/** A VM to stop or start: its vmid, and name and file to recognise it in `esxcli vm process list`. */
export interface VmRef {
  vmid: number;
  name: string;
  file: string;
}

export interface VmStopOutcome {
  vmid: number;
  name: string;
  /** Absent: still running at the deadline (and no hard power-off allowed). */
  how?: 'guest-shutdown' | 'hard-off' | 'already-off';
  shutdownRequestedAt?: string;
  stoppedAt?: string;
  detail?: string;
}

export interface VmStartOutcome {
  vmid: number;
  name: string;
  result: 'powered-on' | 'already-on' | 'failed';
  at: string;
  /** Why it failed (the vSphere fault's message). */
  error?: string;
}

export interface MaintenanceEntry extends Audited {
  entered: boolean;
  /** It was in maintenance mode already. */
  already: boolean;
  /** Why it was not entered: -t expired, the entry was cancelled, or the host refused (its words in `message`). */
  failure?: 'timed-out' | 'canceled' | 'refused';
  message?: string;
  /** VMs still powered on after a timeout: what blocked it. */
  blockedBy?: string[];
}

export interface MaintenanceExit extends Audited {
  exited: boolean;
  already: boolean;
  /** The host's words when it did not leave maintenance mode. */
  message?: string;
}

export interface PeerMaintenance extends Audited {
  /** Peers in maintenance mode. */
  inMaintenance: string[];
  /** Peers whose state could not be read (a down peer may well be in maintenance mode). */
  unreadable: { name: string; reason: string }[];
}

/** NVIDIA MFT/NMST installed from offline depots (esxcli software component apply / vib install -d). */
export interface SoftwareInstall extends Audited {
  /** What ESXi said per depot. */
  depots: {
    depot: string;
    message: string;
    installed: string[];
    skipped: string[];
    rebootRequired: boolean;
  }[];
  /** The installed VIBs become active only at the next boot. */
  rebootRequired: boolean;
  /** The mft and nmst VIBs of the image the next boot runs (read back). */
  nextBootVibs: VibInfo[];
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
    input: HostStepInput & {
      key: string;
      value: string | null;
      override?: boolean;
      /** Also read the boot marker after the write, recorded as this step (the reboot's boot-marker-N). */
      readBootMarkerAs?: string;
    },
  ): Promise<ModuleOptionsChange>;
  /**
   * Restore the option string recorded before the procedure byte for byte; recorded with the temporary
   * override `key=1` in it (a run after an interrupted one), without that override.
   */
  restoreModuleOptions(
    input: HostStepInput & { original: string; key: string; readBootMarkerAs?: string },
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
    input: HostStepInput & {
      before: BootMarker;
      reason: string;
      viaEsxcli: boolean;
      deadlineAt: number;
      /** Also list the cards (`mst status`) with the window's last read, recorded as this step. */
      listCardsAs?: string;
    },
  ): Promise<RebootAndReturn>;
  /** mst status; fails with VerificationFailed when `require` and no card is listed. */
  listMstDevices(input: HostStepInput & { require: boolean }): Promise<Audited & { devices: string[] }>;
  readCards(input: HostStepInput & { devices?: string[] }): Promise<CardsState>;
  setMlxconfig(
    input: HostStepInput & { device: string; values: Record<string, string> },
  ): Promise<MlxconfigChange>;
  setQuickBoot(input: HostStepInput & { enabled: boolean }): Promise<QuickBootChange>;
  reloadNmlx5Module(input: HostStepInput & { force: boolean }): Promise<ModuleReloadResult>;
  /** Install MFT and NMST from `depots` (guide 2) unless present; verified against the next boot's image. */
  installMftTools(
    input: HostStepInput & { depots: string[]; method: 'component' | 'vib' },
  ): Promise<SoftwareInstall>;
  /** The registered VMs with their power state (and, with `devices`, what their .vmx passes through). */
  listVms(input: HostStepInput & { devices: boolean }): Promise<VmListing>;
  /**
   * Guest shutdown of each VM still running, then wait until all are off or `deadlineAt`; then, only with
   * `forcePowerOff`, a hard power-off of the rest. Heartbeats its progress; a retry continues from it.
   */
  stopVms(
    input: HostStepInput & { vms: VmRef[]; deadlineAt: number; forcePowerOff: boolean },
  ): Promise<Audited & { vms: VmStopOutcome[] }>;
  /** Power on each VM that is off, in order (a VM already on is left alone: safe to retry). */
  startVms(input: HostStepInput & { vms: VmRef[] }): Promise<Audited & { vms: VmStartOutcome[] }>;
  /** `esxcli system maintenanceMode set -e true -t T [-m MODE]`, unless already in it; never without -t. */
  enterMaintenance(
    input: HostStepInput & { timeoutSeconds: number; vsanMode?: string },
  ): Promise<MaintenanceEntry>;
  /** `esxcli system maintenanceMode set -e false`, unless already out of it. */
  exitMaintenance(input: HostStepInput): Promise<MaintenanceExit>;
  /** `esxcli system maintenanceMode get` on each peer (other hosts of a vSAN cluster). */
  readPeerMaintenance(input: HostStepInput & { peers: HostRef[] }): Promise<PeerMaintenance>;
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
  /**
   * Resolve every credential reference on this worker, connecting nowhere except to the vCenters the
   * hosts name (thumbprint, login, host known); problems by endpoint and field.
   */
  checkCredentials(input: CredentialCheckInput): Promise<CredentialCheckResult>;
}

// ---- through vCenter (issue #14; activities/vcenter/activities.ts) --------------------------------

/** The host (with its `vcenter`): vCenter names it as the inventory does. */
export interface VcenterHostInput {
  host: HostRef;
}

/** What vCenter shows of a host. */
export interface VcenterHostSummary {
  connectionState: 'connected' | 'disconnected' | 'notResponding';
  inMaintenanceMode: boolean;
  /** ISO time of the current boot as vCenter saw it: the boot marker of a reboot through vCenter. */
  bootTime: string | null;
  vms: { name: string; powerState: 'poweredOn' | 'poweredOff' | 'suspended' }[];
}

/** Preflight's read of a host through vCenter: its state, cluster, VMs and SSH service. */
export interface VcenterHostView extends VcenterHostSummary {
  /** Absent: a standalone host (in no cluster). */
  cluster?: {
    name: string;
    drs: { enabled: boolean; behavior: 'manual' | 'partiallyAutomated' | 'fullyAutomated' | null };
    ha: boolean;
    vsan: boolean;
  };
  /** No passthrough, SR-IOV or vGPU device: DRS can move them, per VM name. */
  vmotionable: string[];
  ssh: { running: boolean; policy: 'on' | 'off' | 'automatic' };
}

export interface VcenterSshInput extends VcenterHostInput {
  running: boolean;
}

export interface VcenterMaintenanceInput extends VcenterHostInput {
  /** EnterMaintenanceMode_Task's timeout (DRS evacuates what it can meanwhile). */
  timeoutSeconds: number;
  /** vSAN hosts: the data mode (govc v0.46.3 can send only vCenter's default, GOVC_VSAN_MODE). */
  vsanMode?: string;
}

/** A maintenance-mode entry through vCenter: entered (before/changed), or timed out with what blocked it. */
export interface VcenterMaintenanceEntry extends VcenterSwitch {
  entered: boolean;
  failure?: 'timed-out';
  /** VMs still powered on on the host when the entry timed out. */
  blockedBy?: string[];
  /** Powered-on VMs that left the host during the entry (DRS moved them to other hosts). */
  evacuated?: string[];
}

export interface VcenterRebootInput extends VcenterHostInput {
  /** The boot time recorded before the reboot: RebootHost_Task is sent only while it is still current. */
  expectedBootTime: string | null;
  /** RebootHost_Task's force: reboot a host that is not in maintenance mode. */
  force?: boolean;
}

export interface VcenterRebootResult {
  /** False when the boot time had already changed: an earlier attempt's reboot happened. */
  issued: boolean;
  detail: string;
}

/** A state switched through vCenter: what it was, and whether this call changed it. */
export interface VcenterSwitch {
  before: boolean;
  changed: boolean;
}

export interface VcenterActivities {
  vcenterHostState(input: VcenterHostInput): Promise<VcenterHostSummary>;
  /** Preflight: the host, its cluster (DRS, HA, vSAN), its VMs and TSM-SSH as vCenter shows them. */
  vcenterHostView(input: VcenterHostInput): Promise<VcenterHostView>;
  /** The TSM-SSH service as vCenter shows it. */
  vcenterSshState(input: VcenterHostInput): Promise<{ running: boolean; policy: 'on' | 'off' | 'automatic' }>;
  /** Start or stop TSM-SSH unless it already is so; read back. */
  vcenterSetSshRunning(input: VcenterSshInput): Promise<VcenterSwitch>;
  /** EnterMaintenanceMode_Task unless already in maintenance mode; read back. */
  vcenterEnterMaintenance(input: VcenterMaintenanceInput): Promise<VcenterMaintenanceEntry>;
  /** ExitMaintenanceMode_Task unless already out of it; read back. */
  vcenterExitMaintenance(input: VcenterHostInput): Promise<VcenterSwitch>;
  /** RebootHost_Task under the boot-time guard; returns once vCenter accepted it (the caller waits). */
  vcenterRebootHost(input: VcenterRebootInput): Promise<VcenterRebootResult>;
  /**
   * Polls vCenter (heartbeating) until the host is connected with a boot time other than
   * `previousBootTime`; the activity's timeouts bound the wait. Returns the new state.
   */
  vcenterAwaitReturn(
    input: VcenterHostInput & { previousBootTime: string | null; pollMs: number },
  ): Promise<VcenterHostSummary>;
}

/** The vSAN peer check through vCenter (activities/vcenter/peers.ts). */
export interface VcenterPeerActivities {
  /**
   * Each peer (each with its `vcenter`) as its vCenter shows it: in maintenance mode, or unreadable
   * (not connected, unknown to vCenter, vCenter unreachable: a peer that may well be in maintenance mode).
   */
  vcenterPeerMaintenance(input: { peers: HostRef[] }): Promise<PeerMaintenance>;
}

export type IbfleetActivities = HostActivities &
  SwitchActivities &
  PerftestActivities &
  FleetActivities &
  VcenterActivities &
  VcenterPeerActivities;
