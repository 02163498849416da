import type { ClientChannel, PseudoTtyOptions } from 'ssh2';
import type { SshEndpoint } from '../../common/targets';
import { endpointLabel } from './connection';
import { ConnectionPool, type Lease, type PoolOptions } from './connection-pool';
import { CredentialResolver } from './credentials';
import { SshChannelFailedError, SshConnectionLostError } from './errors';
import { CommandNotSentError, execOnChannel, type CommandResult } from './exec-channel';
import { abortReason } from './semaphore';
import { PtyShellSession, type ShellSession } from './shell-session';

// The SSH entry point of activities: run a command (or open an interactive CLI) on an endpoint over
// its pooled connection. One automatic reconnect, and only when the command provably was not sent.

export interface RunOptions {
  /**
   * Limit of the command itself (from sending it to its exit). Waiting for a free channel on a busy
   * connection is bounded by the same value, separately.
   */
  timeoutMs: number;
  /** Limit of the TCP connect and, separately, of the SSH handshake + authentication. */
  connectTimeoutMs: number;
  /** Cancellation (e.g. Context.current().cancellationSignal): closes the channel. */
  signal?: AbortSignal;
  /** Per stream; beyond it the head and tail are kept with a "bytes cut" marker. Default 4 MiB. */
  maxOutputBytes?: number;
}

export interface ShellOptions {
  connectTimeoutMs: number;
  /** The first prompt, awaited before shell() resolves (the greeting is kept on the session). */
  prompt: RegExp;
  /** Limit for the greeting / first prompt. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Pseudo-terminal; wide by default so CLIs do not wrap lines. */
  pty?: PseudoTtyOptions;
  /** Most text buffered while waiting for a prompt. Default 4 MiB. */
  maxBufferChars?: number;
}

export interface SshRunnerOptions extends PoolOptions {
  /** After closing a channel on timeout/abort, wait this long for the server to confirm. Default 5 s. */
  channelCloseGraceMs?: number;
}

const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const DEFAULT_PTY: PseudoTtyOptions = { term: 'vt100', cols: 511, rows: 24 };

export type { CommandResult };

export class SshRunner {
  /** Where every connection's credential is resolved (and the credential check runs). */
  readonly credentials: CredentialResolver;
  private readonly pool: ConnectionPool;
  private readonly channelCloseGraceMs: number;

  constructor(options: SshRunnerOptions = {}) {
    this.credentials = options.credentials ?? new CredentialResolver();
    this.pool = new ConnectionPool({ ...options, credentials: this.credentials });
    this.channelCloseGraceMs = options.channelCloseGraceMs ?? 5_000;
  }

  /** Open or opening connections. */
  get connectionCount(): number {
    return this.pool.size;
  }

  /**
   * Runs `command` and returns its output and exit code; a non-zero exit is not an error here.
   * Throws typed SshErrors (see errors.ts), or signal.reason when cancelled.
   */
  async run(endpoint: SshEndpoint, command: string, opts: RunOptions): Promise<CommandResult> {
    try {
      return await this.runOnce(endpoint, command, opts);
    } catch (err) {
      if (!(err instanceof CommandNotSentError)) throw err;
    }
    // The pooled connection was dead before the command went out: one fresh connection, one try.
    try {
      return await this.runOnce(endpoint, command, opts);
    } catch (err) {
      if (err instanceof CommandNotSentError) {
        throw new SshConnectionLostError(endpointLabel(endpoint), command, false, err.detail);
      }
      throw err;
    }
  }

  /**
   * Opens an interactive shell on a pty and waits for its first prompt. Opening a shell has no side
   * effect, so a connection found dead on the way is replaced once.
   */
  async shell(endpoint: SshEndpoint, opts: ShellOptions): Promise<ShellSession> {
    let session: PtyShellSession;
    try {
      session = await this.openShell(endpoint, opts);
    } catch (err) {
      if (!(err instanceof CommandNotSentError)) throw err;
      try {
        session = await this.openShell(endpoint, opts);
      } catch (again) {
        if (again instanceof CommandNotSentError) {
          throw new SshConnectionLostError(endpointLabel(endpoint), undefined, false, again.detail);
        }
        throw again;
      }
    }
    try {
      await session.waitForPrompt(opts.prompt, opts.timeoutMs, opts.signal);
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  private async openShell(endpoint: SshEndpoint, opts: ShellOptions): Promise<PtyShellSession> {
    const { lease, releaseSlot } = await this.leaseChannel(
      endpoint,
      opts.connectTimeoutMs,
      opts.timeoutMs,
      opts.signal,
    );
    let finished = false;
    const onFinished = () => {
      if (finished) return;
      finished = true;
      releaseSlot();
      lease.release();
    };
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        try {
          lease.connection.client.shell({ ...DEFAULT_PTY, ...opts.pty }, (err, ch) =>
            err ? reject(err) : resolve(ch),
          );
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      return new PtyShellSession(
        lease.connection,
        channel,
        opts.maxBufferChars ?? DEFAULT_MAX_OUTPUT_BYTES,
        onFinished,
      );
    } catch (err) {
      onFinished();
      const message = err instanceof Error ? err.message : String(err);
      if (!lease.connection.isOpen) {
        lease.retire();
        throw new CommandNotSentError(message);
      }
      throw new SshChannelFailedError(
        `${endpoint.name} refused the shell: ${message}`,
        lease.connection.label,
      );
    }
  }

  /** Closes the endpoint's pooled connection (e.g. right after a reboot was issued). */
  evict(endpoint: SshEndpoint): void {
    this.pool.evict(endpoint);
  }

  /** Closes every connection; for graceful worker shutdown. */
  closeAll(): Promise<void> {
    return this.pool.closeAll();
  }

  private async runOnce(endpoint: SshEndpoint, command: string, opts: RunOptions): Promise<CommandResult> {
    const { lease, releaseSlot } = await this.leaseChannel(
      endpoint,
      opts.connectTimeoutMs,
      opts.timeoutMs,
      opts.signal,
    );
    return execOnChannel(lease.connection, command, {
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      channelCloseGraceMs: this.channelCloseGraceMs,
      onFinished: (abandoned) => {
        releaseSlot();
        // A server that does not confirm a channel close is not to be trusted with the next command.
        if (abandoned) lease.retire();
        lease.release();
      },
    }).catch((err: unknown) => {
      // Not sent because the connection was dead: make sure the next lease does not hand it out again.
      if (err instanceof CommandNotSentError) lease.retire();
      throw err;
    });
  }

  /** A pooled connection plus one of its channel slots (waiting for a slot is bounded by `waitMs`). */
  private async leaseChannel(
    endpoint: SshEndpoint,
    connectTimeoutMs: number,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ lease: Lease; releaseSlot: () => void }> {
    if (signal?.aborted) throw abortReason(signal);
    const lease = await this.pool.lease(endpoint, connectTimeoutMs, signal);
    const slotWait = new AbortController();
    const timer = setTimeout(() => slotWait.abort(), waitMs);
    const onAbort = () => slotWait.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const releaseSlot = await lease.connection.channelSlots.acquire(slotWait.signal);
      return { lease, releaseSlot };
    } catch {
      lease.release();
      if (signal?.aborted) throw abortReason(signal);
      throw new SshChannelFailedError(
        `no free SSH channel on ${endpoint.name} within ${waitMs} ms (all busy with other commands)`,
        lease.connection.label,
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
