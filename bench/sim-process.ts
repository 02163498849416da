import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_VM_MIX } from '../simulator/esxi/vm-spec';
import { startFleet } from '../simulator/fleet';

// The simulated fleet of one benchmark scenario, in its own process so its CPU is attributed to it
// and not to the controller. Argument: a JSON SimSpec. Writes the inventory and known_hosts into
// spec.outDir, prints one "ready" JSON line, serves timings on its control endpoint (GET /timings)
// and runs until SIGTERM.

export interface SimSpec {
  hosts: number;
  clusters: number;
  namePrefix: string;
  /** Fixed, or drawn per host from [min, max]. */
  bootTimeMs: number | [number, number];
  commandLatencyMs: number | [number, number];
  shutdownDelayMs: number;
  seed: number;
  outDir: string;
  /** VMs per host (drawn per host) and their guest shutdown seconds (drawn per VM); every VM's tools answer. */
  vms?: { perHost: [number, number]; shutdownSeconds: [number, number] };
  /** Every host starts with its cards hidden. */
  hiddenCards?: boolean;
}

export interface SimReady {
  controlUrl: string;
  clientKeyPath: string;
  inventoryFile: string;
  knownHostsFile: string;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as SimSpec;
  const fleet = await startFleet({
    hosts: spec.hosts,
    clusters: spec.clusters,
    namePrefix: spec.namePrefix,
    bootTimeMs: spec.bootTimeMs,
    // Every boot of a host takes exactly its recorded boot time, so both tools meet the same fleet.
    bootJitter: 0,
    commandLatencyMs: spec.commandLatencyMs,
    shutdownDelayMs: spec.shutdownDelayMs,
    seed: spec.seed,
    controlPort: 0,
    ...(spec.vms
      ? {
          vms: spec.vms.perHost,
          vmShutdownSeconds: spec.vms.shutdownSeconds,
          // The benchmark measures the shutdown policy's time, not its needs-attention path.
          vmMix: { ...DEFAULT_VM_MIX, hung: 0, noTools: 0 },
        }
      : {}),
    ...(spec.hiddenCards ? { defaults: { hiddenCards: true } } : {}),
  });
  const inventoryFile = path.join(spec.outDir, 'inventory.json');
  const knownHostsFile = path.join(spec.outDir, 'known_hosts');
  fs.writeFileSync(inventoryFile, JSON.stringify(fleet.inventory));
  fs.writeFileSync(knownHostsFile, fleet.knownHosts());
  const ready: SimReady = {
    controlUrl: fleet.controlUrl,
    clientKeyPath: fleet.clientKeyPath,
    inventoryFile,
    knownHostsFile,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const stop = () => {
    fleet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
