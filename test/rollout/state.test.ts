import assert from 'node:assert/strict';
import type { ProcedureName } from '../../common/procedures';
import { rolloutOptionsSchema, type RolloutInput, type RolloutOptions } from '../../common/rollout';
import { rolloutOpsSchema } from '../../common/rollout-ops';
import { shardInputs, type EndedHost } from '../../common/rollout-shards';
import type { HostRef } from '../../common/targets';
import type { HostFinished } from '../../workflows/messages';
import { HostLedger } from '../../workflows/rollout/ledger';
import { activeHosts, rolloutProgress } from '../../workflows/rollout/progress';
import { ShardHosts } from '../../workflows/rollout/shard-hosts';
import { Rollout } from '../../workflows/rollout/state';
import { startRules, type StartRule } from '../../workflows/rollout/start-rules';

// The rollout's rules without a server: the state class the workflow wires to Temporal. Hosts are
// indices (h01 is 0); clusters a, b, c, ... round robin.

function rollout(
  n: number,
  clusters = 1,
  options: Partial<RolloutOptions> = {},
  rules?: readonly StartRule[],
  { procedure = 'preflight', vsan = [] }: { procedure?: ProcedureName; vsan?: string[] } = {},
) {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date((t += 1000));
  const opts = rolloutOptionsSchema.parse(options);
  const clusterOf = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % clusters)));
  const state = Rollout.initialCarried(opts, clusterOf, 'tester', now(), vsan);
  return new Rollout({ rolloutId: 'r1', procedure, options: opts }, state, now, rules);
}

const name = (i: number) => `h${String(i + 1).padStart(2, '0')}`;
const names = (indices: number[]) => indices.map(name);
const byName = (n: string) => Number(n.slice(1)) - 1;

function end(host: string, phase: EndedHost['phase'] = 'succeeded'): EndedHost {
  return {
    index: byName(host),
    name: host,
    phase,
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
    ...(phase === 'succeeded' ? {} : { reason: `${host} ${phase}` }),
  };
}

describe('rollouts: the rollout state and its rules (no server)', () => {
  it('keeps the sliding window: a host starts as soon as a slot frees, in inventory order', () => {
    const r = rollout(5, 1, { maxParallel: 2, perCluster: 0 });
    assert.deepEqual(names(r.hostsToStart()), ['h01', 'h02']);
    assert.deepEqual(r.hostsToStart(), [], 'the window is full');
    r.hostEnded(end('h02'));
    assert.deepEqual(names(r.hostsToStart()), ['h03']);
    assert.equal(r.count('running'), 2);
  });

  it('limits hosts per cluster, skipping to the next cluster with a free permit', () => {
    const r = rollout(6, 2, { maxParallel: 4, perCluster: 1 });
    assert.deepEqual(names(r.hostsToStart()), ['h01', 'h02'], 'one of a, one of b');
    r.hostEnded(end('h01'));
    assert.deepEqual(names(r.hostsToStart()), ['h03'], 'the next host of cluster a');
  });

  it('runs the canaries alone, waits for approval, then the rest', () => {
    const r = rollout(4, 1, { canary: 1, maxParallel: 4, perCluster: 0 });
    assert.deepEqual(names(r.hostsToStart()), ['h01']);
    assert.equal(r.phase(), 'running');
    r.hostEnded(end('h01'));
    assert.deepEqual(r.hostsToStart(), []);
    assert.equal(r.phase(), 'awaiting-approval');
    assert.match(r.heldBy() ?? '', /waiting for approval/);
    assert.equal(r.approve('looks good'), 'running');
    assert.equal(r.approveRefusal(), 'the rollout is already approved');
    assert.deepEqual(names(r.hostsToStart()), ['h02', 'h03', 'h04']);
  });

  it('approves on its own after the canary with autoApprove, and says so in the events', () => {
    const r = rollout(3, 1, { canary: 1, autoApprove: true, perCluster: 0 });
    r.hostsToStart();
    r.hostEnded(end('h01'));
    assert.deepEqual(names(r.hostsToStart()), ['h02', 'h03']);
    assert.ok(r.state.events.some((e) => e.action === 'auto-approved'));
  });

  it('stops starting hosts once the failure budget is exceeded; the rest are skipped with why', () => {
    const r = rollout(5, 1, { maxParallel: 1, perCluster: 0, maxFailures: { count: 1 } });
    r.hostsToStart();
    r.hostEnded(end('h01', 'failed'));
    assert.equal(r.budgetExceeded(), false, 'one failure is allowed');
    r.hostsToStart();
    r.hostEnded(end('h02', 'needs-attention'));
    assert.equal(r.budgetExceeded(), true);
    assert.deepEqual(r.hostsToStart(), []);
    assert.equal(r.done(), true);
    assert.match(r.skipReason(), /failure budget exceeded \(2 > 1\)/);
    assert.equal(r.close(), 'failed');
    assert.equal(r.count('skipped'), 3);
    assert.equal(r.state.events.filter((e) => e.action === 'budget-exceeded').length, 1);
  });

  it('computes a percentage budget over every target', () => {
    assert.equal(rollout(40, 1, { maxFailures: { percent: 5 } }).allowedFailures, 2);
  });

  it('pauses (nothing starts), refuses a second pause, resumes', () => {
    const r = rollout(3, 1, { maxParallel: 1, perCluster: 0 });
    r.hostsToStart();
    assert.equal(r.pause('window closes'), 'paused');
    assert.equal(r.pauseRefusal(), 'the rollout is already paused');
    r.hostEnded(end('h01'));
    assert.deepEqual(r.hostsToStart(), []);
    assert.equal(r.heldBy(), 'paused by the operator');
    assert.equal(r.resume(''), 'running');
    assert.match(r.resumeRefusal() ?? '', /not paused/);
    assert.deepEqual(names(r.hostsToStart()), ['h02']);
  });

  it('cancels: returns the hosts in flight to stop, starts nothing more, skips the rest', () => {
    const r = rollout(4, 1, { maxParallel: 2, perCluster: 0 });
    r.hostsToStart();
    assert.deepEqual(names(r.requestCancel('operator stop')), ['h01', 'h02']);
    assert.deepEqual(r.requestCancel('again'), [], 'a second cancel asks nobody again');
    assert.equal(r.phase(), 'cancelling');
    assert.match(r.approveRefusal() ?? '', /cancelling/);
    assert.deepEqual(r.hostsToStart(), []);
    assert.equal(r.done(), false, 'hosts in flight finish first');
    r.hostEnded(end('h01'));
    r.hostEnded(end('h02', 'cancelled'));
    assert.equal(r.done(), true);
    assert.match(r.skipReason(), /not started: rollout cancelled \(operator stop\)/);
    assert.equal(r.close(), 'cancelled');
    assert.equal(r.count('skipped'), 2);
    assert.match(r.cancelRefusal() ?? '', /already ended/);
  });

  it("keeps a host's first end and ignores a second one", () => {
    const r = rollout(2, 1, { perCluster: 0 });
    r.hostsToStart();
    assert.equal(r.hostEnded(end('h01', 'succeeded')), true);
    assert.equal(r.hostEnded(end('h01', 'failed')), false, 'already recorded');
    assert.equal(r.ledger.phaseOf(0), 'succeeded');
    assert.equal(r.failuresUsed(), 0);
  });

  it("a starter's hosts: the end from another run of the host, or a second end, is ignored; continue-as-new waits for every run ID", () => {
    const targets = ['h01', 'h02'].map((n) => ({ kind: 'esxi', name: n, cluster: 'a' }) as HostRef);
    const hosts = new ShardHosts(0, targets, ShardHosts.initial(0, targets, 0));
    const finished = (n: string, outcome: HostFinished['outcome'], runId: string): HostFinished => ({
      name: n,
      runId,
      outcome,
      reboots: 2,
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:01:00Z',
    });
    hosts.markStarted(0, '2026-01-01T00:00:00Z');
    hosts.markStarted(1, '2026-01-01T00:00:00Z');
    hosts.acknowledged(0, 'run-a');
    assert.equal(hosts.allAcknowledged(), false);
    hosts.acknowledged(1, 'run-c');
    assert.equal(hosts.allAcknowledged(), true);
    assert.equal(hosts.recordEnd(finished('h01', 'failed', 'run-b')), undefined, 'another run of the host');
    assert.deepEqual(hosts.recordEnd(finished('h01', 'succeeded', 'run-a')), {
      index: 0,
      name: 'h01',
      phase: 'succeeded',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:01:00Z',
    });
    assert.equal(hosts.recordEnd(finished('h01', 'failed', 'run-a')), undefined, 'already recorded');
    assert.equal(hosts.host(0).reboots, 2);
  });

  it('orders slowest first after the canaries; hosts without a record keep their place ahead', () => {
    const r = rollout(5, 1, { canary: 1, maxParallel: 10, perCluster: 0, autoApprove: true });
    r.orderSlowestFirst({ 0: 100, 1: 250, 2: 150, 3: 300 }, 1);
    assert.deepEqual(names(r.hostsToStart()), ['h01'], 'the canary first');
    r.hostEnded(end('h01'));
    assert.deepEqual(names(r.hostsToStart()), ['h05', 'h04', 'h02', 'h03']);
    assert.match(
      r.state.events.find((e) => e.action === 'ordered')?.reason ?? '',
      /4 host\(s\) with a reboot on record, 1 without/,
    );
  });

  it('reports progress: counts, budget and an ETA once a host finished', () => {
    const r = rollout(4, 1, { maxParallel: 2, perCluster: 0 });
    r.hostsToStart();
    r.hostEnded(end('h01'));
    const p = rolloutProgress(r, activeHosts(r), 'active');
    assert.deepEqual(
      { pending: p.counts.pending, running: p.counts.running, succeeded: p.counts.succeeded },
      { pending: 2, running: 1, succeeded: 1 },
    );
    assert.equal(p.total, 4);
    assert.ok((p.etaMs ?? 0) > 0);
    assert.deepEqual(p.budget, { allowed: 0, used: 0, exceeded: false });
    assert.equal(p.hostsListed, 'active');
    r.hostsStarted([{ index: 1, name: 'h02', startedAt: '2026-01-01T00:00:00Z' }]);
    assert.deepEqual(
      activeHosts(r).map((h) => [h.name, h.phase]),
      [
        ['h02', 'running'],
        ['h01', 'succeeded'],
      ],
      'the host in flight by name, then the one that ended lately',
    );
  });

  it('takes a new start rule from the list: a gate holding every host shows its reason', () => {
    let open = false;
    const gate: StartRule = { name: 'gate', holdsAll: () => (open ? undefined : 'the health gate fails') };
    const r = rollout(2, 1, { perCluster: 0 }, [...startRules, gate]);
    assert.deepEqual(r.hostsToStart(), []);
    assert.equal(r.heldBy(), 'the health gate fails');
    open = true;
    assert.deepEqual(names(r.hostsToStart()), ['h01', 'h02']);
  });

  it('vSAN: one host of a vSAN cluster at a time for a rebooting procedure, whatever --per-cluster says', () => {
    const r = rollout(6, 2, { maxParallel: 6, perCluster: 3 }, undefined, {
      procedure: 'recovery-cycle',
      vsan: ['a'],
    });
    assert.deepEqual(names(r.hostsToStart()), ['h01', 'h02', 'h04', 'h06'], 'one of vSAN a, three of b');
    r.hostEnded(end('h01'));
    assert.deepEqual(names(r.hostsToStart()), ['h03'], 'the next host of a once h01 ended');
    const back = new Rollout(r.config, r.continuedAsNew(10), r.now);
    back.hostEnded(end('h03'));
    assert.deepEqual(names(back.hostsToStart()), ['h05'], 'the vSAN flag is carried across continue-as-new');
    const preflight = rollout(4, 1, { maxParallel: 4, perCluster: 0 }, undefined, { vsan: ['a'] });
    assert.equal(preflight.hostsToStart().length, 4, 'a procedure that takes no host out is not limited');
  });

  it("vSAN: each shard gets the vSAN hosts of its clusters that other shards hold (the hosts' vsanPeers)", () => {
    const host = (name: string, cluster: string, vsan: boolean): HostRef => ({
      kind: 'esxi',
      name,
      cluster,
      vsan,
      address: '127.0.0.1',
      port: 22,
      username: 'root',
      hostKey: 'SHA256:x',
      credential: { type: 'agent' },
      tags: [],
    });
    const targets = [
      host('v1', 'v', true),
      host('p1', 'p', false),
      host('v2', 'v', true),
      host('p2', 'p', false),
    ];
    const input = {
      rolloutId: 'r1',
      procedure: 'recovery-cycle',
      params: {},
      targets,
      inventory: { targets: 4, shards: 2, perShard: 2 },
      options: rolloutOptionsSchema.parse({}),
      startedBy: 'tester',
    } as RolloutInput;
    const [s0, s1] = shardInputs(input);
    assert.deepEqual(
      s0.vsanPeers?.v?.map((h) => h.name),
      ['v2'],
    );
    assert.deepEqual(
      s1.vsanPeers?.v?.map((h) => h.name),
      ['v1'],
    );
    assert.equal(s0.vsanPeers?.p, undefined, 'a cluster without vSAN has no peers');
    assert.equal(shardInputs({ ...input, procedure: 'preflight' })[0].vsanPeers, undefined);
  });

  it('queues each notification once (--notify): canary awaiting approval, host needs attention, budget, closed', () => {
    const ops = rolloutOpsSchema.parse({ notify: [{ url: 'http://127.0.0.1:9/hook' }] });
    const r = rollout(4, 1, { canary: 1, maxParallel: 4, perCluster: 0, ops });
    const kinds = () => r.ops.takeNotifications().map((e) => `${e.kind}${e.subject ? ` ${e.subject}` : ''}`);
    r.hostsToStart();
    r.hostEnded(end('h01'));
    assert.deepEqual(kinds(), ['canary-awaiting-approval']);
    r.approve('ok');
    r.hostsToStart();
    r.hostEnded(end('h02', 'needs-attention'));
    assert.deepEqual(kinds(), ['host-needs-attention h02', 'budget-exceeded']);
    r.hostEnded(end('h03', 'needs-attention'));
    assert.deepEqual(kinds(), ['host-needs-attention h03'], 'the budget once');
    r.hostEnded(end('h04'));
    r.close();
    assert.deepEqual(kinds(), ['rollout-closed']);
    assert.deepEqual(rollout(2, 1, { canary: 1 }).ops.takeNotifications(), [], 'nothing without --notify');
  });

  describe('operations: windows and ramp (issue #16)', () => {
    /** A rollout whose clock the test sets (`at`), with the ops block given. */
    function opsRollout(n: number, ops: Record<string, unknown>, options: Partial<RolloutOptions> = {}) {
      const clock = { ms: Date.parse('2026-01-05T21:00:00Z') }; // a Monday
      const opts = rolloutOptionsSchema.parse({ perCluster: 0, ...options, ops });
      const now = () => new Date(clock.ms);
      const state = Rollout.initialCarried(opts, Array<string>(n).fill('a'), 'tester', now());
      const r = new Rollout({ rolloutId: 'r1', procedure: 'preflight', options: opts }, state, now);
      return { r, clock };
    }
    const window = {
      days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
      start: '22:00',
      end: '06:00',
      timeZone: 'UTC',
    };

    it('starts no host outside the maintenance window, says until when, and wakes when it opens', () => {
      const { r, clock } = opsRollout(3, { windows: [window] }, { maxParallel: 2 });
      assert.deepEqual(r.hostsToStart(), []);
      assert.match(r.heldBy() ?? '', /waiting for the window Mon 22:00.*in 1h/);
      assert.equal(r.ops.wakeAtMs(), Date.parse('2026-01-05T22:00:00Z'));
      assert.match(r.ops.lines()[0], /waiting for the window/);
      clock.ms = Date.parse('2026-01-05T22:00:00Z');
      assert.deepEqual(names(r.hostsToStart()), ['h01', 'h02']);
      assert.equal(r.ops.wakeAtMs(), undefined, 'in the window: nothing to wake for');
      assert.match(r.ops.lines()[0], /in the window until Tue 06:00/);
      assert.deepEqual(
        r.state.events.filter((e) => e.action.startsWith('window')).map((e) => e.action),
        ['window-wait', 'window-open'],
      );
      clock.ms = Date.parse('2026-01-06T06:00:00Z');
      r.hostEnded(end('h01'));
      assert.deepEqual(r.hostsToStart(), [], 'closed again: h03 waits for Tuesday night');
      assert.match(r.heldBy() ?? '', /Tue 22:00/);
    });

    it('--window-end stop: at the close the hosts in flight are asked to stop once; stopped ones start again in the next window', () => {
      const { r, clock } = opsRollout(3, { windows: [window], windowEnd: 'stop' }, { maxParallel: 2 });
      clock.ms = Date.parse('2026-01-05T22:00:00Z');
      assert.deepEqual(names(r.hostsToStart()), ['h01', 'h02']);
      assert.deepEqual(r.ops.windowClosedStops(), [], 'the window is open');
      assert.equal(r.ops.wakeAtMs(), Date.parse('2026-01-06T06:00:00Z'), 'wakes when the window closes');
      clock.ms = Date.parse('2026-01-06T06:00:00Z');
      assert.deepEqual(names(r.ops.windowClosedStops()), ['h01', 'h02']);
      assert.deepEqual(r.ops.windowClosedStops(), [], 'each asked once');
      r.hostEnded(end('h01', 'cancelled'));
      r.hostEnded(end('h02'));
      assert.deepEqual([r.count('pending'), r.count('succeeded'), r.count('cancelled')], [2, 1, 0]);
      assert.deepEqual(r.state.problems, [], 'a host stopped by the window is no problem');
      assert.deepEqual(r.hostsToStart(), []);
      clock.ms = Date.parse('2026-01-06T22:00:00Z');
      assert.deepEqual(names(r.hostsToStart()), ['h01', 'h03'], 'h01 first again, in the next window');
    });

    it('a test clock offset moves only the windows (no flag; tests need no real night)', () => {
      const { r } = opsRollout(1, {
        windows: [window],
        testClockOffsetMs: 3_600_000,
      });
      assert.equal(r.heldBy(), undefined, '21:00 + 1h is in the window');
      assert.deepEqual(names(r.hostsToStart()), ['h01']);
    });

    it('health gates: a check before each start; failing waits for the re-check, too long pauses, resume resets', () => {
      const gates = [
        { kind: 'http', method: 'GET', target: { url: 'http://127.0.0.1:9/ok' }, expect: ['200'] },
      ];
      const { r, clock } = opsRollout(
        3,
        {
          gates,
          gateTiming: { pollIntervalMs: 10_000, timeoutMs: 60_000 },
          notify: [{ url: 'http://127.0.0.1:9/n' }],
        },
        { maxParallel: 1 },
      );
      const check = (ok: boolean) => ({
        atMs: clock.ms,
        results: [{ gate: 'http GET http://127.0.0.1:9/ok', ok, detail: ok ? 'HTTP 200' : 'HTTP 503' }],
      });
      assert.equal(r.ops.gatesDue(), true);
      assert.deepEqual(r.hostsToStart(), [], 'no start before a check');
      assert.equal(r.heldBy(), 'checking the health gates');
      r.ops.gatesChecked(check(false));
      assert.match(r.heldBy() ?? '', /gate failing, pauses after 1m: .*HTTP 503/);
      assert.equal(r.ops.gatesDue(), false, 'not before the poll interval');
      assert.equal(r.ops.wakeAtMs(), clock.ms + 10_000);
      clock.ms += 60_000;
      assert.equal(r.ops.gatesDue(), true);
      r.ops.gatesChecked(check(false));
      assert.equal(r.phase(), 'paused');
      assert.match(r.heldBy() ?? '', /^paused: gate failing for 1m \(--gate-timeout 1m\)/);
      assert.deepEqual(
        r.ops.takeNotifications().map((e) => e.kind),
        ['gate-paused'],
      );
      r.resume('endpoint fixed');
      assert.deepEqual(r.state.gate, {}, 'resume resets the failing time');
      r.ops.gatesChecked(check(true));
      assert.deepEqual(names(r.hostsToStart()), ['h01']);
      assert.equal(r.ops.gatesDue(), false, 'the window is full');
      r.hostEnded(end('h01'));
      assert.equal(r.ops.gatesDue(), true, 'checked again before the next start');
      assert.deepEqual(
        r.state.events.filter((e) => /gate|resumed/.test(e.action)).map((e) => e.action),
        ['gate-failing', 'gate-paused', 'resumed'],
      );
    });

    it('ramps after the canary: 1, then 2, then maxParallel, each step once the hosts before succeeded', () => {
      const { r } = opsRollout(
        10,
        { ramp: [1, 2] },
        { canary: 1, autoApprove: true, maxParallel: 4, maxFailures: { count: 5 } },
      );
      assert.deepEqual(names(r.hostsToStart()), ['h01'], 'the canary');
      r.hostEnded(end('h01'));
      assert.deepEqual(names(r.hostsToStart()), ['h02'], 'ramp step 1: one host');
      assert.match(r.ops.lines()[0], /ramp step 1\/2: 1 in flight/);
      r.hostEnded(end('h02'));
      assert.deepEqual(names(r.hostsToStart()), ['h03', 'h04'], 'step 2: two');
      r.hostEnded(end('h03', 'failed'));
      assert.deepEqual(names(r.hostsToStart()), ['h05'], 'a failure does not advance the ramp');
      r.hostEnded(end('h04'));
      r.hostEnded(end('h05'));
      assert.deepEqual(names(r.hostsToStart()), ['h06', 'h07', 'h08', 'h09'], 'past the ramp: max-parallel');
    });
  });

  it('carries a compact ledger: 100,000 hosts in well under a megabyte, and back the same', () => {
    const total = 100_000;
    const clusters = Array.from(
      { length: total },
      (_, i) => `rack-${String(Math.floor(i / 100)).padStart(4, '0')}`,
    );
    const ledger = new HostLedger(HostLedger.of(clusters, 2));
    for (let i = 0; i < 5_000; i++) ledger.set(i, i % 7 === 0 ? 'failed' : 'succeeded');
    ledger.reorder(Array.from({ length: total }, (_, i) => total - 1 - i));
    const carried = ledger.toCarried();
    const bytes = Buffer.byteLength(JSON.stringify(carried));
    assert.ok(bytes < 1024 * 1024, `${bytes} bytes`);
    const back = new HostLedger(carried);
    assert.deepEqual(back.counts, ledger.counts);
    assert.equal(back.cluster(12_345), 'rack-0123');
    assert.equal([...back.pending()][0], total - 1, 'the start order is kept');
  });
});
