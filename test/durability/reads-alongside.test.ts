import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { esxCommands, isReadOnlyCommand } from '../../activities/esxi/commands';
import { createHostActivities } from '../../activities/esxi';
import { rebootAndAwaitReturn } from '../../activities/esxi/reboot';
import { readBootMarker } from '../../activities/esxi/read-state';
import { SshRunner } from '../../activities/ssh';
import { StepCommands } from '../../activities/step-context';
import type { Timing } from '../../common/procedures';
import { fastTiming } from '../helpers/ibfleet-harness';
import { endpointOf, TestSshServer, type ExecReply, type ExecRequest } from '../helpers/ssh-test-server';

// Since the ibfleet-reads-alongside patch (workflows/host/reboot.ts) two reads go with other reads instead
// of local activities of their own, with their guarantees unchanged:
// - the reboot activity lists the cards (`mst status`, recovery-cycle's verify step) with the boot-marker
//   read that ends the stability window: a boot that answers and goes down again within the window never
//   ends the wait, and the cards returned are those of the boot that stayed up, read on the connection
//   that proved it. Here a host answers once with a new boot (whose cards differ), drops, and comes back
//   with another boot; which request the host answers is decided by the requests, never by the clock.
// - the write before a reboot reads the boot marker the reboot is guarded by after its write (so any
//   reboot after that read is after the write), recorded as the reboot's boot-marker step.

const PASSWORD = 'cards-in-window-test';
const timing: Timing = { ...fastTiming, rebootStartMs: 5_000, maxPollIntervalMs: 50 };
const inActivity = <R>(env: MockActivityEnvironment, fn: () => Promise<R>): Promise<R> =>
  env.run<[], R, () => Promise<R>>(fn);

interface Boot {
  boots: number;
  bootedAt: number;
  cards: string[];
}

type Phase = 'old' | 'first-return' | 'down' | 'second-return';

describe('durability: cards listed with the last read of the stability window', () => {
  let server: TestSshServer;
  const runner = new SshRunner();
  const old: Boot = { boots: 3, bootedAt: Date.now() - 3_600_000, cards: ['mt4129_pciconf0'] };
  let phase: Phase = 'old';
  let boot: Boot = old;
  /** The first return answers one marker read (grep and uptime), then the host goes down. */
  let firstReturnAnswered = new Set<string>();
  let droppedMarkerReads = 0;
  /** Requests answered, with the phase and connection they were answered in. */
  const answered: { command: string; phase: Phase; connectionId: number }[] = [];
  let mstReply: (b: Boot) => ExecReply = (b) => ({
    stdout: `MST devices:\n------------\n${b.cards.join('\n')}\n`,
  });

  const isMarkerRead = (c: string) => c === esxCommands.boots || c === esxCommands.uptime;

  function reply(req: ExecRequest): ExecReply {
    const c = req.command;
    if (c.startsWith('esxcli system shutdown reboot')) {
      phase = 'first-return';
      boot = { boots: 4, bootedAt: Date.now(), cards: ['mt4123_pciconf0'] };
      return {};
    }
    if (phase === 'first-return') {
      if (isMarkerRead(c) && !firstReturnAnswered.has(c)) firstReturnAnswered.add(c);
      else phase = 'down'; // anything more: the host is gone again, within its window
    }
    if (phase === 'down') {
      if (isMarkerRead(c)) droppedMarkerReads += 1;
      if (droppedMarkerReads > 4 && isMarkerRead(c)) {
        phase = 'second-return';
        boot = { boots: 5, bootedAt: Date.now(), cards: ['mt4129_pciconf0'] };
      } else {
        req.dropConnection();
        return {};
      }
    }
    answered.push({ command: c, phase, connectionId: req.connectionId });
    if (c === esxCommands.boots)
      return { stdout: '2025-01-01T00:00:00.000Z bootstop: Host has booted\n'.repeat(boot.boots) };
    if (c === esxCommands.uptime) return { stdout: `${(Date.now() - boot.bootedAt) * 1000}\n` };
    if (c === esxCommands.mstStatus) return mstReply(boot);
    return { stderr: `unexpected: ${c}\n`, code: 127 };
  }

  before(async () => {
    process.env.IBFLEET_SSH_TEST_PASSWORD = PASSWORD;
    server = await TestSshServer.start({ users: [{ username: 'root', password: PASSWORD }], exec: reply });
  });
  after(async () => {
    await runner.closeAll();
    await server.close();
    delete process.env.IBFLEET_SSH_TEST_PASSWORD;
  });
  beforeEach(() => {
    phase = 'old';
    boot = old;
    firstReturnAnswered = new Set();
    droppedMarkerReads = 0;
    answered.length = 0;
  });

  const step = () => new StepCommands(runner, endpointOf(server), timing, 'reboot-1', isReadOnlyCommand);
  const rebootWith = async (listCardsAs?: string) => {
    const before = await readBootMarker(step());
    const opts = {
      before,
      reason: 'test',
      viaEsxcli: true,
      deadlineAt: Date.now() + 20_000,
      attempt: 1,
      ...(listCardsAs !== undefined ? { listCardsAs } : {}),
    };
    const env = new MockActivityEnvironment({ attempt: 1 });
    return await inActivity(env, () => rebootAndAwaitReturn(step(), runner, timing, opts));
  };

  it('a boot that answers and drops within the window does not end it; the cards are those of the boot that stayed', async function () {
    this.timeout(20_000);
    const result = await rebootWith('verify-cards-recovery');
    assert.equal(result.reboot.issued, true);
    assert.equal(result.marker.boots, 5, 'the wait ended on the second return, not the first');
    assert.deepEqual(result.cards?.devices, ['mt4129_pciconf0'], "the second boot's cards");
    assert.deepEqual(
      result.cards?.commands.map((c) => [c.step, c.command, c.exitCode]),
      [['verify-cards-recovery', esxCommands.mstStatus, 0]],
      'recorded as the verify step',
    );

    const second = answered.filter((a) => a.phase === 'second-return');
    const mst = answered.filter((a) => a.command === esxCommands.mstStatus);
    assert.ok(mst.length >= 1);
    for (const m of mst)
      assert.equal(m.phase, 'second-return', 'cards are never read on the boot that dropped');
    const markerReads = second.filter((a) => a.command === esxCommands.boots);
    assert.ok(markerReads.length >= 2, 'the window was proven again on the second boot: at least two reads');
    // The cards were read after the second boot was first seen, on a connection a marker read also used.
    const firstSeen = answered.findIndex(
      (a) => a.phase === 'second-return' && a.command === esxCommands.boots,
    );
    assert.ok(answered.indexOf(mst[0]) > firstSeen);
    const last = mst[mst.length - 1];
    assert.ok(markerReads.some((r) => r.connectionId === last.connectionId));
  });

  it('a cards read that fails on its own is left out; the wait still ends on the stable boot', async function () {
    this.timeout(20_000);
    mstReply = () => ({ stdout: 'garbage\n' });
    try {
      const result = await rebootWith('verify-cards-recovery');
      assert.equal(result.marker.boots, 5);
      assert.equal(result.cards, undefined);
    } finally {
      mstReply = (b) => ({ stdout: `MST devices:\n------------\n${b.cards.join('\n')}\n` });
    }
  });

  it('not asked (workflows started before the patch, other procedures): no cards read', async function () {
    this.timeout(20_000);
    const result = await rebootWith();
    assert.equal(result.marker.boots, 5);
    assert.equal(result.cards, undefined);
    assert.equal(answered.filter((a) => a.command === esxCommands.mstStatus).length, 0, 'no mst status sent');
  });
});

describe('durability: the boot marker read by the write before a reboot', () => {
  let server: TestSshServer;
  const runner = new SshRunner();
  let options = 'pfctx=0x08';
  const seen: string[] = [];

  before(async () => {
    process.env.IBFLEET_SSH_TEST_PASSWORD = PASSWORD;
    server = await TestSshServer.start({
      users: [{ username: 'root', password: PASSWORD }],
      exec: (req) => {
        seen.push(req.command);
        if (req.command === esxCommands.moduleOptions)
          return { stdout: `nmlx5_core enabled = 1 options = '${options}'\n` };
        const set = /^esxcli system module parameters set -m nmlx5_core -p "(.*)"$/.exec(req.command);
        if (set) {
          options = set[1];
          return {};
        }
        if (req.command === esxCommands.boots)
          return { stdout: '2025-01-01T00:00:00.000Z bootstop: Host has booted\n'.repeat(7) };
        if (req.command === esxCommands.uptime) return { stdout: '3600000000\n' };
        return { stderr: `unexpected: ${req.command}\n`, code: 127 };
      },
    });
  });
  after(async () => {
    await runner.closeAll();
    await server.close();
    delete process.env.IBFLEET_SSH_TEST_PASSWORD;
  });

  const host = () => ({ ...endpointOf(server), kind: 'esxi' as const, cluster: 'c1', tags: [] });
  const setRecoveryMode = () =>
    inActivity(new MockActivityEnvironment(), () =>
      createHostActivities(runner).setModuleOption({
        host: host(),
        timing,
        step: 'set-mst-recovery-1',
        key: 'mst_recovery',
        value: '1',
        override: true,
        readBootMarkerAs: 'boot-marker-1',
      }),
    );

  it('reads the marker only after the write, and records it as the boot-marker step', async () => {
    options = 'pfctx=0x08';
    seen.length = 0;
    const r = await setRecoveryMode();
    assert.equal(r.after, 'pfctx=0x08 mst_recovery=1');
    assert.equal(r.bootMarker?.boots, 7);
    const write = seen.findIndex((c) => c.startsWith('esxcli system module parameters set'));
    assert.ok(write >= 0);
    for (const c of [esxCommands.boots, esxCommands.uptime])
      assert.ok(seen.indexOf(c) > write, `${c} after the write`);
    assert.deepEqual(
      r.bootMarker?.commands.map((c) => c.step),
      ['boot-marker-1', 'boot-marker-1'],
    );
    assert.ok(r.commands.every((c) => c.step === 'set-mst-recovery-1'));
  });

  it('with nothing to write (a retried step finds its write done), reads it after the options', async () => {
    seen.length = 0;
    const r = await setRecoveryMode();
    assert.equal(r.changed, false);
    assert.equal(r.bootMarker?.boots, 7);
    assert.equal(seen[0], esxCommands.moduleOptions);
    assert.ok(!seen.some((c) => c.startsWith('esxcli system module parameters set')), 'nothing written');
    assert.ok(seen.indexOf(esxCommands.boots) > seen.indexOf(esxCommands.moduleOptions));
  });
});
