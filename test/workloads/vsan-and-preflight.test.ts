import assert from 'node:assert/strict';
import type { VmInfo } from '../../activities/contract';
import { VSAN_PEER_IN_MAINTENANCE } from '../../common/procedure-failures';
import { procedures, type ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { RolloutReport } from '../../common/rollout';
import { targetWorkflowId, type HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  changingCommands,
  commandsSince,
  expectFailure,
  expectSuccess,
  markHost,
  startProcedure,
} from '../procedures/host-audit';
import { countOf, vmChangingCommands, vmOptions } from './vm-audit';

// vSAN clusters: `-m` with the chosen mode, and no host enters maintenance mode while another host of
// its cluster is in it, whoever put it there. Preflight: the VMs per host, with their passthrough and
// SR-IOV devices.

describe('workloads: vSAN peers and preflight', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('vm-vsan');
  let hosts: HostRef[];

  before(async () => {
    fleet = await startFleet({
      hosts: 4,
      namePrefix: 'vs-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: {
        cards: [{ model: 'ConnectX-7', ports: 2 }],
        nmlx5CoreOptions: 'max_vfs=2,2',
        mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 8 },
      },
      hostOverrides: {
        'vs-04': {
          vms: [
            { name: 'gpu', devices: ['passthrough'] },
            { name: 'vf', devices: ['sriov'] },
            { name: 'plain', power: 'off' },
          ],
        },
      },
    });
    hosts = fleet.inventory.hosts.slice(0, 3).map((h) => ({ ...h, vsan: true }));
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  const startVsan = async (target: HostRef, peers: HostRef[]) => {
    const { client } = await testEnv();
    const input: ProcedureInput = {
      procedure: 'recovery-cycle',
      target,
      params: {},
      options: vmOptions({ vsanMode: 'evacuateAllData' }),
      vsanPeers: peers,
    };
    return await client.workflow.start(procedures['recovery-cycle'].workflowType, {
      taskQueue,
      workflowId: targetWorkflowId(target),
      args: [input],
    });
  };

  it('does not enter maintenance mode while another host of the vSAN cluster is in it (put there by an operator)', async () => {
    const [a, b, c] = hosts;
    await sshRead(b, 'esxcli system maintenanceMode set -e true -t 5');
    const mark = await markHost(a);
    const failure = await expectFailure(await startVsan(a, [b, c]), VSAN_PEER_IN_MAINTENANCE);
    assert.equal(failure.report.outcome, 'needs-attention');
    assert.match(failure.message, /vs-02 in maintenance mode/);
    assert.ok(!failure.message.includes('vs-03'));
    assert.deepEqual(changingCommands(await commandsSince(mark)), [], 'nothing changed on vs-01');
    await sshRead(b, 'esxcli system maintenanceMode set -e false');
  });

  it('with the peers out of maintenance mode: enters with -m and the chosen vSAN mode', async () => {
    const [a, b, c] = hosts;
    const mark = await markHost(a);
    const report = await expectSuccess(await startVsan(a, [b, c]));
    const commands = await commandsSince(mark);
    assert.equal(countOf(commands, 'esxcli system maintenanceMode set -e true -t 5 -m evacuateAllData'), 1);
    assert.match(
      report.steps.find((s) => s.name === 'vsan-peers')?.detail ?? '',
      /no peer of .* in maintenance mode/,
    );
    assert.ok(
      report.commands.some((cmd) => cmd.step === 'vsan-peers (vs-02)'),
      'the peer reads are in the audit trail',
    );
  });

  it('a rollout takes one host of a vSAN cluster at a time whatever --per-cluster says, and gives each its peers', async () => {
    const { client } = await testEnv();
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 3,
      perCluster: 3,
      host: vmOptions({ vsanMode: 'evacuateAllData' }),
    });
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    const spans = report.hosts.map((h) => [Date.parse(h.startedAt ?? ''), Date.parse(h.finishedAt ?? '')]);
    for (const [i, [start, end]] of spans.entries())
      for (const [otherStart, otherEnd] of spans.slice(i + 1))
        assert.ok(
          end <= otherStart || otherEnd <= start,
          `one host at a time: ${JSON.stringify(report.hosts)}`,
        );
    for (const h of hosts) {
      const hostReport = (await client.workflow.getHandle(targetWorkflowId(h)).result()) as ProcedureReport;
      const peers = hosts.filter((p) => p.name !== h.name).map((p) => `vsan-peers (${p.name})`);
      assert.deepEqual(
        [...new Set(hostReport.commands.map((c) => c.step).filter((s) => s.startsWith('vsan-peers')))].sort(),
        peers,
        `${h.name} read its peers`,
      );
    }
  });

  it('preflight reports each VM with its power state and its passthrough and SR-IOV devices, touching nothing', async () => {
    const { client } = await testEnv();
    const h = fleet.inventory.hosts[3];
    const mark = await markHost(h);
    const report = await expectSuccess(await startProcedure(client, taskQueue, 'preflight', h));
    const vms = report.found.vms as VmInfo[];
    assert.deepEqual(
      vms.map((v) => `${v.name} ${v.power} ${(v.devices ?? []).map((d) => d.kind).join('+') || 'plain'}`),
      ['gpu on passthrough', 'vf on sriov', 'plain off plain'],
    );
    assert.match(
      report.steps.find((s) => s.name === 'read-vms')?.detail ?? '',
      /3 VM\(s\), 2 powered on: gpu \(on, passthrough 00000:023:00\.\d\), vf \(on, SR-IOV VF of 00000:023:00\.\d\), plain \(off\)/,
    );
    const commands = await commandsSince(mark);
    assert.deepEqual(changingCommands(commands), []);
    assert.deepEqual(vmChangingCommands(commands), []);
  });
});
