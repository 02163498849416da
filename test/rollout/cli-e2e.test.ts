import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TemporalFactory } from '../../client/deps';
import { parseShellLog } from '../../activities/esxi/parsers';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { harness } from '../client/harness';
import { fastTimingFlags, sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';

// The `ibfleet` CLI against the real rollout workflow, worker and simulated fleet: start --watch,
// --dry-run starting nothing, exit codes, retry touching only the hosts that failed, and the audit trail.

const FAST = fastTimingFlags('3s');

describe('rollouts: the ibfleet CLI end to end', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  let client: Client;
  let inventory: string;
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  const connect: TemporalFactory = () =>
    Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });

  before(async () => {
    const taskQueue = uniqueTaskQueue('cli-e2e');
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    client = (await testEnv()).client;
    fleet = await startFleet({
      hosts: 4,
      clusters: 2,
      namePrefix: 'cli-',
      bootTimeMs: 150,
      controlPort: false,
      hostOverrides: { 'cli-03': { faults: { neverReturn: true } } },
    });
    inventory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-cli-e2e-')), 'fleet.yaml');
    await fleet.writeInventory(inventory);
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  async function commandsSince(name: string, since: number): Promise<string[]> {
    const host = fleet.inventory.hosts.find((h) => h.name === name)!;
    return parseShellLog(await sshRead(host, 'cat /var/log/shell.log'))
      .filter((e) => (e.epochMs ?? 0) >= since && e.command !== 'cat /var/log/shell.log')
      .map((e) => e.command);
  }

  it('--dry-run prints the plan and starts nothing', async () => {
    const since = Date.now();
    const h = harness({ connectTemporal: connect });
    const code = await h.run(
      'rollout',
      'start',
      'recovery-cycle',
      '-i',
      inventory,
      '--dry-run',
      '--id',
      'cli-dry',
    );
    assert.equal(code, 0, h.stderr());
    assert.match(h.stdout(), /esxcli system shutdown reboot/);
    assert.equal(h.temporalCalls(), 0);
    await assert.rejects(client.workflow.getHandle('ibfleet/rollout/cli-dry').describe(), /not found/i);
    for (const host of fleet.inventory.hosts) assert.deepEqual(await commandsSince(host.name, since), []);
  });

  it('exits 1 when a host needs attention, and retry runs only the hosts that did not succeed', async () => {
    const h = harness({ connectTemporal: connect });
    const code = await h.run(
      'rollout',
      'start',
      'recovery-cycle',
      '-i',
      inventory,
      '--id',
      'cli-e2e',
      '--max-parallel',
      '4',
      '--per-cluster',
      '0',
      '--max-failures',
      '1',
      '--watch',
      ...FAST,
    );
    assert.equal(code, 1, h.stdout() + h.stderr());
    assert.match(h.stdout(), /cli-03 +needs-attention/);

    fleet.setFaults('cli-03', {});
    const since = Date.now();
    const r = harness({ connectTemporal: connect });
    assert.equal(await r.run('rollout', 'retry', 'cli-e2e', '--watch'), 0, r.stdout() + r.stderr());
    assert.match(r.stdout(), /cli-e2e-retry-1/);
    for (const name of ['cli-01', 'cli-02', 'cli-04'])
      assert.deepEqual(await commandsSince(name, since), [], `${name} untouched by the retry`);
    assert.ok(
      (await commandsSince('cli-03', since)).some((c) => c.startsWith('esxcli system shutdown reboot')),
    );

    const audit = harness({ connectTemporal: connect });
    assert.equal(
      await audit.run('rollout', 'report', 'cli-e2e-retry-1', '--format', 'jsonl'),
      0,
      audit.stderr(),
    );
    const lines = audit
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind?: string; type?: string; command?: string });
    assert.ok(lines.some((l) => (l.kind ?? l.type) === 'rollout'));
    assert.ok(
      lines.some(
        (l) => typeof l.command === 'string' && l.command.startsWith('esxcli system module parameters set'),
      ),
    );
  });
});
