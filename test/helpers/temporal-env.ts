import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ibSearchAttributes } from '../../common/search-attributes';
import { devServerTuningArgs } from '../../scripts/dev-server';
import { workflowBundlerOptions } from '../../worker/bundle';
import { temporalCliPath } from './temporal-cli';

// One real dev server (the pinned CLI) per mocha run, started on first use on a free port.
// Tests isolate themselves with unique task queues and workflow IDs, never by restarting it.

let envPromise: Promise<TestWorkflowEnvironment> | undefined;
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

export function testEnv(): Promise<TestWorkflowEnvironment> {
  envPromise ??= TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: ibSearchAttributes,
      extraArgs: [...devServerTuningArgs, '--log-level', 'error'],
    },
  });
  return envPromise;
}

export async function teardownTestEnv(): Promise<void> {
  const env = envPromise;
  envPromise = undefined;
  if (env) await (await env).teardown();
}

/** Bundling takes seconds; do it once per workflows entry point per run. */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger, ...workflowBundlerOptions });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: console.error,
  log: noop,
};

let queueCounter = 0;
/** A task queue no other test uses, named after the test for readable server logs. */
export function uniqueTaskQueue(label: string): string {
  queueCounter += 1;
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40);
  return `test-${slug}-${process.pid}-${queueCounter}`;
}
