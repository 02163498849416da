import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { rolloutSize, rolloutSizeProblem, TEMPORAL_BLOB_SIZE_LIMIT } from '../../client/rollout/input-size';
import { allReportHosts } from '../../client/rollout/host-reports';
import { checkCredentialsOnWorker } from '../../client/rollout/worker-credential-check';
import type { TemporalAccess } from '../../client/deps';
import { startRolloutWorkflow } from '../../client/rollout/start';
import { rolloutOptionsSchema, type RolloutInput, type RolloutOptions } from '../../common/rollout';
import { MAX_ROLLOUT_TARGETS, rolloutShardWorkflowId } from '../../common/rollout-shards';
import { IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId, type HostRef } from '../../common/targets';
import { cancelUpdate, rolloutProgressQuery } from '../../workflows/messages';
import { fastHostOptions } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';

// Issue #15: a rollout of 10,000 (and 50,000) targets starts, runs and reports from one command,
// with every payload — its input, each chunk of targets, what it and its shards carry across
// continue-as-new, its progress and its report — under Temporal's 2 MB limit. Proven by sizes and
// by the histories of a real run (hosts are a no-op here: this is about the rollout), never by timing.

const KEY = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

/** `n` ESXi hosts with long (FQDN) names, 100 per cluster. */
function fleet(n: number): HostRef[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'esxi',
    name: `esx-${String(i).padStart(5, '0')}.gpu-cluster.example.com`,
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 22,
    username: 'root',
    hostKey: KEY,
    credential: { type: 'private-key', path: '/etc/ibfleet/keys/id_ed25519' },
    cluster: `rack-${String(Math.floor(i / 100)).padStart(4, '0')}`,
    tags: ['cx7', 'gpu'],
  }));
}

function rolloutInput(targets: HostRef[], id: string, options: Partial<RolloutOptions> = {}): RolloutInput {
  return {
    rolloutId: id,
    procedure: 'preflight',
    params: {},
    targets,
    options: rolloutOptionsSchema.parse({ host: fastHostOptions, ...options }),
    startedBy: 'test',
  };
}

/** The largest Payloads (a workflow input, an update's arguments, a result, ...) in a history. */
function largestPayloads(events: temporal.api.history.v1.IHistoryEvent[]): number {
  let largest = 0;
  const walk = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (x instanceof Uint8Array) return;
    const payloads = (x as { payloads?: { data?: Uint8Array | null }[] }).payloads;
    if (Array.isArray(payloads))
      largest = Math.max(
        largest,
        payloads.reduce((n, p) => n + (p?.data?.length ?? 0), 0),
      );
    for (const v of Object.values(x)) walk(v);
  };
  events.forEach(walk);
  return largest;
}

describe('rollouts: a rollout of 10,000 targets (issue #15)', function () {
  this.timeout(15 * 60_000);

  it('keeps every payload under the limit at 10,000 and 50,000 targets; refuses more than the most one rollout takes', async () => {
    for (const n of [10_000, 50_000]) {
      const input = rolloutInput(fleet(n), `size-${n}`, { maxParallel: 1000, order: 'slowest-first' });
      const size = await rolloutSize(input, { payloadConverter: defaultPayloadConverter });
      assert.equal(rolloutSizeProblem(size), undefined, `${n} targets fit: ${JSON.stringify(size)}`);
      assert.ok(size.inputBytes < 4096, `${n}: the start request carries no target (${size.inputBytes} B)`);
      assert.ok(size.carriedBytes < TEMPORAL_BLOB_SIZE_LIMIT / 2, `${n}: carried ${size.carriedBytes} B`);
      assert.ok(
        (size.shardBytes ?? Infinity) < TEMPORAL_BLOB_SIZE_LIMIT / 4,
        `${n}: a shard ${size.shardBytes} B`,
      );
    }
    const tooMany = rolloutInput(fleet(MAX_ROLLOUT_TARGETS + 1), 'size-too-many');
    const problem = rolloutSizeProblem(
      await rolloutSize(tooMany, { payloadConverter: defaultPayloadConverter }),
    );
    assert.match(
      problem ?? '',
      /^rollout too large for Temporal: 100001 targets; one rollout takes at most 100000/,
    );
    assert.match(
      problem ?? '',
      /Nothing was started\.\nSplit it into rollouts of at most 100000 targets each with --select/,
    );
  });

  it('asks the worker about each distinct credential reference once when there are thousands of endpoints', async () => {
    const endpoints = fleet(10_000).map((t, i) => ({
      endpoint: t.name,
      credential:
        i % 2 === 0 ? t.credential : ({ type: 'password-env', env: 'IBFLEET_SSH_PASSWORD' } as const),
    }));
    let asked: { endpoints: unknown[] } | undefined;
    const temporal = {
      namespace: 'default',
      close: () => Promise.resolve(),
      client: {
        workflow: {
          execute: (_type: string, options: { args: [{ endpoints: { endpoint: string }[] }] }) => {
            asked = options.args[0];
            const bad = options.args[0].endpoints[1].endpoint;
            return Promise.resolve({
              problems: [
                { endpoint: bad, field: 'credential.env', reason: 'IBFLEET_SSH_PASSWORD is not set' },
              ],
              distinctReferences: 2,
            });
          },
        },
      },
    } as unknown as TemporalAccess;
    const problems = await checkCredentialsOnWorker(temporal, endpoints, 'scale');
    assert.equal(asked?.endpoints.length, 2, 'two distinct references, asked once each');
    assert.equal(problems.length, 5_000, 'the problem of the password reference, for every host using it');
    assert.ok(problems.every((p, i) => p.endpoint === endpoints[2 * i + 1].endpoint));
  });

  it('the production worker loads each workflow on first use, and registers exactly those of workflows/index', () => {
    /* eslint-disable @typescript-eslint/no-require-imports -- worker/workflows.ts is a CommonJS module on purpose */
    const lazy = require('../../worker/workflows') as Record<string, unknown>;
    const all = require('../../workflows') as Record<string, unknown>;
    /* eslint-enable @typescript-eslint/no-require-imports */
    assert.deepEqual(Object.keys(lazy).sort(), Object.keys(all).sort());
    for (const name of Object.keys(all)) assert.equal(lazy[name], all[name], name);
  });

  it('shares zod between workflows: the bundle preloads it (webpack drops a bare `zod` preload)', async () => {
    const { code } = await workflowBundle(require.resolve('../fixtures/scale-workflows'));
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1];
    assert.match(preload ?? '', /__webpack_require__\([^)]*"\.\/worker\/preload-zod\.ts"\)/, preload);
  });

  it('starts from one call, runs on shards with continue-as-new, answers bounded progress, cancels, and reports every host', async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('scale');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/scale-workflows')),
      activities: { checkCredentials: () => Promise.resolve({ problems: [], distinctReferences: 1 }) },
      maxCachedWorkflows: 1000,
    });
    const running = worker.run();
    const previousQueue = process.env.IBFLEET_TASK_QUEUE;
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    const id = taskQueue.slice(-60);
    try {
      const input = rolloutInput(fleet(10_000), id, {
        maxParallel: 500,
        perCluster: 0,
        maxFailures: { percent: 10 },
        continueAsNewAfterEvents: 400,
      });
      const access = {
        client: env.client,
        namespace: env.namespace ?? 'default',
        close: () => Promise.resolve(),
      };
      const handle = await startRolloutWorkflow(access, input);

      // Hosts run, the rollout continues as new, and its progress stays bounded.
      let progress = await handle.query(rolloutProgressQuery);
      for (
        let i = 0;
        i < 3000 && !(progress.counts.succeeded >= 1000 && progress.continueAsNewCount >= 1);
        i++
      ) {
        await new Promise((r) => setTimeout(r, 200));
        progress = await handle.query(rolloutProgressQuery);
      }
      assert.ok(progress.counts.succeeded >= 1000, JSON.stringify(progress.counts));
      assert.ok(progress.continueAsNewCount >= 1, 'the rollout continued as new');
      assert.equal(progress.total, 10_000);
      assert.equal(progress.shards, 20);
      assert.equal(progress.hostsListed, 'active');
      assert.ok(progress.hosts.length <= 500 + 600, `the progress lists ${progress.hosts.length} hosts`);
      assert.ok(progress.counts.running <= 500, `the window holds (${progress.counts.running} running)`);
      // By name once their shard said they started (a host granted a moment ago shows as #index).
      const inFlight = progress.hosts.filter((h) => h.phase === 'running');
      assert.ok(
        inFlight.some((h) => /^esx-\d{5}\./.test(h.name)),
        'hosts in flight are shown by name',
      );
      assert.ok(
        inFlight.every((h) => /^(esx-\d{5}\.|#\d+$)/.test(h.name)),
        inFlight.map((h) => h.name).join(),
      );

      assert.equal(await handle.executeUpdate(cancelUpdate, { args: ['enough'] }), 'cancelling');
      const report = await handle.result();
      assert.equal(report.phase, 'cancelled');
      assert.equal(report.total, 10_000);
      assert.equal(
        Object.values(report.counts).reduce((a, b) => a + b, 0),
        10_000,
      );
      assert.ok(report.counts.skipped > 0, 'hosts never started are skipped');
      assert.equal(report.counts.running + report.counts.pending, 0);
      assert.equal((report.problemsOmitted ?? 0) + report.problems.length, 10_000 - report.counts.succeeded);

      // Every host's detail, from the shards: the audit trail and retry read these.
      const hosts = await allReportHosts(access, report);
      assert.equal(hosts.length, 10_000);
      assert.deepEqual(
        hosts.map((h) => h.name),
        input.targets.map((t) => t.name),
      );
      for (const phase of ['succeeded', 'skipped', 'cancelled'] as const)
        assert.equal(hosts.filter((h) => h.phase === phase).length, report.counts[phase], phase);

      // Every payload in the histories of the rollout (each run) and of its shards is under the limit.
      const histories: { id: string; runId?: string }[] = [];
      for await (const info of env.client.workflow.list({ query: `${IbRolloutId.name} = '${id}'` }))
        if (!info.workflowId.startsWith('ibfleet/host/'))
          histories.push({ id: info.workflowId, runId: info.runId });
      assert.ok(
        histories.filter((h) => h.id === rolloutWorkflowId(id)).length >= 2,
        'the rollout ran twice or more',
      );
      assert.ok(
        histories.some((h) => h.id === rolloutShardWorkflowId(id, 19)),
        'shards are found by IbRolloutId',
      );
      let largest = 0;
      for (const h of histories) {
        // Small pages: a page of many events can exceed what a gRPC client reads by default (4 MB).
        let nextPageToken: Uint8Array | undefined;
        do {
          const page = await env.client.workflowService.getWorkflowExecutionHistory({
            namespace: env.namespace ?? 'default',
            execution: { workflowId: h.id, runId: h.runId },
            maximumPageSize: 10,
            nextPageToken,
          });
          largest = Math.max(largest, largestPayloads(page.history?.events ?? []));
          nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
        } while (nextPageToken);
      }
      assert.ok(largest < TEMPORAL_BLOB_SIZE_LIMIT / 4, `the largest payload is ${largest} B`);
    } finally {
      if (previousQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
      else process.env.IBFLEET_TASK_QUEUE = previousQueue;
      worker.shutdown();
      await running;
    }
  });
});
