import { keyValueOf } from './esxcli-keyvalue';
import { ParseError } from './parse-error';
import { toLines } from './text';

// `esxcli software component apply -d DEPOT` / `esxcli software vib install -d DEPOT`: the "Installation
// Result" block (ESXi 8 lists Installed/Removed/Skipped before "Reboot Required" and adds "DPU Results";
// ESXi 6.x/7 put "Reboot Required" right after "Message"), and esxcli's "[SomethingError]" failure.
// Samples: test/fixtures/outputs/esxi/software/ (provenance in its README).

export interface SoftwareInstallResult {
  message: string;
  rebootRequired: boolean;
  /** What the lists name: components (component apply) or VIBs (vib install). */
  listing: 'components' | 'vibs';
  installed: string[];
  removed: string[];
  skipped: string[];
}

const COMMAND = 'esxcli software component apply / vib install';
/** A component or VIB ID: "Mellanox-MFT-Tools_4.26.1.3-1OEM.801.0.0.21495797", "MEL_bootbank_mft_4.26.1.3-0". */
const ITEM = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

function items(value: string, key: string, text: string): string[] {
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (list.some((v) => !ITEM.test(v)))
    throw new ParseError(COMMAND, `a comma-separated list of IDs in "${key}"`, text);
  return list;
}

export function parseSoftwareInstallResult(text: string): SoftwareInstallResult {
  const lines = toLines(text).filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== 'Installation Result')
    throw new ParseError(COMMAND, '"Installation Result" and its fields', text);
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const kv = keyValueOf(line);
    if (!kv || fields.has(kv[0])) throw new ParseError(COMMAND, '"Key: value" lines, each key once', text);
    fields.set(kv[0], kv[1]);
  }
  const message = fields.get('Message');
  const reboot = fields.get('Reboot Required')?.toLowerCase();
  if (!message || (reboot !== 'true' && reboot !== 'false'))
    throw new ParseError(COMMAND, '"Message:" and "Reboot Required: true|false"', text);
  const listing = fields.has('Components Installed') ? 'components' : 'vibs';
  const prefix = listing === 'components' ? 'Components' : 'VIBs';
  const list = (what: string) => {
    const key = `${prefix} ${what}`;
    const value = fields.get(key);
    if (value === undefined) throw new ParseError(COMMAND, `"${key}:"`, text);
    return items(value, key, text);
  };
  return {
    message,
    rebootRequired: reboot === 'true',
    listing,
    installed: list('Installed'),
    removed: list('Removed'),
    skipped: list('Skipped'),
  };
}

export interface EsxcliFailure {
  /** "MetadataDownloadError", "InstallationError", "NoMatchError"... */
  type: string;
  /** The first line after the type (what went wrong). */
  message: string;
}

/** An esxcli failure: a "[TypeError]" line, then what happened; undefined for any other text. */
export function parseEsxcliFailure(text: string): EsxcliFailure | undefined {
  const lines = toLines(text).map((l) => l.trim());
  const at = lines.findIndex((l) => /^\[[A-Za-z]+\]$/.test(l));
  if (at < 0) return undefined;
  const message = lines.slice(at + 1).find((l) => l !== '') ?? '';
  return { type: lines[at].slice(1, -1), message };
}
