import v8 from 'node:v8';
import { MemoryBudgetError, processMemory, workerMemoryFromEnv, type ProcessMemory } from './memory-budget';
import { runWorkerProcess } from './worker-process';

// The ibfleet worker process. Its entry point, worker/start.sh (`npm run worker`, the image's CMD),
// starts it with the heap limit derived from IBFLEET_WORKER_MEMORY_MB (README "Sizing") and execs it,
// so this is the one process supervisors signal. Run directly (`node worker/main.ts`, as tests do), it
// keeps the heap Node was given (its workflow cache still keeps to the budget) and warns that the budget
// was not applied and how to apply it (the benchmark gives Node the derived flag itself).
function main(): void {
  const heapLimitMb = v8.getHeapStatistics().heap_size_limit / 2 ** 20;
  const memory = processMemory(workerMemoryFromEnv(), process.execArgv, heapLimitMb);
  if (memory.heapFlagMissing) console.warn(`warning: ${budgetNotApplied(memory)}`);
  runWorkerProcess(memory).catch(fail);
}

function budgetNotApplied(m: ProcessMemory): string {
  const budget = m.source === 'default' ? `the default ${m.budgetMb} MB` : `${m.budgetMb} MB`;
  return (
    `the memory budget (IBFLEET_WORKER_MEMORY_MB, ${budget}) is not applied: this process was started ` +
    `without ${m.heapFlagMissing}, so its heap may grow to Node's own limit of ${m.heapMb} MB ` +
    `(up to ${m.maxCachedWorkflows} cached workflows). Start the worker with worker/start.sh ` +
    "(`npm run worker`, the image's CMD), which applies it."
  );
}

function fail(err: unknown): never {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}

try {
  main();
} catch (err) {
  if (!(err instanceof MemoryBudgetError)) fail(err);
  console.error(`error: ${err.message}`);
  process.exit(2);
}
