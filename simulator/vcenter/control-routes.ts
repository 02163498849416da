import { z } from 'zod';
import { VSAN_MODES } from '../esxi/maintenance';
import type { EsxiState } from '../esxi/state';
import { powerOff, powerOn, requestGuestShutdown, requestMaintenance } from '../esxi/vm-power';
import type { VmState } from '../esxi/vm-state';
import type { Fleet } from '../fleet';
import type { SimHost } from '../sim-host';
import { migrate } from './vmotion';

// The control endpoint's /vcenter routes (control-server.ts): what the simulated vCenter (the Go
// program in this folder) reads and does. The fleet stays the one source of truth: vCenter's view
// of a host, its VMs and its SSH service is read from here, and its tasks act here.
//   GET  /vcenter/fleet                           clusters, and every ESXi host as vCenter sees it
//   POST /vcenter/hosts/NAME/maintenance          {"enable", "timeoutSeconds", "vsanMode"}: waits for
//                                                 the entry (200) or its timeout (409 Timeout)
//   POST /vcenter/hosts/NAME/reboot               {"force"}: RebootHost_Task
//   PUT  /vcenter/hosts/NAME/ssh                  {"running", "policy"}: the TSM-SSH service
//   POST /vcenter/hosts/NAME/vms/VM/power         {"op": "on" | "off" | "shutdown"}
//   POST /vcenter/hosts/NAME/vms/VM/migrate       {"to": HOST}: vMotion (plain VMs only; takes the
//                                                 VM's vmotionSeconds, vmotion.ts)
// Refusals are 409 {"fault": vim fault name, "error": text}.

export interface RouteResponse {
  status: number;
  body: unknown;
}

const maintenanceSchema = z.strictObject({
  enable: z.boolean(),
  timeoutSeconds: z.number().int().optional(),
  vsanMode: z.enum(VSAN_MODES).optional(),
});
const rebootSchema = z.strictObject({ force: z.boolean().optional() });
const sshSchema = z.strictObject({
  running: z.boolean().optional(),
  policy: z.enum(['on', 'off', 'automatic']).optional(),
});
const powerSchema = z.strictObject({ op: z.enum(['on', 'off', 'shutdown']) });

const refuse = (fault: string, error: string): RouteResponse => ({ status: 409, body: { fault, error } });
const ok = (body: unknown): RouteResponse => ({ status: 200, body });

function vmView(vm: VmState) {
  return {
    name: vm.name,
    vmid: vm.vmid,
    uuid: vm.uuid,
    power: vm.power,
    guestId: vm.guestId,
    numCpu: vm.numCpu,
    memoryMB: vm.memoryMB,
    tools: vm.tools,
    devices: vm.devices,
  };
}

function hostView(fleet: Fleet, name: string, cluster: string) {
  const h = fleet.host(name);
  const esxi = fleet.esxi(name);
  esxi.settle();
  const s = esxi.state;
  return {
    name,
    cluster,
    power: h.power,
    bootCount: s.boot.count,
    bootTime: new Date(s.boot.bootedAt).toISOString(),
    version: s.version,
    maintenanceMode: s.maintenanceMode,
    enteringMaintenance: s.maintenanceRequest !== undefined,
    ssh: s.sshService ?? { running: true, policy: 'on' },
    vms: s.vms.map(vmView),
  };
}

/** The host answers vCenter only while it is up. */
function connected(h: SimHost): RouteResponse | undefined {
  if (h.power === 'up') return undefined;
  return refuse('HostNotConnected', `${h.name} is not connected (${h.power})`);
}

async function maintenance(h: SimHost, body: unknown, signal: AbortSignal): Promise<RouteResponse> {
  const req = maintenanceSchema.parse(body);
  const esxi = h.esxi as NonNullable<SimHost['esxi']>;
  esxi.settle();
  const state = esxi.state;
  if (!req.enable) {
    if (state.maintenanceRequest) delete state.maintenanceRequest;
    else if (!state.maintenanceMode) return refuse('InvalidState', `${h.name} is not in maintenance mode`);
    state.maintenanceMode = false;
    esxi.changed();
    return ok({ maintenanceMode: false });
  }
  // Already in maintenance mode: the task succeeds at once [R].
  if (state.maintenanceMode) return ok({ maintenanceMode: true });
  const timeout = req.timeoutSeconds ?? 0;
  // Timeout <= 0 means none, as for EnterMaintenanceMode_Task.
  const deadline = timeout > 0 ? esxi.now() + timeout * 1000 : null;
  requestMaintenance(state, esxi.now(), deadline);
  esxi.changed();
  await esxi.waitUntil(() => state.maintenanceMode || !state.maintenanceRequest, deadline, signal);
  if (state.maintenanceMode) return ok({ maintenanceMode: true });
  if (signal.aborted) return refuse('RequestCanceled', 'the client went away');
  if (deadline !== null && esxi.now() >= deadline)
    return refuse('Timeout', `${h.name}: powered-on VMs remained after ${timeout}s`);
  return refuse('RequestCanceled', `${h.name}: the entry was cancelled`);
}

function findVm(state: EsxiState, name: string): VmState | undefined {
  return state.vms.find((vm) => vm.name === name);
}

function power(h: SimHost, vm: VmState, body: unknown): RouteResponse {
  const { op } = powerSchema.parse(body);
  const esxi = h.esxi as NonNullable<SimHost['esxi']>;
  const state = esxi.state;
  let refusal: RouteResponse | undefined;
  if (op === 'on') {
    const r = powerOn(state, vm);
    if (r?.kind === 'already-on') refusal = refuse('InvalidPowerState', `${vm.name} is powered on`);
    else if (r?.kind === 'host-state')
      refusal = refuse('InvalidState', `${h.name} is in (or entering) maintenance mode`);
    else if (r)
      refusal = refuse('GenericVmConfigFault', `pciPassthru${r.index}: device unavailable (${r.reason})`);
  } else if (op === 'off') {
    if (!powerOff(vm)) refusal = refuse('InvalidPowerState', `${vm.name} is powered off`);
  } else {
    const r = requestGuestShutdown(vm, esxi.now(), { soft: false, hangs: esxi.guestShutdownHangs() });
    if (r === 'not-running') refusal = refuse('InvalidPowerState', `${vm.name} is powered off`);
    if (r === 'no-tools') refusal = refuse('ToolsUnavailable', `VMware Tools are not running in ${vm.name}`);
  }
  esxi.settle();
  esxi.changed();
  return refusal ?? ok(vmView(vm));
}

export async function handleVcenter(
  fleet: Fleet,
  method: string,
  parts: string[],
  readBody: () => Promise<string>,
  signal: AbortSignal,
): Promise<RouteResponse> {
  const clusterOf = new Map(fleet.inventory.hosts.map((h) => [h.name, h.cluster]));
  if (parts.length === 1 && parts[0] === 'fleet' && method === 'GET') {
    const clusters = [...new Set(clusterOf.values())].map((name) => ({
      name,
      hosts: [...clusterOf].filter(([, c]) => c === name).map(([host]) => host),
    }));
    return ok({ clusters, hosts: [...clusterOf].map(([name, c]) => hostView(fleet, name, c)) });
  }
  if (parts[0] !== 'hosts' || parts.length < 3) return { status: 404, body: { error: 'not found' } };
  const name = parts[1];
  if (!clusterOf.has(name)) return { status: 404, body: { error: `no ESXi host named ${name}` } };
  const h = fleet.host(name);
  let body: unknown;
  try {
    const text = await readBody();
    body = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  } catch (err) {
    return { status: 400, body: { error: `body is not JSON: ${(err as Error).message}` } };
  }
  try {
    const down = connected(h);
    if (parts.length === 3 && parts[2] === 'maintenance' && method === 'POST')
      return down ?? (await maintenance(h, body, signal));
    if (parts.length === 3 && parts[2] === 'reboot' && method === 'POST') {
      const { force } = rebootSchema.parse(body);
      if (down) return down;
      if (!force && !h.esxi?.state.maintenanceMode)
        return refuse('InvalidState', `${name} is not in maintenance mode (reboot without force)`);
      h.requestReboot({ via: 'esxcli', delayMs: 0, force: false });
      return { status: 202, body: { rebooting: name } };
    }
    if (parts.length === 3 && parts[2] === 'ssh' && method === 'PUT') {
      const change = sshSchema.parse(body);
      if (down) return down;
      await h.setSshService(change);
      return ok(h.esxi?.state.sshService);
    }
    if (parts.length === 5 && parts[2] === 'vms' && method === 'POST') {
      if (down) return down;
      const vm = findVm(fleet.esxi(name).state, parts[3]);
      if (!vm) return refuse('NotFound', `no VM ${parts[3]} on ${name}`);
      if (parts[4] === 'power') return power(h, vm, body);
      if (parts[4] === 'migrate') return (await migrate(fleet, h, vm, body, signal)) ?? ok(vmView(vm));
    }
  } catch (err) {
    if (err instanceof z.ZodError) return { status: 400, body: { error: z.prettifyError(err) } };
    throw err;
  }
  return { status: 405, body: { error: 'method not allowed' } };
}
