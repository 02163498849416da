import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { dataConverter } from '../../client/connection';
import type { RolloutReport } from '../../common/rollout';
import { rolloutWorkflowId, targetWorkflowId } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { fastHostOptions, spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { historyText, type HistoryText } from './history-text';

// Payload encryption end to end: the ibfleet worker process and the client both configured with
// IBFLEET_CODEC_KEYS / IBFLEET_CODEC_KEY_ID. What Temporal stores (read back with a plain client, as
// anyone with access to the server would) holds no host name in any payload, while the codec client
// reads the rollout's report. Search attributes are indexed by the server, so they are plaintext by design;
// workflow IDs name the host (one procedure per host at a time), and failure messages are not payloads
// (Temporal's default failure converter keeps them readable): those are the only places a name may appear.

/** Payload locations Temporal never passes through a codec: indexed search attributes and headers. */
const UNENCODED = /(^|\.)(searchAttributes|header)\./;
/**
 * SDK bookkeeping in markers that the payload codec never sees: a patch's ID, and a local activity's
 * sequence number, attempt, type and times. Allowed in plain JSON, still checked for host names; the
 * local activity's result (details.result) must be encrypted like any payload.
 */
const SDK_MARKER_METADATA = /markerRecordedEventAttributes\.details\.(patch-data|data)\./;
const LOCAL_STEP_RESULT = /markerRecordedEventAttributes\.details\.result\./;
/** Where a host name may appear outside payloads (see above). */
const NAMED_OUTSIDE_PAYLOADS = /(\.workflowId|\.message|\.stackTrace)$/;

/** Paths of string fields (not payload data) that contain one of `names`. */
function namedFields(value: unknown, names: string[], path = ''): string[] {
  if (typeof value === 'string') return names.some((n) => value.includes(n)) ? [path] : [];
  if (typeof value !== 'object' || value === null) return [];
  if ('metadata' in value && 'data' in value) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    namedFields(v, names, `${path}.${k}`),
  );
}

describe('security: payload encryption end to end with the ibfleet worker', function () {
  this.timeout(120_000);
  let fleet: Fleet | undefined;
  let worker: WorkerProcess | undefined;

  after(async () => {
    await worker?.kill('SIGKILL');
    await fleet?.stop();
  });

  it('stores no plaintext host name in any payload; the codec client reads the report', async () => {
    const env = await testEnv();
    const codecEnv = {
      IBFLEET_CODEC_KEYS: `sec-1:${randomBytes(32).toString('base64')}`,
      IBFLEET_CODEC_KEY_ID: 'sec-1',
    };
    const codecClient = new Client({ connection: env.connection, dataConverter: dataConverter(codecEnv) });
    const taskQueue = uniqueTaskQueue('payload-encryption');
    const prefix = `enc${process.pid}-`;
    // One host never comes back: its failure travels through the histories too.
    fleet = await startFleet({
      hosts: 3,
      namePrefix: prefix,
      bootTimeMs: 200,
      controlPort: false,
      hostOverrides: { [`${prefix}03`]: { faults: { neverReturn: true } } },
    });
    const hosts = fleet.inventory.hosts;
    worker = await spawnWorker(taskQueue, codecEnv);
    await worker.ready;

    const handle = await startRollout(codecClient, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 3,
      perCluster: 0,
      maxFailures: { count: 1 },
      host: { ...fastHostOptions, timing: { ...fastHostOptions.timing, bootDeadlineMs: 2_000 } },
    });
    const report = (await handle.result()) as RolloutReport;
    assert.deepEqual(
      report.hosts.map((h) => h.name),
      hosts.map((h) => h.name),
      'the codec client reads the report',
    );
    assert.deepEqual(
      report.hosts.map((h) => h.phase),
      ['succeeded', 'succeeded', 'needs-attention'],
      JSON.stringify(report.problems),
    );
    assert.match(report.hosts[2].reason ?? '', /did not return/);

    // Anyone reading the server without the key sees ciphertext only.
    await assert.rejects(
      env.client.workflow.getHandle(handle.workflowId).result(),
      /encoding|binary\/encrypted|decode/i,
    );
    const rolloutId = handle.workflowId.replace(/^ibfleet\/rollout\//, '');
    const histories: HistoryText[] = [await historyText(env.client, rolloutWorkflowId(rolloutId))];
    for (const h of hosts) histories.push(await historyText(env.client, targetWorkflowId(h)));

    const problems: string[] = [];
    let encrypted = 0;
    let localStepResults = 0;
    for (const hist of histories) {
      for (const p of hist.payloads) {
        if (UNENCODED.test(p.path)) continue;
        if (p.metadata.encoding === 'binary/encrypted') {
          encrypted += 1;
          if (LOCAL_STEP_RESULT.test(p.path)) localStepResults += 1;
        } else if (!SDK_MARKER_METADATA.test(p.path))
          problems.push(`${hist.workflowId} ${p.path}: encoding ${p.metadata.encoding}`);
        for (const h of hosts)
          if (p.text.includes(h.name) || p.text.includes(`127.0.0.1`))
            problems.push(`${hist.workflowId} ${p.path}: plaintext ${h.name}`);
      }
    }
    for (const hist of histories) {
      for (const field of namedFields(
        JSON.parse(hist.json),
        hosts.map((h) => h.name),
      )) {
        if (!NAMED_OUTSIDE_PAYLOADS.test(field))
          problems.push(`${hist.workflowId} ${field}: names a host outside a payload`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(encrypted > 20, `the histories hold encrypted payloads (${encrypted})`);
    assert.ok(localStepResults > 0, 'the results of local steps are encrypted too');
  });
});
