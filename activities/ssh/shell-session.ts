import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './connection';
import { CommandTimeoutError, SshConnectionLostError, type SshError } from './errors';
import { abortReason } from './semaphore';

// An interactive session on a pty (the MLNX-OS CLI): type a line, read until the prompt comes back.
// Terminal noise (CR, ANSI escapes) is stripped; the echo of the typed line is removed.

export interface SendOptions {
  /**
   * The prompt that ends the reply, e.g. /\] [>#] $/ (anchor it with $). Tested against the text after
   * the echo; the whole line it matches in is the prompt and is not part of the reply.
   */
  until: RegExp;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ShellSession {
  /** Text the session printed before its first prompt (banner, MOTD). */
  readonly greeting: string;
  /** Sends `line` + Enter; resolves with the text between the echo and the prompt. One at a time. */
  send(line: string, opts: SendOptions): Promise<string>;
  /** Ends the session (idempotent). */
  close(): Promise<void>;
  readonly closed: boolean;
}

// CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), two-char escapes (ESC x), and other C0 noise (BEL, BS, NUL).
const TERMINAL_NOISE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00\x07\x08]/g;
// An escape sequence or CR cut at the end of a chunk: keep it for the next chunk.
// eslint-disable-next-line no-control-regex
const INCOMPLETE_TAIL = /(?:\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|)|\r)$/;

export function stripTerminalNoise(text: string): string {
  return text.replace(TERMINAL_NOISE, '').replace(/\r+\n/g, '\n').replace(/\r/g, '');
}

function withoutStatefulFlags(re: RegExp): RegExp {
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}

interface Pending {
  /** The line typed (its echo is removed), or null when no echo is expected (the greeting). */
  line: string | null;
  until: RegExp;
  resolve(text: string): void;
  reject(err: Error): void;
  cleanup(): void;
}

export class PtyShellSession implements ShellSession {
  greeting = '';
  private text = '';
  private rawTail = '';
  private pending: Pending | undefined;
  private ended: Error | undefined;
  private closing = false;
  private closingPromise: Promise<void> | undefined;
  private readonly offClose: () => void;

  constructor(
    private readonly conn: SshConnection,
    private readonly channel: ClientChannel,
    private readonly maxBufferChars: number,
    private readonly onFinished: () => void,
  ) {
    channel.on('data', (chunk: Buffer) => this.onData(chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.onData(chunk));
    channel.on('close', () =>
      this.onEnded(new SshConnectionLostError(conn.label, undefined, true, 'the shell session ended')),
    );
    this.offClose = conn.onClose((detail) =>
      this.onEnded(new SshConnectionLostError(conn.label, undefined, true, detail)),
    );
  }

  get closed(): boolean {
    return this.ended !== undefined;
  }

  /** Waits for the first prompt (called once by SshRunner.shell). */
  async waitForPrompt(until: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.greeting = await this.expect(
      null,
      withoutStatefulFlags(until),
      timeoutMs,
      signal,
      'the first prompt',
    );
  }

  send(line: string, opts: SendOptions): Promise<string> {
    if (/[\r\n]/.test(line)) return Promise.reject(new Error('send() takes a single line without CR/LF'));
    if (this.pending) return Promise.reject(new Error('send() called while another send() is in progress'));
    if (this.ended) return Promise.reject(this.ended);
    // Output that arrived since the last prompt (CLI notifications) is not part of this reply.
    this.text = '';
    const reply = this.expect(line, withoutStatefulFlags(opts.until), opts.timeoutMs, opts.signal, line);
    this.channel.write(`${line}\r`);
    return reply;
  }

  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.closingPromise ??= new Promise((resolve) => {
      this.closing = true;
      // A server that never confirms the close must not hang the caller.
      const timer = setTimeout(() => {
        this.onEnded(new Error('the shell session was closed'));
        resolve();
      }, 5_000);
      timer.unref();
      this.channel.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.channel.end();
      this.channel.close();
    });
    return this.closingPromise;
  }

  private expect(
    line: string | null,
    until: RegExp,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<string> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new CommandTimeoutError(this.conn.label, what, timeoutMs);
        this.pending?.cleanup();
        this.pending = undefined;
        reject(err);
        // The CLI is in an unknown state now: end the session rather than mis-attribute late output.
        void this.close();
      }, timeoutMs);
      const onAbort = () => {
        this.pending?.cleanup();
        this.pending = undefined;
        reject(abortReason(signal));
        void this.close();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        line,
        until,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.tryComplete();
    });
  }

  private onData(chunk: Buffer): void {
    let raw = this.rawTail + chunk.toString('utf8');
    const incomplete = INCOMPLETE_TAIL.exec(raw);
    this.rawTail = incomplete && incomplete[0].length < 64 ? incomplete[0] : '';
    if (this.rawTail) raw = raw.slice(0, raw.length - this.rawTail.length);
    this.text += stripTerminalNoise(raw);
    if (this.text.length > this.maxBufferChars)
      this.text = this.text.slice(this.text.length - this.maxBufferChars);
    this.tryComplete();
  }

  private tryComplete(): void {
    const p = this.pending;
    if (!p) return;
    const body = p.line === null ? this.text : afterEcho(this.text, p.line);
    if (body === undefined) return; // the echo is still arriving
    const m = p.until.exec(body);
    if (!m) return;
    this.pending = undefined;
    p.cleanup();
    this.text = body.slice(m.index + m[0].length);
    // The prompt is a line of its own ("sw1 [standalone: master] # "), even if `until` matches only its end.
    const promptLineStart = body.lastIndexOf('\n', m.index - 1) + 1;
    p.resolve(body.slice(0, promptLineStart).replace(/\n$/, ''));
  }

  private onEnded(err: SshError | Error): void {
    if (this.ended) return;
    this.ended = this.closing ? new Error('the shell session was closed') : err;
    this.offClose();
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      p.cleanup();
      p.reject(this.ended);
    }
    this.onFinished();
  }
}

/**
 * The reply after the echo of `line`, or undefined while the echo line is still incomplete.
 * Tolerant: if the first line does not end with what was typed (no echo), nothing is removed.
 */
export function afterEcho(text: string, line: string): string | undefined {
  if (line === '') return text.startsWith('\n') ? text.slice(1) : text;
  const nl = text.indexOf('\n');
  if (nl < 0) {
    // Could be an echo in progress; could also be a prompt-only reply of a CLI that does not echo.
    return line.startsWith(text.trimStart()) && text.trim() !== '' ? undefined : text;
  }
  const first = text.slice(0, nl);
  return first.trimEnd().endsWith(line.trim()) ? text.slice(nl + 1) : text;
}
