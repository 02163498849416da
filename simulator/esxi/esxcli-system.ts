import type { ExecResult } from '../machine';
import { esxiReleases, moduleCatalog, MODULE_DIR, nmlx5CoreParams } from './catalog';
import { parseOptions as parseOptionString, uptimeMicros } from './derived';
import { isError, parseBool, parseOptions } from './esxcli-args';
import { esxcliKeyValues, esxcliMultilineTable, esxcliTable } from './format';
import { err, out, type EsxiContext } from './host-context';

// esxcli system ...: module, shutdown, stats, version, hostname (maintenanceMode: maintenance.ts).

function installedModules(host: EsxiContext): string[] {
  return Object.keys(moduleCatalog)
    .filter((m) => moduleCatalog[m].vib !== 'nmst' || host.state.vibs.nmst)
    .sort();
}

function knownModule(host: EsxiContext, name: string): boolean {
  return installedModules(host).includes(name);
}

export function moduleList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [
    { short: 'e', long: 'enabled' },
    { short: 'l', long: 'loaded' },
  ]);
  if (isError(opts)) return opts;
  const loadedFilter = parseBool(opts.get('loaded'));
  const rows = installedModules(host)
    .map((name) => [name, host.state.boot.loaded[name] !== undefined, true] as [string, boolean, boolean])
    .filter((r) => loadedFilter === undefined || r[1] === loadedFilter);
  return out(esxcliTable(['Name', 'Is Loaded', 'Is Enabled'], rows, [false, true, true]));
}

export function moduleGet(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [{ short: 'm', long: 'module', required: true }]);
  if (isError(opts)) return opts;
  const name = opts.get('module') as string;
  if (!knownModule(host, name)) return err(`Error: Module ${name} not found\n`);
  const info = moduleCatalog[name];
  const rel = esxiReleases[host.state.version];
  const version = info.vib.startsWith('nmlx5') ? rel.nmlx5Version : `${host.state.version}-0.0.${rel.build}`;
  return out(
    esxcliKeyValues([
      ['Module', name],
      ['Module File', `${MODULE_DIR}/${name}`],
      ['License', name.startsWith('nmlx5') || name === 'nmst' ? 'BSD' : 'ThirdParty:VMware'],
      ['Version', version],
      ['Build Type', 'release'],
      ['Provided Namespaces', ''],
      [
        'Required Namespaces',
        info.dependsOn ? `com.vmware.vmkapi@v2_9_0_0, ${info.dependsOn}` : 'com.vmware.vmkapi@v2_9_0_0',
      ],
      ['Containing VIB', info.vib],
      ['VIB Acceptance Level', info.vib === 'nmst' ? 'partner' : 'certified'],
    ]),
  );
}

export function moduleParametersList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [{ short: 'm', long: 'module', required: true }]);
  if (isError(opts)) return opts;
  const name = opts.get('module') as string;
  if (!knownModule(host, name)) return err(`Error: Module ${name} not found\n`);
  const stored = parseOptionString(host.state.moduleOptions[name] ?? '');
  const defs = name === 'nmlx5_core' ? nmlx5CoreParams : [];
  const rows = defs.map((p) => [p.name, p.type, stored.get(p.name) ?? '', p.description]);
  return out(esxcliMultilineTable(['Name', 'Type', 'Value', 'Description'], rows));
}

/** `-p` replaces the whole stored option string [V]; `-a` appends to it. */
export function moduleParametersSet(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [
    { short: 'a', long: 'append', flag: true },
    { short: 'f', long: 'force', flag: true },
    { short: 'm', long: 'module', required: true },
    { short: 'p', long: 'parameter-string', required: true },
  ]);
  if (isError(opts)) return opts;
  const name = opts.get('module') as string;
  const params = opts.get('parameter-string') as string;
  if (!knownModule(host, name)) return err(`Error: Module ${name} not found\n`);
  if (!opts.has('force') && name === 'nmlx5_core') {
    for (const tok of params.trim().split(/\s+/).filter(Boolean)) {
      const key = tok.split('=')[0];
      if (!tok.includes('=') || !nmlx5CoreParams.some((p) => p.name === key)) {
        return err(
          `Error: Invalid parameter ${key} for module ${name}. Use --force to skip validity checks.\n`,
        );
      }
    }
  }
  const existing = host.state.moduleOptions[name] ?? '';
  host.state.moduleOptions[name] = opts.has('append')
    ? [existing, params].filter((s) => s.trim() !== '').join(' ')
    : params;
  host.changed();
  return out('');
}

export function shutdownReboot(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [
    { short: 'd', long: 'delay' },
    { short: 'r', long: 'reason', required: true },
  ]);
  if (isError(opts)) return opts;
  host.settle();
  if (!host.state.maintenanceMode) return err('The host must be in maintenance mode\n');
  const delay = opts.get('delay');
  const seconds = typeof delay === 'string' ? Number(delay) : 0;
  if (!Number.isFinite(seconds) || seconds < 0)
    return err(`Error: Invalid value for option -d|--delay: ${String(delay)}\n`);
  host.requestReboot({ via: 'esxcli', delayMs: seconds * 1000, force: false });
  return out('');
}

export function uptimeGet(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, []);
  if (isError(opts)) return opts;
  return out(`${uptimeMicros(host.state, host.now())}\n`);
}

export function versionGet(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, []);
  if (isError(opts)) return opts;
  const rel = esxiReleases[host.state.version];
  return out(
    esxcliKeyValues([
      ['Product', 'VMware ESXi'],
      ['Version', host.state.version],
      ['Build', `Releasebuild-${rel.build}`],
      ['Update', rel.update],
      ['Patch', 0],
    ]),
  );
}

export function hostnameGet(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, []);
  if (isError(opts)) return opts;
  return out(
    esxcliKeyValues([
      ['Domain Name', 'sim.local'],
      ['Fully Qualified Domain Name', `${host.state.name}.sim.local`],
      ['Host Name', host.state.name],
    ]),
  );
}
