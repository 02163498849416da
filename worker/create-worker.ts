import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter, Duration } from '@temporalio/common';
import { createActivities } from '../activities';
import { SshRunner } from '../activities/ssh';
import { workflowBundlerOptions, WORKFLOWS_ENTRY } from './bundle';

export interface IbfleetWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** A prebuilt workflow bundle file (production) ... */
  workflowBundlePath?: string;
  /** ... or one built in this process (tests share one); when neither, the workflows are bundled at start. */
  workflowBundle?: { code: string };
  dataConverter?: DataConverter;
  /** SSH runner shared by all activities; created when absent. */
  runner?: SshRunner;
  /** Overrides of worker tuning (see the README's "Running in production"). */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentLocalActivityExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxCachedWorkflows'
      | 'shutdownGraceTime'
    >
  >;
}

/**
 * The ibfleet worker: every procedure workflow, the rollout, and the SSH activities. Activities spend
 * their time waiting on SSH and reboots, not CPU, so many run at once; shutdown gives in-flight SSH
 * commands time to finish (the default grace time of 0 would cancel them at once).
 */
export async function createIbfleetWorker(
  opts: IbfleetWorkerOptions,
): Promise<{ worker: Worker; runner: SshRunner }> {
  const runner = opts.runner ?? new SshRunner();
  const workflows = opts.workflowBundle
    ? { workflowBundle: opts.workflowBundle }
    : opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_ENTRY, bundlerOptions: workflowBundlerOptions };
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue,
    ...workflows,
    activities: createActivities({ runner }),
    dataConverter: opts.dataConverter,
    // Sizing for SSH-bound work (README, "Worker concurrency"): every host in flight holds an activity
    // slot through its reboot wait; workflow tasks are short and CPU-bound; idle host workflows stay cached.
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 20,
    maxCachedWorkflows: 2_000,
    shutdownGraceTime: (process.env.IBFLEET_SHUTDOWN_GRACE_TIME ?? '5m') as Duration,
    ...opts.tuning,
  });
  return { worker, runner };
}

/** Run until shutdown (SIGINT/SIGTERM handled by the SDK), then close every SSH connection. */
export async function runIbfleetWorker(worker: Worker, runner: SshRunner): Promise<void> {
  try {
    await worker.run();
  } finally {
    await runner.closeAll();
  }
}
