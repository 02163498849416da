import { constants as osConstants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './connection';
import { CommandTimeoutError, SshChannelFailedError, SshConnectionLostError, type SshError } from './errors';
import { BoundedCollector } from './output-collector';
import { abortReason } from './semaphore';

// Runs one command on one channel of an established connection. The subtle part is telling apart
// "the command was never sent" (safe to retry on a new connection) from "it may have started".

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit status; 128 + n when killed by signal n (as a shell reports it); -1 when the server sent none. */
  code: number;
  /** Set when the command was killed by a signal ("TERM", "KILL", ...). */
  signal?: string;
  durationMs: number;
}

/** Internal: the connection died before the exec request went out, so the command did not start. */
export class CommandNotSentError extends Error {
  constructor(readonly detail: string) {
    super(`command not sent: ${detail}`);
    this.name = 'CommandNotSentError';
  }
}

export interface ExecChannelOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  maxOutputBytes: number;
  /** After closing a channel on timeout/abort, how long to wait for the server to confirm. */
  channelCloseGraceMs: number;
  /** Called once the channel is fully gone; `abandoned` when the server never confirmed the close. */
  onFinished(abandoned: boolean): void;
}

/** ssh2 reports a connection that died before the channel opened with exactly this message. */
const NEVER_OPENED_MESSAGE = 'No response from server';

export function execOnChannel(
  conn: SshConnection,
  command: string,
  opts: ExecChannelOptions,
): Promise<CommandResult> {
  const started = performance.now();
  const stdout = new BoundedCollector(opts.maxOutputBytes);
  const stderr = new BoundedCollector(opts.maxOutputBytes);

  return new Promise<CommandResult>((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | undefined;
    let settled = false;
    let finished = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const result = (): CommandResult => ({
      stdout: stdout.toString(),
      stderr: stderr.toString(),
      code: exitCode ?? (exitSignal ? 128 + signalNumber(exitSignal) : -1),
      ...(exitSignal ? { signal: exitSignal } : {}),
      durationMs: Math.round(performance.now() - started),
    });

    const finish = (abandoned: boolean) => {
      if (finished) return;
      finished = true;
      if (graceTimer) clearTimeout(graceTimer);
      offClose();
      opts.onFinished(abandoned);
    };

    const settle = (outcome: { ok: CommandResult } | { err: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.err);
    };

    /** Give up on the command: close its channel and wait (bounded) for the server to confirm. */
    const giveUp = (err: Error) => {
      settle({ err });
      if (channel) channel.close();
      graceTimer = setTimeout(() => finish(true), opts.channelCloseGraceMs);
      graceTimer.unref();
    };

    const lost = (detail: string): SshError => new SshConnectionLostError(conn.label, command, true, detail);

    const timer = setTimeout(
      () => giveUp(new CommandTimeoutError(conn.label, command, opts.timeoutMs)),
      opts.timeoutMs,
    );
    const onAbort = () => giveUp(abortReason(opts.signal));
    if (opts.signal?.aborted) {
      // Checked by the caller already; kept so this function is safe on its own.
      clearTimeout(timer);
      settled = true;
      reject(abortReason(opts.signal));
      opts.onFinished(false);
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    // While the channel is still opening, ssh2 answers the exec callback itself when the connection
    // dies, and its error tells whether the exec request was sent. Once open, the loss is ours to see.
    const offClose = conn.onClose((detail) => {
      if (!channel) return;
      if (exitCode !== null || exitSignal !== undefined) settle({ ok: result() });
      else settle({ err: lost(detail) });
      finish(false);
    });

    try {
      conn.client.exec(command, (err: Error | undefined, ch: ClientChannel) => {
        if (err) {
          if (err.message === NEVER_OPENED_MESSAGE) settle({ err: new CommandNotSentError(err.message) });
          else if (!conn.isOpen) settle({ err: lost(err.message) });
          else
            settle({
              err: new SshChannelFailedError(
                `${conn.label.name} refused to run the command: ${err.message}`,
                conn.label,
              ),
            });
          finish(false);
          return;
        }
        channel = ch;
        if (settled) {
          // Timed out or aborted while the channel was opening.
          ch.close();
        }
        ch.on('data', (chunk: Buffer) => stdout.push(chunk));
        ch.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        ch.on('exit', (code: number | null, signal?: string) => {
          exitCode = code;
          // ssh2 prefixes "SIG"; report the name as SSH sends it ("KILL"), like OpenSSH does.
          exitSignal = signal ? signal.replace(/^SIG/, '') : undefined;
        });
        ch.on('close', () => {
          if (exitCode !== null || exitSignal !== undefined) settle({ ok: result() });
          else if (!conn.isOpen) settle({ err: lost('connection closed') });
          // Closed by the server without an exit status (e.g. the session was killed).
          else settle({ ok: result() });
          finish(false);
        });
      });
    } catch (err) {
      // ssh2 throws 'Not connected' synchronously when the socket is already gone.
      settle({ err: new CommandNotSentError(err instanceof Error ? err.message : String(err)) });
      finish(false);
    }
  });
}

function signalNumber(name: string): number {
  const n = (osConstants.signals as Record<string, number | undefined>)[`SIG${name}`];
  return n ?? 0;
}
