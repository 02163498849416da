import { parseEsxcliKeyValue, valueOf } from './esxcli-keyvalue';
import { ParseError } from './parse-error';

// Small `esxcli system ...` getters: uptime, maintenance mode, version.

/** `esxcli system stats uptime get`: microseconds since boot, printed as one integer. */
export function parseUptimeMicros(text: string): number {
  const v = text.trim();
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) {
    throw new ParseError('esxcli system stats uptime get', 'one integer (microseconds since boot)', text);
  }
  return n;
}

/** `esxcli system maintenanceMode get`: "Enabled" -> true, "Disabled" -> false. */
export function parseMaintenanceMode(text: string): boolean {
  const v = text.trim().toLowerCase();
  if (v === 'enabled') return true;
  if (v === 'disabled') return false;
  throw new ParseError('esxcli system maintenanceMode get', '"Enabled" or "Disabled"', text);
}

export interface EsxiVersion {
  /** "VMware ESXi". */
  product: string;
  /** "8.0.1". */
  version: string;
  /** "Releasebuild-21495797". */
  build?: string;
  update?: string;
  patch?: string;
}

/** `esxcli system version get`. */
export function parseSystemVersion(text: string): EsxiVersion {
  const command = 'esxcli system version get';
  const fields = parseEsxcliKeyValue(text, command);
  const [product, version] = [valueOf(fields, 'Product'), valueOf(fields, 'Version')];
  if (!product || !version) throw new ParseError(command, '"Product:" and "Version:" lines', text);
  const result: EsxiVersion = { product, version };
  for (const key of ['build', 'update', 'patch'] as const) {
    const value = valueOf(fields, key);
    if (value !== undefined) result[key] = value;
  }
  return result;
}
