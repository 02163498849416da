import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EsxiState } from './esxi/state';
import type { HostFaults } from './faults';

// Persistence of a fleet in its state directory: fleet.json (layout and ports), hosts/NAME.json
// (each ESXi host's state and faults), host-keys.json and keys/ (see host-keys.ts). Writes are
// debounced per host and atomic (write + rename); stop() flushes everything.

export interface FleetFile {
  version: 1;
  /** Machine name -> listening port, so a restarted simulator keeps its inventory valid. */
  ports: Record<string, number>;
  controlPort?: number;
}

export interface HostFile {
  state: EsxiState;
  faults: HostFaults;
}

const WRITE_DELAY_MS = 1000;

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export class StateStore {
  private readonly dirty = new Map<string, () => HostFile>();
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly onError: (err: Error) => void,
  ) {}

  /** `onError` hears about failed background writes (a write error must not stop the fleet). */
  static async open(dir: string, onError: (err: Error) => void = () => undefined): Promise<StateStore> {
    await mkdir(join(dir, 'hosts'), { recursive: true });
    return new StateStore(dir, onError);
  }

  get hostKeysFile(): string {
    return join(this.dir, 'host-keys.json');
  }

  get clientKeyFile(): string {
    return join(this.dir, 'keys', 'id_ed25519');
  }

  readFleet(): Promise<FleetFile | undefined> {
    return readJson<FleetFile>(join(this.dir, 'fleet.json'));
  }

  async writeFleet(fleet: FleetFile): Promise<void> {
    await writeAtomic(join(this.dir, 'fleet.json'), `${JSON.stringify(fleet, null, 2)}\n`);
  }

  readHost(name: string): Promise<HostFile | undefined> {
    return readJson<HostFile>(join(this.dir, 'hosts', `${name}.json`));
  }

  /** Schedules a write of the host's file; `snapshot` is called at write time. */
  markDirty(name: string, snapshot: () => HostFile): void {
    this.dirty.set(name, snapshot);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, WRITE_DELAY_MS);
  }

  /** Writes every pending host file (serialised with earlier flushes). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = [...this.dirty];
    this.dirty.clear();
    this.writing = this.writing
      .then(async () => {
        for (const [name, snapshot] of batch) {
          await writeAtomic(join(this.dir, 'hosts', `${name}.json`), JSON.stringify(snapshot()));
        }
      })
      .catch((err: Error) => this.onError(err));
    return this.writing;
  }
}
