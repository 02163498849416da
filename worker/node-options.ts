import { MemoryBudgetError, workerMemoryFromEnv, workerNodeOptions } from './memory-budget';

// Run by worker/start.sh before the worker: prints the Node options the worker starts with (its heap
// limit, derived from IBFLEET_WORKER_MEMORY_MB in memory-budget.ts) on one line. A bad budget exits 2
// naming the variable, before the worker starts.
try {
  process.stdout.write(`${workerNodeOptions(workerMemoryFromEnv()).join(' ')}\n`);
} catch (err) {
  if (!(err instanceof MemoryBudgetError)) throw err;
  console.error(`error: ${err.message}`);
  process.exit(2);
}
