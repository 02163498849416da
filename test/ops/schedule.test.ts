import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parseDocument } from 'yaml';
import { parseShellLog } from '../../activities/esxi/parsers';
import type { TemporalFactory } from '../../client/deps';
import type { JsonNotification } from '../../common/notify';
import { startFleet, type Fleet } from '../../simulator/fleet';
import type { DriftReport } from '../../workflows/drift-check';
import { harness } from '../client/harness';
import { sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { HttpReceiver } from './http-receiver';

// Scheduled drift checks end to end: `ibfleet schedule create|list|trigger|pause|delete` against the
// dev server, the real worker and a simulated fleet in which three of four hosts drifted from the
// inventory's desired state; the findings arrive at a local notification receiver.

const SRIOV_OK = {
  SRIOV_EN: 1,
  NUM_OF_VFS: 16,
  ADVANCED_PCI_SETTINGS: 1,
  FORCE_ETH_PCI_SUBCLASS: 1,
} as const;

describe('ops: scheduled drift checks on the dev server', function () {
  this.timeout(240_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  let client: Client;
  let inventory: string;
  const receiver = new HttpReceiver();
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  const name = `drift${process.pid}`;
  const connect: TemporalFactory = () =>
    Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
  const cli = async (...argv: string[]) => {
    const h = harness({ connectTemporal: connect });
    const code = await h.run(...argv);
    return { code, out: h.stdout(), err: h.stderr() };
  };
  async function until<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
    for (;;) {
      const v = await read();
      if (check(v)) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  before(async () => {
    const taskQueue = uniqueTaskQueue('drift');
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    client = (await testEnv()).client;
    await receiver.start();
    fleet = await startFleet({
      hosts: 4,
      clusters: 1,
      namePrefix: 'drift-',
      bootTimeMs: 150,
      controlPort: false,
      defaults: { cards: ['ConnectX-7'], mlxconfig: SRIOV_OK, nmlx5CoreOptions: 'max_vfs=4' },
      hostOverrides: {
        'drift-02': { hiddenCards: true },
        'drift-03': { nmlx5CoreOptions: 'max_vfs=4 mst_recovery=1' },
        'drift-04': { mlxconfig: { ...SRIOV_OK, NUM_OF_VFS: 4 } },
      },
    });
    inventory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-drift-')), 'fleet.yaml');
    await fleet.writeInventory(inventory);
    // The expected state: the cluster's desired block (as `ibfleet plan` reads it).
    const doc = parseDocument(fs.readFileSync(inventory, 'utf8'));
    doc.setIn(['clusters', 0, 'desired'], doc.createNode({ mode: 'sriov', numVfs: 16, maxVfs: 4 }));
    fs.writeFileSync(inventory, doc.toString());
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await cli('schedule', 'delete', name);
    await worker?.stop();
    await fleet?.stop();
    await receiver.stop();
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  it('creates, lists, triggers once (reporting the drifted hosts), pauses and deletes a schedule', async () => {
    const since = Date.now();
    const created = await cli(
      'schedule',
      'create',
      'preflight',
      '-i',
      inventory,
      '--cron',
      '0 3 * * *',
      '--time-zone',
      'Europe/Berlin',
      '--notify',
      receiver.url('/drift'),
      '--id',
      name,
      '--max-parallel',
      '4',
      '--per-cluster',
      '0',
    );
    assert.equal(created.code, 0, created.err);
    assert.match(
      created.out,
      new RegExp(
        `Created schedule ibfleet-drift-${name}: drift check of 4 host\\(s\\), cron '0 3 \\* \\* \\*' \\(Europe/Berlin\\)`,
      ),
    );
    assert.match(created.out, /next runs +\d{4}-\d\d-\d\dT0[12]:00:00.000Z/);

    const again = await cli(
      'schedule',
      'create',
      'preflight',
      '-i',
      inventory,
      '--cron',
      '@daily',
      '--id',
      name,
    );
    assert.equal(again.code, 2);
    assert.match(again.err, new RegExp(`a schedule ibfleet-drift-${name} already exists`));

    type Row = { name: string; cron: string; timeZone: string; paused: boolean; next?: string };
    const listed = async () => JSON.parse((await cli('schedule', 'list', '--json')).out) as Row[];
    const row = await until(listed, (rows) => rows.some((r) => r.name === name));
    assert.deepEqual(
      row.filter((r) => r.name === name).map((r) => [r.cron, r.timeZone, r.paused]),
      [['0 3 * * *', 'Europe/Berlin', false]],
    );

    const triggered = await cli('schedule', 'trigger', name);
    assert.equal(triggered.code, 0, triggered.err);
    await receiver.received(1);
    const body = JSON.parse(receiver.requests[0].body) as JsonNotification;
    assert.equal(body.kind, 'drift-detected');
    assert.match(
      body.text,
      new RegExp(
        `^drift check ${name}: 3 of 4 host\\(s\\) drifted \\(preflight rollout drift-${name}-\\d{8}-\\d{6}\\)$`,
      ),
    );
    const byHost = Object.fromEntries(body.lines.map((l) => [l.split(':')[0], l]));
    assert.deepEqual(Object.keys(byHost).sort(), ['drift-02', 'drift-03', 'drift-04']);
    assert.match(byHost['drift-02'], /preflight failed: .*no card is listed by mst status/);
    assert.match(byHost['drift-03'], /recovery mode left on/);
    assert.match(byHost['drift-04'], /NUM_OF_VFS is 4, expected 16/);
    assert.match(byHost['drift-04'], /vmnic\d+ has 0 VF\(s\), expected 4/);

    // The run is a workflow of its own (visible in the UI) whose result lists the same hosts.
    const d = await client.schedule.getHandle(`ibfleet-drift-${name}`).describe();
    const run = d.info.recentActions[d.info.recentActions.length - 1].action.workflow;
    assert.match(run.workflowId, new RegExp(`^ibfleet/drift/${name}-`));
    const report = (await client.workflow.getHandle(run.workflowId).result()) as DriftReport;
    assert.deepEqual(report.drifted.map((h) => h.host).sort(), ['drift-02', 'drift-03', 'drift-04']);
    assert.equal(report.checked, 4);

    // Read-only: no host ran anything but reads (no option write, no reboot, no maintenance mode).
    for (const host of fleet.inventory.hosts) {
      const commands = parseShellLog(await sshRead(host, 'cat /var/log/shell.log'))
        .filter((e) => (e.epochMs ?? 0) >= since)
        .map((e) => e.command);
      assert.ok(commands.length > 0, host.name);
      for (const c of commands)
        assert.doesNotMatch(
          c,
          /reboot|maintenanceMode set|module parameters set|mlxconfig .* set /,
          `${host.name}: ${c}`,
        );
    }

    assert.equal((await cli('schedule', 'pause', name, '--reason', 'change freeze')).code, 0);
    await until(listed, (rows) => rows.some((r) => r.name === name && r.paused));
    assert.equal((await cli('schedule', 'resume', name)).code, 0);
    await until(listed, (rows) => rows.some((r) => r.name === name && !r.paused));

    const deleted = await cli('schedule', 'delete', name);
    assert.equal(deleted.code, 0, deleted.err);
    await until(listed, (rows) => !rows.some((r) => r.name === name));
    const gone = await cli('schedule', 'pause', name);
    assert.equal(gone.code, 2);
    assert.match(gone.err, new RegExp(`no schedule ibfleet-drift-${name}`));
  });
});
