import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

// CPU and memory of controller processes, read from /proc (Linux): what each tool costs the machine
// it runs on. Processes are identified by (pid, start time) so a reused pid is never confused.

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

const PAGE_KB = 4;

export interface ProcStat {
  pid: number;
  /** The command name (at most 15 characters). */
  comm: string;
  ppid: number;
  /** user + system CPU of the process itself, seconds. */
  cpuSeconds: number;
  /** CPU of its reaped children, seconds. */
  childrenCpuSeconds: number;
  startTicks: number;
  rssKb: number;
}

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const hz = ticksPerSecond();
  // f[0] is field 3 (state): field N is f[N - 3].
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    ppid: Number(f[1]),
    cpuSeconds: (Number(f[11]) + Number(f[12])) / hz,
    childrenCpuSeconds: (Number(f[13]) + Number(f[14])) / hz,
    startTicks: Number(f[19]),
    rssKb: Number(f[21]) * PAGE_KB,
  };
}

/** VmHWM (peak resident set) of a live process, kB. */
export function peakRssKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Proportional set size (shared pages divided among their users), kB: fair for forked workers. */
function pssKb(pid: number): number | undefined {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

export interface TreeUsage {
  /** Highest CPU seen per process, summed (processes that ended between samples lose their last interval). */
  sampledCpuSeconds: number;
  /** Of which processes matched by command line (e.g. daemonized ssh ControlMaster processes). */
  matchedCpuSeconds: number;
  /** How many such processes were seen. */
  matchedProcesses: number;
  /** Largest sum of RSS over the tree at one sample, MB (counts shared pages once per process). */
  peakRssSumMb: number;
  /** Largest sum of PSS at one sample (every 4th), MB (shared pages split among the processes). */
  peakPssSumMb: number;
  peakProcesses: number;
  samples: number;
}

/**
 * Samples a process tree (the roots and all their descendants) plus processes named `match.comm` whose
 * command line contains `match.cmdline` (daemons that left the tree), every `intervalMs`.
 */
export class TreeSampler {
  private readonly seen = new Map<string, { cpu: number; matched: boolean }>();
  private peakRss = 0;
  private peakPss = 0;
  private peakProcesses = 0;
  private samples = 0;
  private timer?: NodeJS.Timeout;
  private readonly matchedPids = new Map<number, number>();

  constructor(
    private readonly roots: () => number[],
    private readonly match?: { comm: string; cmdline: string },
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): TreeUsage {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    let cpu = 0;
    let matched = 0;
    for (const s of this.seen.values()) {
      cpu += s.cpu;
      if (s.matched) matched += s.cpu;
    }
    return {
      sampledCpuSeconds: cpu,
      matchedCpuSeconds: matched,
      matchedProcesses: [...this.seen.values()].filter((v) => v.matched).length,
      peakRssSumMb: this.peakRss / 1024,
      peakPssSumMb: this.peakPss / 1024,
      peakProcesses: this.peakProcesses,
      samples: this.samples,
    };
  }

  /** Pids of processes matched by command line that are still alive. */
  livingMatched(): number[] {
    return [...this.matchedPids.keys()].filter((pid) => {
      const s = readStat(pid);
      return s !== undefined && s.startTicks === this.matchedPids.get(pid);
    });
  }

  private sample(): void {
    this.samples += 1;
    const stats = new Map<number, ProcStat>();
    const children = new Map<number, number[]>();
    for (const pid of allPids()) {
      const s = readStat(pid);
      if (!s) continue;
      stats.set(pid, s);
      children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
    }
    const inTree = new Set<number>();
    const queue = this.roots().filter((p) => stats.has(p));
    while (queue.length > 0) {
      const pid = queue.pop() as number;
      if (inTree.has(pid)) continue;
      inTree.add(pid);
      queue.push(...(children.get(pid) ?? []));
    }
    const matched = new Set<number>();
    if (this.match) {
      const { comm, cmdline: text } = this.match;
      for (const [pid, s] of stats) {
        if (s.comm === comm && !inTree.has(pid) && cmdline(pid).includes(text)) matched.add(pid);
      }
    }
    let rss = 0;
    let pss = 0;
    // smaps_rollup is costly to read for a hundred processes: PSS on every 4th sample only.
    const withPss = this.samples % 4 === 1;
    for (const pid of [...inTree, ...matched]) {
      const s = stats.get(pid) as ProcStat;
      const key = `${pid}/${s.startTicks}`;
      const prev = this.seen.get(key);
      this.seen.set(key, { cpu: Math.max(prev?.cpu ?? 0, s.cpuSeconds), matched: matched.has(pid) });
      if (matched.has(pid)) this.matchedPids.set(pid, s.startTicks);
      rss += s.rssKb;
      if (withPss) pss += pssKb(pid) ?? s.rssKb;
    }
    this.peakRss = Math.max(this.peakRss, rss);
    if (withPss) this.peakPss = Math.max(this.peakPss, pss);
    this.peakProcesses = Math.max(this.peakProcesses, inTree.size + matched.size);
  }
}

/** Busy CPU time of the whole machine since boot (all cores, not idle or iowait), seconds. */
export function machineBusyCpuSeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return (total - idle) / ticksPerSecond();
}

/** CPU seconds of a live process (0 once it is gone). */
export function cpuSecondsOf(pid: number): number {
  return readStat(pid)?.cpuSeconds ?? 0;
}

/** A live process and its live descendants (empty once it is gone). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const s = readStat(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  if (!readStat(root)) return [];
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU seconds of a live process and its live descendants (all of what a started worker costs). */
export function treeCpuSecondsOf(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
}

/**
 * The peak RSS of a live process and its live descendants, kB: the sum of their VmHWM, so never less
 * than the tree's own peak (each process may peak at another moment). A worker is one process.
 */
export function treePeakRssKb(root: number): number | undefined {
  const peaks = processTree(root).flatMap((pid) => peakRssKb(pid) ?? []);
  return peaks.length > 0 ? peaks.reduce((sum, kb) => sum + kb, 0) : undefined;
}
