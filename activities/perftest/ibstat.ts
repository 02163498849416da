import { ParseError } from '../esxi/parsers/parse-error';

// `ibstat` [S: rdma-core infiniband-diags/ibstat.c]: per CA a "CA 'mlx5_0'" line, "\tKey: value" fields,
// then per port "\tPort N:" and "\t\tKey: value" fields. Indentation (tabs or spaces) is not relied on:
// a "Port N:" line opens a port, a "<type> 'name'" line opens a CA. `ibstat CA PORT` prints
// "CA: 'mlx5_0'" and an unindented port; that is read too. Unknown keys are kept in `fields`.
// No devices prints nothing: an empty result, not an error.

export interface IbstatPort {
  port: number;
  /** "Active", "Down", "Initializing", "Armed". */
  state?: string;
  /** "LinkUp", "Polling", "Disabled", ... */
  physicalState?: string;
  /** Gb/s: 400, 200, 2.5 ("56 (FDR10)" gives 56). */
  rate?: number;
  baseLid?: number;
  lmc?: number;
  smLid?: number;
  capabilityMask?: string;
  portGuid?: string;
  /** "InfiniBand" or "Ethernet". */
  linkLayer?: string;
  fields: Record<string, string>;
}

export interface IbstatCa {
  name: string;
  /** "CA", "Switch", "Router". */
  nodeType: string;
  caType?: string;
  numberOfPorts?: number;
  firmwareVersion?: string;
  hardwareVersion?: string;
  nodeGuid?: string;
  systemImageGuid?: string;
  ports: IbstatPort[];
  fields: Record<string, string>;
}

const COMMAND = 'ibstat';
const CA_LINE = /^\s*(CA|Switch|Router|iWARP RNIC|\?\?\?)\s*:?\s*'([^']*)'\s*$/;
/** The start of a CA line, whatever follows (a name with a quote in it does not match CA_LINE). */
const CA_START = /^\s*(?:CA|Switch|Router|iWARP RNIC|\?\?\?)\s*:?\s*'/;
/** A device name: letters, digits, _ . - (and a space: the guide's copy shows "mlx5 0" for mlx5_0). */
const CA_NAME = /^[A-Za-z0-9][A-Za-z0-9_. -]{0,63}$/;
const PORT_LINE = /^\s*Port (\d+):\s*$/;
const FIELD_LINE = /^\s*([A-Za-z][A-Za-z ]*[A-Za-z]):\s*(.*?)\s*$/;

function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)/.exec(v);
  return m ? Number(m[1]) : undefined;
}

function finishPort(p: IbstatPort): IbstatPort {
  const f = p.fields;
  const out: IbstatPort = {
    port: p.port,
    state: f['State'],
    physicalState: f['Physical state'],
    rate: num(f['Rate']),
    baseLid: num(f['Base lid']),
    lmc: num(f['LMC']),
    smLid: num(f['SM lid']),
    capabilityMask: f['Capability mask'],
    portGuid: f['Port GUID'],
    linkLayer: f['Link layer'],
    fields: f,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as IbstatPort;
}

function finishCa(c: IbstatCa): IbstatCa {
  const f = c.fields;
  const out: IbstatCa = {
    name: c.name,
    nodeType: c.nodeType,
    caType: f[`${c.nodeType} type`] ?? f['CA type'],
    numberOfPorts: num(f['Number of ports']),
    firmwareVersion: f['Firmware version'],
    hardwareVersion: f['Hardware version'],
    nodeGuid: f['Node GUID'],
    systemImageGuid: f['System image GUID'],
    ports: c.ports.map(finishPort),
    fields: f,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as IbstatCa;
}

export function parseIbstat(text: string): IbstatCa[] {
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.trimEnd());
  const cas: IbstatCa[] = [];
  let ca: IbstatCa | undefined;
  let port: IbstatPort | undefined;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const caMatch = CA_LINE.exec(line);
    // A guest is a tenant's machine: a device name that is not one is refused, never passed on.
    if (CA_START.test(line) && !(caMatch && CA_NAME.test(caMatch[2]))) {
      throw new ParseError(COMMAND, `CA lines naming RDMA devices such as "CA 'mlx5_0'"`, line);
    }
    if (caMatch) {
      ca = { name: caMatch[2], nodeType: caMatch[1], ports: [], fields: {} };
      cas.push(ca);
      port = undefined;
      continue;
    }
    const portMatch = PORT_LINE.exec(line);
    if (portMatch && ca) {
      port = { port: Number(portMatch[1]), fields: {} };
      ca.ports.push(port);
      continue;
    }
    const fieldMatch = FIELD_LINE.exec(line);
    if (fieldMatch && ca) {
      const target = port ? port.fields : ca.fields;
      target[fieldMatch[1]] = fieldMatch[2];
    }
    // Anything else (warnings, unknown lines) is ignored.
  }
  if (cas.length === 0 && lines.some((l) => l.trim() !== '')) {
    throw new ParseError(COMMAND, `ibstat output starting with a line like "CA 'mlx5_0'"`, text);
  }
  return cas.map(finishCa);
}

/** The port of a CA, or undefined ("mlx5_0", port 1 by default). */
export function findIbPort(cas: IbstatCa[], caName: string, port = 1): IbstatPort | undefined {
  return cas.find((c) => c.name === caName)?.ports.find((p) => p.port === port);
}
