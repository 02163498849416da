import type { PerftestArgs } from './perftest-args';
import type { QpInfo } from './perftest-format';
import type { NormalizedLink } from './link';
import { hash32 } from './identity';
import { measure, seededRandom, type BandwidthModel, type MeasuredRow } from './bandwidth';

// The simulated data network between guests: perftest servers listen on (dataAddress, port) and clients
// connect there, as perftest's TCP out-of-band exchange does. The fabric pairs them and decides the
// bandwidth (see bandwidth.ts). Everything is in-process and deterministic for a given seed and sequence
// of runs.

export interface PerftestFabricOptions {
  /** Line rate of one port, Gb/s; default 400 (NDR). */
  lineRateGbps?: number;
  /** Fraction of line rate the largest messages reach; default 0.991 (the guide's 396.5 of 400). */
  efficiency?: number;
  /** Seed of the jitter; default 1. */
  seed?: number;
  /** How long a server waits for a client before giving up; default 120 s. */
  serverWaitMs?: number;
  /** Simulated run time of a test (the client waits this long before reporting); default 0. */
  testDurationMs?: number;
}

/** One side of a test, as the fabric sees it. */
export interface PerftestEndpoint {
  guest: string;
  device: string;
  lid: number;
  /** Evaluated when the peer connects (the fleet may have changed since the server started). */
  link: () => NormalizedLink;
}

/** What the client hands the waiting server. */
export type ServerDelivery =
  | { kind: 'report'; rows: MeasuredRow[]; serverQps: QpInfo[]; clientQps: QpInfo[] }
  | { kind: 'failed'; stderr: string };

export type ServerOutcome = ServerDelivery | { kind: 'timeout'; waitedMs: number } | { kind: 'aborted' };

interface Listener {
  key: string;
  args: PerftestArgs;
  endpoint: PerftestEndpoint;
  deliver(d: ServerDelivery): void;
}

export type ConnectResult =
  | { kind: 'no-server' }
  | { kind: 'failed'; stderr: string }
  | { kind: 'report'; rows: MeasuredRow[]; clientQps: QpInfo[]; serverQps: QpInfo[] };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class PerftestFabric {
  readonly model: BandwidthModel;
  readonly seed: number;
  readonly serverWaitMs: number;
  readonly testDurationMs: number;
  private readonly listeners = new Map<string, Listener>();
  private readonly runs = new Map<string, number>();

  constructor(opts: PerftestFabricOptions = {}) {
    this.model = { lineRateGbps: opts.lineRateGbps ?? 400, efficiency: opts.efficiency ?? 0.991 };
    this.seed = opts.seed ?? 1;
    this.serverWaitMs = opts.serverWaitMs ?? 120_000;
    this.testDurationMs = opts.testDurationMs ?? 0;
  }

  static key(address: string, port: number): string {
    return `${address}:${port}`;
  }

  /** "address:port" of every waiting server (diagnostics and tests). */
  waitingServers(): string[] {
    return [...this.listeners.keys()];
  }

  /**
   * Registers a server and waits for one client, the timeout, or the abort signal. Returns undefined at
   * once when the port is taken on that address. Registration happens synchronously, so a client started
   * right after this call finds the server.
   */
  listen(
    address: string,
    args: PerftestArgs,
    endpoint: PerftestEndpoint,
    signal?: AbortSignal,
  ): Promise<ServerOutcome> | undefined {
    const key = PerftestFabric.key(address, args.port);
    if (this.listeners.has(key)) return undefined;
    return new Promise<ServerOutcome>((resolve) => {
      const finish = (o: ServerOutcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.listeners.get(key) === listener) this.listeners.delete(key);
        resolve(o);
      };
      const onAbort = () => finish({ kind: 'aborted' });
      const listener: Listener = { key, args, endpoint, deliver: finish };
      const timer = setTimeout(
        () => finish({ kind: 'timeout', waitedMs: this.serverWaitMs }),
        this.serverWaitMs,
      );
      this.listeners.set(key, listener);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A client run against address:port: pairs with the server, measures, and reports to both sides. */
  async connect(
    address: string,
    args: PerftestArgs,
    client: PerftestEndpoint,
    signal?: AbortSignal,
  ): Promise<ConnectResult> {
    const key = PerftestFabric.key(address, args.port);
    const listener = this.listeners.get(key);
    if (!listener) return { kind: 'no-server' };
    // One client per server run, as perftest serves a single connection.
    this.listeners.delete(key);

    const mismatch = this.mismatch(listener.args, args);
    if (mismatch) {
      const stderr = ` Failed to exchange data between server and clients\n`;
      listener.deliver({ kind: 'failed', stderr: `${stderr}` });
      return { kind: 'failed', stderr: `${stderr}` };
    }
    const serverLink = listener.endpoint.link();
    const clientLink = client.link();
    if (!serverLink.up || !clientLink.up) {
      const stderr = ` Unable to Connect the HCA's through the link\n`;
      listener.deliver({ kind: 'failed', stderr });
      return { kind: 'failed', stderr };
    }

    const pair = `${client.guest}->${listener.endpoint.guest}:${args.port}`;
    const run = (this.runs.get(pair) ?? 0) + 1;
    this.runs.set(pair, run);
    const random = seededRandom(hash32(`${this.seed}|${pair}|${run}`));
    const factor = Math.min(serverLink.factor, clientLink.factor);
    const rows = measure(args, this.model, factor, random);
    const clientQps = this.qpInfos(client.lid, args, random);
    const serverQps = this.qpInfos(listener.endpoint.lid, args, random);

    await sleep(this.testDurationMs, signal);
    listener.deliver({ kind: 'report', rows, serverQps, clientQps });
    return { kind: 'report', rows, clientQps, serverQps };
  }

  /** perftest's SYMMETRIC parameters must match on both sides. */
  private mismatch(server: PerftestArgs, client: PerftestArgs): string | undefined {
    if (server.verb !== client.verb) return 'test';
    if (server.all !== client.all || (!client.all && server.size !== client.size)) return 'size';
    if (server.bidirectional !== client.bidirectional) return 'bidirectional';
    if (server.qps !== client.qps) return 'qps';
    return undefined;
  }

  private qpInfos(lid: number, args: PerftestArgs, random: () => number): QpInfo[] {
    const qpnBase = 0x60 + Math.floor(random() * 0x200);
    const vaddrBase = 0x7f0000000000 + Math.floor(random() * 0xfff0000) * 0x1000;
    return Array.from({ length: args.qps }, (_, i) => ({
      lid,
      qpn: qpnBase + i,
      psn: Math.floor(random() * 0xffffff),
      rkey: 0x1fff00,
      vaddr: vaddrBase + i * 0x800000,
      outReads: 16,
    }));
  }
}
