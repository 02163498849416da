import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// A VM's .vmx file (`cat /vmfs/volumes/DATASTORE/VM/VM.vmx`): `key = "value"` lines (keys are
// case-insensitive to ESXi). A device passed through to the VM is a `pciPassthruN` entry with
// `present = "TRUE"`: DirectPath I/O of a PCI function (`id`, the function; the sample's
// `00000:026:01.2`), or an SR-IOV passthrough adapter, which names its physical function in `pfId`
// (sample: test/fixtures/outputs/esxi/vm/vmx-sriov-and-directpath-lines.txt).

const FILE = '.vmx file';
const LINE = /^([A-Za-z0-9_.:\-[\]]+)\s*=\s*"(.*)"$/;
const PASSTHRU = /^pcipassthru(\d+)\.(.+)$/;

export interface VmxDevice {
  /** N of pciPassthruN. */
  index: number;
  /** passthrough: DirectPath I/O of one PCI function; sriov: a VF of `pf`, taken at power-on. */
  kind: 'passthrough' | 'sriov';
  /** pciPassthruN.id as written ("00000:023:00.0": decimal bus and slot). */
  id?: string;
  /** The physical function of an SR-IOV adapter (pciPassthruN.pfId). */
  pf?: string;
}

export interface Vmx {
  /** Every entry, keys lower-cased. */
  entries: Record<string, string>;
  displayName?: string;
  devices: VmxDevice[];
}

export function parseVmx(text: string): Vmx {
  const entries: Record<string, string> = {};
  for (const line of toLines(text)) {
    if (isBlank(line) || line.trimStart().startsWith('#')) continue;
    const m = LINE.exec(line.trim());
    if (!m) throw new ParseError(FILE, '`key = "value"` lines', line);
    const key = m[1].toLowerCase();
    // ESXi would take one of two values of a device key; ibfleet cannot know which.
    if (key in entries && entries[key] !== m[2] && PASSTHRU.test(key))
      throw new ParseError(FILE, `one value for ${m[1]}`, line);
    entries[key] = m[2];
  }
  const indexes = new Set<number>();
  for (const key of Object.keys(entries)) {
    const m = PASSTHRU.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  const devices: VmxDevice[] = [];
  for (const index of [...indexes].sort((a, b) => a - b)) {
    const field = (name: string) => entries[`pcipassthru${index}.${name}`];
    const present = field('present');
    if (present === undefined || !/^(true|false)$/i.test(present)) {
      if (present !== undefined)
        throw new ParseError(FILE, `pciPassthru${index}.present = "TRUE" or "FALSE"`, text);
      continue;
    }
    if (present.toLowerCase() !== 'true') continue;
    const pf = field('pfid');
    const id = field('id');
    devices.push({
      index,
      kind: pf !== undefined && pf !== '' ? 'sriov' : 'passthrough',
      ...(id !== undefined ? { id } : {}),
      ...(pf !== undefined && pf !== '' ? { pf } : {}),
    });
  }
  const displayName = entries.displayname;
  return { entries, ...(displayName !== undefined ? { displayName } : {}), devices };
}
