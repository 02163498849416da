import assert from 'node:assert/strict';
import { esxCommands, isReadOnlyCommand } from '../../activities/esxi/commands';
import type { HostProgress, RolloutReport } from '../../common/rollout';
import { startFleet, type Fleet } from '../../simulator/fleet';
import type { SwitchMachine } from '../../simulator/switch';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { bootsSince, commandsSince, markHost, storedOptions, type HostMark } from '../procedures/host-audit';

// Hosts, guests and switches that print hostile names — mst devices, vmnics, RDMA devices, releases with
// `;`, `$()`, backticks, quotes, spaces and newlines (simulator fault rewriteOutput) — in rollouts with
// ordinary machines. Nothing made from what they print is ever sent back to them (their own logs of the
// lines they received say so), they are reported as needing attention with the reason, and the others
// of the same rollout finish. A stored option string full of shell characters is written back quoted:
// the host receives it byte for byte and nothing in it runs.

const ORIGINAL = 'max_vfs=4,4';
/** Printable, accepted by ESXi and by ibfleet's option parser, and an injection if it were not quoted. */
const SHELLY_OPTIONS = 'max_vfs=4,4 pfctx=$(touch${IFS}z)`id`"q";reboot';
/** Fragments of the hostile names: none may ever reach a machine. */
const PAYLOAD = /touch|\$\(|`|reboot;|;reboot|id`/;
/** What the machines were made to print. */
const HOSTILE_MST = 'mt4129_pciconf0;touch${IFS}x;#';
const HOSTILE_VMNIC = 'vmnic2;touch y';
const HOSTILE_MIXED = 'mt4129_pciconf0 `touch w` $(touch v) \'q\' "d"\nmt4129_pciconf1;reboot';
const HOSTILE_RDMA = "'mlx5_0;touch${IFS}z $(reboot) `id`'";
const HOSTILE_RELEASE = `3.11.1004;reload $(touch x) \`id\` 'q' "d"\nconfiguration write`;

const problemOf = (report: RolloutReport, name: string): HostProgress => {
  const h = report.hosts.find((x) => x.name === name);
  assert.ok(h, `${name} is in the report`);
  return h;
};

/** Reported as needing attention, for output that does not fit (parser or command builder), with a clean reason. */
function assertRefused(h: HostProgress, reason: RegExp): void {
  assert.equal(h.phase, 'needs-attention', `${h.name}: ${h.phase} ${h.reason ?? ''}`);
  assert.ok(['UnexpectedOutput', 'UnsafeValue'].includes(h.failureType ?? ''), `${h.name}: ${h.failureType}`);
  assert.match(h.reason ?? '', reason);
  // eslint-disable-next-line no-control-regex -- control characters are what must not be there
  assert.doesNotMatch(h.reason ?? '', /[\x00-\x1f\x7f]/, `${h.name}: the reason is one line of plain text`);
}

describe('security: hosts, guests and switches printing hostile names', function () {
  this.timeout(180_000);
  let worker: RunningWorker | undefined;
  let fleet: Fleet | undefined;
  const taskQueue = uniqueTaskQueue('hostile-output');

  before(async () => {
    worker = await startWorker(taskQueue);
  });
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });
  after(async () => {
    await worker?.stop();
  });

  it('ESXi: no command is made from hostile mst or vmnic names; shell characters in stored options are written back quoted', async () => {
    const { client } = await testEnv();
    const prefix = `ho${process.pid}-`;
    const name = (i: number) => `${prefix}0${i}`;
    fleet = await startFleet({
      hosts: 6,
      namePrefix: prefix,
      bootTimeMs: 200,
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
      hostOverrides: {
        [name(1)]: { faults: { rewriteOutput: [{ from: 'mt4129_pciconf0', to: HOSTILE_MST }] } },
        [name(2)]: { faults: { rewriteOutput: [{ from: 'vmnic2', to: HOSTILE_VMNIC }] } },
        [name(3)]: { faults: { rewriteOutput: [{ from: 'mt4129_pciconf0', to: HOSTILE_MIXED }] } },
        [name(4)]: { nmlx5CoreOptions: SHELLY_OPTIONS },
      },
    });
    const hosts = fleet.inventory.hosts;
    const marks = new Map<string, HostMark>();
    for (const h of hosts) marks.set(h.name, await markHost(h));

    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 6,
      perCluster: 0,
      maxFailures: { count: 3 },
    });
    const report = (await handle.result()) as RolloutReport;

    assertRefused(problemOf(report, name(1)), /mst|device/);
    assertRefused(problemOf(report, name(2)), /vmnic|NIC name/);
    assertRefused(problemOf(report, name(3)), /mst|device/);
    for (const i of [1, 2, 3]) {
      const m = marks.get(name(i)) as HostMark;
      fleet.setFaults(m.host.name, {}); // the audit reads the host's own logs, not rewritten
      const commands = await commandsSince(m);
      assert.ok(commands.length > 0, `${m.host.name} was read`);
      assert.deepEqual(
        commands.filter((c) => !isReadOnlyCommand(c)),
        [],
        `${m.host.name}: only reads were run`,
      );
      assert.deepEqual(
        commands.filter((c) => PAYLOAD.test(c)),
        [],
        `${m.host.name}: nothing it printed came back`,
      );
      assert.equal(await bootsSince(m), 0, `${m.host.name} did not reboot`);
      assert.equal(await storedOptions(m.host), ORIGINAL, `${m.host.name}: options untouched`);
      assert.equal(problemOf(report, m.host.name).stoppedInStep, 'read-state');
    }

    // The host with shell characters in its stored options: written back quoted, received byte for byte.
    const shelly = marks.get(name(4)) as HostMark;
    assert.equal(problemOf(report, name(4)).phase, 'succeeded', problemOf(report, name(4)).reason);
    const commands = await commandsSince(shelly);
    assert.deepEqual(
      commands.filter((c) => c.startsWith('esxcli system module parameters set')),
      [
        esxCommands.setModuleOptions(`${SHELLY_OPTIONS} mst_recovery=1`),
        esxCommands.setModuleOptions(SHELLY_OPTIONS),
      ],
    );
    assert.equal(await storedOptions(shelly.host), SHELLY_OPTIONS, 'restored byte for byte');
    assert.equal(
      await bootsSince(shelly),
      2,
      'exactly the two reboots of the cycle: the ";reboot" never ran',
    );

    for (const i of [5, 6]) assert.equal(problemOf(report, name(i)).phase, 'succeeded');
    assert.deepEqual(report.budget, { allowed: 3, used: 3, exceeded: false });
  });

  it('guests: a guest listing a hostile RDMA device gets nothing but the read; the other pair finishes', async () => {
    const { client } = await testEnv();
    const SRIOV_ON = { SRIOV_EN: 1, NUM_OF_VFS: 16, ADVANCED_PCI_SETTINGS: 1, FORCE_ETH_PCI_SUBCLASS: 1 };
    fleet = await startFleet({
      hosts: 4,
      switches: 1,
      guestPairs: 2,
      namePrefix: `hg${process.pid}-`,
      bootTimeMs: 200,
      controlPort: false,
      defaults: { mlxconfig: SRIOV_ON, nmlx5CoreOptions: 'max_vfs=4' },
    });
    const sw = (fleet.machine(fleet.inventory.switches[0].name) as SwitchMachine).state;
    sw.setSmVirtEnabled(true);
    sw.setSmEnabled(false);
    sw.setSmEnabled(true); // the SM restarted with virtualization: the guests' VF links are Active
    const [hostile, ordinary] = fleet.inventory.guestPairs;
    fleet.setFaults(hostile.client.name, { rewriteOutput: [{ from: "'mlx5_0'", to: HOSTILE_RDMA }] });
    const received = new Map<string, string[]>();
    for (const g of [hostile.server, hostile.client, ordinary.server, ordinary.client]) {
      const lines: string[] = [];
      received.set(g.name, lines);
      fleet.host(g.name).on('command', (line: string) => lines.push(line));
    }

    const handle = await startRollout(client, taskQueue, 'validate-bandwidth', [hostile, ordinary], {
      maxParallel: 2,
      perCluster: 0,
      maxFailures: { count: 1 },
    });
    const report = (await handle.result()) as RolloutReport;

    assertRefused(problemOf(report, hostile.name), /ibstat|RDMA device/);
    assert.deepEqual(received.get(hostile.client.name), ['ibstat'], 'the client guest was only read');
    assert.deepEqual(received.get(hostile.server.name), [], 'nothing ran on the server guest');
    assert.equal(
      problemOf(report, ordinary.name).phase,
      'succeeded',
      problemOf(report, ordinary.name).reason,
    );
    assert.ok(received.get(ordinary.client.name)?.some((l) => l.startsWith('ib_send_bw -d mlx5_0 ')));
  });

  it('switches: a switch printing a hostile release is stopped after reading it; the other switch is configured', async () => {
    const { client } = await testEnv();
    fleet = await startFleet({ hosts: 0, switches: 2, controlPort: false });
    const [hostile, ordinary] = fleet.inventory.switches;
    fleet.setFaults(hostile.name, { rewriteOutput: [{ from: '3.11.1004', to: HOSTILE_RELEASE }] });
    const typed = new Map<string, string[]>();
    for (const s of [hostile, ordinary]) {
      const lines: string[] = [];
      typed.set(s.name, lines);
      fleet.host(s.name).on('command', (line: string) => lines.push(line.trim()));
    }

    const handle = await startRollout(client, taskQueue, 'switch-sm-virt', [hostile, ordinary], {
      maxParallel: 2,
      perCluster: 0,
      maxFailures: { count: 1 },
    });
    const report = (await handle.result()) as RolloutReport;

    assertRefused(problemOf(report, hostile.name), /MLNX-OS release|show version/);
    assert.deepEqual(typed.get(hostile.name), ['enable', 'show version'], 'only the reads up to the release');
    const hostileState = (fleet.machine(hostile.name) as SwitchMachine).state;
    assert.equal(hostileState.configWriteCount, 0);
    assert.equal(hostileState.running.smVirtEnabled, false, 'the hostile switch was not changed');
    assert.equal(
      problemOf(report, ordinary.name).phase,
      'succeeded',
      problemOf(report, ordinary.name).reason,
    );
    assert.ok(typed.get(ordinary.name)?.includes('ib sm virt enable'));
  });
});
