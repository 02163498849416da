import { bootHost } from '../../simulator/esxi/boot';
import type { RebootRequest } from '../../simulator/esxi/host-context';
import { EsxiMachine } from '../../simulator/esxi/machine';
import { createEsxiState, type CreateEsxiOptions } from '../../simulator/esxi/state';
import { installVms, type VmSpec } from '../../simulator/esxi/vm-spec';
import { runCommandLine } from '../../simulator/shell';

// An ESXi model without SSH, for fast command tests.

export interface TestHost {
  machine: EsxiMachine;
  reboots: RebootRequest[];
  mlxconfigFails: boolean;
  guestShutdownHangs: boolean;
  /** The host's clock (epoch ms): moves only with advance() and reboot(). */
  now: number;
  run(
    line: string,
    stdin?: string,
    signal?: AbortSignal,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Moves the clock on, fires the timers that fall due and lets waiting commands run. */
  advance(ms: number): Promise<void>;
  /** Reboots the model the way the fleet does (warm when Quick Boot is on). */
  reboot(opts?: { cold?: boolean; cardsMissing?: boolean; moduleUnloaded?: boolean }): void;
}

export function testHost(opts: Partial<CreateEsxiOptions> = {}): TestHost {
  const t0 = Date.parse('2024-06-01T10:00:00.000Z');
  const state = createEsxiState({ name: 'esx-01', index: 1, bootedAt: t0, ...opts });
  bootHost(state, { now: state.boot.bootedAt, cold: true });
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const settleDown = () => new Promise<void>((resolve) => setImmediate(resolve));
  const host: TestHost = {
    reboots: [],
    mlxconfigFails: false,
    guestShutdownHangs: false,
    now: t0 + 42_825_414,
    machine: undefined as unknown as EsxiMachine,
    async run(line, stdin, signal) {
      const r = await runCommandLine(host.machine, line, {
        user: 'root',
        signal: signal ?? new AbortController().signal,
        stdin,
      });
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    },
    async advance(ms) {
      const until = host.now + ms;
      await settleDown();
      for (;;) {
        const due = timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        host.now = Math.max(host.now, due.at);
        due.cancelled = true;
        due.fn();
        await settleDown();
      }
      host.now = until;
      await settleDown();
    },
    reboot(o = {}) {
      host.now += 60_000;
      bootHost(host.machine.state, {
        now: host.now,
        cold: o.cold ?? !host.machine.state.quickBoot,
        cardsMissing: o.cardsMissing,
        moduleUnloaded: o.moduleUnloaded,
      });
    },
  };
  host.machine = new EsxiMachine(state, {
    now: () => host.now,
    mlxconfigFails: () => host.mlxconfigFails,
    guestShutdownHangs: () => host.guestShutdownHangs,
    changed: () => undefined,
    requestReboot: (r) => host.reboots.push(r),
    schedule: (ms, fn) => {
      const timer = { at: host.now + ms, fn, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  });
  return host;
}

/** A dual-port ConnectX-7 with 2 VFs per port; the VMs are installed after the first boot. */
export function vmHost(specs: VmSpec[]): TestHost {
  const host = testHost({
    cards: [{ model: 'ConnectX-7', ports: 2 }],
    nmlx5CoreOptions: 'max_vfs=2,2',
    mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 8 },
  });
  installVms(host.machine.state, specs);
  return host;
}
