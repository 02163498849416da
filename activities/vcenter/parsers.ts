import { z } from 'zod';
import { ParseError } from '../esxi/parsers/parse-error';

// Pure parsers of govc's output (v0.46.3, `-json`). `object.collect -json -type T / props...` prints
// one pretty-printed JSON document per object ({kind, obj, changeSet}), one after the other; a
// document ends with a "}" in column 0. govc's JSON carries no type names, so a VM device is told
// apart by the fields of its backing (the vSphere API's distinct backing types). Each returns the
// right answer or throws ParseError.

const COLLECT = 'govc object.collect';

const morefSchema = z.object({ type: z.string(), value: z.string().min(1) });

const changeSchema = z.object({ name: z.string(), op: z.string(), val: z.unknown().optional() });
const objectUpdateSchema = z.object({
  kind: z.string(),
  obj: morefSchema,
  changeSet: z.array(changeSchema).nullable().optional(),
});

/** Splits `object.collect -json` output into its documents and checks each one's shape. */
export function parseCollectStream(text: string): z.infer<typeof objectUpdateSchema>[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(/\n(?=\{)/).map((chunk, i) => {
    let doc: unknown;
    try {
      doc = JSON.parse(chunk);
    } catch (err) {
      throw new ParseError(COLLECT, `document ${i + 1} to be JSON (${(err as Error).message})`, chunk);
    }
    const parsed = objectUpdateSchema.safeParse(doc);
    if (!parsed.success)
      throw new ParseError(
        COLLECT,
        `document ${i + 1} to be an object update (${z.prettifyError(parsed.error)})`,
        chunk,
      );
    return parsed.data;
  });
}

/** Arrays arrive wrapped as their vSphere type ({"_value": [...]}, e.g. ArrayOfManagedObjectReference). */
function unwrap(val: unknown): unknown {
  if (val !== null && typeof val === 'object' && !Array.isArray(val) && '_value' in val) return val._value;
  return val ?? null;
}

function properties(update: z.infer<typeof objectUpdateSchema>): Map<string, unknown> {
  return new Map((update.changeSet ?? []).map((c) => [c.name, unwrap(c.val)]));
}

function field<T>(schema: z.ZodType<T>, props: Map<string, unknown>, name: string, what: string): T {
  const value = props.get(name) ?? null;
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ParseError(
      COLLECT,
      `${what}: ${name} (${z.prettifyError(parsed.error)})`,
      JSON.stringify(value),
    );
  return parsed.data;
}

export interface VcenterHost {
  /** Managed object id ("host-27"). */
  moref: string;
  name: string;
  connectionState: 'connected' | 'disconnected' | 'notResponding';
  powerState: 'poweredOn' | 'poweredOff' | 'standBy' | 'unknown';
  inMaintenanceMode: boolean;
  /** ISO time of the current boot, as vCenter last saw it. */
  bootTime: string | null;
  /** Managed object ids of the VMs registered on the host. */
  vms: string[];
}

/** The properties `hostProperties` asks for. */
export const HOST_PROPERTIES = [
  'name',
  'runtime.connectionState',
  'runtime.powerState',
  'runtime.inMaintenanceMode',
  'runtime.bootTime',
  'vm',
] as const;

/** `govc object.collect -json -type h / ${HOST_PROPERTIES}`. */
export function parseHosts(text: string): VcenterHost[] {
  return parseCollectStream(text)
    .filter((u) => u.obj.type === 'HostSystem')
    .map((u) => {
      const p = properties(u);
      const what = `host ${u.obj.value}`;
      return {
        moref: u.obj.value,
        name: field(z.string().min(1), p, 'name', what),
        connectionState: field(
          z.enum(['connected', 'disconnected', 'notResponding']),
          p,
          'runtime.connectionState',
          what,
        ),
        powerState: field(
          z.enum(['poweredOn', 'poweredOff', 'standBy', 'unknown']),
          p,
          'runtime.powerState',
          what,
        ),
        inMaintenanceMode: field(z.boolean(), p, 'runtime.inMaintenanceMode', what),
        bootTime: field(z.iso.datetime({ offset: true }).nullable(), p, 'runtime.bootTime', what),
        vms: (field(z.array(morefSchema).nullable(), p, 'vm', what) ?? []).map((r) => r.value),
      };
    });
}

export interface VcenterCluster {
  moref: string;
  name: string;
  /** Managed object ids of its hosts. */
  hosts: string[];
  drs: { enabled: boolean; behavior: 'manual' | 'partiallyAutomated' | 'fullyAutomated' | null };
  /** vSphere HA. */
  ha: boolean;
  vsan: boolean;
}

/** The properties `clusterProperties` asks for (the flags are optional booleans: unset means off). */
export const CLUSTER_PROPERTIES = [
  'name',
  'host',
  'configurationEx.drsConfig.enabled',
  'configurationEx.drsConfig.defaultVmBehavior',
  'configurationEx.dasConfig.enabled',
  'configurationEx.vsanConfigInfo.enabled',
] as const;

/** `govc object.collect -json -type c / ${CLUSTER_PROPERTIES}`. */
export function parseClusters(text: string): VcenterCluster[] {
  const flag = z.boolean().nullable();
  return parseCollectStream(text)
    .filter((u) => u.obj.type === 'ClusterComputeResource')
    .map((u) => {
      const p = properties(u);
      const what = `cluster ${u.obj.value}`;
      return {
        moref: u.obj.value,
        name: field(z.string().min(1), p, 'name', what),
        hosts: (field(z.array(morefSchema).nullable(), p, 'host', what) ?? []).map((r) => r.value),
        drs: {
          enabled: field(flag, p, 'configurationEx.drsConfig.enabled', what) ?? false,
          behavior: field(
            z.enum(['manual', 'partiallyAutomated', 'fullyAutomated']).nullable(),
            p,
            'configurationEx.drsConfig.defaultVmBehavior',
            what,
          ),
        },
        ha: field(flag, p, 'configurationEx.dasConfig.enabled', what) ?? false,
        vsan: field(flag, p, 'configurationEx.vsanConfigInfo.enabled', what) ?? false,
      };
    });
}

/** A device that ties a VM to its host's hardware (no vMotion, DRS cannot move it). */
export type VcenterVmDevice =
  | { kind: 'passthrough'; id: string }
  | { kind: 'dynamic-passthrough'; id: string }
  | { kind: 'sriov'; pf: string }
  | { kind: 'vgpu'; profile: string };

export interface VcenterVm {
  moref: string;
  name: string;
  /** Managed object id of its host. */
  host: string;
  powerState: 'poweredOn' | 'poweredOff' | 'suspended';
  devices: VcenterVmDevice[];
  /** No passthrough, SR-IOV or vGPU device: DRS can evacuate it. */
  vmotionable: boolean;
}

export const VM_PROPERTIES = [
  'name',
  'runtime.host',
  'runtime.powerState',
  'config.hardware.device',
] as const;

const deviceSchema = z
  .object({
    key: z.number(),
    backing: z.record(z.string(), z.unknown()).nullable().optional(),
    sriovBacking: z
      .object({ physicalFunctionBacking: z.object({ id: z.string() }).nullable().optional() })
      .nullable()
      .optional(),
  })
  .loose();

/**
 * VirtualSriovEthernetCard has sriovBacking; the backings of VirtualPCIPassthrough are
 * ...VmiopBackingInfo (vgpu), ...DynamicBackingInfo (allowedDevice) and ...DeviceBackingInfo
 * (id, deviceId, systemId, vendorId). Every other device is ordinary.
 */
export function classifyDevice(device: z.infer<typeof deviceSchema>): VcenterVmDevice | undefined {
  if (device.sriovBacking)
    return { kind: 'sriov', pf: device.sriovBacking.physicalFunctionBacking?.id ?? '' };
  const b = device.backing;
  if (!b) return undefined;
  if (typeof b.vgpu === 'string') return { kind: 'vgpu', profile: b.vgpu };
  if ('allowedDevice' in b)
    return { kind: 'dynamic-passthrough', id: typeof b.assignedId === 'string' ? b.assignedId : '' };
  if (typeof b.id === 'string' && 'deviceId' in b && 'systemId' in b && 'vendorId' in b)
    return { kind: 'passthrough', id: b.id };
  return undefined;
}

/** `govc object.collect -json -type m / ${VM_PROPERTIES}`. */
export function parseVms(text: string): VcenterVm[] {
  return parseCollectStream(text)
    .filter((u) => u.obj.type === 'VirtualMachine')
    .map((u) => {
      const p = properties(u);
      const what = `VM ${u.obj.value}`;
      const raw = field(z.array(deviceSchema).nullable(), p, 'config.hardware.device', what) ?? [];
      const devices = raw.map(classifyDevice).filter((d): d is VcenterVmDevice => d !== undefined);
      return {
        moref: u.obj.value,
        name: field(z.string().min(1), p, 'name', what),
        host: field(morefSchema, p, 'runtime.host', what).value,
        powerState: field(z.enum(['poweredOn', 'poweredOff', 'suspended']), p, 'runtime.powerState', what),
        devices,
        vmotionable: devices.length === 0,
      };
    });
}

export interface VcenterService {
  key: string;
  running: boolean;
  policy: 'on' | 'off' | 'automatic';
}

/** `govc host.service.ls -json -host HOST`: the host's services. */
export function parseServices(text: string): VcenterService[] {
  const command = 'govc host.service.ls';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ParseError(command, `JSON (${(err as Error).message})`, text);
  }
  const parsed = z
    .array(z.object({ key: z.string(), running: z.boolean(), policy: z.enum(['on', 'off', 'automatic']) }))
    .safeParse(doc);
  if (!parsed.success)
    throw new ParseError(command, `a list of services (${z.prettifyError(parsed.error)})`, text);
  return parsed.data.map(({ key, running, policy }) => ({ key, running, policy }));
}

export type GovcFailureKind =
  | 'timedout'
  | 'invalid-state'
  | 'invalid-power-state'
  | 'host-not-connected'
  | 'tools-unavailable'
  | 'not-found'
  | 'login'
  | 'certificate'
  | 'unreachable'
  | 'other';

const FAILURES: [RegExp, GovcFailureKind][] = [
  [/^Operation timed out\.?$/, 'timedout'],
  [/cannot be performed in the current state/, 'invalid-power-state'],
  [/not allowed in the current state/, 'invalid-state'],
  [/since it is disconnected|not responding/i, 'host-not-connected'],
  [/VMware Tools is not running/, 'tools-unavailable'],
  [/^\S+ '.*' not found$|could not be found/, 'not-found'],
  [/Login failure|incorrect user name or password/, 'login'],
  [/thumbprint does not match|x509: |tls: /, 'certificate'],
  [/connection refused|no such host|i\/o timeout|network is unreachable|: EOF$/, 'unreachable'],
];

/** A SOAP fault as `govc -json` prints it on stderr instead of its error line. */
const jsonFaultSchema = z.object({ Fault: z.object({ String: z.string() }) });

/**
 * What went wrong from govc's stderr: its last line ("<argv0>: <message>") without the program
 * prefix or, with -json, the SOAP fault it prints instead; and what that means.
 */
export function parseGovcFailure(stderr: string, argv0: string): { kind: GovcFailureKind; message: string } {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let message = lines[lines.length - 1] ?? '';
  if (message === '}') {
    let fault: unknown;
    try {
      fault = JSON.parse(stderr.slice(stderr.indexOf('{')));
    } catch {
      fault = undefined;
    }
    const parsed = jsonFaultSchema.safeParse(fault);
    if (parsed.success) message = parsed.data.Fault.String;
  }
  if (message.startsWith(`${argv0}: `)) message = message.slice(argv0.length + 2);
  message = message.replace(/^ServerFaultCode: /, '');
  const kind = FAILURES.find(([re]) => re.test(message))?.[1] ?? 'other';
  return { kind, message };
}
