import { ParseError } from './parse-error';
import { definedOnly, isBlank, toLines } from './text';

// `flint -d DEV q`: "Key:   value" lines starting in column 0. Base GUID / Base MAC carry a count
// after the value (the "Description: UID GuidsNumber" line is the title of those two columns).
// Indented lines continue the previous field (e.g. a second "Rom Info" entry).

const COMMAND = 'flint query';
const FIELD = /^([A-Za-z][A-Za-z0-9 ()/_.-]*?):\s*(.*)$/;

export interface FlintQuery {
  imageType?: string;
  fwVersion?: string;
  fwReleaseDate?: string;
  productVersion?: string;
  baseGuid?: string;
  baseGuidCount?: number;
  baseMac?: string;
  baseMacCount?: number;
  psid?: string;
  /** Every field as printed ("FW Version" -> "20.35.1012"). */
  fields: Record<string, string>;
}

function fieldsOf(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let last: string | undefined;
  for (const line of toLines(text)) {
    if (isBlank(line)) continue;
    const m = /^\s/.test(line) ? null : FIELD.exec(line);
    if (m) {
      last = m[1].trim();
      if (!(last in fields)) fields[last] = m[2].trim();
    } else if (last !== undefined && /^\s/.test(line)) fields[last] += `\n${line.trim()}`;
  }
  return fields;
}

/** "043f720300f04c46        8" -> value and count. */
function valueAndCount(raw: string | undefined): [string | undefined, number | undefined] {
  if (raw === undefined) return [undefined, undefined];
  const [value, count] = raw.split(/\s+/);
  return [value, count !== undefined && /^\d+$/.test(count) ? Number(count) : undefined];
}

export function parseFlintQuery(text: string): FlintQuery {
  const fields = fieldsOf(text);
  if (fields['FW Version'] === undefined && fields['PSID'] === undefined) {
    throw new ParseError(COMMAND, '"FW Version:" and "PSID:" lines', text);
  }
  const [baseGuid, baseGuidCount] = valueAndCount(fields['Base GUID']);
  const [baseMac, baseMacCount] = valueAndCount(fields['Base MAC']);
  return definedOnly<FlintQuery>({
    imageType: fields['Image type'],
    fwVersion: fields['FW Version'],
    fwReleaseDate: fields['FW Release Date'],
    productVersion: fields['Product Version'],
    baseGuid,
    baseGuidCount,
    baseMac,
    baseMacCount,
    psid: fields['PSID'],
    fields,
  });
}
