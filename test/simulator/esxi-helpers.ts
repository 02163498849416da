import { bootHost } from '../../simulator/esxi/boot';
import type { RebootRequest } from '../../simulator/esxi/host-context';
import { EsxiMachine } from '../../simulator/esxi/machine';
import { createEsxiState, type CreateEsxiOptions } from '../../simulator/esxi/state';
import { runCommandLine } from '../../simulator/shell';

// An ESXi model without SSH, for fast command tests.

export interface TestHost {
  machine: EsxiMachine;
  reboots: RebootRequest[];
  mlxconfigFails: boolean;
  now: number;
  run(line: string, stdin?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Reboots the model the way the fleet does (warm when Quick Boot is on). */
  reboot(opts?: { cold?: boolean; cardsMissing?: boolean; moduleUnloaded?: boolean }): void;
}

export function testHost(opts: Partial<CreateEsxiOptions> = {}): TestHost {
  const t0 = Date.parse('2024-06-01T10:00:00.000Z');
  const state = createEsxiState({ name: 'esx-01', index: 1, bootedAt: t0, ...opts });
  bootHost(state, { now: state.boot.bootedAt, cold: true });
  const host: TestHost = {
    reboots: [],
    mlxconfigFails: false,
    now: t0 + 42_825_414,
    machine: undefined as unknown as EsxiMachine,
    async run(line, stdin) {
      const r = await runCommandLine(host.machine, line, {
        user: 'root',
        signal: new AbortController().signal,
        stdin,
      });
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
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
    changed: () => undefined,
    requestReboot: (r) => host.reboots.push(r),
  });
  return host;
}
