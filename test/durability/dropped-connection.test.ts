import assert from 'node:assert/strict';
import { esxCommands, isReadOnlyCommand } from '../../activities/esxi/commands';
import { rebootAndAwaitReturn, rebootIfStill } from '../../activities/esxi/reboot';
import { readBootMarker } from '../../activities/esxi/read-state';
import { SshConnectionLostError, SshRunner } from '../../activities/ssh';
import { StepCommands } from '../../activities/step-context';
import type { Timing } from '../../common/procedures';
import { MockActivityEnvironment } from '@temporalio/testing';
import { fastTiming } from '../helpers/ibfleet-harness';
import { endpointOf, TestSshServer, type ExecRequest, type ExecReply } from '../helpers/ssh-test-server';

// Steps when the SSH connection drops under a command (the command may or may not have run):
// - a command that only reads is simply asked again within the step; one that changes something is
//   never re-sent there (its step is retried by Temporal, and steps read before they write);
// - the reboot command: whether the host accepted it is unknown, so the attempt fails (Temporal retries
//   it) instead of assuming a reboot that may never come. The retry sends the command again only after
//   the boot marker stayed the same for rebootStartMs, and never when the marker changed.

const PASSWORD = 'reboot-uncertain-test';

/** Run in a mock activity context (MockActivityEnvironment.run cannot infer a closure's result type). */
const inActivity = <R>(env: MockActivityEnvironment, fn: () => Promise<R>): Promise<R> =>
  env.run<[], R, () => Promise<R>>(fn);
const timing: Timing = { ...fastTiming, rebootStartMs: 300, maxPollIntervalMs: 50 };

describe('durability: commands whose SSH connection drops', () => {
  let server: TestSshServer;
  const runner = new SshRunner();
  let boots = 3;
  let bootedAt = Date.now() - 3_600_000;
  let onReboot: (req: ExecRequest) => ExecReply = () => ({});
  const reboots: string[] = [];
  const seen: string[] = [];
  let dropNext = 0;

  before(async () => {
    process.env.IBFLEET_SSH_TEST_PASSWORD = PASSWORD;
    server = await TestSshServer.start({
      users: [{ username: 'root', password: PASSWORD }],
      exec: (req) => {
        seen.push(req.command);
        if (dropNext > 0 && !req.command.startsWith('esxcli system shutdown reboot')) {
          dropNext -= 1;
          req.dropConnection();
          return {};
        }
        if (req.command === 'esxcfg-module -g nmlx5_core')
          return { stdout: "nmlx5_core enabled = 1 options = 'max_vfs=4'\n" };
        if (req.command.startsWith('esxcli system module parameters set')) return {};
        if (req.command === 'grep booted /var/log/vmksummary.log') {
          return {
            stdout: Array.from(
              { length: boots },
              () => '2025-01-01T00:00:00.000Z bootstop: Host has booted\n',
            ).join(''),
          };
        }
        if (req.command === 'esxcli system stats uptime get')
          return { stdout: `${(Date.now() - bootedAt) * 1000}\n` };
        if (req.command.startsWith('esxcli system shutdown reboot')) {
          reboots.push(req.command);
          return onReboot(req);
        }
        return { stderr: `unexpected: ${req.command}\n`, code: 127 };
      },
    });
  });
  after(async () => {
    await runner.closeAll();
    await server.close();
    delete process.env.IBFLEET_SSH_TEST_PASSWORD;
  });

  const step = () => new StepCommands(runner, endpointOf(server), timing, 'reboot-1', isReadOnlyCommand);
  const reboot = async (attempt: number) => {
    const before = await readBootMarker(step());
    return await rebootIfStill(step(), runner, timing, { before, reason: 'test', viaEsxcli: true, attempt });
  };

  it('asks a read again when its connection drops, but never re-sends a change', async () => {
    seen.length = 0;
    dropNext = 2;
    const read = await step().check(esxCommands.moduleOptions);
    assert.match(read, /max_vfs=4/);
    assert.deepEqual(seen, [
      'esxcfg-module -g nmlx5_core',
      'esxcfg-module -g nmlx5_core',
      'esxcfg-module -g nmlx5_core',
    ]);

    seen.length = 0;
    dropNext = 1;
    const set = esxCommands.setModuleOptions('max_vfs=8');
    assert.equal(set, 'esxcli system module parameters set -m nmlx5_core -p "max_vfs=8"');
    await assert.rejects(step().run(set), SshConnectionLostError);
    assert.deepEqual(seen, [set], "the change was sent once; retrying it is the step's business");
  });

  it('fails the attempt (retryably) when the connection drops before the host answered the reboot', async () => {
    reboots.length = 0;
    onReboot = (req) => {
      req.dropConnection();
      return {};
    };
    await assert.rejects(reboot(1), (err: unknown) => {
      assert.ok(err instanceof SshConnectionLostError, String(err));
      assert.equal(err.retryable, true);
      return true;
    });
    assert.equal(reboots.length, 1);
  });

  it('on the retry, sends the reboot again only after the marker stayed the same for rebootStartMs', async () => {
    reboots.length = 0;
    onReboot = () => ({});
    const result = await reboot(2);
    assert.equal(result.issued, true);
    assert.equal(reboots.length, 1, 'one more reboot command, after waiting');
  });

  describe('reboot and wait as one activity', () => {
    /** The host reboots 100 ms after a reboot command: a new boot line and a fresh uptime. */
    const rebootSoon = () => {
      onReboot = () => {
        setTimeout(() => {
          boots += 1;
          bootedAt = Date.now();
        }, 100);
        return {};
      };
    };
    /** The marker is read first; `afterMarker` runs before the activity does (e.g. an earlier attempt's reboot). */
    const run = async (info: { attempt: number; heartbeatDetails?: unknown }, afterMarker = () => {}) => {
      const before = await readBootMarker(step());
      afterMarker();
      const env = new MockActivityEnvironment(info);
      const beats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => beats.push(d));
      const opts = {
        before,
        reason: 'test',
        viaEsxcli: true,
        deadlineAt: Date.now() + 10_000,
        attempt: info.attempt,
      };
      const result = await inActivity(env, () => rebootAndAwaitReturn(step(), runner, timing, opts));
      return { before, result, beats };
    };

    it('reboots, records the reboot in its heartbeat before waiting, and returns with the new boot', async () => {
      reboots.length = 0;
      rebootSoon();
      const { before, result, beats } = await run({ attempt: 1 });
      assert.equal(reboots.length, 1);
      assert.equal(result.reboot.issued, true);
      assert.equal(result.marker.boots, before.boots + 1);
      const first = beats.find((b) => (b as { reboot?: unknown })?.reboot !== undefined) as {
        reboot: { issued: boolean };
        wait?: unknown;
      };
      assert.equal(first.reboot.issued, true, 'the reboot is heartbeated as soon as it is sent');
    });

    it('a retry whose heartbeat recorded the reboot only waits: no second reboot command', async () => {
      reboots.length = 0;
      rebootSoon();
      // The earlier attempt sent the reboot (recorded) and died; the host reboots meanwhile.
      setTimeout(() => onReboot({} as ExecRequest), 0);
      const recorded = { reboot: { issued: true, detail: 'reboot issued (was boot #n)', tookMs: 40 } };
      const { before, result } = await run({ attempt: 2, heartbeatDetails: recorded });
      assert.deepEqual(reboots, [], 'nothing sent again');
      assert.deepEqual(result.reboot, recorded.reboot);
      assert.equal(result.marker.boots, before.boots + 1);
    });

    it('a retry with nothing recorded takes the reboot guard: the marker changed, so nothing is sent', async () => {
      reboots.length = 0;
      const { before, result } = await run({ attempt: 2 }, () => {
        boots += 1; // the earlier attempt's reboot happened before it could heartbeat
        bootedAt = Date.now();
      });
      assert.deepEqual(reboots, []);
      assert.equal(result.reboot.issued, false);
      assert.match(result.reboot.detail, /already rebooted by an earlier attempt/);
      assert.equal(result.marker.boots, before.boots + 1);
    });
  });

  it('on the retry, sends nothing when the earlier command did reboot the host', async () => {
    reboots.length = 0;
    const before = await readBootMarker(step());
    boots += 1; // the earlier attempt's reboot happened: a new boot line, a fresh uptime
    bootedAt = Date.now();
    const result = await rebootIfStill(step(), runner, timing, {
      before,
      reason: 'test',
      viaEsxcli: true,
      attempt: 2,
    });
    assert.equal(result.issued, false);
    assert.match(result.detail, /already rebooted by an earlier attempt/);
    assert.deepEqual(reboots, []);
  });
});
