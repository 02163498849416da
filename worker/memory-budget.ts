import { z } from 'zod';
import { formatIssues } from '../common/zod-issues';

// The worker's memory budget (README, "Sizing"): IBFLEET_WORKER_MEMORY_MB is the resident memory one
// worker process should stay within; the worker derives from it its V8 heap limit (each of its main and
// workflow threads has a heap) and how many workflows it keeps cached. Without a limit V8 lets garbage grow far past what the
// workflows keep alive while its default limit (a quarter of the machine's memory, up to 4 GB) is far
// away: the peak RSS followed the heap limit more than the hosts in flight.

export const MEMORY_BUDGET_VAR = 'IBFLEET_WORKER_MEMORY_MB';
/** Keeps a worker at 1,000 hosts with --max-parallel 100 under 400 MB of RSS (worker/measure-rss.ts). */
export const DEFAULT_MEMORY_BUDGET_MB = 400;
/** What the process holds besides the workflow heap: Node, the Temporal core, the activities and SSH. */
export const PROCESS_OVERHEAD_MB = 150;
/** Each cached workflow's own module instances and state, about 0.5 MB; the cache may fill half the heap. */
const CACHED_WORKFLOWS_PER_HEAP_MB = 1;
const MIN_BUDGET_MB = 300;
const MAX_BUDGET_MB = 1_048_576;

const budgetSchema = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a whole number of megabytes, e.g. 400')
  .transform(Number)
  .pipe(
    z
      .number()
      .min(
        MIN_BUDGET_MB,
        `must be at least ${MIN_BUDGET_MB} (MB): the worker needs about ${PROCESS_OVERHEAD_MB} MB besides its workflows`,
      )
      .max(MAX_BUDGET_MB, `must be at most ${MAX_BUDGET_MB} (MB)`),
  );

export interface WorkerMemory {
  /** Where the heap limit comes from: the budget (set or default), or a --max-old-space-size given to Node. */
  source: 'budget' | 'default' | 'node-options';
  /** The budget in MB (absent when Node's own flag sets the heap). */
  budgetMb?: number;
  /** The V8 old-space limit of each thread's heap (--max-old-space-size), MB. */
  heapMb: number;
  maxCachedWorkflows: number;
}

/**
 * The worker's memory settings from its environment: IBFLEET_WORKER_MEMORY_MB, else a
 * --max-old-space-size in NODE_OPTIONS, else the default budget.
 */
export function workerMemoryFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerMemory {
  const value = env[MEMORY_BUDGET_VAR];
  if (value !== undefined && value.trim() !== '') {
    const parsed = budgetSchema.safeParse(value);
    if (!parsed.success)
      throw new MemoryBudgetError(formatIssues(parsed.error, MEMORY_BUDGET_VAR).join('; '));
    return fromBudget(parsed.data, 'budget');
  }
  const nodeHeapMb = maxOldSpaceSizeMb((env.NODE_OPTIONS ?? '').split(/\s+/));
  if (nodeHeapMb !== undefined) return fromNodeFlag(nodeHeapMb);
  return fromBudget(DEFAULT_MEMORY_BUDGET_MB, 'default');
}

function fromNodeFlag(heapMb: number): WorkerMemory {
  return { source: 'node-options', heapMb, maxCachedWorkflows: cachedWorkflows(heapMb) };
}

function fromBudget(budgetMb: number, source: 'budget' | 'default'): WorkerMemory {
  const heapMb = budgetMb - PROCESS_OVERHEAD_MB;
  return { source, budgetMb, heapMb, maxCachedWorkflows: cachedWorkflows(heapMb) };
}

function cachedWorkflows(heapMb: number): number {
  return Math.max(Math.floor(heapMb * CACHED_WORKFLOWS_PER_HEAP_MB), 2);
}

/** The last --max-old-space-size (or --max_old_space_size) among Node's options, as Node reads them. */
export function maxOldSpaceSizeMb(options: readonly string[]): number | undefined {
  let mb: number | undefined;
  for (const option of options) {
    const match = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(option);
    if (match) mb = Number(match[1]);
  }
  return mb;
}

/**
 * The Node options the worker starts with (worker/start.sh passes them to Node before the worker loads):
 * its heap limit, unless Node's own --max-old-space-size sets it. V8 reads the flag when a heap is
 * created, so a running process cannot lower its own limit.
 */
export function workerNodeOptions(memory: WorkerMemory): string[] {
  return memory.source === 'node-options' ? [] : [`--max-old-space-size=${memory.heapMb}`];
}

/** The settings a worker process runs with: the derived ones, or what its own heap allows (direct runs). */
export interface ProcessMemory extends WorkerMemory {
  /**
   * The derived heap flag this process was started without (`node worker/main.ts` directly instead of
   * worker/start.sh): heapMb is then Node's own limit and the cache is derived from it.
   */
  heapFlagMissing?: string;
}

/**
 * The settings of a process started with `execArgv` (Node's command line): `memory` when it runs with
 * the derived heap limit (worker/start.sh). Without IBFLEET_WORKER_MEMORY_MB, a --max-old-space-size
 * given to Node (command line, then NODE_OPTIONS) is kept. Otherwise the budget was not applied: the
 * settings follow the heap the process has (`heapLimitMb`, V8's), with the flag it lacks, so that the
 * worker says so and how to apply it.
 */
export function processMemory(
  memory: WorkerMemory,
  execArgv: readonly string[],
  heapLimitMb: number,
): ProcessMemory {
  const commandLineHeapMb = maxOldSpaceSizeMb(execArgv);
  if (commandLineHeapMb === memory.heapMb) return memory;
  if (memory.source !== 'budget' && commandLineHeapMb !== undefined) return fromNodeFlag(commandLineHeapMb);
  if (memory.source === 'node-options') return memory;
  const heapMb = Math.floor(heapLimitMb);
  return {
    ...memory,
    heapMb,
    // The cache still keeps to the budget: what the worker holds by its own choice stays within it.
    maxCachedWorkflows: Math.min(memory.maxCachedWorkflows, cachedWorkflows(heapMb)),
    heapFlagMissing: `--max-old-space-size=${memory.heapMb}`,
  };
}

/** A bad IBFLEET_WORKER_MEMORY_MB: the worker exits 2 before it connects. */
export class MemoryBudgetError extends Error {
  override name = 'MemoryBudgetError';
}
