import { NativeConnection, type State } from '@temporalio/worker';
import { dataConverter, taskQueue, temporalSettings } from '../client/connection';
import { createIbfleetWorker, runIbfleetWorker } from './create-worker';
import { healthPortFromEnv, startHealthServer } from './health';
import { installRuntime, runtimeSettingsFromEnv } from './runtime';

// `npm run worker`: connects where TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TLS_* / profiles
// say, polls IBFLEET_TASK_QUEUE (default "ibfleet"), encrypts payloads when IBFLEET_CODEC_* is set,
// serves Prometheus metrics (IBFLEET_METRICS_PORT) and /healthz (IBFLEET_HEALTH_PORT), and stops
// gracefully on SIGINT/SIGTERM (in-flight SSH commands get shutdownGraceTime to finish).
async function main(): Promise<void> {
  installRuntime(runtimeSettingsFromEnv());
  const settings = temporalSettings();
  const connection = await NativeConnection.connect(settings.connectionOptions);
  const { worker, runner } = await createIbfleetWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: taskQueue(),
    workflowBundlePath: process.env.IBFLEET_WORKFLOW_BUNDLE,
    dataConverter: dataConverter(),
  });
  const health =
    healthPortFromEnv() === 'off'
      ? undefined
      : await startHealthServer({ state: (): State => worker.getState() });
  console.log(
    `ibfleet worker polling "${taskQueue()}" on ${settings.connectionOptions.address} (namespace ${settings.namespace})`,
  );
  try {
    await runIbfleetWorker(worker, runner);
  } finally {
    await health?.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
