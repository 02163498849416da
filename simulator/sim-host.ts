import { EventEmitter } from 'node:events';
import { bootHost, recordEarlierReboot, releaseDevices, shutdownHost } from './esxi/boot';
import type { RebootRequest } from './esxi/host-context';
import { EsxiMachine } from './esxi/machine';
import type { EsxiState, SshServiceState } from './esxi/state';
import { rewriteOutput, type HostFaults } from './faults';
import { fingerprint, type HostKeyStore } from './host-keys';
import type { MachineKind, SimMachine } from './machine';
import { ClientAuth, SshMachineServer } from './ssh-server';

// One simulated machine on the network: its SSH server, its power state (ESXi hosts reboot:
// sessions drop, the port refuses connections for the boot time, then a new boot starts), its
// faults and its recorded timings. Events: 'down', 'up' (boot count), 'command' (each line received).

export type PowerState = 'up' | 'going-down' | 'down';

export interface BootRecord {
  /** When the host stopped answering (ISO). */
  downAt: string;
  upAt?: string;
  /** How long it refused connections. */
  downMs?: number;
  cold?: boolean;
}

export interface HostTimings {
  /** The host's base boot time (before jitter and faults), ms. */
  bootTimeMs: number;
  /** Each boot takes bootTimeMs * (1 ± bootJitter). */
  bootJitter: number;
  commandLatencyMs: number;
  /** The most recent boots (up to 50). */
  boots: BootRecord[];
}

export interface SimHostOptions {
  name: string;
  kind: MachineKind;
  /** The machine; for ESXi hosts pass `esxiState` instead and the host builds it. */
  machine?: SimMachine;
  esxiState?: EsxiState;
  username: string;
  address: string;
  port: number;
  keys: HostKeyStore;
  auth: ClientAuth;
  faults: HostFaults;
  rng: () => number;
  bootTimeMs: number;
  bootJitter: number;
  commandLatencyMs: number;
  /** Between an accepted reboot command and the host going down. */
  shutdownDelayMs: number;
  /** Called whenever persistent state changed. */
  onChange: () => void;
  ident?: string;
}

const MAX_BOOT_RECORDS = 50;

export class SimHost extends EventEmitter {
  readonly name: string;
  readonly kind: MachineKind;
  readonly machine: SimMachine;
  readonly esxi?: EsxiMachine;
  readonly ssh: SshMachineServer;
  readonly timings: HostTimings;
  power: PowerState = 'up';
  private faultState: HostFaults;
  private timers = new Set<NodeJS.Timeout>();
  private bootPending = false;
  private downSince = 0;
  private stopped = false;

  constructor(private readonly o: SimHostOptions) {
    super();
    this.setMaxListeners(0);
    this.name = o.name;
    this.kind = o.kind;
    this.faultState = o.faults;
    this.timings = {
      bootTimeMs: o.bootTimeMs,
      bootJitter: o.bootJitter,
      commandLatencyMs: o.commandLatencyMs,
      boots: [],
    };
    if (o.esxiState) {
      this.esxi = new EsxiMachine(o.esxiState, {
        now: () => Date.now(),
        mlxconfigFails: () => this.faultState.mlxconfigFail === true,
        guestShutdownHangs: () => this.faultState.guestShutdownHangs === true,
        changed: () => o.onChange(),
        requestReboot: (r) => this.requestReboot(r),
      });
      this.machine = this.esxi;
    } else if (o.machine) {
      this.machine = o.machine;
    } else {
      throw new Error(`host ${o.name} has no machine`);
    }
    this.ssh = new SshMachineServer({
      machine: this.machine,
      username: o.username,
      address: o.address,
      port: o.port,
      hostKey: () => o.keys.get(o.name).privateKey,
      rotatedHostKey: () => o.keys.get(o.name, 'rotated').privateKey,
      auth: o.auth,
      ident: o.ident,
      onCommand: (line) => this.emit('command', line),
      policy: {
        authFails: () => this.faultState.authFail === true,
        hostKeyRotated: () => this.faultState.hostKeyRotated === true,
        hangs: (line) => (this.faultState.hang ?? []).some((h) => line.includes(h)),
        drops: () => (this.faultState.drop ?? 0) > 0 && o.rng() < (this.faultState.drop ?? 0),
        random: () => o.rng(),
        commandLatencyMs: () => this.timings.commandLatencyMs,
        rewriteOutput: (text) => rewriteOutput(text, this.faultState.rewriteOutput),
      },
    });
  }

  get port(): number {
    return this.ssh.port;
  }

  get publicKey(): string {
    return this.o.keys.get(this.name).publicKey;
  }

  /** The fingerprint of the key the inventory pins (not the rotated one). */
  get fingerprint(): string {
    return fingerprint(this.publicKey);
  }

  get faults(): HostFaults {
    return this.faultState;
  }

  /** A boot is on its way (false while down with never-return). */
  get bootScheduled(): boolean {
    return this.bootPending;
  }

  get bootCount(): number {
    return this.esxi?.state.boot.count ?? 1;
  }

  /** Boots (if needed) and listens; with fallbackToEphemeral a taken port is replaced by a new one. */
  async start(opts: { fallbackToEphemeral?: boolean } = {}): Promise<void> {
    const state = this.esxi?.state;
    if (state && (state.power === 'off' || state.boot.count === 0)) {
      // First start, or the simulator stopped while this host was rebooting: boot now.
      if (state.boot.count === 0) recordEarlierReboot(state, state.boot.bootedAt, this.timings.bootTimeMs);
      this.bootEsxi(state, { cold: true, now: state.boot.count === 0 ? state.boot.bootedAt : Date.now() });
    }
    try {
      await this.ssh.listen({ retryInUse: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !opts.fallbackToEphemeral) throw err;
      await this.ssh.listen({ retryInUse: false, port: 0 });
    }
    // Listened once for its port; a host whose SSH service is stopped refuses connections.
    if (!this.sshRunning) this.ssh.stopAccepting();
  }

  /** The TSM-SSH service runs (always true for switches and guests). */
  get sshRunning(): boolean {
    return this.esxi?.state.sshService?.running ?? true;
  }

  /** Starts or stops the TSM-SSH service or changes its policy (vCenter's HostServiceSystem). */
  async setSshService(change: Partial<SshServiceState>): Promise<void> {
    const state = this.esxi?.state;
    if (!state) throw new Error(`${this.name} has no SSH service to manage`);
    const next = { ...(state.sshService ?? { running: true, policy: 'on' as const }), ...change };
    state.sshService = next;
    this.o.onChange();
    if (this.power !== 'up' || this.stopped) return;
    if (next.running) await this.ssh.listen();
    else this.ssh.stopAccepting();
  }

  /** Replaces the host's faults; newly set one-shot faults act now. */
  setFaults(next: HostFaults): void {
    const prev = this.faultState;
    this.faultState = next;
    const state = this.esxi?.state;
    if (state) {
      if (next.cardsHidden && !prev.cardsHidden) state.cardsHidden = true;
      if (next.moduleUnloaded && !prev.moduleUnloaded) this.unloadCore(state);
    }
    // Clearing never-return while down lets the host finish booting.
    if (this.power === 'down' && !this.bootPending && !next.neverReturn) this.scheduleBoot(false);
    this.o.onChange();
  }

  private unloadCore(state: EsxiState): void {
    if (state.boot.loaded.nmlx5_core === undefined) return;
    delete state.boot.loaded.nmlx5_core;
    releaseDevices(state);
  }

  requestReboot(r: RebootRequest): void {
    if (this.power !== 'up' || this.stopped) return;
    this.power = 'going-down';
    const delay = r.delayMs + (r.force ? Math.min(this.o.shutdownDelayMs, 50) : this.o.shutdownDelayMs);
    this.later(delay, () => void this.goDown(false));
  }

  /** A power cycle from outside (control endpoint, tests): always a cold boot. */
  powerCycle(): void {
    if (this.power !== 'up' || this.stopped) return;
    this.power = 'going-down';
    void this.goDown(true);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private async goDown(cold: boolean): Promise<void> {
    if (this.stopped) return;
    if (this.esxi) shutdownHost(this.esxi.state, Date.now());
    this.downSince = Date.now();
    this.timings.boots.push({
      downAt: new Date(this.downSince).toISOString(),
      cold: cold || !this.esxi?.state.quickBoot,
    });
    if (this.timings.boots.length > MAX_BOOT_RECORDS) this.timings.boots.shift();
    await this.ssh.goDown();
    this.power = 'down';
    this.o.onChange();
    this.emit('down');
    if (!this.faultState.neverReturn) this.scheduleBoot(cold);
  }

  private scheduleBoot(cold: boolean): void {
    this.bootPending = true;
    const ms = this.faultState.slowBootMs ?? this.bootTimeWithJitter();
    const elapsed = Date.now() - this.downSince;
    this.later(Math.max(0, ms - elapsed), () => void this.comeUp(cold));
  }

  /** One boot's duration: bootTimeMs * (1 ± bootJitter). */
  private bootTimeWithJitter(): number {
    const jitter = 1 + this.timings.bootJitter * (2 * this.o.rng() - 1);
    return Math.max(0, Math.round(this.timings.bootTimeMs * jitter));
  }

  private async comeUp(cold: boolean): Promise<void> {
    this.bootPending = false;
    if (this.stopped || this.faultState.neverReturn) return;
    const state = this.esxi?.state;
    if (state) this.bootEsxi(state, { cold: cold || !state.quickBoot, now: Date.now() });
    if (this.sshRunning) await this.ssh.listen();
    if (this.stopped) return;
    const rec = this.timings.boots[this.timings.boots.length - 1];
    if (rec && rec.upAt === undefined) {
      rec.upAt = new Date().toISOString();
      rec.downMs = Date.now() - this.downSince;
    }
    this.power = 'up';
    this.o.onChange();
    this.emit('up', this.bootCount);
  }

  private bootEsxi(state: EsxiState, o: { cold: boolean; now: number }): void {
    bootHost(state, {
      now: o.now,
      cold: o.cold,
      cardsMissing: this.faultState.cardsMissingAfterBoot,
      moduleUnloaded: this.faultState.moduleUnloaded,
    });
    if (state.sshService) state.sshService.running = state.sshService.policy !== 'off';
  }

  /** Resolves when the host is in `power` (immediately if it already is). */
  waitFor(power: 'up' | 'down', opts: { minBootCount?: number; timeoutMs?: number } = {}): Promise<void> {
    const satisfied = () =>
      this.power === power && (opts.minBootCount === undefined || this.bootCount >= opts.minBootCount);
    if (satisfied()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onEvent = () => {
        if (!satisfied()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not become ${power} within ${opts.timeoutMs}ms`));
      }, opts.timeoutMs ?? 60_000);
      const cleanup = () => {
        clearTimeout(timer);
        this.off(power, onEvent);
      };
      this.on(power, onEvent);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.ssh.close();
  }
}
