import fs from 'node:fs';
import path from 'node:path';
import type { FleetInventory } from '../simulator/fleet';
import { forEachLimited } from '../common/for-each-limited';
import type { VmState } from '../simulator/esxi/vm-state';
import type { HostTimings } from '../simulator/sim-host';
import { firstLine, wrap, type Child } from './child-process';
import type { SimReady, SimSpec } from './sim-process';
import { spawn } from 'node:child_process';

// The parent's side of bench/sim-process.ts.

export interface SimChild extends SimReady {
  child: Child;
  inventory: FleetInventory;
  timings(): Promise<Record<string, HostTimings>>;
  /** Per host: the longest guest shutdown of its powered-on VMs (ms; hosts without running VMs: absent). */
  vmShutdownMs(): Promise<Record<string, number>>;
}

const repoRoot = path.resolve(__dirname, '..');

export async function startSim(spec: SimSpec, logFile: string): Promise<SimChild> {
  const log = fs.openSync(logFile, 'a');
  const proc = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(__dirname, 'sim-process.ts'), JSON.stringify(spec)],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', log],
    },
  );
  fs.closeSync(log);
  const child = wrap(proc);
  try {
    const ready = await firstLine(
      proc,
      (line) => (line.startsWith('{') ? (JSON.parse(line) as SimReady) : undefined),
      120_000,
    );
    proc.stdout?.resume();
    const inventory = JSON.parse(fs.readFileSync(ready.inventoryFile, 'utf8')) as FleetInventory;
    return {
      ...ready,
      child,
      inventory,
      async timings() {
        const res = await fetch(`${ready.controlUrl}/timings`, { signal: AbortSignal.timeout(30_000) });
        if (!res.ok) throw new Error(`simulator /timings: HTTP ${res.status}`);
        return (await res.json()) as Record<string, HostTimings>;
      },
      async vmShutdownMs() {
        const out: Record<string, number> = {};
        await forEachLimited(inventory.hosts, 8, async (h) => {
          const url = `${ready.controlUrl}/hosts/${encodeURIComponent(h.name)}/vms`;
          const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
          if (!res.ok) throw new Error(`simulator ${url}: HTTP ${res.status}`);
          const on = ((await res.json()) as VmState[]).filter((v) => v.power === 'on');
          if (on.length > 0) out[h.name] = Math.max(...on.map((v) => v.shutdownSeconds * 1000));
        });
        return out;
      },
    };
  } catch (err) {
    await child.stop(2_000);
    throw new Error(`simulator: ${err instanceof Error ? err.message : String(err)} (log: ${logFile})`, {
      cause: err,
    });
  }
}
