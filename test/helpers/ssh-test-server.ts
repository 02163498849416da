import { EventEmitter, once } from 'node:events';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Server, utils, type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import type { SshEndpoint } from '../../common/targets';
import { firstParsedKey } from '../../activities/ssh/credentials';
import { fingerprintOf } from '../../activities/ssh/host-key';

// A tiny SSH server for the SSH layer's tests (the full fleet simulator lives in simulator/). It
// listens on an ephemeral 127.0.0.1 port, records what clients do, and can misbehave on demand:
// drop connections, refuse at channel open, hang before the banner, delay or hang commands.

export interface TestSshUser {
  username: string;
  password?: string;
  /** "ssh-ed25519 AAAA..." (authorized_keys format). */
  publicKey?: string;
}

export interface ExecRequest {
  command: string;
  connectionId: number;
  username: string;
  /** Aborted when the client closes the channel or the connection goes. */
  signal: AbortSignal;
  write(stdout: string): void;
  writeStderr(stderr: string): void;
  /** Kill the TCP connection now (as a crashing or rebooting host would). */
  dropConnection(): void;
}

export interface ExecReply {
  stdout?: string;
  stderr?: string;
  code?: number;
  /** Exit by signal instead of a code ("KILL", "TERM", ...). */
  signal?: string;
}

export interface ShellHandler {
  /** Banner + first prompt. */
  greeting(): string;
  /** One typed line; returns the output + next prompt ('\n' is sent as '\r\n'). */
  onLine(line: string): { output: string; close?: boolean } | Promise<{ output: string; close?: boolean }>;
}

export interface TestSshServerOptions {
  /** Host private key (OpenSSH or PEM). A fresh ed25519 key when omitted. */
  hostKey?: string | Buffer;
  users?: TestSshUser[];
  /** Offer the "password" method (default true). */
  passwordMethod?: boolean;
  /** Offer "keyboard-interactive" with a single "Password: " prompt (default false). */
  keyboardInteractive?: boolean;
  /** Handles exec requests (default: stdout "ran: <command>\n", code 0). */
  exec?: (req: ExecRequest) => ExecReply | Promise<ExecReply>;
  /** Interactive shell for pty sessions. */
  shell?: (username: string) => ShellHandler;
  /** Drop the TCP connection instead of opening the session channel (per connection id, 1-based). */
  dropOnChannelOpen?: (connectionId: number) => boolean;
  /** Accept TCP but never speak SSH (for connect timeouts). */
  hangBeforeBanner?: boolean;
}

export interface RecordedCommand {
  command: string;
  connectionId: number;
  username: string;
}

export interface RecordedAuth {
  connectionId: number;
  username: string;
  method: string;
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2's generator emits an unparsable key about 1 time in
 * 256 (it strips a leading zero byte of the public key: mscdex/ssh2#1390, #1513), so retry until
 * both halves parse.
 */
export function generateTestKeyPair(): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    const priv = firstParsedKey(utils.parseKey(pair.private));
    const pub = firstParsedKey(utils.parseKey(pair.public));
    if (!(priv instanceof Error) && !(pub instanceof Error)) return pair;
  }
  throw new Error('could not generate a parsable ed25519 key pair');
}

/** Resolves when `signal` aborts (for exec handlers that should hang until the client gives up). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : once(signal, 'abort').then(() => undefined);
}

export class TestSshServer extends EventEmitter {
  readonly address = '127.0.0.1';
  port = 0;
  /** "SHA256:..." of the host key, as ssh-keygen -lf prints it. */
  readonly hostKeyFingerprint: string;
  /** "ssh-ed25519 AAAA..." */
  readonly hostPublicKey: string;
  readonly commands: RecordedCommand[] = [];
  readonly authAttempts: RecordedAuth[] = [];
  /** TCP connections accepted so far. */
  connectionCount = 0;
  /** Connections that authenticated. */
  authenticatedCount = 0;
  channelsClosed = 0;
  /** Most SSH handshakes (client header seen, not yet authenticated) in progress at once. */
  maxConcurrentHandshakes = 0;
  private handshakesInProgress = 0;

  private readonly net: NetServer;
  private readonly ssh: Server;
  private readonly sockets = new Map<number, Socket>();
  private readonly idsByRemotePort = new Map<number, number>();

  private constructor(private readonly opts: TestSshServerOptions) {
    super();
    const hostKey = opts.hostKey ?? generateTestKeyPair().private;
    const key = firstParsedKey(utils.parseKey(hostKey));
    if (key instanceof Error) throw key;
    const blob = key.getPublicSSH();
    this.hostKeyFingerprint = fingerprintOf(blob);
    this.hostPublicKey = `${key.type} ${blob.toString('base64')}`;
    this.ssh = new Server({ hostKeys: [hostKey] });
    // ssh2 announces a client once its SSH header arrived; the remote port tells which socket it is.
    this.ssh.on('connection', (client, info) =>
      this.onConnection(client, this.idsByRemotePort.get(info.port) ?? 0),
    );
    this.net = createServer((sock) => this.accept(sock));
  }

  static async start(opts: TestSshServerOptions = {}): Promise<TestSshServer> {
    const server = new TestSshServer(opts);
    server.net.listen(0, server.address);
    await once(server.net, 'listening');
    server.port = (server.net.address() as AddressInfo).port;
    return server;
  }

  /** Destroy every open TCP connection. */
  dropAllConnections(): void {
    for (const sock of this.sockets.values()) sock.destroy();
  }

  /** Waits (bounded) for an event: 'command', 'channel-close', 'connection', 'connection-close', 'auth'. */
  async waitFor<T = unknown>(
    event: string,
    predicate: (arg: T) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, listener);
        reject(new Error(`test SSH server: no '${event}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (arg: T) => {
        if (!predicate(arg)) return;
        clearTimeout(timer);
        this.off(event, listener);
        resolve(arg);
      };
      this.on(event, listener);
    });
  }

  async close(): Promise<void> {
    this.dropAllConnections();
    await new Promise<void>((resolve) => this.net.close(() => resolve()));
  }

  private accept(sock: Socket): void {
    this.connectionCount += 1;
    const id = this.connectionCount;
    this.sockets.set(id, sock);
    const remotePort = sock.remotePort ?? -1;
    this.idsByRemotePort.set(remotePort, id);
    sock.setNoDelay(true); // no Nagle + delayed-ACK stalls (40 ms per exchange on loopback)
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.sockets.delete(id);
      this.idsByRemotePort.delete(remotePort);
      this.emit('connection-close', id);
    });
    this.emit('connection', id);
    if (this.opts.hangBeforeBanner) return;
    this.ssh.injectSocket(sock);
  }

  private onConnection(client: Connection, id: number): void {
    let username = '';
    let handshaking = true;
    this.handshakesInProgress += 1;
    this.maxConcurrentHandshakes = Math.max(this.maxConcurrentHandshakes, this.handshakesInProgress);
    const handshakeOver = () => {
      if (!handshaking) return;
      handshaking = false;
      this.handshakesInProgress -= 1;
    };
    client.on('close', handshakeOver);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      username = ctx.username;
      this.authAttempts.push({ connectionId: id, username: ctx.username, method: ctx.method });
      this.emit('auth', { connectionId: id, username: ctx.username, method: ctx.method });
      this.authenticate(ctx);
    });
    client.on('ready', () => {
      handshakeOver();
      this.authenticatedCount += 1;
      client.on('session', (accept, reject) => {
        if (this.opts.dropOnChannelOpen?.(id)) {
          this.sockets.get(id)?.destroy();
          void reject;
          return;
        }
        const session = accept();
        let pty = false;
        session.on('pty', (acceptPty) => {
          pty = true;
          acceptPty();
        });
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          void this.runExec(stream, info.command, id, username);
        });
        session.on('shell', (acceptShell, rejectShell) => {
          if (!this.opts.shell) {
            rejectShell();
            return;
          }
          this.runShell(acceptShell(), this.opts.shell(username), pty);
        });
      });
    });
  }

  private authenticate(ctx: AuthContext): void {
    const methods: Array<'password' | 'publickey' | 'keyboard-interactive'> = ['publickey'];
    if (this.opts.passwordMethod !== false) methods.push('password');
    if (this.opts.keyboardInteractive) methods.push('keyboard-interactive');
    const user = (this.opts.users ?? []).find((u) => u.username === ctx.username);
    switch (ctx.method) {
      case 'password':
        if (methods.includes('password') && user?.password !== undefined && ctx.password === user.password)
          ctx.accept();
        else ctx.reject(methods);
        return;
      case 'keyboard-interactive':
        if (!methods.includes('keyboard-interactive') || user?.password === undefined) {
          ctx.reject(methods);
          return;
        }
        ctx.prompt([{ prompt: 'Password: ', echo: false }], 'test', '', (answers) => {
          if (answers[0] === user.password) ctx.accept();
          else ctx.reject(methods);
        });
        return;
      case 'publickey': {
        const key = user?.publicKey ? firstParsedKey(utils.parseKey(user.publicKey)) : undefined;
        if (
          !key ||
          key instanceof Error ||
          ctx.key.algo !== key.type ||
          !ctx.key.data.equals(key.getPublicSSH())
        ) {
          ctx.reject(methods);
          return;
        }
        if (ctx.signature && ctx.blob) {
          if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) ctx.accept();
          else ctx.reject(methods);
        } else {
          ctx.accept(); // the "would this key be accepted?" query
        }
        return;
      }
      default:
        ctx.reject(methods);
    }
  }

  private async runExec(
    stream: ServerChannel,
    command: string,
    connectionId: number,
    username: string,
  ): Promise<void> {
    const closed = new AbortController();
    stream.on('close', () => {
      if (closed.signal.aborted) return;
      closed.abort();
      this.channelsClosed += 1;
      this.emit('channel-close', { command, connectionId });
    });
    stream.on('error', () => undefined);
    // Consume stdin: ssh2 only reports the client's channel close once the readable side ended.
    stream.resume();
    const recorded = { command, connectionId, username };
    this.commands.push(recorded);
    this.emit('command', recorded);
    const handler =
      this.opts.exec ?? ((req: ExecRequest): ExecReply => ({ stdout: `ran: ${req.command}\n` }));
    const reply = await handler({
      command,
      connectionId,
      username,
      signal: closed.signal,
      write: (s) => stream.write(s),
      writeStderr: (s) => stream.stderr.write(s),
      dropConnection: () => this.sockets.get(connectionId)?.destroy(),
    });
    if (closed.signal.aborted) return;
    if (reply.stdout) stream.write(reply.stdout);
    if (reply.stderr) stream.stderr.write(reply.stderr);
    if (reply.signal) stream.exit(reply.signal, false, '');
    else stream.exit(reply.code ?? 0);
    stream.end();
  }

  private runShell(stream: ServerChannel, handler: ShellHandler, pty: boolean): void {
    const out = (text: string) => stream.write(pty ? text.replace(/\r?\n/g, '\r\n') : text);
    stream.on('error', () => undefined);
    out(handler.greeting());
    let line = '';
    let chain = Promise.resolve();
    stream.on('data', (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          if (pty) stream.write('\r\n'); // terminal echo of Enter
          const typed = line;
          line = '';
          chain = chain.then(async () => {
            const reply = await handler.onLine(typed);
            out(reply.output);
            if (reply.close) {
              stream.exit(0);
              stream.end();
            }
          });
        } else {
          line += ch;
          if (pty) stream.write(ch); // terminal echo
        }
      }
    });
  }
}

/** An SshEndpoint pointing at a test server, pinned to its host key, with password-env credentials. */
export function endpointOf(server: TestSshServer, overrides: Partial<SshEndpoint> = {}): SshEndpoint {
  return {
    name: 'test-host',
    address: server.address,
    port: server.port,
    username: 'root',
    hostKey: server.hostKeyFingerprint,
    credential: { type: 'password-env', env: 'IBFLEET_SSH_TEST_PASSWORD' },
    ...overrides,
  };
}
