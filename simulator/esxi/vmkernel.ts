import type { ExecResult } from '../machine';
import { claimDevices, releaseDevices } from './boot';
import { moduleCatalog, MODULE_DIR } from './catalog';
import { psTable, vmkloadList } from './format';
import { err, out, type EsxiContext } from './host-context';

// Kernel-side tools: vmkload_mod, esxcfg-module, ps -c, kill -HUP, /bin/loadESXEnable.

function moduleAvailable(host: EsxiContext, name: string): boolean {
  const info = moduleCatalog[name] as (typeof moduleCatalog)[string] | undefined;
  return info !== undefined && (info.vib !== 'nmst' || host.state.vibs.nmst);
}

export function vmkloadMod(host: EsxiContext, argv: string[]): ExecResult {
  const args = argv.slice(1);
  const loaded = host.state.boot.loaded;
  if (args[0] === '-l' || args[0] === '--list') {
    const rows = Object.keys(loaded)
      .sort()
      .map((name) => ({
        name,
        used:
          Object.keys(loaded).filter((m) => moduleCatalog[m]?.dependsOn === name).length +
          (name.startsWith('nmlx5') ? 2 : 1),
        sizeKb: moduleCatalog[name]?.sizeKb ?? 64,
      }));
    return out(vmkloadList(rows));
  }
  if (args[0] === '-u' || args[0] === '--unload') {
    const name = args[1];
    if (!name) return err('vmkload_mod: option requires an argument -- u\n');
    if (loaded[name] === undefined) return err(`vmkload_mod: Can not remove module ${name}: Not found\n`);
    // nmlx5_core is in use while nmlx5_rdma is loaded.
    const users = Object.keys(loaded).filter((m) => moduleCatalog[m]?.dependsOn === name);
    if (users.length) return err(`vmkload_mod: Can not remove module ${name}: Busy\n`);
    delete loaded[name];
    if (name === 'nmlx5_core') releaseDevices(host.state);
    host.changed();
    return out(`Module ${name} successfully unloaded\n`);
  }
  const name = args[0];
  if (!name || name.startsWith('-')) {
    return err('Usage: vmkload_mod [-l | -u module | module [params]]\n');
  }
  const path = `${MODULE_DIR}/${name}`;
  if (!moduleAvailable(host, name)) return err(`Unable to load module ${path}: Not found\n`);
  if (loaded[name] !== undefined) return err(`Unable to load module ${path}: Busy\n`);
  const dep = moduleCatalog[name].dependsOn;
  if (dep && loaded[dep] === undefined) return err(`Unable to load module ${path}: Unresolved symbol\n`);
  // Hand-given parameters last for this boot only; the stored option string is untouched.
  loaded[name] = args.slice(1).join(' ');
  host.changed();
  return out(`Module ${name} loaded successfully\n`);
}

export function esxcfgModule(host: EsxiContext, argv: string[]): ExecResult {
  const args = argv.slice(1);
  if (args[0] === '-g' || args[0] === '--get-options') {
    const name = args[1];
    if (!name || !moduleAvailable(host, name)) return err(`Module ${name ?? ''} not found\n`);
    return out(`${name} enabled = 1 options = '${host.state.moduleOptions[name] ?? ''}'\n`);
  }
  if (args[0] === '-s' || args[0] === '--setoptions') {
    const options = args[1];
    const name = args[2];
    if (options === undefined || !name) return err('Usage: esxcfg-module -s <options> <module>\n');
    if (!moduleAvailable(host, name)) return err(`Module ${name} not found\n`);
    host.state.moduleOptions[name] = options;
    host.changed();
    return out('');
  }
  if (args[0] === '-l' || args[0] === '--list') {
    const loaded = Object.keys(host.state.boot.loaded).sort();
    return out(loaded.map((m) => `${m.padEnd(24)}${moduleCatalog[m]?.sizeKb ?? 64}\n`).join(''));
  }
  return err('Usage: esxcfg-module [-g module | -s options module | -l]\n');
}

function worlds(host: EsxiContext): { wid: number; cid: number; name: string; command: string }[] {
  const base = host.state.boot.devmgrWid;
  return [
    { wid: 1, cid: 0, name: 'init', command: '/bin/init' },
    {
      wid: base - 912,
      cid: base - 912,
      name: 'vmkeventd',
      command: '/usr/lib/vmware/vmkeventd/bin/vmkeventd',
    },
    { wid: base, cid: base, name: 'vmkdevmgr', command: '/bin/vmkdevmgr' },
    { wid: base + 1310, cid: base + 1310, name: 'hostd', command: 'hostd /etc/vmware/hostd/config.xml' },
    { wid: base + 2671, cid: base + 2671, name: 'vpxa', command: '/usr/lib/vmware/vpxa/bin/vpxa' },
    { wid: base + 4012, cid: base + 4012, name: 'sshd', command: '/usr/lib/vmware/openssh/bin/sshd -R' },
    { wid: base + 5120, cid: base + 5120, name: 'sh', command: '/bin/sh' },
  ];
}

export function ps(host: EsxiContext): ExecResult {
  return out(psTable(worlds(host)));
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, TERM: 15, USR1: 10, USR2: 12 };

export function kill(host: EsxiContext, argv: string[]): ExecResult {
  let signal = 15;
  const pids: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-s') {
      signal = SIGNALS[(argv[++i] ?? '').replace(/^SIG/, '')] ?? -1;
    } else if (/^-\d+$/.test(a)) {
      signal = parseInt(a.slice(1), 10);
    } else if (/^-[A-Z]+$/.test(a)) {
      signal = SIGNALS[a.slice(1).replace(/^SIG/, '')] ?? -1;
    } else {
      pids.push(a);
    }
  }
  if (signal < 0) return err('sh: kill: bad signal name\n');
  if (!pids.length) return err('kill: usage: kill [-s sigspec | -signum | -sigspec] pid\n');
  const known = new Set(worlds(host).map((w) => w.wid));
  let stderr = '';
  for (const pid of pids) {
    const wid = parseInt(pid, 10);
    if (!known.has(wid)) {
      stderr += `sh: can't kill pid ${pid}: No such process\n`;
      continue;
    }
    // SIGHUP to vmkdevmgr rescans devices: a freshly loaded nmlx5_core claims the cards.
    if (wid === host.state.boot.devmgrWid && signal === 1 && !host.state.boot.claimed) {
      claimDevices(host.state);
      host.changed();
    }
  }
  return { stdout: '', stderr, code: stderr ? 1 : 0 };
}

/**
 * /bin/loadESXEnable: -e enables Quick Boot (loadESX), -d disables it, no option prints the state.
 * [R] The real tool's messages are unknown; scripts should rely on the exit code.
 */
export function loadEsxEnable(host: EsxiContext, argv: string[]): ExecResult {
  const opt = argv[1];
  if (opt === '-e' || opt === '-d') {
    host.state.quickBoot = opt === '-e';
    host.changed();
    return out(`Quick Boot (loadESX) ${host.state.quickBoot ? 'enabled' : 'disabled'}\n`);
  }
  if (opt === undefined || opt === '-s')
    return out(`Quick Boot (loadESX) is ${host.state.quickBoot ? 'enabled' : 'disabled'}\n`);
  return err('Usage: loadESXEnable [-e | -d | -s]\n');
}
