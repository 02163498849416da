// The benchmark scenarios (issues 7, 13, 15, 17), full size and --quick (for development: fewer hosts,
// shorter boots).

/** Procedures the benchmark rolls out. */
export type BenchProcedure = 'preflight' | 'recovery-cycle' | 'sriov-enable' | 'converge';

/** One ibfleet rollout of a scenario; a scenario runs its rollouts one after another on the same fleet. */
export interface BenchRollout {
  procedure: BenchProcedure;
  /** The procedure's parameters (defaults when absent). */
  params?: Record<string, unknown>;
  /** converge: the declared state of every cluster of the fleet (the inventory's `clusters[].desired`). */
  desired?: typeof SRIOV_DESIRED;
}

/** The declared state of scenario 7: SR-IOV with 16 VFs per card, 4 per port (the guide's example). */
export const SRIOV_DESIRED = { mode: 'sriov', numVfs: 16, maxVfs: 4 } as const;

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
  /** ibfleet's rollouts, in order, on one fleet (default: one recovery-cycle). The last one is measured against the bound. */
  rollouts?: BenchRollout[];
  /** The same change made another way, on a fresh fleet of the same seed, compared with `rollouts` (scenario 7). */
  compareWith?: { label: string; rollouts: BenchRollout[] };
  /** Label of `rollouts` when compared. */
  label?: string;
  /** VMs on every host (seeded: 2-4 each, guest shutdown 2-10 s; all with working VMware Tools), stopped and restarted by `--vm-policy shutdown`. */
  vms?: { perHost: [number, number]; shutdownSeconds: [number, number] };
  /** Every host starts with its cards hidden (guide 2.4: recovery mode needed before mlxconfig sees them). */
  hiddenCards?: boolean;
  /** Worker processes sharing the rollout (default 1). */
  workers?: number;
  /** Why the Ansible baseline does not apply to this scenario. */
  noAnsible?: string;
}

/**
 * Boots are scaled down 60x from real ESXi hosts with GPUs (5-15 min → 5-15 s); command latencies
 * scale the 1-3 s an esxcli call takes on a real host the same way (10-50 ms).
 */
const LATENCY: [number, number] = [10, 50];
const SHUTDOWN_DELAY_MS = 300;
const BOOTS: [number, number] = [5_000, 15_000];

/** Scenario 5's default size (`--hosts` changes it). */
export const SCALE_HOSTS = 10_000;

function scaleScenario(hosts: number, quick: boolean): Scenario {
  return {
    id: 5,
    title: `${quick ? '[quick] ' : ''}${hosts.toLocaleString('en-US')} hosts, preflight then recovery-cycle, max-parallel 500, boots 1-2 s, two workers (scale)`,
    hosts,
    clusters: Math.max(1, Math.ceil(hosts / 100)),
    maxParallel: 500,
    perCluster: 0,
    bootTimeMs: [1_000, 2_000],
    commandLatencyMs: LATENCY,
    shutdownDelayMs: SHUTDOWN_DELAY_MS,
    rollouts: [{ procedure: 'preflight' }, { procedure: 'recovery-cycle' }],
    workers: 2,
    noAnsible: 'scale of ibfleet itself (sharded rollout, two workers); scenario 1 compares with Ansible',
  };
}

const vmScenario: Scenario = {
  id: 6,
  title:
    '200 hosts with 2-4 VMs each under --vm-policy shutdown (guest shutdown 2-10 s), max-parallel 50, boots 5-15 s',
  hosts: 200,
  clusters: 1,
  maxParallel: 50,
  perCluster: 0,
  bootTimeMs: BOOTS,
  commandLatencyMs: LATENCY,
  shutdownDelayMs: SHUTDOWN_DELAY_MS,
  makespanTarget: 1.05,
  vms: { perHost: [2, 4], shutdownSeconds: [2, 10] },
  noAnsible:
    'the baseline playbook has no VM handling: it would have to list, shut down and restart VMs per host (vim-cmd loops and waits) — a different playbook, not the one scenario 1 measures',
};

const convergeScenario: Scenario = {
  id: 7,
  title:
    '100 hosts with hidden cards to SR-IOV: `ibfleet apply` vs recovery-cycle then sriov-enable, max-parallel 50, boots 5-15 s',
  hosts: 100,
  clusters: 1,
  maxParallel: 50,
  perCluster: 0,
  bootTimeMs: BOOTS,
  commandLatencyMs: LATENCY,
  shutdownDelayMs: SHUTDOWN_DELAY_MS,
  hiddenCards: true,
  label: 'ibfleet apply (converge)',
  rollouts: [{ procedure: 'converge', desired: SRIOV_DESIRED }],
  compareWith: {
    label: 'recovery-cycle, then sriov-enable',
    rollouts: [
      { procedure: 'recovery-cycle' },
      { procedure: 'sriov-enable', params: { numVfs: SRIOV_DESIRED.numVfs, maxVfs: SRIOV_DESIRED.maxVfs } },
    ],
  },
  noAnsible: 'compares two ways of converging with ibfleet; scenario 1 compares with Ansible',
};

const full: Scenario[] = [
  {
    id: 1,
    title: '200 hosts, max-parallel 50, per-cluster unlimited, boots 5-15 s',
    hosts: 200,
    clusters: 1,
    maxParallel: 50,
    perCluster: 0,
    bootTimeMs: BOOTS,
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
    bootTimeMs: BOOTS,
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
  scaleScenario(SCALE_HOSTS, false),
  vmScenario,
  convergeScenario,
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
  scaleScenario(1_000, true),
  {
    ...vmScenario,
    title:
      '[quick] 40 hosts with 2-4 VMs each under --vm-policy shutdown (guest shutdown 1-3 s), max-parallel 10, boots 1-3 s',
    hosts: 40,
    maxParallel: 10,
    bootTimeMs: [1_000, 3_000],
    vms: { perHost: [2, 4], shutdownSeconds: [1, 3] },
  },
  {
    ...convergeScenario,
    title:
      '[quick] 20 hosts with hidden cards to SR-IOV: `ibfleet apply` vs recovery-cycle then sriov-enable, max-parallel 10, boots 1-3 s',
    hosts: 20,
    maxParallel: 10,
    bootTimeMs: [1_000, 3_000],
  },
];

/** Every scenario; `hosts` overrides scenario 5's size (the scale scenario). */
export function scenarios(quickMode: boolean, hosts?: number): Scenario[] {
  const list = quickMode ? quick : full;
  return hosts === undefined ? list : list.map((s) => (s.id === 5 ? scaleScenario(hosts, quickMode) : s));
}

/** The rollouts a scenario runs on its fleet. */
export function rolloutsOf(s: Scenario): BenchRollout[] {
  return s.rollouts ?? [{ procedure: 'recovery-cycle' }];
}

/** A rollout's parameters for a fleet of these clusters (converge: each cluster's declared state, as `ibfleet apply` sends it). */
export function rolloutParams(r: BenchRollout, clusters: readonly string[]): Record<string, unknown> {
  if (!r.desired) return r.params ?? {};
  const desired = r.desired;
  return {
    clusters: Object.fromEntries([...new Set(clusters)].map((c) => [c, { ...desired, vlcmImage: false }])),
    dryRun: false,
  };
}
