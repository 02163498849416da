import { ParseError } from '../esxi/parsers/parse-error';
import { assertNoCliError, cliLines, matchPrompt } from './cli-output';

// MLNX-OS `show version` [V]: "Key:   value" lines (Product name, Product release, Build ID, Build date,
// Target arch, Target hw, Built by, Version summary, then Product model, Host ID, Uptime, ...). The guide's
// copy has each value on its own line after the key (PDF extraction); both layouts are read. Unknown keys
// are kept in `fields`.

export interface MlnxOsVersion {
  productName: string;
  /** "3.11.1004". */
  release: string;
  buildId?: string;
  buildDate?: string;
  arch?: string;
  targetHw?: string;
  builtBy?: string;
  versionSummary?: string;
  productModel?: string;
  hostId?: string;
  uptime?: string;
  /** Every key as printed, with its value. */
  fields: Record<string, string>;
}

const COMMAND = 'show version';
/** A key: letters, spaces and a few punctuation marks, no digits (so "X86_64 ... 11:05:30" is a value). */
const KEY_LINE = /^\s*([A-Za-z][A-Za-z /()_.-]*[A-Za-z)])\s*:(?:\s+(.*\S)|\s*)$/;

function readFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const lines = cliLines(text).filter((l) => !matchPrompt(l));
  for (let i = 0; i < lines.length; i++) {
    const m = KEY_LINE.exec(lines[i]);
    if (!m) continue;
    let value = m[2];
    if (value === undefined) {
      // Value on a following line (wrapped layout): the next non-blank line, unless it is a key itself.
      let j = i + 1;
      while (j < lines.length && lines[j].trim() === '') j++;
      if (j < lines.length && !KEY_LINE.exec(lines[j])) {
        value = lines[j].trim();
        i = j;
      }
    }
    if (!(m[1] in fields)) fields[m[1]] = value ?? '';
  }
  return fields;
}

export function parseShowVersion(text: string): MlnxOsVersion {
  assertNoCliError(COMMAND, text);
  const fields = readFields(text);
  const release = fields['Product release'];
  if (release === undefined) {
    throw new ParseError(COMMAND, 'MLNX-OS show version output with a "Product release:" line', text);
  }
  if (!/^\d+(?:\.\d+)+/.test(release)) {
    throw new ParseError(
      COMMAND,
      `a dotted release number after "Product release:" (got "${release}")`,
      text,
    );
  }
  const opt = (key: string) => (fields[key] === undefined || fields[key] === '' ? undefined : fields[key]);
  const result: MlnxOsVersion = {
    productName: fields['Product name'] ?? '',
    release,
    buildId: opt('Build ID'),
    buildDate: opt('Build date'),
    arch: opt('Target arch'),
    targetHw: opt('Target hw'),
    builtBy: opt('Built by'),
    versionSummary: opt('Version summary'),
    productModel: opt('Product model'),
    hostId: opt('Host ID'),
    uptime: opt('Uptime'),
    fields,
  };
  return Object.fromEntries(
    Object.entries(result).filter(([, v]) => v !== undefined),
  ) as unknown as MlnxOsVersion;
}

export { compareVersions } from '../../common/versions';
