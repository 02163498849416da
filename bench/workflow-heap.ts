import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, msToTs } from '@temporalio/common';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import {
  ReusableVMWorkflowCreator,
  type ReusableVMWorkflow,
} from '@temporalio/worker/lib/workflow/reusable-vm';
import type { ProcedureInput, ProcedureName } from '../common/procedures';
import type { HostRef } from '../common/targets';
import { writeWorkflowBundle } from '../worker/bundle';

// `node --expose-gc --require tsx/cjs bench/workflow-heap.ts [COUNT] [BUNDLE]`: the V8 heap one cached
// host workflow keeps (issue #15), per procedure. It loads the production workflow bundle (BUNDLE, or
// one built from worker/workflows.ts as `npm run bundle` does) into the SDK's own reusable V8 context
// (ReusableVMWorkflowCreator, the worker's default), starts COUNT workflows of each host procedure with
// a valid input and runs each to its first command (its modules evaluated, its input validated, its
// first activity scheduled), keeps them all alive as the workflow cache does, and reports the heap
// after a full GC, less the heap before, per workflow. No server, no activities: the workflow thread's
// heap only. Numbers for the README and the issue, never a test.

const count = Number(process.argv[2] ?? 200);
const bundleArg = process.argv[3];
/** Set in the child process that measures one procedure. */
const onlyProcedure = process.argv[4] as ProcedureName | undefined;

const host: HostRef = {
  kind: 'esxi',
  name: 'esx-heap-01',
  address: '127.0.0.1',
  port: 22,
  username: 'root',
  hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  credential: { type: 'password-env', env: 'IBFLEET_PASSWORD' },
  cluster: 'heap',
  tags: [],
};

/** Each host procedure's workflow and the params it is started with (the CLI's defaults otherwise). */
const hostProcedures: { procedure: ProcedureName; workflowType: string; params: Record<string, unknown> }[] =
  [
    { procedure: 'preflight', workflowType: 'preflightWorkflow', params: {} },
    { procedure: 'recovery-cycle', workflowType: 'recoveryCycleWorkflow', params: {} },
    { procedure: 'sriov-enable', workflowType: 'sriovEnableWorkflow', params: {} },
    { procedure: 'sriov-disable', workflowType: 'sriovDisableWorkflow', params: {} },
    { procedure: 'module-reload', workflowType: 'moduleReloadWorkflow', params: {} },
    {
      procedure: 'converge',
      workflowType: 'convergeWorkflow',
      params: { clusters: { heap: { mode: 'sriov', numVfs: 8, maxVfs: 4 } } },
    },
  ];

async function gc(): Promise<void> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc');
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  collect();
}

async function startWorkflow(
  creator: ReusableVMWorkflowCreator,
  workflowType: string,
  input: ProcedureInput,
  n: number,
): Promise<ReusableVMWorkflow> {
  const workflowId = `ibfleet/host/${host.name}-${n}`;
  const runId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const now = Date.UTC(2026, 11, 4);
  const info = {
    workflowId,
    runId,
    workflowType,
    taskQueue: 'heap',
    namespace: 'default',
    firstExecutionRunId: runId,
    attempt: 1,
    historyLength: 3,
    historySize: 0,
    continueAsNewSuggested: false,
    searchAttributes: {},
    typedSearchAttributes: [],
    memo: {},
    unsafe: { isReplaying: false, isReplayingHistoryEvents: false, now: () => now },
    startTime: new Date(now),
    runStartTime: new Date(now),
    priority: {},
  };
  const workflow = (await creator.createWorkflow({
    info: info as never,
    randomnessSeed: [n],
    now,
    showStackTraceSources: false,
  })) as ReusableVMWorkflow;
  const completion = await workflow.activate({
    runId,
    timestamp: msToTs(now),
    jobs: [
      {
        initializeWorkflow: {
          workflowId,
          workflowType,
          arguments: [defaultPayloadConverter.toPayload(input)],
          randomnessSeed: { low: n, high: 0, unsigned: false } as never,
          attempt: 1,
          firstExecutionRunId: runId,
        },
      },
    ],
  });
  const commands = completion.successful?.commands ?? [];
  if (commands.length === 0 || commands.some((c) => c.failWorkflowExecution || c.completeWorkflowExecution))
    throw new Error(`${workflowType} did not start a step: ${JSON.stringify(completion).slice(0, 600)}`);
  return workflow;
}

/** COUNT workflows of one procedure in this process (disposed workflows free their heap only later). */
async function measure(bundlePath: string, procedure: ProcedureName): Promise<void> {
  const started = hostProcedures.find((p) => p.procedure === procedure);
  if (!started) throw new Error(`not a host procedure: ${procedure}`);
  const { workflowType, params } = started;
  const bundle = parseWorkflowCode(fs.readFileSync(bundlePath, 'utf8'), bundlePath);
  const creator = await ReusableVMWorkflowCreator.create(bundle, 5_000, new Set(), undefined);
  const input: ProcedureInput = { procedure, target: host, params, options: {} as never };
  // One first, so what the first workflow builds once for all (the shared context) is not counted.
  await startWorkflow(creator, workflowType, input, 0);
  await gc();
  const before = process.memoryUsage().heapUsed;
  const kept: ReusableVMWorkflow[] = [];
  for (let i = 1; i <= count; i++) kept.push(await startWorkflow(creator, workflowType, input, i));
  await gc();
  const perWorkflow = (process.memoryUsage().heapUsed - before) / kept.length;
  console.log(`${workflowType.padEnd(22)} ${(perWorkflow / 1024).toFixed(0).padStart(5)} KB per workflow`);
}

async function main(): Promise<void> {
  if (onlyProcedure) return measure(bundleArg, onlyProcedure);
  const bundlePath =
    bundleArg ??
    (
      await writeWorkflowBundle(
        path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-heap-')), 'bundle.js'),
      )
    ).path;
  console.log(`bundle ${bundlePath}; ${count} workflows of each procedure kept alive; heap after a full GC`);
  for (const { procedure } of hostProcedures) {
    const run = spawnSync(
      process.execPath,
      [...process.execArgv, __filename, String(count), bundlePath, procedure],
      { stdio: 'inherit' },
    );
    if (run.status !== 0) throw new Error(`${procedure}: exit ${run.status}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
