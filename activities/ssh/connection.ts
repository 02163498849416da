import { connect as tcpConnect, type Socket } from 'node:net';
import { Client, type ConnectConfig } from 'ssh2';
import type { SshEndpoint } from '../../common/targets';
import { classifyConnectError } from './connect-errors';
import type { ResolvedCredential } from './credentials';
import {
  HostKeyMismatchError,
  HostKeyUnknownError,
  HostUnreachableError,
  type EndpointLabel,
  type SshError,
} from './errors';
import { describeHostKey, HOST_KEY_ALGORITHMS, isFingerprint, type PresentedHostKey } from './host-key';
import { abortReason, Semaphore } from './semaphore';

// One authenticated SSH connection to one endpoint. It connects TCP first (cheap, unbounded), then
// runs the SSH handshake under a shared semaphore (CPU), verifying the host key against the pin.

export interface ConnectionSettings {
  /** Bounds the TCP connect and, separately, the SSH handshake + authentication. */
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Concurrent channels (commands, shells) on this connection; sshd's MaxSessions defaults to 10. */
  maxChannels: number;
}

export type CloseListener = (detail: string) => void;

export function endpointLabel(e: SshEndpoint): EndpointLabel {
  return { name: e.name, address: e.address, port: e.port };
}

export class SshConnection {
  readonly client = new Client();
  readonly channelSlots: Semaphore;
  readonly label: EndpointLabel;
  private state: 'new' | 'connecting' | 'ready' | 'closed' = 'new';
  private closeDetail = 'connection closed';
  private lastError: Error | undefined;
  private readonly closeListeners = new Set<CloseListener>();
  /** The host key seen in the last key exchange (fingerprint computed once per exchange). */
  private presented: PresentedHostKey | undefined;

  constructor(
    readonly endpoint: SshEndpoint,
    private readonly settings: ConnectionSettings,
  ) {
    this.label = endpointLabel(endpoint);
    this.channelSlots = new Semaphore(settings.maxChannels);
    // ssh2 emits 'error' events; without a listener Node would throw them. Keep the last one for context.
    this.client.on('error', (err: Error) => {
      this.lastError = err;
      if (this.state === 'ready') this.closeDetail = err.message;
    });
    this.client.on('end', () => this.markClosed());
    this.client.on('close', () => this.markClosed());
  }

  get isOpen(): boolean {
    return this.state === 'ready';
  }

  /** Subscribe to the connection going away; returns the unsubscribe function. */
  onClose(listener: CloseListener): () => void {
    if (this.state === 'closed') {
      listener(this.closeDetail);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Graceful close (SSH disconnect). */
  end(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'ready') {
      this.destroy(); // still connecting: connect() notices and gives up
      return;
    }
    this.closeDetail = 'connection closed by the worker';
    this.client.end();
    // If the peer never answers, the socket still goes: destroy after the ack would have come.
    setTimeout(() => this.client.destroy(), 2_000).unref();
  }

  destroy(): void {
    this.closeDetail = 'connection closed by the worker';
    this.client.destroy();
    this.markClosed();
  }

  /**
   * TCP connect, then handshake + authentication. Resolves when the connection is usable; rejects
   * with a typed SshError. Host key checks happen before any authentication, so no credential is
   * offered to (and no command run on) a host whose key does not match the pin. Without a valid pin
   * (or without a credential) the handshake is refused at the host key, which is then reported.
   */
  async connect(credential: ResolvedCredential | undefined, handshakeSlots: Semaphore): Promise<void> {
    if (this.state !== 'new') throw new Error('SshConnection.connect called twice');
    this.state = 'connecting';
    const pinned = this.endpoint.hostKey;
    const pinValid = isFingerprint(pinned) && credential !== undefined;
    try {
      const sock = await this.connectTcp();
      if (this.isClosed()) {
        sock.destroy();
        throw new HostUnreachableError(
          this.label,
          'CLOSED_BEFORE_HANDSHAKE',
          'the connection was closed by the worker',
        );
      }
      const release = await handshakeSlots.acquire();
      try {
        if (this.isClosed() || sock.destroyed) {
          sock.destroy();
          throw new HostUnreachableError(
            this.label,
            'CLOSED_BEFORE_HANDSHAKE',
            'the connection closed before the handshake',
          );
        }
        await this.handshake(sock, pinValid ? credential : undefined);
      } finally {
        release();
      }
      if (this.isClosed()) {
        throw new HostUnreachableError(
          this.label,
          'CLOSED_BEFORE_READY',
          'the connection closed as it became ready',
        );
      }
      this.state = 'ready';
    } catch (err) {
      this.destroy();
      if (!pinValid) {
        // Nothing is trusted without a pin. Report what the host presented (if we got that far).
        throw new HostKeyUnknownError(
          this.label,
          pinned,
          this.presented?.fingerprint,
          this.presented?.keyType,
        );
      }
      throw err;
    }
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private connectTcp(): Promise<Socket> {
    const { address, port } = this.endpoint;
    return new Promise((resolve, reject) => {
      const sock = tcpConnect({ host: address, port });
      const timer = setTimeout(() => {
        cleanup();
        sock.destroy();
        reject(
          new HostUnreachableError(
            this.label,
            'CONNECT_TIMEOUT',
            `TCP connect timed out after ${this.settings.connectTimeoutMs} ms`,
          ),
        );
      }, this.settings.connectTimeoutMs);
      const onError = (err: Error) => {
        cleanup();
        sock.destroy();
        reject(classifyConnectError(Object.assign(err, { level: 'client-socket' }), this.label));
      };
      const onConnect = () => {
        cleanup();
        sock.setNoDelay(true);
        sock.setKeepAlive(true, this.settings.keepaliveIntervalMs);
        // The socket may wait for a handshake slot before ssh2 owns it: never let an error go unheard.
        sock.on('error', () => undefined);
        resolve(sock);
      };
      const cleanup = () => {
        clearTimeout(timer);
        sock.off('error', onError);
        sock.off('connect', onConnect);
      };
      sock.once('error', onError);
      sock.once('connect', onConnect);
    });
  }

  /** `credential` undefined means: no trusted pin, refuse at the host key (after recording it). */
  private handshake(sock: Socket, credential: ResolvedCredential | undefined): Promise<void> {
    const endpoint = this.endpoint;
    let hostKeyFailure: SshError | undefined;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: SshError) => {
        if (settled) return;
        settled = true;
        this.client.off('ready', onReady);
        this.client.off('error', onError);
        this.client.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => settle();
      const onError = (err: Error) =>
        settle(
          hostKeyFailure ??
            classifyConnectError(err, this.label, {
              username: endpoint.username,
              credentialDescription: credential?.description,
            }),
        );
      const onClose = () =>
        settle(
          hostKeyFailure ??
            (this.lastError
              ? classifyConnectError(this.lastError, this.label, {
                  username: endpoint.username,
                  credentialDescription: credential?.description,
                })
              : new HostUnreachableError(
                  this.label,
                  'CLOSED_BEFORE_READY',
                  'the server closed the connection before it was ready',
                )),
        );
      this.client.on('ready', onReady);
      this.client.on('error', onError);
      this.client.on('close', onClose);

      const config: ConnectConfig = {
        sock,
        host: endpoint.address,
        port: endpoint.port,
        username: endpoint.username,
        readyTimeout: this.settings.connectTimeoutMs,
        keepaliveInterval: this.settings.keepaliveIntervalMs,
        keepaliveCountMax: this.settings.keepaliveCountMax,
        algorithms: { serverHostKey: [...HOST_KEY_ALGORITHMS] },
        // Called on the first key exchange and on every re-key: the pin is checked each time.
        hostVerifier: (key: Buffer): boolean => {
          const presented = describeHostKey(key);
          this.presented = presented;
          if (credential === undefined) return false; // no valid pin: never proceed to authentication
          if (presented.fingerprint === endpoint.hostKey) return true;
          hostKeyFailure = new HostKeyMismatchError(
            this.label,
            endpoint.hostKey,
            presented.fingerprint,
            presented.keyType,
          );
          return false;
        },
        ...credential?.connectConfig,
      };
      try {
        this.client.connect(config);
      } catch (err) {
        // ssh2 throws synchronously for unusable configs (e.g. an unparsable key).
        settle(classifyConnectError(err, this.label));
      }
    });
  }

  private markClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener(this.closeDetail);
  }
}

/** Waits for `promise`, but gives up with signal.reason when the signal aborts first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
