import type { SwitchState } from './state';

// `show version` as MLNX-OS prints it [V: the guide's block, whose layout the PDF broke into one value per
// line; on a terminal each key is padded to a 19-character column]. The guide's build of 3.11.1004 is
// reproduced exactly; other releases get a deterministic synthetic build date.

const KEY_WIDTH = 19;

interface BuildInfo {
  buildId: string;
  buildDate: string;
  builtBy: string;
}

const KNOWN_BUILDS: Record<string, BuildInfo> = {
  '3.11.1004': { buildId: '#1-dev', buildDate: '2023-08-09 11:05:30', builtBy: 'sw-r2d2-bot@3fe32015ceb9' },
};

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function buildInfo(version: string): BuildInfo {
  const known = KNOWN_BUILDS[version];
  if (known) return known;
  const h = hash32(version);
  const parts = version.split('.').map((p) => Number(p));
  const year = 2015 + Math.min(10, Math.max(0, (parts[1] ?? 0) - 1));
  const month = String(1 + (h % 12)).padStart(2, '0');
  const day = String(1 + ((h >>> 4) % 28)).padStart(2, '0');
  const hh = String((h >>> 9) % 24).padStart(2, '0');
  const mm = String((h >>> 14) % 60).padStart(2, '0');
  const ss = String((h >>> 20) % 60).padStart(2, '0');
  return {
    buildId: '#1-dev',
    buildDate: `${year}-${month}-${day} ${hh}:${mm}:${ss}`,
    builtBy: `sw-r2d2-bot@${(h.toString(16) + 'a5c3e1f0').slice(0, 12)}`,
  };
}

/** Host ID: 12 hex digits (a MAC-like id), stable per switch name. */
export function hostIdFor(name: string): string {
  const h = hash32(name);
  return ('0C42A1' + h.toString(16).padStart(8, '0').slice(0, 6)).toUpperCase();
}

/** "12d 3h 4m 5.678s", as MLNX-OS prints the uptime. */
export function formatUptime(ms: number): string {
  const safe = Math.max(0, ms);
  const days = Math.floor(safe / 86_400_000);
  const hours = Math.floor((safe % 86_400_000) / 3_600_000);
  const minutes = Math.floor((safe % 3_600_000) / 60_000);
  const seconds = ((safe % 60_000) / 1000).toFixed(3);
  return `${days}d ${hours}h ${minutes}m ${seconds}s`;
}

function line(key: string, value: string): string {
  return `${(key + ':').padEnd(KEY_WIDTH)}${value}`;
}

export function renderShowVersion(state: SwitchState): string {
  const b = buildInfo(state.version);
  const hostId = hostIdFor(state.name);
  const lines = [
    line('Product name', 'MLNX-OS'),
    line('Product release', state.version),
    line('Build ID', b.buildId),
    line('Build date', b.buildDate),
    line('Target arch', 'x86_64'),
    line('Target hw', 'x86_64'),
    line('Built by', b.builtBy),
    line('Version summary', `X86_64 ${state.version} ${b.buildDate} x86_64`),
    '',
    line('Product model', 'x86onie'),
    line('Host ID', hostId),
    line('System serial num', `MT${hostId.slice(-8)}`),
    line('System UUID', `0b4d${hostId.toLowerCase().slice(0, 4)}-5a3e-11ee-8000-${hostId.toLowerCase()}`),
    '',
    line('Uptime', formatUptime(state.now() - state.bootTimeMs)),
    line('CPU load averages', '0.21 / 0.18 / 0.17'),
    line('Number of CPUs', '4'),
    line('System memory', '3122 MB used / 4695 MB free / 7817 MB total'),
    line('Swap', '0 MB used / 0 MB free / 0 MB total'),
  ];
  return lines.join('\n') + '\n';
}
