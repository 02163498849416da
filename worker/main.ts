import { NativeConnection } from '@temporalio/worker';
import { taskQueue, temporalSettings } from '../client/connection';
import { createIbfleetWorker, runIbfleetWorker } from './create-worker';

// `npm run worker`: connects where TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / profiles say, polls
// IBFLEET_TASK_QUEUE (default "ibfleet"), stops gracefully on SIGINT/SIGTERM.
async function main(): Promise<void> {
  const settings = temporalSettings();
  const connection = await NativeConnection.connect(settings.connectionOptions);
  const { worker, runner } = await createIbfleetWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: taskQueue(),
    workflowBundlePath: process.env.IBFLEET_WORKFLOW_BUNDLE,
  });
  console.log(`ibfleet worker polling "${taskQueue()}" on ${settings.connectionOptions.address} (namespace ${settings.namespace})`);
  await runIbfleetWorker(worker, runner);
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
