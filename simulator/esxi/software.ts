import type { ExecResult } from '../machine';
import { mellanoxVibs } from './catalog';
import { isError, parseOptions } from './esxcli-args';
import { esxcliKeyValues } from './format';
import { err, out, type EsxiContext } from './host-context';
import type { EsxiState } from './state';

// `esxcli software component apply -d DEPOT` and `esxcli software vib install -d DEPOT` for the NVIDIA
// MFT/NMST offline depot on the host's datastore (guide 2). Installed VIBs go into the image that becomes
// active at the next boot ("Reboot Required: true"): `esxcli software vib list` shows them only after the
// reboot (`--rebooting-image` at once). Output format: ESXi 8's "Installation Result" [V] (samples in
// test/fixtures/outputs/esxi/, see their README); component names and versions [R].

/** Where every simulated host has the MFT/NMST depot unless told otherwise (HostOverride.mftDepots). */
export const DEFAULT_MFT_DEPOT = '/vmfs/volumes/datastore1/mft-depot.zip';

type ToolVib = 'mft' | 'nmst';

/** A host's software beyond its image: depots uploaded to the datastore, VIBs staged for the next boot. */
export interface SoftwareState {
  /** Offline depots on the datastore (absent: just DEFAULT_MFT_DEPOT). */
  depots?: string[];
  /** VIBs installed into the image of the next boot. */
  staged?: ToolVib[];
}

/** The components of the MFT/NMST depot: one per VIB, as NVIDIA ships them for ESXi 8 [R]. */
const DEPOT_COMPONENTS: { vib: ToolVib; component: string; version: string }[] = [
  { vib: 'mft', component: 'Mellanox-MFT-Tools', version: '4.26.1.3-1OEM.801.0.0.21495797' },
  { vib: 'nmst', component: 'Mellanox-NATIVE-NMST', version: '4.26.1.3-1OEM.801.0.0.21495797' },
];

const REBOOT_MESSAGE =
  'The update completed successfully, but the system needs to be rebooted for the changes to be effective.';

export function depotsOf(state: EsxiState): string[] {
  return state.software?.depots ?? [DEFAULT_MFT_DEPOT];
}

function stagedOf(state: EsxiState): ToolVib[] {
  return state.software?.staged ?? [];
}

/** At boot: the staged VIBs become the running image's. */
export function activateStagedSoftware(state: EsxiState): void {
  const staged = stagedOf(state);
  if (staged.length === 0) return;
  for (const vib of staged) state.vibs[vib] = true;
  state.software = { ...state.software, staged: [] };
}

/** The VIBs of the image the next boot runs (`vib list --rebooting-image`). */
export function rebootingImageVibs(state: EsxiState): { mft: boolean; nmst: boolean } {
  const staged = stagedOf(state);
  return { mft: state.vibs.mft || staged.includes('mft'), nmst: state.vibs.nmst || staged.includes('nmst') };
}

/** `[MetadataDownloadError]` for a depot that is not there [V] (relative paths are read under /var/log/vmware). */
function metadataDownloadError(depot: string): ExecResult {
  const path = depot.startsWith('/') ? depot : `/var/log/vmware/${depot}`;
  const url = `zip:${path}?index.xml`;
  return err(
    ` [MetadataDownloadError]\n Could not download from depot at ${url}, skipping (('${url}', '', ` +
      `"Error extracting index.xml from ${path}: [Errno 2] No such file or directory: '${path}'"))\n` +
      `        url = ${url}\n Please refer to the log file for more details.\n`,
  );
}

function install(host: EsxiContext, depot: string, listing: 'component' | 'vib'): ExecResult {
  const state = host.state;
  if (!depot.startsWith('/') || !depotsOf(state).includes(depot)) return metadataDownloadError(depot);
  const vibRows = mellanoxVibs(state.version, { mft: true, nmst: true });
  const name = (c: (typeof DEPOT_COMPONENTS)[number]) => {
    if (listing === 'component') return `${c.component}_${c.version}`;
    const row = vibRows.find((r) => r.name === c.vib);
    return `MEL_bootbank_${c.vib}_${row?.version ?? c.version}`;
  };
  const installed: string[] = [];
  const skipped: string[] = [];
  const staged = new Set(stagedOf(state));
  for (const c of DEPOT_COMPONENTS) {
    if (state.vibs[c.vib] || staged.has(c.vib)) {
      skipped.push(name(c));
      continue;
    }
    staged.add(c.vib);
    installed.push(name(c));
  }
  if (installed.length > 0) {
    state.software = {
      ...state.software,
      staged: DEPOT_COMPONENTS.map((c) => c.vib).filter((v) => staged.has(v)),
    };
    host.changed();
  }
  // Staged earlier and still waiting for its boot: the image of the next boot differs, a reboot is required.
  const rebootRequired = staged.size > 0;
  const what = listing === 'component' ? 'Components' : 'VIBs';
  return out(
    'Installation Result\n' +
      esxcliKeyValues([
        ['Message', rebootRequired ? REBOOT_MESSAGE : 'Host is not changed.'],
        [`${what} Installed`, installed.join(', ')],
        [`${what} Removed`, ''],
        [`${what} Skipped`, skipped.join(', ')],
        ['Reboot Required', rebootRequired ? 'true' : 'false'],
        ['DPU Results', ''],
      ]),
  );
}

/** `esxcli software component apply -d DEPOT [--no-sig-check]`. */
export function componentApply(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [
    { short: 'd', long: 'depot', required: true },
    { long: 'no-sig-check', flag: true },
  ]);
  if (isError(opts)) return opts;
  return install(host, opts.get('depot') as string, 'component');
}

/** `esxcli software vib install -d DEPOT [-f] [--no-sig-check]` (-v with a single VIB is not simulated). */
export function vibInstall(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [
    { short: 'd', long: 'depot', required: true },
    { short: 'f', long: 'force', flag: true },
    { long: 'no-sig-check', flag: true },
  ]);
  if (isError(opts)) return opts;
  return install(host, opts.get('depot') as string, 'vib');
}
