import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parseDocument } from 'yaml';
import { parseVibList } from '../../activities/esxi/parsers';
import type { TemporalFactory } from '../../client/deps';
import type { HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { harness } from '../client/harness';
import { maybeRecordHistory } from '../helpers/histories';
import { fastTimingFlags, sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { countOf, maintenanceMode, vmChangingCommands, vmPower } from '../workloads/vm-audit';
import {
  bootsSince,
  changingCommands,
  commandsSince,
  markHost,
  mlxValues,
  storedOptions,
  vfsPerPort,
  type HostMark,
  fleetHost,
} from '../procedures/host-audit';

// `ibfleet plan` and `ibfleet apply` on a mixed simulated fleet, end to end (CLI → Temporal → worker →
// SSH): the plan names the exact differences and reboot counts; apply converges every host (audited over
// SSH: mlxconfig Current, stored options, VFs, VIBs) with exactly the planned number of boots (counted in
// each host's own vmksummary.log); a second plan says nothing to do and a second apply changes nothing.
// Hosts with running VMs: the plan names those the VM policy would stop; apply follows the policy
// before the first change (refuse: the host untouched; shutdown: stopped, then on again exactly once).

const FAST = fastTimingFlags();
const OTHER = 'trust_state=2';
/** The mixed fleet of the first tests (cv-07 is the interrupted one's, cv-08 and cv-09 have VMs). */
const MIXED = ['--select', 'name!=cv-07,cv-08,cv-09'];
const CX6 = 'mt4123_pciconf0';
const SRIOV_ON = { SRIOV_EN: 1, NUM_OF_VFS: 16, ADVANCED_PCI_SETTINGS: 1, FORCE_ETH_PCI_SUBCLASS: 1 };

/** What each host starts as, and the reboots its plan must take (cold ones: firmware values change). */
const FLEET = {
  'cv-01': { what: 'hidden cards, SR-IOV off', reboots: 2 },
  'cv-02': { what: 'SR-IOV off, Quick Boot on', reboots: 1 },
  'cv-03': { what: 'SR-IOV on with the wrong VF count', reboots: 1 },
  'cv-04': { what: 'MFT/NMST missing', reboots: 2 },
  'cv-05': { what: 'already converged', reboots: 0 },
  'cv-06': { what: 'SR-IOV on, passthrough wanted', reboots: 1 },
} as const;
type Name = keyof typeof FLEET;

interface PlanJson {
  hosts: {
    host: string;
    status: string;
    reboots: number;
    coldReboots: number;
    maybeColdReboots: number;
    differences: { item: string; current: string; wanted: string }[];
    blockers: string[];
    vms?: { policy: string; poweredOn: { name: string; devices: { kind: string }[] }[]; effect: string };
  }[];
  totals: { changes: number; converged: number; reboots: number };
}

describe('converge: plan and apply on a mixed fleet', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  let client: Client;
  let inventory: string;
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  const connect: TemporalFactory = () =>
    Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
  const host = (name: string): HostRef => fleetHost(fleet, name);

  before(async () => {
    const taskQueue = uniqueTaskQueue('converge');
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    client = (await testEnv()).client;
    fleet = await startFleet({
      hosts: 9,
      clusters: 3,
      namePrefix: 'cv-',
      bootTimeMs: 150,
      controlPort: false,
      // One dual-port ConnectX-6 per host: max_vfs has one value per port.
      defaults: { cards: ['ConnectX-6'], nmlx5CoreOptions: OTHER },
      hostOverrides: {
        'cv-01': { hiddenCards: true },
        'cv-02': { quickBoot: true },
        'cv-03': { mlxconfig: { ...SRIOV_ON, NUM_OF_VFS: 8 }, nmlx5CoreOptions: `${OTHER} max_vfs=2,2` },
        'cv-04': { mft: false, nmst: false },
        'cv-05': { mlxconfig: SRIOV_ON, nmlx5CoreOptions: `${OTHER} max_vfs=4,4` },
        'cv-06': { mlxconfig: SRIOV_ON, nmlx5CoreOptions: `${OTHER} max_vfs=4,4` },
        // For the interrupted apply: hidden cards, and mlxconfig failing once they are listed.
        'cv-07': { hiddenCards: true, faults: { mlxconfigFail: true } },
        // SR-IOV off with running VMs (vmids 1, 2, 3): one on a card port, one plain, one off.
        'cv-08': {
          vms: [
            { name: 'gpu', devices: ['passthrough'], shutdownSeconds: 0.2 },
            { name: 'web', shutdownSeconds: 0.2 },
            { name: 'idle', power: 'off' },
          ],
        },
        'cv-09': { vms: [{ name: 'db', shutdownSeconds: 0.2 }] },
      },
    });
    inventory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-converge-')), 'fleet.yaml');
    await fleet.writeInventory(inventory);
    // Every cluster wants SR-IOV with 16 VFs, 4 per port; cv-06 passthrough.
    const doc = parseDocument(fs.readFileSync(inventory, 'utf8'));
    const desired = {
      mode: 'sriov',
      numVfs: 16,
      maxVfs: 4,
      versions: { mft: '4.26.1', nmst: '4.26.1' },
      mftInstall: { depots: ['/vmfs/volumes/datastore1/mft-depot.zip'] },
    };
    doc.setIn(['clusters', 0, 'desired'], doc.createNode(desired));
    doc.setIn(
      ['clusters', 1, 'desired'],
      doc.createNode({ ...desired, hostOverrides: { 'cv-06': { mode: 'passthrough' } } }),
    );
    doc.setIn(['clusters', 2, 'desired'], doc.createNode(desired));
    fs.writeFileSync(inventory, doc.toString());
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  async function plan(): Promise<{ code: number; json: PlanJson; text: string }> {
    const j = harness({ connectTemporal: connect });
    const code = await j.run('plan', '-i', inventory, ...MIXED, '--json');
    assert.equal(j.stderr(), '');
    const t = harness({ connectTemporal: connect });
    assert.equal(await t.run('plan', '-i', inventory, ...MIXED), code, t.stderr());
    return { code, json: JSON.parse(j.stdout()) as PlanJson, text: t.stdout() };
  }

  it('plan: exact differences and reboot counts per host and in total; changes pending (exit 4); nothing changed', async () => {
    const marks = await Promise.all(Object.keys(FLEET).map((n) => markHost(host(n))));
    const { code, json, text } = await plan();
    assert.equal(code, 4, text);
    const byName = new Map(json.hosts.map((h) => [h.host, h]));
    for (const [name, want] of Object.entries(FLEET)) {
      const h = byName.get(name);
      assert.ok(h, name);
      assert.equal(h.reboots, want.reboots, `${name} (${want.what}): ${JSON.stringify(h)}`);
      assert.deepEqual(h.blockers, [], name);
    }
    const items = (n: Name) => byName.get(n)?.differences.map((d) => `${d.item}: ${d.current} → ${d.wanted}`);
    assert.deepEqual(items('cv-01'), [
      'cards in mst status: none listed → listed (one boot in recovery mode, guide 2.4)',
    ]);
    assert.deepEqual(items('cv-03'), [
      `${CX6} NUM_OF_VFS: 8 → 16`,
      'max_vfs: 2,2 → 4,4',
      'vmnic2 VFs: 2 → 4',
      'vmnic3 VFs: 2 → 4',
    ]);
    assert.deepEqual(items('cv-04'), [
      'MFT (mft VIB): not installed → 4.26.1 or newer',
      'NMST (nmst VIB): not installed → 4.26.1 or newer',
    ]);
    assert.deepEqual(items('cv-05'), []);
    assert.deepEqual(items('cv-06'), [
      `${CX6} SRIOV_EN: True(1) → 0`,
      `${CX6} NUM_OF_VFS: 16 → 0`,
      'max_vfs: 4,4 → (not set)',
      'vmnic2 VFs: 4 → 0',
      'vmnic3 VFs: 4 → 0',
    ]);
    assert.equal(
      byName.get('cv-02')?.differences.length,
      7,
      'four values on the card, max_vfs, VFs on two ports',
    );
    assert.deepEqual(
      ['cv-02', 'cv-03', 'cv-06'].map((n) => byName.get(n)?.coldReboots),
      [1, 1, 1],
      'firmware changes: one cold reboot',
    );
    assert.deepEqual([byName.get('cv-01')?.maybeColdReboots, byName.get('cv-04')?.maybeColdReboots], [1, 1]);
    assert.deepEqual([json.totals.changes, json.totals.converged, json.totals.reboots], [5, 1, 7]);
    assert.match(text, /cv-05 \(cluster-02\): converged, nothing to do/);
    assert.doesNotMatch(text, /cv-07/, '--select');
    assert.match(
      text,
      /cv-01 \(cluster-01\): 1 difference\(s\), 2 reboots \(1 cold if firmware values change\)/,
    );
    assert.match(text, /→ reboot 1 \(cold: firmware values change/);
    assert.match(text, /Total: 5 to change, 1 converged, 0 blocked, 0 not readable; 7 reboots/);
    for (const m of marks) {
      assert.deepEqual(changingCommands(await commandsSince(m)), [], `${m.host.name}: plan changes nothing`);
      assert.equal(await bootsSince(m), 0);
    }
  });

  it('apply: every host converges with exactly its planned reboots; then plan says nothing to do and apply changes nothing', async () => {
    const marks = new Map<string, HostMark>();
    for (const n of Object.keys(FLEET)) marks.set(n, await markHost(host(n)));
    const a = harness({ connectTemporal: connect });
    const code = await a.run(
      'apply',
      '-i',
      inventory,
      ...MIXED,
      '--id',
      'converge-e2e',
      '--max-parallel',
      '6',
      '--per-cluster',
      '0',
      '--watch',
      ...FAST,
    );
    assert.equal(code, 0, a.stdout() + a.stderr());
    assert.match(a.stdout(), /Convergence per host:/);
    assert.match(a.stdout(), /cv-05: converged already, nothing changed, 0 reboot\(s\) \(planned 0\)/);
    assert.match(a.stdout(), /cv-01: converged, 2 reboot\(s\) \(planned 2\):/);

    for (const [name, want] of Object.entries(FLEET)) {
      const h = host(name);
      const m = marks.get(name);
      assert.ok(m);
      assert.equal(await bootsSince(m), want.reboots, `${name} (${want.what}): boots in vmksummary.log`);
      const values = await mlxValues(h, CX6);
      const passthrough = name === 'cv-06';
      for (const [k, v] of Object.entries(
        passthrough ? { SRIOV_EN: '0', NUM_OF_VFS: '0' } : { ...SRIOV_ON, NUM_OF_VFS: 16 },
      ))
        assert.equal(values[k].current, String(v), `${name} ${k} Current`);
      assert.equal(
        await storedOptions(h),
        passthrough ? OTHER : `${OTHER} max_vfs=4,4`,
        `${name} options, byte for byte`,
      );
      assert.deepEqual(
        await vfsPerPort(h),
        passthrough ? { vmnic2: 0, vmnic3: 0 } : { vmnic2: 4, vmnic3: 4 },
        name,
      );
    }
    const vibs = parseVibList(await sshRead(host('cv-04'), 'esxcli software vib list')).map((v) => v.name);
    assert.ok(vibs.includes('mft') && vibs.includes('nmst'), 'cv-04: MFT/NMST installed and active');
    assert.match(
      await sshRead(host('cv-02'), '/bin/loadESXEnable -s'),
      /enabled/i,
      'cv-02: Quick Boot restored',
    );
    // The merged steps, in order, on the host with hidden cards: recovery mode, one reboot, then one cold reboot.
    const cv01 = changingCommands(await commandsSince(marks.get('cv-01') as HostMark));
    assert.deepEqual(
      cv01.filter((c) => /module parameters set|shutdown reboot/.test(c)),
      [
        `esxcli system module parameters set -m nmlx5_core -p "${OTHER} mst_recovery=1"`,
        'esxcli system shutdown reboot -r "ibfleet converge: recovery mode"',
        `esxcli system module parameters set -m nmlx5_core -p "${OTHER}"`,
        `esxcli system module parameters set -m nmlx5_core -p "${OTHER} max_vfs=4,4"`,
        'esxcli system shutdown reboot -r "ibfleet converge: firmware, normal mode, max_vfs"',
      ],
    );
    await maybeRecordHistory(client.workflow.getHandle('ibfleet/host/cv-01'), 'converge');

    const again = await plan();
    assert.equal(again.code, 0, again.text);
    assert.deepEqual([again.json.totals.changes, again.json.totals.converged], [0, 6]);

    const second = new Map<string, HostMark>();
    for (const n of Object.keys(FLEET)) second.set(n, await markHost(host(n)));
    const b = harness({ connectTemporal: connect });
    assert.equal(
      await b.run(
        'apply',
        '-i',
        inventory,
        ...MIXED,
        '--id',
        'converge-e2e-2',
        '--max-parallel',
        '6',
        '--per-cluster',
        '0',
        '--watch',
        ...FAST,
      ),
      0,
      b.stdout() + b.stderr(),
    );
    for (const [name, m] of second) {
      assert.equal(await bootsSince(m), 0, `${name}: no reboot the second time`);
      assert.deepEqual(changingCommands(await commandsSince(m)), [], `${name}: no change the second time`);
    }
  });

  it('apply after an interruption finishes without repeating a reboot (2 boots in all, as first planned)', async () => {
    const h = host('cv-07');
    const m = await markHost(h);
    const only = ['--select', 'name=cv-07'];
    const first = harness({ connectTemporal: connect });
    assert.equal(
      await first.run('apply', '-i', inventory, ...only, '--id', 'converge-cut', '--watch', ...FAST),
      1,
    );
    assert.match(first.stdout(), /cv-07: needs-attention after 1 reboot\(s\) \(planned 2\)/);
    assert.match(first.stdout(), /host left mid-change/);
    assert.equal(await bootsSince(m), 1, 'the recovery-mode reboot happened');
    assert.equal(await storedOptions(h), `${OTHER} mst_recovery=1`, 'left in recovery mode');

    fleet.setFaults('cv-07', {});
    const p = harness({ connectTemporal: connect });
    assert.equal(await p.run('plan', '-i', inventory, ...only, '--json'), 4);
    const resumed = (JSON.parse(p.stdout()) as PlanJson).hosts[0];
    assert.deepEqual(
      [resumed.reboots, resumed.coldReboots],
      [1, 1],
      'the recovery-mode reboot is not repeated',
    );

    const second = harness({ connectTemporal: connect });
    assert.equal(
      await second.run('apply', '-i', inventory, ...only, '--id', 'converge-cut-2', '--watch', ...FAST),
      0,
      second.stdout() + second.stderr(),
    );
    assert.equal(await bootsSince(m), 2, 'two boots in all: the plan of a fresh host');
    assert.equal(await storedOptions(h), `${OTHER} max_vfs=4,4`, 'normal mode, options byte for byte');
    assert.deepEqual(await vfsPerPort(h), { vmnic2: 4, vmnic3: 4 });
  });

  describe('hosts with running VMs: the VM policy', () => {
    const ENTER = 'esxcli system maintenanceMode set -e true -t 600';
    const isHostChange = (c: string) => changingCommands([c]).length > 0 && c !== ENTER;

    async function planOf(...args: string[]): Promise<{ code: number; json: PlanJson; text: string }> {
      const j = harness({ connectTemporal: connect });
      const code = await j.run('plan', '-i', inventory, ...args, '--json');
      assert.equal(j.stderr(), '');
      const t = harness({ connectTemporal: connect });
      assert.equal(await t.run('plan', '-i', inventory, ...args), code, t.stderr());
      return { code, json: JSON.parse(j.stdout()) as PlanJson, text: t.stdout() };
    }

    it('plan lists the powered-on VMs the policy would stop (shutdown), or blocks the host (refuse); it touches no VM', async () => {
      const h = host('cv-08');
      const m = await markHost(h);
      const only = ['--select', 'name=cv-08'];
      const shutdown = await planOf(...only, '--vm-policy', 'shutdown');
      assert.equal(shutdown.code, 4, shutdown.text);
      const planned = shutdown.json.hosts[0];
      assert.deepEqual([planned.status, planned.reboots, planned.blockers], ['changes', 1, []]);
      assert.deepEqual(planned.vms?.policy, 'shutdown');
      assert.deepEqual(
        planned.vms?.poweredOn.map((v) => `${v.name}:${v.devices.map((d) => d.kind).join('+')}`),
        ['gpu:passthrough', 'web:'],
        'the VMs that run, in vmid order, with their card devices; idle is off and not named',
      );
      assert.match(
        shutdown.text,
        /VMs powered on \(--vm-policy shutdown\): gpu \(passthrough [0-9a-f:.]+\), web\n/,
      );
      assert.match(shutdown.text, /- stop the VMs: gpu, web\n/);
      assert.match(shutdown.text, /- power the VMs on again: gpu, web\n/);
      assert.match(shutdown.text, /2 VM\(s\) stopped and powered on again/);

      const refuse = await planOf(...only);
      assert.equal(refuse.code, 1, 'a blocked host: exit 1');
      const blocked = refuse.json.hosts[0];
      assert.deepEqual([blocked.status, blocked.reboots], ['blocked', 0]);
      assert.match(
        blocked.blockers[0],
        /2 VM\(s\) powered on: gpu, web; --vm-policy refuse leaves a host with running VMs untouched/,
      );
      assert.match(refuse.text, /cv-08 \(cluster-03\): BLOCKED, nothing will be changed/);

      const commands = await commandsSince(m);
      assert.deepEqual(changingCommands(commands), [], 'plan changes nothing');
      assert.deepEqual(vmChangingCommands(commands), [], 'plan touches no VM');
      assert.deepEqual(await vmPower(h), { gpu: 'on', web: 'on', idle: 'off' });
    });

    it('apply --vm-policy refuse (the default): the host is not touched at all, needs-attention naming the VMs', async () => {
      const h = host('cv-09');
      const m = await markHost(h);
      const a = harness({ connectTemporal: connect });
      const code = await a.run(
        'apply',
        '-i',
        inventory,
        '--select',
        'name=cv-09',
        '--id',
        'converge-vm-refuse',
        '--watch',
        ...FAST,
      );
      assert.equal(code, 1, a.stdout() + a.stderr());
      assert.match(a.stdout(), /cv-09: needs-attention after 0 reboot\(s\)[^\n]*1 VM\(s\) powered on: db/);
      assert.match(a.stdout(), /nothing was changed/);
      const commands = await commandsSince(m);
      assert.deepEqual(changingCommands(commands), [], 'no change on the host, not even maintenance mode');
      assert.deepEqual(vmChangingCommands(commands), [], 'no VM touched');
      assert.equal(await bootsSince(m), 0);
      assert.deepEqual(await vmPower(h), { db: 'on' });
      assert.deepEqual((await mlxValues(h, CX6)).SRIOV_EN.current, '0', 'still as it was');
    });

    it('apply --vm-policy shutdown: the VMs stop before any change, the host converges, each VM is powered on again exactly once', async () => {
      const h = host('cv-08');
      const m = await markHost(h);
      const a = harness({ connectTemporal: connect });
      const code = await a.run(
        'apply',
        '-i',
        inventory,
        '--select',
        'name=cv-08',
        '--id',
        'converge-vm-shutdown',
        '--vm-policy',
        'shutdown',
        '--guest-shutdown-timeout',
        '10s',
        '--watch',
        ...FAST,
      );
      assert.equal(code, 0, a.stdout() + a.stderr());
      assert.match(a.stdout(), /cv-08: converged, 1 reboot\(s\) \(planned 1\):/);
      assert.match(a.stdout(), /VMs stopped: gpu \(guest shutdown\), web \(guest shutdown\)/);
      assert.match(a.stdout(), /VMs powered on again: gpu, web/);

      const commands = await commandsSince(m);
      assert.deepEqual(vmChangingCommands(commands), [
        'vim-cmd vmsvc/power.shutdown 1',
        'vim-cmd vmsvc/power.shutdown 2',
        'vim-cmd vmsvc/power.on 1',
        'vim-cmd vmsvc/power.on 2',
      ]);
      const at = (c: string) => commands.indexOf(c);
      const firstChange = commands.findIndex(isHostChange);
      assert.ok(firstChange > 0, 'the host was changed');
      assert.ok(at('vim-cmd vmsvc/power.shutdown 2') < at(ENTER), 'VMs stopped before maintenance mode');
      assert.ok(
        at(ENTER) < firstChange,
        `maintenance mode before the first change (${commands[firstChange]})`,
      );
      assert.ok(
        at('esxcli system maintenanceMode set -e false') < at('vim-cmd vmsvc/power.on 1'),
        'VMs powered on after the host was verified and left maintenance mode',
      );
      assert.equal(countOf(commands, 'vim-cmd vmsvc/power.on 3'), 0, 'idle, off before, is never started');
      assert.equal(await bootsSince(m), 1);
      assert.deepEqual(await vmPower(h), { gpu: 'on', web: 'on', idle: 'off' });
      assert.equal(await maintenanceMode(h), 'Disabled');
      const values = await mlxValues(h, CX6);
      for (const [k, v] of Object.entries({ ...SRIOV_ON, NUM_OF_VFS: 16 }))
        assert.equal(values[k].current, String(v), `${k} Current`);
      assert.equal(await storedOptions(h), `${OTHER} max_vfs=4,4`);
      assert.deepEqual(await vfsPerPort(h), { vmnic2: 4, vmnic3: 4 });
      await maybeRecordHistory(client.workflow.getHandle('ibfleet/host/cv-08'), 'converge-vm-shutdown');

      // Converged: a second apply neither reboots nor touches a VM, whatever the policy.
      const again = await markHost(h);
      const b = harness({ connectTemporal: connect });
      assert.equal(
        await b.run(
          'apply',
          '-i',
          inventory,
          '--select',
          'name=cv-08',
          '--id',
          'converge-vm-shutdown-2',
          '--vm-policy',
          'shutdown',
          '--watch',
          ...FAST,
        ),
        0,
        b.stdout() + b.stderr(),
      );
      const second = await commandsSince(again);
      assert.deepEqual([...changingCommands(second), ...vmChangingCommands(second)], []);
    });
  });
});
