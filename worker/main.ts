import { heapFlagToAdd, MEMORY_BUDGET_VAR, MemoryBudgetError, workerMemoryFromEnv } from './memory-budget';
import { relaunchWith, stopWhenLauncherExits } from './relaunch';

// `npm run worker` (and the image's `node dist/worker/main.js`): the ibfleet worker within its memory
// budget (IBFLEET_WORKER_MEMORY_MB, README "Sizing"). Node fixes a heap's limit when it creates it, so
// a worker started without the derived --max-old-space-size starts itself again with it; only then
// does it load the worker (worker-process.ts), so the starting process stays small.
function main(): void {
  const memory = workerMemoryFromEnv();
  const heapFlag = heapFlagToAdd(memory);
  if (heapFlag) {
    // The budget goes along, so that the relaunched worker derives the same settings (and says where from).
    relaunchWith([heapFlag], { [MEMORY_BUDGET_VAR]: String(memory.budgetMb) });
    return;
  }
  stopWhenLauncherExits();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only in the process that runs the worker
  const { runWorkerProcess } = require('./worker-process') as typeof import('./worker-process');
  runWorkerProcess(memory).catch(fail);
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
