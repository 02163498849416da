import type { EsxiMachine } from './esxi/machine';
import type { PowerOnRefusal } from './esxi/vm-power';
import { installVms, patchVm, vmPatchSchema, vmSpecSchema } from './esxi/vm-spec';

// The control endpoint's /hosts/NAME/vms routes (control-server.ts): read and change a host's VMs.

export interface VmsResponse {
  status: number;
  body: unknown;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new Error(`body is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

function describe(r: PowerOnRefusal): string {
  if (r.kind === 'already-on') return 'already powered on';
  if (r.kind === 'host-state') return 'the host is in (or entering) maintenance mode';
  const what =
    r.device.kind === 'sriov'
      ? `no free VF on ${r.device.pf}`
      : `device ${r.device.pci} unavailable (${r.reason})`;
  return `pciPassthru${r.index}: ${what}`;
}

export function handleVms(host: EsxiMachine, method: string, rest: string[], body: string): VmsResponse {
  host.settle();
  const state = host.state;
  try {
    if (rest.length === 0 && method === 'GET') return { status: 200, body: state.vms };
    if (rest.length === 0 && method === 'PUT') {
      const specs = vmSpecSchema.array().safeParse(parseJson(body));
      if (!specs.success) return { status: 400, body: { error: specs.error.message } };
      const refusals = installVms(state, specs.data);
      host.changed();
      return { status: 200, body: { vms: state.vms, refused: refusals.map(describe) } };
    }
    if (rest.length === 1 && method === 'PATCH') {
      const vm = state.vms.find((v) => v.name === rest[0]);
      if (!vm) return { status: 404, body: { error: `no VM named ${rest[0]}` } };
      const patch = vmPatchSchema.safeParse(parseJson(body));
      if (!patch.success) return { status: 400, body: { error: patch.error.message } };
      const refusal = patchVm(state, vm, patch.data);
      host.settle();
      host.changed();
      if (refusal) return { status: 409, body: { error: describe(refusal), vm } };
      return { status: 200, body: vm };
    }
  } catch (err) {
    return { status: 400, body: { error: (err as Error).message } };
  }
  return { status: 405, body: { error: 'method not allowed' } };
}
