import type { ExecResult } from '../machine';
import { cardCatalog, esxiReleases } from './catalog';
import { nicsPresent, nmlxPorts, ONBOARD_NICS } from './derived';
import { vfAddresses } from './esxcli-devices';
import { err, out, type EsxiContext } from './host-context';

// The busybox side of the ESXi shell: reboot, lspci, uname, hostname, whoami, date, uptime.

/** busybox `reboot [-d SECONDS] [-f] [-n]`: no maintenance-mode check [V]. */
export function reboot(host: EsxiContext, argv: string[]): ExecResult {
  let delayMs = 0;
  let force = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-f') force = true;
    else if (a === '-n') continue;
    else if (a === '-d') delayMs = Number(argv[++i] ?? 'x') * 1000;
    else return err(`reboot: invalid option -- '${a.replace(/^-/, '')}'\n`);
  }
  if (!Number.isFinite(delayMs) || delayMs < 0) return err('reboot: invalid number\n');
  host.requestReboot({ via: 'busybox', delayMs, force });
  return out('');
}

export function lspci(host: EsxiContext): ExecResult {
  const lines = [
    '0000:00:00.0 Host bridge: Intel Corporation Sky Lake-E DMI3 Registers',
    ...ONBOARD_NICS.map(
      (n) => `${n.pci} Network controller: Intel(R) Ethernet Controller X710 for 10GbE SFP+ [${n.vmnic}]`,
    ),
  ];
  if (host.state.boot.cardsPresent) {
    const claimed = nicsPresent(host.state);
    for (const p of nmlxPorts(host.state)) {
      const alias = claimed ? ` [${p.vmnic}]` : '';
      lines.push(
        `${p.pci} Network controller: Mellanox Technologies ${cardCatalog[p.card.model].pciName}${alias}`,
      );
    }
    for (const v of vfAddresses(host)) {
      // Alias as ESXi prints it: PF_<segment>.<bus in decimal>.<PF function>_VF_<n> [V].
      const alias = `PF_0.${v.port.card.pciBus}.${v.port.port}_VF_${v.vf}`;
      lines.push(
        `${v.pci} Network controller: Mellanox Technologies ${cardCatalog[v.port.card.model].vfPciName} [${alias}]`,
      );
    }
  }
  lines.sort();
  return out(lines.map((l) => `${l}\n`).join(''));
}

export function uname(host: EsxiContext, argv: string[]): ExecResult {
  const rel = esxiReleases[host.state.version];
  const flags = argv.slice(1).join('');
  if (flags.includes('a')) {
    return out(
      `VMkernel ${host.state.name} ${host.state.version} #1 SMP Release build-${rel.build} x86_64 x86_64 x86_64 ESXi\n`,
    );
  }
  if (flags.includes('n')) return out(`${host.state.name}\n`);
  if (flags.includes('r')) return out(`${host.state.version}\n`);
  if (flags.includes('m')) return out('x86_64\n');
  return out('VMkernel\n');
}

export function date(host: EsxiContext, argv: string[]): ExecResult {
  const now = new Date(host.now());
  if (argv[1] === '+%s') return out(`${Math.floor(now.getTime() / 1000)}\n`);
  return out(`${now.toUTCString().replace('GMT', 'UTC')}\n`);
}

export function uptime(host: EsxiContext): ExecResult {
  const now = host.now();
  const secs = Math.floor((now - host.state.boot.bootedAt) / 1000);
  const days = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const clock = new Date(now).toISOString().slice(11, 19);
  const up =
    days > 0
      ? `${days} day${days === 1 ? '' : 's'}, ${h}:${String(m).padStart(2, '0')}`
      : `${h}:${String(m).padStart(2, '0')}`;
  return out(` ${clock} up ${up}, load average: 0.01, 0.02, 0.00\n`);
}
