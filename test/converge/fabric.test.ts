import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parseDocument } from 'yaml';
import type { TemporalFactory } from '../../client/deps';
import { startFleet, type Fleet } from '../../simulator/fleet';
import type { SwitchMachine } from '../../simulator/switch';
import { harness } from '../client/harness';
import { fastTimingFlags, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { bootsSince, changingCommands, commandsSince, fleetHost, markHost } from '../procedures/host-audit';

// The fabric part of the declared state, end to end (CLI → Temporal → worker → SSH): a cluster declares
// the switch serving it (OpenSM virtualization wanted) and a bandwidth gate for its guest pair. `plan`
// reads the switch (read only) and counts its difference as pending; `apply --watch` converges the hosts,
// then enables virtualization on the switch, then runs the gate (which passes only with VFs on the
// hosts and virtualization in effect); a second apply does nothing to the switch; a gate that fails
// is a failed apply (exit 1).

const FAST = fastTimingFlags();
/** Lines of the MLNX-OS CLI that change the switch (the rest read or change mode). */
const SWITCH_CHANGING = /^(no )?ib sm( |$)|^configuration write$/;

interface FabricPlanJson {
  switches: {
    switch: string;
    clusters: string[];
    status: string;
    release?: string;
    smVirtEnabled?: boolean;
    differences: { item: string; current: string; wanted: string }[];
  }[];
  gates: { cluster: string; pairs: string[]; requiredGbps: number }[];
  totals: { changes: number };
  switchTotals: { changes: number; converged: number };
}

describe('converge: the fabric (switch OpenSM virtualization, bandwidth gate)', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  let client: Client;
  let inventory: string;
  let switchName: string;
  let pairName: string;
  const typed: string[] = [];
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  const connect: TemporalFactory = () =>
    Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
  const switchState = () => (fleet.machine(switchName) as SwitchMachine).state;
  const switchChanges = (from: number) => typed.slice(from).filter((l) => SWITCH_CHANGING.test(l));

  function writeDesired(gate: Record<string, unknown>, switches = [switchName]): void {
    const doc = parseDocument(fs.readFileSync(inventory, 'utf8'));
    doc.setIn(
      ['clusters', 0, 'desired'],
      doc.createNode({
        mode: 'sriov',
        numVfs: 16,
        maxVfs: 4,
        fabric: { switches, smVirtualization: true },
        bandwidthGate: { pairs: [pairName], ...gate },
      }),
    );
    fs.writeFileSync(inventory, doc.toString());
  }

  before(async () => {
    const taskQueue = uniqueTaskQueue('converge-fabric');
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    client = (await testEnv()).client;
    // Two hosts with SR-IOV off (the guests' hosts), one switch without virtualization, one guest pair.
    fleet = await startFleet({
      hosts: 2,
      clusters: 1,
      switches: 1,
      guestPairs: 1,
      namePrefix: 'cf-',
      bootTimeMs: 150,
      controlPort: false,
      defaults: { cards: ['ConnectX-6'] },
    });
    switchName = fleet.inventory.switches[0].name;
    pairName = fleet.inventory.guestPairs[0].name;
    fleet.host(switchName).on('command', (line: string) => typed.push(line.trim()));
    inventory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-fabric-')), 'fleet.yaml');
    await fleet.writeInventory(inventory);
    writeDesired({ lineRateGbps: 400, threshold: 0.9 });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  async function plan(): Promise<{ code: number; json: FabricPlanJson; text: string }> {
    const j = harness({ connectTemporal: connect });
    const code = await j.run('plan', '-i', inventory, '--json');
    assert.equal(j.stderr(), '');
    const t = harness({ connectTemporal: connect });
    assert.equal(await t.run('plan', '-i', inventory), code, t.stderr());
    return { code, json: JSON.parse(j.stdout()) as FabricPlanJson, text: t.stdout() };
  }

  async function apply(id: string): Promise<{ code: number; out: string }> {
    const a = harness({ connectTemporal: connect });
    const code = await a.run('apply', '-i', inventory, '--id', id, '--per-cluster', '0', '--watch', ...FAST);
    return { code, out: a.stdout() + a.stderr() };
  }

  it('plan reads the switch (read only) and counts its difference as pending; the gate is listed', async () => {
    const from = typed.length;
    const { code, json, text } = await plan();
    assert.equal(code, 4, text);
    assert.equal(json.switches.length, 1);
    const sw = json.switches[0];
    assert.deepEqual(
      [sw.switch, sw.clusters, sw.status, sw.release, sw.smVirtEnabled],
      [switchName, ['cluster-01'], 'changes', '3.11.1004', false],
    );
    assert.deepEqual(
      sw.differences.map((d) => `${d.item}: ${d.current} → ${d.wanted}`),
      ['OpenSM virtualization (show ib sm virt): disabled → enabled'],
    );
    assert.deepEqual(json.switchTotals.changes, 1);
    assert.deepEqual(
      json.gates.map((g) => [g.cluster, g.pairs, g.requiredGbps]),
      [['cluster-01', [pairName], 360]],
    );
    assert.match(
      text,
      new RegExp(`switch ${switchName} \\(serves cluster-01\\): 1 difference\\(s\\), no reboot`),
    );
    assert.match(text, /OpenSM virtualization \(show ib sm virt\) {2}disabled → enabled/);
    assert.match(
      text,
      new RegExp(`cluster-01: guest pair\\(s\\) ${pairName} must reach 360 Gb/s with ib_send_bw`),
    );
    assert.match(text, /Switches: 1 to change, 0 converged/);
    assert.ok(typed.slice(from).includes('show ib sm virt'), 'the switch was read');
    assert.deepEqual(switchChanges(from), [], 'plan changes nothing on the switch');
    assert.equal(switchState().virtualizationActive(), false);
  });

  it('apply: hosts, then switch-sm-virt, then the gate; plan then says nothing to do; a second apply leaves the switch alone', async () => {
    const marks = await Promise.all(fleet.inventory.hosts.map((h) => markHost(fleetHost(fleet, h.name))));
    const from = typed.length;
    const first = await apply('fabric-1');
    assert.equal(first.code, 0, first.out);
    for (const m of marks) assert.equal(await bootsSince(m), 1, `${m.host.name}: SR-IOV on, one reboot`);
    assert.deepEqual(switchChanges(from), ['ib sm virt enable', 'configuration write', 'no ib sm', 'ib sm']);
    assert.equal(switchState().virtualizationActive(), true, 'enabled, saved, in effect');
    const at = (re: RegExp) => first.out.search(re);
    assert.ok(at(/Convergence per host:/) >= 0, first.out);
    assert.ok(
      at(/Convergence per host:/) < at(/Switches \(guide 4\.2\): OpenSM virtualization on /),
      'the switch after the hosts',
    );
    assert.ok(
      at(/Switches \(guide 4\.2\)/) < at(/Bandwidth gate: cluster-01: guest pair\(s\) /),
      'the gate after the switch',
    );
    assert.match(first.out, /Started rollout fabric-1-sm1: switch-sm-virt on 1 switch/);
    assert.match(first.out, /Started rollout fabric-1-bw-cluster-01: validate-bandwidth on 1 guest pair/);

    const again = await plan();
    assert.equal(again.code, 0, again.text);
    assert.deepEqual(
      [again.json.totals.changes, again.json.switchTotals.converged, again.json.switches[0].status],
      [0, 1, 'converged'],
    );

    const hostMarks = await Promise.all(fleet.inventory.hosts.map((h) => markHost(fleetHost(fleet, h.name))));
    const from2 = typed.length;
    const second = await apply('fabric-2');
    assert.equal(second.code, 0, second.out);
    assert.deepEqual(switchChanges(from2), [], 'nothing changed on the switch');
    assert.ok(!typed.slice(from2).includes('configure terminal'));
    assert.match(second.out, new RegExp(`Switch ${switchName}: OpenSM virtualization already enabled`));
    assert.doesNotMatch(second.out, /switch-sm-virt on/);
    assert.match(
      second.out,
      /Started rollout fabric-2-bw-cluster-01: validate-bandwidth/,
      'the gate runs again',
    );
    for (const m of hostMarks) {
      assert.equal(await bootsSince(m), 0);
      assert.deepEqual(changingCommands(await commandsSince(m)), []);
    }
  });

  it('a gate the pair cannot pass fails the apply (exit 1), reported as such', async () => {
    writeDesired({ lineRateGbps: 800, threshold: 0.9 });
    const r = await apply('fabric-gate-fails');
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /must reach 720 Gb\/s/);
    assert.match(
      r.out,
      new RegExp(
        `${pairName} +needs-attention +ib_send_bw reached [\\d.]+ Gb/s, below 0\\.9 × 800 = 720\\.00 Gb/s`,
      ),
    );
    writeDesired({ lineRateGbps: 400, threshold: 0.9 });
  });

  it('an unknown switch or pair: exit 2 naming the field, nothing contacted', async () => {
    writeDesired({ lineRateGbps: 400 }, ['ibsw-nope']);
    const from = typed.length;
    for (const argv of [['plan'], ['apply', '--watch']]) {
      const h = harness({ connectTemporal: connect });
      assert.equal(await h.run(...argv, '-i', inventory), 2, h.stdout() + h.stderr());
      assert.match(
        h.stderr(),
        /clusters\[0\]\.desired\.fabric\.switches\[0\]: names no switch of this inventory: "ibsw-nope"/,
      );
      assert.equal(h.temporalCalls(), 0);
    }
    assert.deepEqual(typed.slice(from), []);
    writeDesired({ lineRateGbps: 400, threshold: 0.9 });
  });

  it("a declared switch whose credential cannot work: apply exits 2 naming it, before any host's rollout", async () => {
    const saved = fs.readFileSync(inventory, 'utf8');
    const doc = parseDocument(saved);
    doc.setIn(
      ['switches', 0, 'credential'],
      doc.createNode({ type: 'password-env', env: 'IBFLEET_NO_SUCH_VAR' }),
    );
    fs.writeFileSync(inventory, doc.toString());
    try {
      const h = harness({ connectTemporal: connect });
      assert.equal(await h.run('apply', '-i', inventory, '--watch'), 2, h.stdout() + h.stderr());
      assert.match(h.stderr(), /switches\[0\]\.credential/);
      assert.equal(h.temporalCalls(), 0);
    } finally {
      fs.writeFileSync(inventory, saved);
    }
  });

  it('apply without --watch does not wait for the hosts: it says what apply --watch runs for the fabric', async () => {
    const from = typed.length;
    const a = harness({ connectTemporal: connect });
    assert.equal(await a.run('apply', '-i', inventory, '--id', 'fabric-nowatch', ...FAST), 0, a.stderr());
    assert.match(
      a.stdout(),
      new RegExp(
        `Not run without --watch: [^\\n]*\\n {2}switch-sm-virt on ${switchName} [^\\n]*\\n {2}validate-bandwidth: cluster-01: guest pair\\(s\\) ${pairName} must reach 360 Gb/s`,
      ),
    );
    await client.workflow.getHandle('ibfleet/rollout/fabric-nowatch').result();
    assert.deepEqual(typed.slice(from), [], 'the switch is not contacted');
  });
});
