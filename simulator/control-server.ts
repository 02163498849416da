import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { formatFaults, hostFaultsSchema, parseFaultList, type HostFaults } from './faults';
import type { Fleet } from './fleet';
import { handleVms } from './control-vms';
import { handleVcenter } from './vcenter/control-routes';

// The simulator's HTTP control endpoint (127.0.0.1 only):
//   GET  /hosts                 every machine: name, kind, port, power, bootCount, faults (spec form)
//   GET  /hosts/NAME            one machine, with timings and (ESXi) its full state
//   GET  /hosts/NAME/faults     the machine's faults (JSON)
//   PUT  /hosts/NAME/faults     replace them: a JSON object ({"neverReturn":true}) or a fault list
//                               ("never-return,slow-boot=3000"); an empty body clears them
//   POST /hosts/NAME/reboot     power-cycle the machine (cold boot; ESXi hosts only)
//   GET  /hosts/NAME/vms        the host's VMs (state, see esxi/vm-state.ts)
//   PUT  /hosts/NAME/vms        replace them: a JSON array of VM specs (esxi/vm-spec.ts)
//   PATCH /hosts/NAME/vms/VM    change one VM: {"tools", "shutdownSeconds", "vmotionSeconds", "autostart", "power"}
//   GET  /timings               boot time / command latency / boots of every machine
//   /vcenter/...                what the simulated vCenter reads and does (vcenter/control-routes.ts)

export interface ControlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function parseFaultsBody(body: string): HostFaults {
  const text = body.trim();
  if (text === '') return {};
  if (text.startsWith('{')) return hostFaultsSchema.parse(JSON.parse(text));
  return parseFaultList(text);
}

async function handle(fleet: Fleet, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (parts[0] === 'timings' && parts.length === 1 && method === 'GET')
    return send(res, 200, fleet.allTimings());
  if (parts[0] === 'vcenter') {
    // A long maintenance entry ends early when the caller goes away.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const r = await handleVcenter(fleet, method, parts.slice(1), () => readBody(req), gone.signal);
    return send(res, r.status, r.body);
  }
  if (parts[0] !== 'hosts') return send(res, 404, { error: 'not found' });
  if (parts.length === 1 && method === 'GET') {
    return send(
      res,
      200,
      fleet.names().map((name) => {
        const h = fleet.host(name);
        return {
          name,
          kind: h.kind,
          port: h.port,
          power: h.power,
          bootCount: h.bootCount,
          faults: formatFaults(h.faults),
        };
      }),
    );
  }
  const name = parts[1];
  if (!fleet.names().includes(name)) return send(res, 404, { error: `no machine named ${name}` });
  const h = fleet.host(name);
  if (parts.length === 2 && method === 'GET') {
    h.esxi?.settle();
    return send(res, 200, {
      name,
      kind: h.kind,
      port: h.port,
      power: h.power,
      bootCount: h.bootCount,
      hostKey: h.fingerprint,
      faults: h.faults,
      timings: h.timings,
      state: h.esxi?.state,
    });
  }
  if (parts[2] === 'faults' && parts.length === 3) {
    if (method === 'GET') return send(res, 200, h.faults);
    if (method === 'PUT') {
      let faults: HostFaults;
      try {
        faults = parseFaultsBody(await readBody(req));
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
      fleet.setFaults(name, faults);
      return send(res, 200, h.faults);
    }
  }
  if (parts[2] === 'vms') {
    if (!h.esxi) return send(res, 400, { error: `${name} is not an ESXi host` });
    const r = handleVms(h.esxi, method, parts.slice(3), method === 'GET' ? '' : await readBody(req));
    return send(res, r.status, r.body);
  }
  if (parts[2] === 'reboot' && parts.length === 3 && method === 'POST') {
    if (!h.esxi) return send(res, 400, { error: `${name} cannot be rebooted` });
    if (h.power !== 'up') return send(res, 409, { error: `${name} is ${h.power}` });
    fleet.powerCycle(name);
    return send(res, 202, { rebooting: name });
  }
  return send(res, 405, { error: 'method not allowed' });
}

export function startControlServer(o: {
  fleet: Fleet;
  address: string;
  port: number;
}): Promise<ControlServer> {
  const server = createServer((req, res) => {
    handle(o.fleet, req, res).catch((err: Error) => send(res, 500, { error: err.message }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.address, () => {
      server.off('error', reject);
      const addr = server.address();
      const port = addr && typeof addr === 'object' ? addr.port : o.port;
      resolve({
        url: `http://${o.address}:${port}`,
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
