import { connect, createServer, type Server, type Socket } from 'node:net';

// A simulated machine's SSH port while it does not listen (TSM-SSH stopped, host rebooting). A real
// host's port 22 stays its own; the simulator's ports are in the ephemeral range, where the kernel
// hands a free port to any outgoing connection (the simulated vCenter's keep-alive connection to the
// control endpoint, a test's, another process's). Taken by a long-lived one, the machine could not
// listen again: starting SSH waited until the simulated vCenter's request timed out. While it does
// not listen, a connection of its own holds the port: bound explicitly, it is never picked as an
// ephemeral port, and connecting to the port is still refused (no listener).

let peer: Promise<Server> | undefined;

/** One listener per process that the holding connections go to; it keeps nothing alive. */
function holdPeer(address: string): Promise<Server> {
  peer ??= new Promise<Server>((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.unref();
    });
    server.once('error', reject);
    server.listen({ host: address, port: 0 }, () => {
      server.unref();
      resolve(server);
    });
  }).catch((err: unknown) => {
    peer = undefined;
    throw err;
  });
  return peer;
}

export class PortHold {
  private socket?: Socket;
  private pending?: Promise<void>;

  constructor(private readonly address: string) {
    // Listening now, while the machines' ports are theirs: a listener opened right after a port is
    // given up would likely be handed that very port by the kernel.
    holdPeer(address).catch(() => undefined);
  }

  /** Holds `port` (best effort: a port already taken cannot be held, and the listen retries as before). */
  hold(port: number): void {
    if (this.socket || this.pending || port === 0) return;
    this.pending = holdPeer(this.address)
      .then(
        (server) =>
          new Promise<void>((resolve) => {
            const { port: peerPort } = server.address() as { port: number };
            const socket = connect({
              host: this.address,
              port: peerPort,
              localAddress: this.address,
              localPort: port,
            });
            socket.on('error', () => resolve());
            socket.once('connect', () => {
              this.socket = socket;
              resolve();
            });
            socket.unref();
          }),
      )
      .catch(() => undefined)
      .finally(() => (this.pending = undefined));
  }

  /** Gives the port back (right before listening on it again). */
  async release(): Promise<void> {
    await this.pending;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    // A reset leaves no TIME_WAIT behind on this side: the port is free once the socket is closed.
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.resetAndDestroy();
    });
  }

  get holding(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }
}
