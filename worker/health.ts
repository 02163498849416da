import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';

// A tiny HTTP health endpoint for orchestrators (Docker HEALTHCHECK, Kubernetes probes):
//   GET /healthz  200 while the worker is RUNNING, 503 otherwise (liveness)
//   GET /readyz   200 while RUNNING and the optional ready() check passes, 503 otherwise (readiness)
// The body is a small JSON object with the worker state, never anything else about the process.

export type WorkerState = State;

export const DEFAULT_HEALTH_PORT = 8081;
export const DEFAULT_HEALTH_HOST = '127.0.0.1';

export interface HealthServerOptions {
  /** Current worker state, e.g. `() => worker?.getState() ?? 'INITIALIZED'`. */
  state: () => WorkerState;
  /** Extra readiness condition for /readyz (e.g. "the inventory loaded"); default always ready. */
  ready?: () => boolean;
  /** Default: IBFLEET_HEALTH_PORT, else 8081. 0 picks a free port. */
  port?: number;
  /** Default: IBFLEET_HEALTH_HOST, else 127.0.0.1 (containers set 0.0.0.0 to publish the port). */
  host?: string;
}

export interface HealthServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function healthPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | 'off' {
  const value = env.IBFLEET_HEALTH_PORT?.trim();
  if (value?.toLowerCase() === 'off') return 'off';
  if (!value) return DEFAULT_HEALTH_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('IBFLEET_HEALTH_PORT must be a port number');
  return port;
}

/** IBFLEET_HEALTH_HOST, else loopback: state is nobody else's business unless exposed on purpose. */
export function healthHostFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.IBFLEET_HEALTH_HOST?.trim() || DEFAULT_HEALTH_HOST;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const listenPort = options.port ?? healthPortFromEnv();
  if (listenPort === 'off') throw new Error('the health endpoint is disabled (IBFLEET_HEALTH_PORT=off)');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let state: WorkerState | 'UNKNOWN';
    let ready = false;
    try {
      state = options.state();
      ready = path === '/readyz' && state === 'RUNNING' && (options.ready?.() ?? true);
    } catch {
      state = 'UNKNOWN';
    }
    if (path === '/healthz') return reply(res, state === 'RUNNING' ? 200 : 503, { status: state });
    if (path === '/readyz') return reply(res, ready ? 200 : 503, { status: state, ready });
    reply(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, options.host ?? healthHostFromEnv(), () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
