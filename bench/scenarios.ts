// The benchmark scenarios (issue 7), full size and --quick (for development: fewer hosts, shorter boots).

export interface Scenario {
  id: number;
  title: string;
  hosts: number;
  clusters: number;
  maxParallel: number;
  /** 0 = unlimited. */
  perCluster: number;
  /** Per host: fixed, or drawn per host from [min, max] (each boot of a host then takes exactly that). */
  bootTimeMs: number | [number, number];
  /** Per host, drawn from [min, max]: each command's answer is delayed this long. */
  commandLatencyMs: number | [number, number];
  /** From an accepted reboot to the host going down. */
  shutdownDelayMs: number;
  /** Makespan target: at most this many times the lower bound. */
  makespanTarget?: number;
}

/**
 * Boots are scaled down 60x from real ESXi hosts with GPUs (5-15 min → 5-15 s); command latencies
 * scale the 1-3 s an esxcli call takes on a real host the same way (10-50 ms).
 */
const LATENCY: [number, number] = [10, 50];
const SHUTDOWN_DELAY_MS = 300;

const full: Scenario[] = [
  {
    id: 1,
    title: '200 hosts, max-parallel 50, per-cluster unlimited, boots 5-15 s',
    hosts: 200,
    clusters: 1,
    maxParallel: 50,
    perCluster: 0,
    bootTimeMs: [5_000, 15_000],
    commandLatencyMs: LATENCY,
    shutdownDelayMs: SHUTDOWN_DELAY_MS,
    makespanTarget: 1.05,
  },
  {
    id: 2,
    title: '200 hosts in 20 clusters, max-parallel 50, per-cluster 1, boots 5-15 s',
    hosts: 200,
    clusters: 20,
    maxParallel: 50,
    perCluster: 1,
    bootTimeMs: [5_000, 15_000],
    commandLatencyMs: LATENCY,
    shutdownDelayMs: SHUTDOWN_DELAY_MS,
    makespanTarget: 1.05,
  },
  {
    id: 3,
    title: '1,000 hosts, max-parallel 100, boots 5 s (scale)',
    hosts: 1_000,
    clusters: 1,
    maxParallel: 100,
    perCluster: 0,
    bootTimeMs: 5_000,
    commandLatencyMs: LATENCY,
    shutdownDelayMs: SHUTDOWN_DELAY_MS,
    makespanTarget: 1.1,
  },
  {
    id: 4,
    title: 'one host, boot 5 s (per-step overhead)',
    hosts: 1,
    clusters: 1,
    maxParallel: 1,
    perCluster: 0,
    bootTimeMs: 5_000,
    commandLatencyMs: LATENCY,
    shutdownDelayMs: SHUTDOWN_DELAY_MS,
  },
];

const quick: Scenario[] = [
  {
    ...full[0],
    title: '[quick] 40 hosts, max-parallel 10, boots 1-3 s',
    hosts: 40,
    maxParallel: 10,
    bootTimeMs: [1_000, 3_000],
  },
  {
    ...full[1],
    title: '[quick] 40 hosts in 4 clusters, max-parallel 10, per-cluster 1, boots 1-3 s',
    hosts: 40,
    clusters: 4,
    maxParallel: 10,
    bootTimeMs: [1_000, 3_000],
  },
  {
    ...full[2],
    title: '[quick] 200 hosts, max-parallel 50, boots 1 s',
    hosts: 200,
    maxParallel: 50,
    bootTimeMs: 1_000,
  },
  { ...full[3], title: '[quick] one host, boot 1 s', bootTimeMs: 1_000 },
];

export function scenarios(quickMode: boolean): Scenario[] {
  return quickMode ? quick : full;
}
