import type { ExecContext, ExecResult } from '../machine';
import { nicList, pciList, sriovnicList, sriovnicVfList, vibGet, vibList } from './esxcli-devices';
import {
  hostnameGet,
  moduleGet,
  moduleList,
  moduleParametersList,
  moduleParametersSet,
  shutdownReboot,
  uptimeGet,
  versionGet,
} from './esxcli-system';
import { err, type EsxiContext } from './host-context';
import { maintenanceModeGet, maintenanceModeSet } from './maintenance';
import { componentApply, vibInstall } from './software';
import { vmProcessKill, vmProcessList } from './vm-commands';

// `esxcli [--formatter=...] namespace... command [options]`: walks the namespace tree.

type Handler = (
  host: EsxiContext,
  args: string[],
  ctx: Pick<ExecContext, 'signal'>,
) => ExecResult | Promise<ExecResult>;
interface Namespace {
  [name: string]: Namespace | Handler;
}

const tree: Namespace = {
  software: {
    vib: { list: vibList, get: vibGet, install: vibInstall },
    component: { apply: componentApply },
  },
  system: {
    module: {
      list: moduleList,
      get: moduleGet,
      parameters: { list: moduleParametersList, set: moduleParametersSet },
    },
    maintenanceMode: { get: maintenanceModeGet, set: maintenanceModeSet },
    shutdown: { reboot: shutdownReboot },
    stats: { uptime: { get: uptimeGet } },
    version: { get: versionGet },
    hostname: { get: hostnameGet },
  },
  network: {
    nic: { list: nicList },
    sriovnic: { list: sriovnicList, vf: { list: sriovnicVfList } },
  },
  hardware: { pci: { list: pciList } },
  vm: { process: { list: vmProcessList, kill: vmProcessKill } },
};

function usage(path: string[], ns: Namespace): string {
  const entries = Object.entries(ns);
  const namespaces = entries.filter(([, v]) => typeof v !== 'function').map(([k]) => k);
  const commands = entries.filter(([, v]) => typeof v === 'function').map(([k]) => k);
  let text = `Usage: esxcli ${path.length ? `${path.join(' ')} ` : ''}{cmd} [cmd options]\n`;
  if (namespaces.length) text += `\nAvailable Namespaces:\n${namespaces.map((n) => `  ${n}\n`).join('')}`;
  if (commands.length) text += `\nAvailable Commands:\n${commands.map((c) => `  ${c}\n`).join('')}`;
  return text;
}

export function esxcli(
  host: EsxiContext,
  argv: string[],
  ctx: Pick<ExecContext, 'signal'>,
): ExecResult | Promise<ExecResult> {
  let args = argv.slice(1);
  while (args[0]?.startsWith('-')) {
    const opt = args[0];
    if (opt === '--debug' || opt === '--formatter=simple') {
      args = args.slice(1);
    } else if (opt.startsWith('--formatter')) {
      return err(`Error: Formatter ${opt.split('=')[1] ?? ''} is not supported by this simulator\n`);
    } else {
      return err(`Error: Invalid option ${opt}\n`);
    }
  }
  let node: Namespace = tree;
  const path: string[] = [];
  for (;;) {
    const word = args[0];
    if (word === undefined || word.startsWith('-'))
      return { stdout: usage(path, node), stderr: '', code: path.length ? 1 : 0 };
    const next = Object.prototype.hasOwnProperty.call(node, word) ? node[word] : undefined;
    if (next === undefined) return err(`Error: Unknown command or namespace ${[...path, word].join(' ')}\n`);
    path.push(word);
    args = args.slice(1);
    if (typeof next === 'function') return next(host, args, ctx);
    node = next;
  }
}
