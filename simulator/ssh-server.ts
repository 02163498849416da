import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import {
  Server as Ssh2Server,
  utils,
  type AuthContext,
  type Connection,
  type ParsedKey,
  type ServerChannel,
  type Session,
} from 'ssh2';
import type { ExecResult, SimMachine } from './machine';
import { claimPort, releasePort } from './port-claims';
import { PortHold } from './port-hold';
import { nextStablePort, STABLE_PORT_ATTEMPTS } from './stable-ports';
import { runCommandLine, Shell } from './shell';

// One real SSH server per simulated machine: ssh2 on 127.0.0.1, own ed25519 host key, publickey
// (the fleet's client key) and password auth; exec and interactive shell sessions. The listener
// can stop and start again on the same port (a rebooting host refuses connections).

/** Shared by every server of a fleet: parsed once. */
export class ClientAuth {
  private readonly key: ParsedKey;
  private readonly blob: Buffer;
  private readonly password: Buffer;

  constructor(clientPublicKey: string, password: string) {
    const parsed = utils.parseKey(clientPublicKey);
    if (parsed instanceof Error) throw parsed;
    this.key = parsed;
    this.blob = parsed.getPublicSSH();
    this.password = Buffer.from(password);
  }

  check(ctx: AuthContext): boolean {
    if (ctx.method === 'publickey') {
      if (ctx.key.algo !== this.key.type || !ctx.key.data.equals(this.blob)) return false;
      // Without a signature the client only asks whether the key would be accepted.
      if (!ctx.signature || !ctx.blob) return true;
      return this.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
    }
    if (ctx.method === 'password') {
      const given = Buffer.from(ctx.password);
      return given.length === this.password.length && timingSafeEqual(given, this.password);
    }
    return false;
  }

  /** True for a publickey request that carries a signature or a password (counts as an attempt). */
  static isAttempt(ctx: AuthContext): boolean {
    return ctx.method === 'password' || (ctx.method === 'publickey' && ctx.signature !== undefined);
  }
}

/** What the server's owner decides at the time of each connection or command. */
export interface SessionPolicy {
  authFails(): boolean;
  hostKeyRotated(): boolean;
  /** A substring of `line` that makes it hang, if any. */
  hangs(line: string): boolean;
  /** Decides (with the host's PRNG) whether this command's connection drops. */
  drops(): boolean;
  /** Float in [0,1) from the host's PRNG. */
  random(): number;
  commandLatencyMs(): number;
  /** The output as the machine prints it (hostile-output faults); identity by default. */
  rewriteOutput?(text: string): string;
}

export interface SshMachineServerOptions {
  machine: SimMachine;
  username: string;
  address: string;
  port: number;
  hostKey: () => string;
  rotatedHostKey: () => string;
  auth: ClientAuth;
  policy: SessionPolicy;
  /** SSH identification string software part, e.g. "OpenSSH_9.3". */
  ident?: string;
  /** Told about every command line received (exec or interactive), before it runs. */
  onCommand?: (line: string) => void;
}

const RELISTEN_RETRY_MS = 100;

export class SshMachineServer {
  private listener?: NetServer;
  private ssh?: Ssh2Server;
  private sshRotated?: Ssh2Server;
  private readonly sockets = new Map<number, Socket>();
  private readonly connections = new Set<Connection>();
  private boundPort: number;
  private wantListening = false;
  private stopped = false;
  /** Keeps the port while not listening (SSH stopped, host down), so that no other connection takes it. */
  private readonly portHold: PortHold;

  constructor(private readonly o: SshMachineServerOptions) {
    this.boundPort = o.port;
    this.portHold = new PortHold(o.address);
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /**
   * Starts accepting connections, on the same port as before after the first listen. With
   * retryInUse (the default, used after reboots) a taken port is retried until it is free.
   */
  async listen(opts: { retryInUse?: boolean; port?: number } = {}): Promise<number> {
    if (opts.port !== undefined) this.boundPort = opts.port;
    this.wantListening = true;
    await this.portHold.release();
    if (this.boundPort === 0) await this.listenOnStablePort();
    // A port given (a simulator restarted on its state directory): claimed too, unless another simulator's.
    else claimPort(this.boundPort);
    while (!this.listener && !this.stopped && this.wantListening) {
      try {
        await this.tryListen();
      } catch (err) {
        // The port can be briefly taken (e.g. as another socket's ephemeral port); keep trying.
        if (
          (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' ||
          this.boundPort === 0 ||
          opts.retryInUse === false
        )
          throw err;
        await new Promise((r) => setTimeout(r, RELISTEN_RETRY_MS));
      }
    }
    return this.boundPort;
  }

  /** A first listen: on a free port below the kernel's ephemeral range (stable-ports.ts), else on one it picks. */
  private async listenOnStablePort(): Promise<void> {
    for (let i = 0; i < STABLE_PORT_ATTEMPTS && !this.listener && !this.stopped && this.wantListening; i++) {
      const port = nextStablePort();
      if (!claimPort(port)) continue; // another simulator's machine (perhaps rebooting right now)
      this.boundPort = port;
      try {
        await this.tryListen();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
          releasePort(port);
          this.boundPort = 0;
          throw err;
        }
      }
      if (!this.listener) releasePort(port);
    }
    if (!this.listener) this.boundPort = 0;
  }

  private tryListen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
      const onError = (err: Error) => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host: this.o.address, port: this.boundPort, exclusive: true, backlog: 128 }, () => {
        server.off('error', onError);
        server.on('error', () => undefined);
        const addr = server.address();
        if (addr && typeof addr === 'object') this.boundPort = addr.port;
        if (this.stopped || !this.wantListening) {
          server.close();
        } else {
          this.listener = server;
        }
        resolve();
      });
    });
  }

  /** Stops accepting: new connections are refused (existing sessions stay until dropped). */
  async stopListening(): Promise<void> {
    this.wantListening = false;
    const listener = this.listener;
    this.listener = undefined;
    // close() calls back only once every connection has ended: stop accepting now, don't wait for them.
    if (listener)
      await new Promise<void>((resolve) => {
        listener.close(() => resolve());
        if (!this.stopped) this.portHold.hold(this.boundPort);
        this.dropAll();
      });
  }

  /**
   * Stops accepting (the port refuses connections) but leaves established sessions alone, as
   * stopping a host's SSH service does [R]; listen() accepts again.
   */
  stopAccepting(): void {
    this.wantListening = false;
    const listener = this.listener;
    this.listener = undefined;
    listener?.close();
    if (listener && !this.stopped) this.portHold.hold(this.boundPort);
  }

  /** Closes every connection at once, as a host going down does. */
  dropAll(): void {
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
    this.connections.clear();
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.goDown();
    await this.portHold.release();
    releasePort(this.boundPort);
  }

  /** Stops listening and drops every connection (the listener closes once its sockets are gone). */
  async goDown(): Promise<void> {
    const stopped = this.stopListening();
    this.dropAll();
    await stopped;
  }

  private server(rotated: boolean): Ssh2Server {
    const make = (key: string) => {
      const server = new Ssh2Server({ hostKeys: [key], ident: this.o.ident ?? 'OpenSSH_9.3' }, (conn, info) =>
        this.onConnection(conn, info.port),
      );
      server.on('error', () => undefined);
      return server;
    };
    if (rotated) return (this.sshRotated ??= make(this.o.rotatedHostKey()));
    return (this.ssh ??= make(this.o.hostKey()));
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    const port = socket.remotePort;
    if (port !== undefined) {
      this.sockets.set(port, socket);
      socket.once('close', () => {
        if (this.sockets.get(port) === socket) this.sockets.delete(port);
      });
    }
    try {
      this.server(this.o.policy.hostKeyRotated()).injectSocket(socket);
    } catch {
      // An unusable host key (e.g. a corrupted state directory): refuse rather than crash the fleet.
      socket.destroy();
    }
  }

  private dropConnection(remotePort: number): void {
    this.sockets.get(remotePort)?.destroy();
  }

  private onConnection(conn: Connection, remotePort: number): void {
    this.connections.add(conn);
    // Each running command listens for the connection's close; clients run many at once on one connection.
    conn.setMaxListeners(64);
    conn.on('error', () => undefined);
    conn.on('close', () => this.connections.delete(conn));
    conn.on('authentication', (ctx) => {
      if (
        ctx.method === 'none' ||
        ctx.username !== this.o.username ||
        this.o.policy.authFails() ||
        !this.o.auth.check(ctx)
      ) {
        ctx.reject(['publickey', 'password']);
        return;
      }
      ctx.accept();
    });
    conn.on('ready', () => {
      conn.on('session', (acceptSession) => {
        const session = acceptSession();
        this.onSession(session, conn, remotePort);
      });
    });
  }

  private onSession(session: Session, conn: Connection, remotePort: number): void {
    let pty = false;
    session.on('pty', (accept) => {
      pty = true;
      (accept as (() => void) | undefined)?.();
    });
    session.on('env', (accept) => (accept as (() => void) | undefined)?.());
    session.on('window-change', (accept) => (accept as (() => void) | undefined)?.());
    session.on('signal', (accept) => (accept as (() => void) | undefined)?.());
    session.on('subsystem', (_accept, reject) => reject());
    session.on('sftp', (_accept, reject) => reject());
    session.on('exec', (accept, _reject, info) => {
      const channel = accept();
      void this.runExec(channel, info.command, pty, conn, remotePort);
    });
    session.on('shell', (accept) => {
      const channel = accept();
      if (this.o.machine.openInteractive && !this.o.machine.commands) this.runCli(channel, pty, conn);
      else this.runSh(channel, pty, conn);
    });
  }

  private abortOnClose(channel: ServerChannel, conn: Connection): AbortController {
    const controller = new AbortController();
    const abort = () => controller.abort();
    channel.once('close', abort);
    conn.once('close', abort);
    controller.signal.addEventListener('abort', () => conn.off('close', abort), { once: true });
    return controller;
  }

  private async execute(
    line: string,
    signal: AbortSignal,
    shell?: Shell,
  ): Promise<ExecResult & { combined: string }> {
    const machine = this.o.machine;
    const rewrite = (text: string) => this.o.policy.rewriteOutput?.(text) ?? text;
    let r: ExecResult & { combined?: string };
    if (machine.execCli && !machine.commands) {
      machine.onCommandLine?.(line, this.o.username);
      r = await machine.execCli(line, { user: this.o.username, signal, stdin: '' });
    } else {
      r = await runCommandLine(machine, line, { user: this.o.username, signal, shell });
    }
    const [stdout, stderr] = [rewrite(r.stdout), rewrite(r.stderr)];
    return {
      ...r,
      stdout,
      stderr,
      combined: r.combined === undefined ? stdout + stderr : rewrite(r.combined),
    };
  }

  private async runExec(
    channel: ServerChannel,
    command: string,
    pty: boolean,
    conn: Connection,
    remotePort: number,
  ): Promise<void> {
    const controller = this.abortOnClose(channel, conn);
    const { signal } = controller;
    const policy = this.o.policy;
    this.o.onCommand?.(command);
    try {
      if (policy.hangs(command)) {
        this.o.machine.onCommandLine?.(command, this.o.username);
        await abortable(Infinity, signal);
        return;
      }
      const drop = policy.drops();
      const latency = policy.commandLatencyMs();
      await abortable(drop ? latency / 2 : latency, signal);
      if (signal.aborted) return;
      if (drop) {
        // Mid-command: the command may or may not have run when the connection goes.
        if (policy.random() < 0.5) await this.execute(command, signal);
        this.dropConnection(remotePort);
        return;
      }
      const result = await this.execute(command, signal);
      if (signal.aborted) return;
      writeResult(channel, result, pty);
      channel.exit(result.code);
      channel.end();
    } catch (err) {
      if (signal.aborted) return;
      channel.stderr.write(`internal error: ${(err as Error).message}\n`);
      channel.exit(1);
      channel.end();
    } finally {
      controller.abort();
    }
  }

  private runSh(channel: ServerChannel, pty: boolean, conn: Connection): void {
    const controller = this.abortOnClose(channel, conn);
    const machine = this.o.machine;
    const user = this.o.username;
    const shell = new Shell({ machine, user, signal: controller.signal });
    const prompt =
      machine.kind === 'esxi'
        ? `[${user}@${machine.name}:~] `
        : `${user}@${machine.name}:~${user === 'root' ? '#' : '$'} `;
    const finish = (code: number) => {
      if (controller.signal.aborted) return;
      channel.exit(code);
      channel.end();
      controller.abort();
    };
    const lines = new LineInput(channel, pty, () => (pty ? prompt : ''));
    if (pty) channel.write(prompt);
    lines.onLine = async (line) => {
      if (line.trim() !== '') {
        this.o.onCommand?.(line);
        await abortable(this.o.policy.commandLatencyMs(), controller.signal);
        if (this.o.policy.hangs(line)) {
          machine.onCommandLine?.(line, user);
          await abortable(Infinity, controller.signal);
        }
        if (controller.signal.aborted) return false;
        const result = await this.execute(line, controller.signal, shell);
        if (controller.signal.aborted) return false;
        writeResult(channel, result, pty);
        if (shell.exitRequested) {
          finish(result.code);
          return false;
        }
      }
      if (pty) channel.write(prompt);
      return true;
    };
    lines.onEnd = () => finish(shell.lastStatus);
  }

  private runCli(channel: ServerChannel, pty: boolean, conn: Connection): void {
    const controller = this.abortOnClose(channel, conn);
    const machine = this.o.machine;
    const session = machine.openInteractive?.(this.o.username);
    if (!session) {
      channel.exit(1);
      channel.end();
      return;
    }
    const write = (text: string) => channel.write(pty ? toCrLf(text) : text);
    write(session.greeting());
    const lines = new LineInput(channel, pty, () => '');
    lines.onLine = async (line) => {
      this.o.onCommand?.(line);
      await abortable(this.o.policy.commandLatencyMs(), controller.signal);
      if (controller.signal.aborted) return false;
      machine.onCommandLine?.(line, this.o.username);
      const r = await session.input(line);
      if (controller.signal.aborted) return false;
      write(this.o.policy.rewriteOutput?.(r.output) ?? r.output);
      if (r.close) {
        channel.exit(0);
        channel.end();
        controller.abort();
        return false;
      }
      return true;
    };
    lines.onEnd = () => {
      if (controller.signal.aborted) return;
      channel.exit(0);
      channel.end();
      controller.abort();
    };
  }
}

function toCrLf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** With a pty, stderr is the terminal too and the line discipline turns \n into \r\n. */
function writeResult(channel: ServerChannel, r: ExecResult & { combined: string }, pty: boolean): void {
  if (pty) {
    if (r.combined) channel.write(toCrLf(r.combined));
    return;
  }
  if (r.stdout) channel.write(r.stdout);
  if (r.stderr) channel.stderr.write(r.stderr);
}

function abortable(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Turns channel data into lines, one at a time: with a pty it echoes input and handles
 * backspace, Ctrl-C and Ctrl-D like a terminal's line discipline.
 */
class LineInput {
  onLine: (line: string) => Promise<boolean> = () => Promise.resolve(true);
  onEnd: () => void = () => undefined;
  private buffer = '';
  private readonly queue: string[] = [];
  private busy = false;
  private ended = false;
  private closed = false;

  constructor(
    private readonly channel: ServerChannel,
    private readonly pty: boolean,
    private readonly prompt: () => string,
  ) {
    channel.on('data', (data: Buffer) => this.feed(data.toString('utf8')));
    channel.on('end', () => {
      this.ended = true;
      if (this.buffer !== '' && !this.pty) {
        this.queue.push(this.buffer);
        this.buffer = '';
      }
      void this.drain();
    });
  }

  private feed(text: string): void {
    for (const c of text) {
      if (c === '\r' || c === '\n') {
        if (c === '\n' && this.pty && this.lastWasCr) {
          this.lastWasCr = false;
          continue;
        }
        this.lastWasCr = c === '\r';
        if (this.pty) this.channel.write('\r\n');
        this.queue.push(this.buffer);
        this.buffer = '';
        continue;
      }
      this.lastWasCr = false;
      if (!this.pty) {
        this.buffer += c;
      } else if (c === '\x7f' || c === '\b') {
        if (this.buffer.length) {
          this.buffer = this.buffer.slice(0, -1);
          this.channel.write('\b \b');
        }
      } else if (c === '\x03') {
        this.buffer = '';
        this.channel.write(`^C\r\n${this.prompt()}`);
      } else if (c === '\x04') {
        if (this.buffer === '') {
          this.ended = true;
        }
      } else if (c >= ' ' || c === '\t') {
        this.buffer += c;
        this.channel.write(c);
      }
    }
    void this.drain();
  }

  private lastWasCr = false;

  private async drain(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed) {
        const line = this.queue.shift() as string;
        if (!(await this.onLine(line))) this.closed = true;
      }
      if (this.ended && !this.closed && !this.queue.length) {
        this.closed = true;
        this.onEnd();
      }
    } finally {
      this.busy = false;
    }
  }
}
