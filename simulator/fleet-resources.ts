import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFaultSpec, parseFaultsJson, type FaultRule } from './faults';
import type { FleetOptions } from './fleet-options';
import type { SwitchSnapshot } from './fleet-extras';
import { HostKeyStore, loadOrCreateClientKey } from './host-keys';
import { ClientAuth } from './ssh-server';
import { StateStore, type FleetFile } from './state-store';

// What every machine of a simulated fleet shares: the state directory (or a temporary one), host
// keys, the client key and password, the fault rules and the port each machine listens on.

export interface FleetResources {
  store?: StateStore;
  /** Ports (and the control port) of the previous run, when a state directory has them. */
  fleetFile: FleetFile;
  keys: HostKeyStore;
  clientKeyPath: string;
  password: string;
  auth: ClientAuth;
  rules: FaultRule[];
  address: string;
  seed: number;
  log: (message: string) => void;
  /** The port a machine asks for: consecutive from portBase, else the one it had, else ephemeral (0). */
  portFor(name: string): number;
  /** Removes the temporary directory (no state directory given). */
  cleanUp(): Promise<void>;
}

export async function openFleetResources(opts: FleetOptions): Promise<FleetResources> {
  const log = opts.log ?? (() => undefined);
  const store = opts.stateDir
    ? await StateStore.open(opts.stateDir, (err) => log(`cannot save state: ${err.message}`))
    : undefined;
  const fleetFile: FleetFile = (await store?.readFleet()) ?? { version: 1, ports: {} };
  const keys = await HostKeyStore.open(store?.hostKeysFile);
  const tempDir = store ? undefined : await mkdtemp(join(tmpdir(), 'ibfleet-sim-'));
  const clientKeyPath = store ? store.clientKeyFile : join(tempDir as string, 'id_ed25519');
  const clientKey = await loadOrCreateClientKey(clientKeyPath);
  const password = opts.password ?? randomBytes(18).toString('base64url');

  const rules: FaultRule[] = [];
  if (opts.faultsFile) rules.push(...parseFaultsJson(JSON.parse(await readFile(opts.faultsFile, 'utf8'))));
  if (opts.faults) rules.push(...parseFaultSpec(opts.faults));

  let portIndex = 0;
  return {
    store,
    fleetFile,
    keys,
    clientKeyPath,
    password,
    auth: new ClientAuth(clientKey.publicKey, password),
    rules,
    address: opts.address ?? '127.0.0.1',
    seed: opts.seed ?? 1,
    log,
    portFor: (name) => {
      const i = portIndex++;
      if (opts.portBase) return opts.portBase + i;
      return fleetFile.ports[name] ?? 0;
    },
    cleanUp: async () => {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/** The switches' saved states of a previous run, if any. */
export async function readSwitchSnapshots(
  stateDir: string | undefined,
): Promise<Record<string, SwitchSnapshot> | undefined> {
  if (!stateDir) return undefined;
  try {
    return JSON.parse(await readFile(join(stateDir, 'switches.json'), 'utf8')) as Record<
      string,
      SwitchSnapshot
    >;
  } catch {
    return undefined;
  }
}
