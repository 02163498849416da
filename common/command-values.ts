// The exact shapes of the values that go into commands on ESXi hosts, guests and switches. Values come
// from hosts' own output (firmware, drivers, tenant guest VMs), from the inventory and from procedure
// parameters: all are untrusted. activities/command-line builds every command from shapes checked here;
// the CLI's schemas may use the same ones. Pure: no Node modules, so workflows may import it too.

import { isHostName, isIPv4, isIPv6 } from './addresses';

export interface ValueShape {
  /** What the value is, e.g. "mst device". */
  readonly name: string;
  /** The rule, completing "is not ...", e.g. "an mst device name such as mt4129_pciconf0". */
  readonly rule: string;
  test(value: string): boolean;
}

function pattern(name: string, rule: string, re: RegExp): ValueShape {
  return { name, rule, test: (value) => re.test(value) };
}

function integer(name: string, min: number, max: number): ValueShape {
  return {
    name,
    rule: `a whole number from ${min} to ${max}`,
    test: (value) => /^(0|[1-9]\d{0,15})$/.test(value) && Number(value) >= min && Number(value) <= max,
  };
}

function oneOf(name: string, values: readonly string[]): ValueShape {
  return { name, rule: `one of ${values.join(', ')}`, test: (value) => values.includes(value) };
}

/** Printable ASCII (space to tilde): no control characters, no newline, nothing a terminal interprets. */
const PRINTABLE = /^[\x20-\x7e]*$/;

function printable(name: string, rule: string, minLength: number, maxLength: number): ValueShape {
  return {
    name,
    rule,
    test: (value) => PRINTABLE.test(value) && value.length >= minLength && value.length <= maxLength,
  };
}

export const valueShapes = {
  mstDevice: pattern(
    'mst device',
    'an mst device name such as mt4129_pciconf0 (also mt4099_pci_cr0, mt4129_pciconf0.1, /dev/mt4099_pciconf0) or a PCI address such as 0000:3b:00.0',
    /^(?:(?:\/dev\/(?:mst\/)?)?mt\d{3,6}_[a-z_]{1,16}\d{1,3}(?:\.\d{1,3})?|(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])$/,
  ),
  vmnic: pattern('vmnic', 'an ESXi uplink name such as vmnic2', /^vmnic\d{1,8}$/),
  moduleName: pattern('module name', 'a VMkernel module name such as nmlx5_core', /^[a-z][a-z0-9_]{0,63}$/),
  /** One `name=value` argument of vmkload_mod (a parameter for this load only). */
  moduleParameter: pattern(
    'module parameter',
    'a module parameter such as mst_recovery=1 (name=value; letters, digits and _ . , : + - in the value)',
    /^[A-Za-z_][A-Za-z0-9_]{0,63}=[A-Za-z0-9_.,:+-]{1,256}$/,
  ),
  /** The stored option string of a module, written back whole by `esxcli system module parameters set -p`. */
  moduleOptions: printable(
    'module option string',
    'a module option string of printable ASCII characters (at most 2048, no control characters or newlines)',
    0,
    2048,
  ),
  worldId: integer('world id', 1, 4_294_967_295),
  mlxconfigKey: pattern(
    'mlxconfig parameter',
    'an mlxconfig parameter name such as SRIOV_EN',
    /^[A-Z][A-Za-z0-9_]{0,63}$/,
  ),
  mlxconfigValue: pattern(
    'mlxconfig value',
    'an mlxconfig value such as 1, 16, 0x10 or True',
    /^(?:\d{1,10}|0x[0-9A-Fa-f]{1,16}|[A-Za-z][A-Za-z0-9_]{0,31})$/,
  ),
  rdmaDevice: pattern(
    'RDMA device',
    'an RDMA device name such as mlx5_0 (letters, digits, _ . -; at most 64 characters)',
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  ),
  /** A perftest server's data address (common/addresses.ts: IPv4, IPv6, RFC 1123 host name). */
  address: {
    name: 'address',
    rule: 'an IPv4 or IPv6 address or a DNS host name',
    test: (value: string) => isIPv4(value) || isIPv6(value) || isHostName(value),
  } satisfies ValueShape,
  port: integer('port', 1, 65_535),
  queuePairs: integer('queue pair count', 1, 64),
  perftestTest: oneOf('perftest test', ['ib_send_bw', 'ib_write_bw', 'ib_read_bw']),
  rebootReason: printable(
    'reboot reason',
    'a reason of 1 to 200 printable ASCII characters (no control characters or newlines)',
    1,
    200,
  ),
  /** A pattern for `grep -E`. */
  searchPattern: printable(
    'search pattern',
    'a search pattern of 1 to 200 printable ASCII characters',
    1,
    200,
  ),
  /** A word typed into the MLNX-OS CLI, which has its own quoting: no quoting is needed, none is allowed. */
  mlnxOsWord: pattern(
    'MLNX-OS CLI word',
    'a plain MLNX-OS CLI word (a letter or digit, then letters, digits and _ . : / -)',
    /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/,
  ),
  /** An offline depot (.zip) on a datastore, for `esxcli software component apply -d` / `vib install -d`. */
  depotPath: {
    name: 'depot path',
    rule: 'an offline depot on a datastore such as /vmfs/volumes/datastore1/mft-depot.zip (/vmfs/volumes/, then names of letters, digits and . _ + -, ending in .zip; no "..")',
    test: (value: string) =>
      value.length <= 1024 &&
      /^\/vmfs\/volumes\/[A-Za-z0-9_+-][A-Za-z0-9._+-]*(?:\/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)*\.zip$/.test(
        value,
      ) &&
      !value.split('/').includes('..'),
  } satisfies ValueShape,
  mlnxOsRelease: pattern(
    'MLNX-OS release',
    'a dotted release number such as 3.11.1004',
    /^\d{1,5}(?:\.\d{1,6}){1,3}$/,
  ),
  /** A VM's id on its host (`vim-cmd vmsvc/getallvms` Vmid). */
  vmid: integer('vmid', 1, 2_147_483_647),
  /**
   * A VM's .vmx file to read with `cat`: an absolute path ending in .vmx (a datastore name may hold
   * spaces and parentheses, "datastore1 (4)"), printable ASCII, no "." or ".." segment.
   */
  vmxPath: {
    name: '.vmx path',
    rule: 'an absolute path of printable ASCII characters ending in .vmx, without "." or ".." segments (such as /vmfs/volumes/datastore1/gpu-vm/gpu-vm.vmx)',
    test: (value: string) =>
      value.length <= 1024 &&
      PRINTABLE.test(value) &&
      /^\/(?:[^/]+\/)+[^/]+\.vmx$/.test(value) &&
      !value.split('/').some((s) => s === '.' || s === '..'),
  } satisfies ValueShape,
  /** `esxcli system maintenanceMode set -t`: seconds; 0 would mean "wait for ever", so it is refused. */
  maintenanceTimeoutSeconds: integer('maintenance timeout (seconds)', 1, 604_800),
  /** `esxcli system maintenanceMode set -m` (vSphere VsanHostDecommissionModeObjectAction). */
  vsanMode: oneOf('vSAN mode', ['ensureObjectAccessibility', 'evacuateAllData', 'noAction']),
} as const;

export type ValueShapeName = keyof typeof valueShapes;

const SHOWN_CHARS = 120;

/** A value as it may appear in a message: quoted, every non-printable character escaped, bounded. */
export function describeValue(value: unknown): string {
  if (typeof value !== 'string') return typeof value === 'number' ? String(value) : `(a ${typeof value})`;
  const cut = value.length > SHOWN_CHARS;
  const escaped = [...(cut ? value.slice(0, SHOWN_CHARS) : value)]
    .map((c) => {
      if (c === '"' || c === '\\') return `\\${c}`;
      if (/^[\x20-\x7e]$/.test(c)) return c;
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      const code = c.codePointAt(0) ?? 0;
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
    })
    .join('');
  return `"${escaped}"${cut ? `… (${value.length} characters)` : ''}`;
}

/**
 * A value that does not have the exact shape it must have. It stops its host before any command with
 * it runs (activities report it as the non-retryable UnsafeValue failure: the host needs an operator).
 */
export class UnsafeValueError extends Error {
  override readonly name = 'UnsafeValueError';
  constructor(
    readonly shape: ValueShape,
    readonly value: unknown,
  ) {
    super(`${shape.name} ${describeValue(value)} is not ${shape.rule}: refused, no command was run with it`);
  }
}

/** The value as text when it has `shape` (numbers are written in decimal); UnsafeValueError otherwise. */
export function checkValue(shape: ValueShape, value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' && Number.isFinite(value)
        ? String(value)
        : undefined;
  if (text === undefined || !shape.test(text)) throw new UnsafeValueError(shape, value);
  return text;
}
