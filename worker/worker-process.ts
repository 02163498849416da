import { NativeConnection, type State } from '@temporalio/worker';
import { dataConverter, taskQueue, temporalSettings } from '../client/connection';
import { createIbfleetWorker, runIbfleetWorker } from './create-worker';
import { healthPortFromEnv, startHealthServer } from './health';
import type { ProcessMemory } from './memory-budget';
import { installRuntime, runtimeSettingsFromEnv } from './runtime';

// The worker process proper (main.ts, started by start.sh with its heap limit): connects where
// TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TLS_* / profiles say, polls IBFLEET_TASK_QUEUE
// (default "ibfleet"), encrypts payloads when IBFLEET_CODEC_* is set, serves Prometheus metrics
// (IBFLEET_METRICS_PORT) and /healthz (IBFLEET_HEALTH_PORT), and stops gracefully on SIGINT/SIGTERM
// (in-flight SSH commands get shutdownGraceTime to finish).
export async function runWorkerProcess(memory: ProcessMemory): Promise<void> {
  installRuntime(runtimeSettingsFromEnv());
  const settings = temporalSettings();
  const connection = await NativeConnection.connect(settings.connectionOptions);
  const { worker, runner } = await createIbfleetWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: taskQueue(),
    workflowBundlePath: process.env.IBFLEET_WORKFLOW_BUNDLE,
    dataConverter: dataConverter(),
    tuning: { maxCachedWorkflows: memory.maxCachedWorkflows },
  });
  const health =
    healthPortFromEnv() === 'off'
      ? undefined
      : await startHealthServer({ state: (): State => worker.getState() });
  console.log(
    `ibfleet worker polling "${taskQueue()}" on ${settings.connectionOptions.address} (namespace ${settings.namespace}); ` +
      `${memoryText(memory)}`,
  );
  try {
    await runIbfleetWorker(worker, runner);
  } finally {
    await health?.close();
    await connection.close();
  }
}

function memoryText(m: ProcessMemory): string {
  const budget = m.heapFlagMissing
    ? `memory budget ${m.budgetMb} MB NOT applied (started without worker/start.sh): Node's heap limit`
    : m.source === 'node-options'
      ? 'heap set by --max-old-space-size: heap limit'
      : `memory budget ${m.budgetMb} MB: heap limit`;
  return `${budget} ${m.heapMb} MB, up to ${m.maxCachedWorkflows} cached workflows`;
}
