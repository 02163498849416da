import type { SshEndpoint } from '../../common/targets';
import { SshConnection, raceAbort, type ConnectionSettings } from './connection';
import { CredentialResolver, credentialKey, type ResolvedCredential } from './credentials';
import { isFingerprint } from './host-key';
import { Semaphore } from './semaphore';

// One SSH connection per endpoint, shared by every command and shell that targets it. Connections are
// closed after a quiet period, dropped when they die (the next lease makes a fresh one), and can be
// evicted on purpose (after a reboot is issued) or all closed at worker shutdown.

export interface PoolOptions {
  /** Close a connection nobody has used for this long. Default 30 s. */
  idleTimeoutMs?: number;
  /** SSH-level keepalive (detects dead peers while idle or during long commands). Default 15 s. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as dead. Default 3. */
  keepaliveCountMax?: number;
  /** Concurrent SSH handshakes across the pool (key exchange costs CPU). Default 32. */
  maxConcurrentHandshakes?: number;
  /** Concurrent channels per connection; stay under sshd's MaxSessions (10). Default 8. */
  maxChannelsPerConnection?: number;
  /** Where credential references are resolved (defaults to one reading process.env). */
  credentials?: CredentialResolver;
}

/** A connection borrowed from the pool. Call release() exactly once when done with it. */
export interface Lease {
  readonly connection: SshConnection;
  /** Give the connection back (it idles out when nobody holds it). */
  release(): void;
  /** Stop handing this connection out; it is closed once every holder released it. */
  retire(): void;
}

interface PoolEntry {
  readonly key: string;
  readonly connection: SshConnection;
  readonly ready: Promise<void>;
  holders: number;
  retired: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

export function poolKey(e: SshEndpoint): string {
  // The host key is part of the identity: a changed pin must be verified by a fresh handshake.
  return [e.name, e.address, e.port, e.username, e.hostKey, credentialKey(e.credential)].join('\u0000');
}

export class ConnectionPool {
  private readonly entries = new Map<string, PoolEntry>();
  /** Every entry not yet closed, including retired ones still held. */
  private readonly live = new Set<PoolEntry>();
  private readonly handshakeSlots: Semaphore;
  private readonly credentials: CredentialResolver;
  private readonly idleTimeoutMs: number;
  private readonly keepaliveIntervalMs: number;
  private readonly keepaliveCountMax: number;
  private readonly maxChannels: number;
  private closed = false;

  constructor(options: PoolOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.keepaliveIntervalMs = options.keepaliveIntervalMs ?? 15_000;
    this.keepaliveCountMax = options.keepaliveCountMax ?? 3;
    this.maxChannels = options.maxChannelsPerConnection ?? 8;
    this.handshakeSlots = new Semaphore(options.maxConcurrentHandshakes ?? 32);
    this.credentials = options.credentials ?? new CredentialResolver();
  }

  /** Number of open or opening connections (for tests and metrics). */
  get size(): number {
    return this.live.size;
  }

  /**
   * Borrow the endpoint's connection, connecting if there is none (concurrent callers share one
   * handshake). Rejects with a typed SshError, or with signal.reason when aborted while waiting.
   */
  async lease(endpoint: SshEndpoint, connectTimeoutMs: number, signal?: AbortSignal): Promise<Lease> {
    if (this.closed) throw new Error('the SSH connection pool is closed (worker shutting down)');
    const key = poolKey(endpoint);
    let entry = this.entries.get(key);
    if (!entry) entry = this.open(endpoint, key, connectTimeoutMs);
    this.hold(entry);
    try {
      await raceAbort(entry.ready, signal);
    } catch (err) {
      this.release(entry);
      throw err;
    }
    const held = entry;
    let released = false;
    return {
      connection: held.connection,
      release: () => {
        if (released) return;
        released = true;
        this.release(held);
      },
      retire: () => this.retire(held),
    };
  }

  /** Drop the endpoint's pooled connection now (e.g. after issuing a reboot). */
  evict(endpoint: SshEndpoint): void {
    const entry = this.entries.get(poolKey(endpoint));
    if (!entry) return;
    this.forget(entry);
    entry.connection.end();
  }

  /** Close every connection (graceful worker shutdown). Resolves when all sockets are closed. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const entries = [...this.live];
    this.entries.clear();
    await Promise.all(
      entries.map(
        (entry) =>
          new Promise<void>((resolve) => {
            this.clearIdle(entry);
            entry.connection.onClose(() => resolve());
            entry.connection.end();
          }),
      ),
    );
  }

  private open(endpoint: SshEndpoint, key: string, connectTimeoutMs: number): PoolEntry {
    const settings: ConnectionSettings = {
      connectTimeoutMs,
      keepaliveIntervalMs: this.keepaliveIntervalMs,
      keepaliveCountMax: this.keepaliveCountMax,
      maxChannels: this.maxChannels,
    };
    const connection = new SshConnection(endpoint, settings);
    const ready = (async () => {
      // Credentials only matter once the host key can be trusted; without a pin we just learn the key.
      let credential: ResolvedCredential | undefined;
      try {
        credential = isFingerprint(endpoint.hostKey)
          ? await this.credentials.resolve(endpoint.credential, connection.label, endpoint.username)
          : undefined;
      } catch (err) {
        connection.destroy();
        throw err;
      }
      await connection.connect(credential, this.handshakeSlots);
    })();
    const entry: PoolEntry = { key, connection, ready, holders: 0, retired: false, idleTimer: undefined };
    this.entries.set(key, entry);
    this.live.add(entry);
    // A failed connect is not cached: the next lease tries again.
    ready.catch(() => this.forget(entry));
    connection.onClose(() => {
      this.forget(entry);
      this.live.delete(entry);
      this.clearIdle(entry);
    });
    return entry;
  }

  private hold(entry: PoolEntry): void {
    entry.holders += 1;
    this.clearIdle(entry);
  }

  private release(entry: PoolEntry): void {
    entry.holders -= 1;
    if (entry.holders > 0) return;
    if (entry.retired || !entry.connection.isOpen) {
      entry.connection.end();
      return;
    }
    this.clearIdle(entry);
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (entry.holders === 0) {
        this.forget(entry);
        entry.connection.end();
      }
    }, this.idleTimeoutMs);
    entry.idleTimer.unref();
  }

  private retire(entry: PoolEntry): void {
    entry.retired = true;
    this.forget(entry);
    if (entry.holders === 0) entry.connection.end();
  }

  /** Stop handing the entry out (it stays in `live` until its socket closes). */
  private forget(entry: PoolEntry): void {
    entry.retired = true;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  private clearIdle(entry: PoolEntry): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
  }
}
