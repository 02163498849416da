import type { ExecResult } from '../machine';
import { err } from './host-context';

// esxcli option syntax: `-m X`, `--module X`, `--module=X`; flags (`-a`, `--append`) take no value.

export interface OptionSpec {
  short?: string;
  long: string;
  flag?: boolean;
  required?: boolean;
}

export type ParsedOptions = Map<string, string | true>;

function label(spec: OptionSpec): string {
  return spec.short ? `-${spec.short}|--${spec.long}` : `--${spec.long}`;
}

export function parseOptions(args: string[], specs: OptionSpec[]): ParsedOptions | ExecResult {
  const values: ParsedOptions = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      spec = specs.find((s) => s.long === name);
    } else if (arg.startsWith('-') && arg.length >= 2) {
      spec = specs.find((s) => s.short === arg[1]);
      if (arg.length > 2) inline = arg.slice(2).replace(/^=/, '');
    }
    if (!spec) return err(`Error: Invalid option ${arg}\n`);
    if (spec.flag) {
      values.set(spec.long, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) return err(`Error: Missing value for option ${label(spec)}\n`);
    values.set(spec.long, value);
  }
  for (const spec of specs) {
    if (spec.required && !values.has(spec.long))
      return err(`Error: Missing required parameter ${label(spec)}\n`);
  }
  return values;
}

export function isError(v: ParsedOptions | ExecResult): v is ExecResult {
  return !(v instanceof Map);
}

/** esxcli booleans: true/false, yes/no, 1/0. */
export function parseBool(value: string | true | undefined): boolean | undefined {
  if (value === true) return true;
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return undefined;
}
