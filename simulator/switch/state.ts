// The state of a simulated MLNX-OS switch: the subnet manager (OpenSM) settings in the running and the
// saved configuration, and what the running SM actually does.
//
// Restart semantics (documented because the fleet and the tests rely on them):
// - `ib sm virt enable|disable` changes the running configuration at once (`show ib sm virt` shows it),
//   but a running SM keeps the virtualization setting it started with: the new value takes effect when the
//   SM (re)starts (`no ib sm` then `ib sm`, or a switch reboot). This is why published practice restarts the
//   SM after enabling virtualization. Pass `virtRequiresSmRestart: false` to apply it immediately instead.
// - `configuration write` copies the running configuration to the saved one.
// - `reboot()` (a switch restart) discards unsaved changes: running := saved, and the SM starts (or not)
//   from the saved configuration with the saved virtualization setting.

export interface SmConfig {
  /** `ib sm` / `no ib sm`. */
  smEnabled: boolean;
  /** `ib sm virt enable` / `ib sm virt disable`. */
  smVirtEnabled: boolean;
}

export interface SwitchStateOptions {
  name: string;
  /** MLNX-OS release, e.g. "3.11.1004". */
  version?: string;
  smEnabled?: boolean;
  smVirtEnabled?: boolean;
  /** See the header comment; default true. */
  virtRequiresSmRestart?: boolean;
  /** Clock for `show version` uptime (tests pass a fixed one). */
  now?: () => number;
}

export const DEFAULT_MLNX_OS_VERSION = '3.11.1004';

export class SwitchState {
  readonly name: string;
  version: string;
  /** The configuration commands act on. */
  running: SmConfig;
  /** What survives a reboot (written by `configuration write`). */
  saved: SmConfig;
  /** Virtualization setting the running SM started with (meaningful only while the SM runs). */
  smVirtInEffect: boolean;
  /** Times the SM was started after boot (`ib sm` while it was disabled). */
  smRestartCount = 0;
  /** Times the switch was rebooted with reboot(). */
  rebootCount = 0;
  /** `configuration write` count. */
  configWriteCount = 0;
  readonly virtRequiresSmRestart: boolean;
  readonly now: () => number;
  bootTimeMs: number;

  constructor(opts: SwitchStateOptions) {
    this.name = opts.name;
    this.version = opts.version ?? DEFAULT_MLNX_OS_VERSION;
    const initial: SmConfig = {
      smEnabled: opts.smEnabled ?? true,
      smVirtEnabled: opts.smVirtEnabled ?? false,
    };
    this.running = { ...initial };
    this.saved = { ...initial };
    this.smVirtInEffect = initial.smVirtEnabled;
    this.virtRequiresSmRestart = opts.virtRequiresSmRestart ?? true;
    this.now = opts.now ?? Date.now;
    this.bootTimeMs = this.now();
  }

  /** True when the SM runs with virtualization: only then do SR-IOV VF ports in guests become Active. */
  virtualizationActive(): boolean {
    return this.running.smEnabled && this.smVirtInEffect;
  }

  /** True when the SM runs (without it no port on the fabric gets a LID). */
  smRunning(): boolean {
    return this.running.smEnabled;
  }

  /** Running configuration differs from the saved one. */
  hasUnsavedChanges(): boolean {
    return (
      this.running.smEnabled !== this.saved.smEnabled ||
      this.running.smVirtEnabled !== this.saved.smVirtEnabled
    );
  }

  setSmEnabled(enabled: boolean): void {
    if (enabled && !this.running.smEnabled) {
      this.smRestartCount++;
      this.smVirtInEffect = this.running.smVirtEnabled;
    }
    this.running.smEnabled = enabled;
  }

  setSmVirtEnabled(enabled: boolean): void {
    this.running.smVirtEnabled = enabled;
    if (!this.virtRequiresSmRestart || !this.running.smEnabled) this.smVirtInEffect = enabled;
  }

  writeConfiguration(): void {
    this.saved = { ...this.running };
    this.configWriteCount++;
  }

  /** A switch restart: unsaved changes are lost and the SM starts from the saved configuration. */
  reboot(): void {
    this.running = { ...this.saved };
    this.smVirtInEffect = this.saved.smVirtEnabled;
    this.rebootCount++;
    this.bootTimeMs = this.now();
  }
}
