import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import {
  COMMAND_TIMEOUT,
  HOST_KEY_MISMATCH,
  HOST_KEY_UNKNOWN,
  HOST_UNREACHABLE,
  SSH_AUTH_FAILED,
  SSH_CONNECTION_LOST,
} from '../../common/failure-types';
import { CredentialResolver } from '../../activities/ssh/credentials';
import {
  CommandTimeoutError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  HostUnreachableError,
  SshAuthFailedError,
  SshConnectionLostError,
  toActivityFailure,
} from '../../activities/ssh/errors';
import { SshRunner, type RunOptions } from '../../activities/ssh/run-command';
import { shellCommand } from '../../activities/command-line';
import { esxCommands } from '../../activities/esxi/commands';
import { StepCommands } from '../../activities/step-context';
import { STEP_COMMAND_FAILED } from '../../common/procedure-failures';
import { fastTiming } from '../helpers/ibfleet-harness';
import { endpointOf, generateTestKeyPair, TestSshServer, untilAborted } from '../helpers/ssh-test-server';

const PASSWORD = 'Tr0ub4dor&3-test-only';
const env = { IBFLEET_SSH_TEST_PASSWORD: PASSWORD };
const users = [{ username: 'root', password: PASSWORD }];
const opts: RunOptions = { timeoutMs: 10_000, connectTimeoutMs: 5_000 };

function failureOf(err: unknown): ApplicationFailure {
  const failure = toActivityFailure(err);
  assert.ok(failure instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(failure)}`);
  return failure;
}

describe('ssh: SshRunner', () => {
  let server: TestSshServer | undefined;
  let runner: SshRunner | undefined;

  function newRunner(extra: ConstructorParameters<typeof SshRunner>[0] = {}): SshRunner {
    runner = new SshRunner({ credentials: new CredentialResolver(env), ...extra });
    return runner;
  }

  afterEach(async () => {
    await runner?.closeAll();
    await server?.close();
    runner = undefined;
    server = undefined;
  });

  it('runs a command and returns stdout, stderr and the exit code', async () => {
    server = await TestSshServer.start({
      users,
      exec: (req) => ({ stdout: `out:${req.command}\n`, stderr: 'warn\n', code: 0 }),
    });
    const result = await newRunner().run(endpointOf(server), 'esxcli system version get', opts);
    assert.equal(result.stdout, 'out:esxcli system version get\n');
    assert.equal(result.stderr, 'warn\n');
    assert.equal(result.code, 0);
    assert.equal(typeof result.durationMs, 'number');
    assert.deepEqual(
      server.commands.map((c) => c.command),
      ['esxcli system version get'],
    );
  });

  it('returns a non-zero exit from run(); the step that needs success fails StepCommandFailed (non-retryable)', async () => {
    server = await TestSshServer.start({
      users,
      exec: () => ({ stderr: 'mlxconfig: device not found\n', code: 3 }),
    });
    const r = newRunner();
    const result = await r.run(endpointOf(server), 'mlxconfig -d mt4129_pciconf0 q', opts);
    assert.equal(result.code, 3);
    // Production asks for success through the step's commands (StepCommands.check), not the runner.
    const step = new StepCommands(r, endpointOf(server, { name: 'esx-01' }), fastTiming, 'read-cards');
    await assert.rejects(step.check(esxCommands.mlxQuery('mt4129_pciconf0')), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, STEP_COMMAND_FAILED);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /^esx-01: `.*mlxconfig -d mt4129_pciconf0 -e query` exited 3: /);
      assert.match(err.message, /device not found/);
      return true;
    });
    assert.equal(step.commands.at(-1)?.exitCode, 3, 'the failed command is in the audit trail');
  });

  it('a failing step names the command and its output redacted and bounded', async () => {
    server = await TestSshServer.start({
      users,
      exec: () => ({ stderr: `password=s3cr3tpw\n${'e'.repeat(20_000)}`, code: 1 }),
    });
    const step = new StepCommands(newRunner(), endpointOf(server), fastTiming, 'read-state');
    const err = await step.check(shellCommand('esxcli --password=s3cr3tpw x')).catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.ok(!err.message.includes('s3cr3tpw'), err.message);
    assert.ok(!JSON.stringify(step.commands).includes('s3cr3tpw'));
    assert.ok(err.message.length < 2_000, `${err.message.length} characters`);
  });

  it('reports a command killed by a signal as 128 + n, with the signal name', async () => {
    server = await TestSshServer.start({ users, exec: () => ({ signal: 'KILL' }) });
    const result = await newRunner().run(endpointOf(server), 'sleep 100', opts);
    assert.equal(result.signal, 'KILL');
    assert.equal(result.code, 128 + 9);
  });

  it('reuses one pooled connection per endpoint, also for concurrent commands', async () => {
    server = await TestSshServer.start({ users });
    const r = newRunner();
    const ep = endpointOf(server);
    await r.run(ep, 'one', opts);
    await r.run(ep, 'two', opts);
    await Promise.all(['a', 'b', 'c', 'd'].map((c) => r.run(ep, c, opts)));
    assert.equal(server.connectionCount, 1);
    assert.equal(server.authenticatedCount, 1);
    assert.equal(server.commands.length, 6);
    assert.equal(r.connectionCount, 1);
  });

  it('keeps separate connections for different credentials or users of the same address', async () => {
    server = await TestSshServer.start({ users: [...users, { username: 'admin', password: PASSWORD }] });
    const r = newRunner();
    await r.run(endpointOf(server), 'x', opts);
    await r.run(endpointOf(server, { username: 'admin' }), 'y', opts);
    assert.equal(server.connectionCount, 2);
  });

  it('refuses a host key mismatch before authentication, naming both fingerprints; no command runs', async () => {
    server = await TestSshServer.start({ users });
    const other = await TestSshServer.start();
    const pinned = other.hostKeyFingerprint;
    await other.close();
    const err = await newRunner()
      .run(
        endpointOf(server, { hostKey: pinned, name: 'esx-07' }),
        'esxcli system shutdown reboot -r test',
        opts,
      )
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyMismatchError, String(err));
    assert.match(err.message, /esx-07/);
    assert.ok(err.message.includes(pinned), 'message names the pinned fingerprint');
    assert.ok(err.message.includes(server.hostKeyFingerprint), 'message names the presented fingerprint');
    assert.deepEqual(server.commands, []);
    assert.deepEqual(server.authAttempts, [], 'no credential offered to an unverified host');
    const failure = failureOf(err);
    assert.equal(failure.type, HOST_KEY_MISMATCH);
    assert.equal(failure.nonRetryable, true);
    assert.doesNotMatch(failure.message, new RegExp(PASSWORD.replace(/[^\w]/g, '.')));
  });

  it('refuses an endpoint with no pinned host key (HostKeyUnknown), reporting what the host presented', async () => {
    server = await TestSshServer.start({ users });
    for (const hostKey of ['', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA']) {
      const err = await newRunner()
        .run(endpointOf(server, { hostKey }), 'uname -a', opts)
        .catch((e: unknown) => e);
      assert.ok(err instanceof HostKeyUnknownError, String(err));
      assert.ok(err.message.includes(server.hostKeyFingerprint));
      const failure = failureOf(err);
      assert.equal(failure.type, HOST_KEY_UNKNOWN);
      assert.equal(failure.nonRetryable, true);
      await runner?.closeAll();
    }
    assert.deepEqual(server.commands, []);
    assert.deepEqual(server.authAttempts, []);
  });

  it('types an authentication failure as SshAuthFailed, non-retryable, without the password', async () => {
    server = await TestSshServer.start({ users: [{ username: 'root', password: 'the-real-one' }] });
    const err = await newRunner()
      .run(endpointOf(server), 'uname', opts)
      .catch((e: unknown) => e);
    assert.ok(err instanceof SshAuthFailedError, String(err));
    assert.match(err.message, /root@test-host/);
    assert.match(err.message, /password from \$IBFLEET_SSH_TEST_PASSWORD/);
    assert.ok(!err.message.includes(PASSWORD));
    const failure = failureOf(err);
    assert.equal(failure.type, SSH_AUTH_FAILED);
    assert.equal(failure.nonRetryable, true);
    assert.ok(!JSON.stringify(failure.details).includes(PASSWORD));
    assert.deepEqual(server.commands, []);
  });

  it('answers keyboard-interactive password prompts (ESXi PAM) when password auth is off', async () => {
    server = await TestSshServer.start({ users, passwordMethod: false, keyboardInteractive: true });
    const result = await newRunner().run(endpointOf(server), 'vmware -v', opts);
    assert.equal(result.code, 0);
    assert.ok(server.authAttempts.some((a) => a.method === 'keyboard-interactive'));
  });

  it('authenticates with a private key file', async () => {
    const pair = generateTestKeyPair();
    const dir = mkdtempSync(join(tmpdir(), 'ibfleet-key-'));
    try {
      const keyPath = join(dir, 'id_ed25519');
      writeFileSync(keyPath, pair.private, { mode: 0o600 });
      server = await TestSshServer.start({ users: [{ username: 'root', publicKey: pair.public }] });
      const result = await newRunner().run(
        endpointOf(server, { credential: { type: 'private-key', path: keyPath } }),
        'id -u',
        opts,
      );
      assert.equal(result.code, 0);
      assert.ok(server.authAttempts.some((a) => a.method === 'publickey'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('types a refused port as HostUnreachable, retryable', async () => {
    // The server first (only for the host key), so the port found free below cannot become its port.
    server = await TestSshServer.start({ users });
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await newRunner()
      .run(endpointOf(server, { port }), 'uname', opts)
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostUnreachableError, String(err));
    assert.equal(err.reason, 'ECONNREFUSED');
    const failure = failureOf(err);
    assert.equal(failure.type, HOST_UNREACHABLE);
    assert.equal(failure.nonRetryable, false);
  });

  it('types a server that never speaks SSH as HostUnreachable (connect timeout)', async () => {
    server = await TestSshServer.start({ users, hangBeforeBanner: true });
    const err = await newRunner()
      .run(endpointOf(server), 'uname', { ...opts, connectTimeoutMs: 300 })
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostUnreachableError, String(err));
    assert.equal(err.reason, 'CONNECT_TIMEOUT');
    assert.equal(failureOf(err).nonRetryable, false);
  });

  it('reports SshConnectionLost when the connection drops mid-command, then reconnects for the next', async () => {
    server = await TestSshServer.start({
      users,
      exec: async (req) => {
        if (req.command === 'reboot-ish') {
          req.write('partial output\n');
          req.dropConnection();
          await untilAborted(req.signal);
        }
        return { stdout: 'fine\n' };
      },
    });
    const r = newRunner();
    const ep = endpointOf(server);
    const err = await r.run(ep, 'reboot-ish', opts).catch((e: unknown) => e);
    assert.ok(err instanceof SshConnectionLostError, String(err));
    assert.equal(err.commandMayHaveStarted, true);
    const failure = failureOf(err);
    assert.equal(failure.type, SSH_CONNECTION_LOST);
    assert.equal(failure.nonRetryable, false);
    assert.equal(
      server.commands.filter((c) => c.command === 'reboot-ish').length,
      1,
      'never re-run a started command',
    );

    const next = await r.run(ep, 'echo ok', opts);
    assert.equal(next.stdout, 'fine\n');
    assert.equal(server.connectionCount, 2);
  });

  it('times out a hanging command (CommandTimeout, retryable) and closes its channel', async () => {
    server = await TestSshServer.start({
      users,
      exec: async (req) => {
        if (req.command === 'hang') await untilAborted(req.signal);
        return { stdout: 'ok\n' };
      },
    });
    const r = newRunner();
    const closed = server.waitFor<{ command: string }>('channel-close', (c) => c.command === 'hang');
    const err = await r.run(endpointOf(server), 'hang', { ...opts, timeoutMs: 200 }).catch((e: unknown) => e);
    assert.ok(err instanceof CommandTimeoutError, String(err));
    const failure = failureOf(err);
    assert.equal(failure.type, COMMAND_TIMEOUT);
    assert.equal(failure.nonRetryable, false);
    await closed;
    // The connection is still good for the next command.
    assert.equal((await r.run(endpointOf(server), 'after', opts)).code, 0);
    assert.equal(server.connectionCount, 1);
  });

  it('cancels via AbortSignal: rejects with the reason and closes the channel', async () => {
    server = await TestSshServer.start({
      users,
      exec: async (req) => {
        await untilAborted(req.signal);
        return {};
      },
    });
    const controller = new AbortController();
    const started = server.waitFor('command');
    const closed = server.waitFor('channel-close');
    const running = newRunner().run(endpointOf(server), 'vmkload_mod -u nmlx5_core', {
      ...opts,
      signal: controller.signal,
    });
    await started;
    const reason = new Error('activity cancelled');
    controller.abort(reason);
    await assert.rejects(running, (e) => e === reason);
    await closed;
  });

  it('an already aborted signal runs nothing', async () => {
    server = await TestSshServer.start({ users });
    const controller = new AbortController();
    controller.abort(new Error('cancelled before start'));
    await assert.rejects(
      newRunner().run(endpointOf(server), 'x', { ...opts, signal: controller.signal }),
      /cancelled before start/,
    );
    assert.equal(server.commands.length, 0);
  });

  it('makes a fresh connection after the server dropped the idle pooled one', async () => {
    server = await TestSshServer.start({ users });
    const r = newRunner();
    const ep = endpointOf(server);
    await r.run(ep, 'first', opts);
    const gone = server.waitFor('connection-close');
    server.dropAllConnections();
    await gone;
    const result = await r.run(ep, 'second', opts);
    assert.equal(result.stdout, 'ran: second\n');
    assert.equal(server.connectionCount, 2);
    assert.deepEqual(
      server.commands.map((c) => c.command),
      ['first', 'second'],
    );
  });

  it('reconnects once, automatically, when the connection died before the command was sent', async () => {
    // Connection 1 dies at channel open (before the exec request); connection 2 works.
    server = await TestSshServer.start({ users, dropOnChannelOpen: (id) => id === 1 });
    const result = await newRunner().run(endpointOf(server), 'esxcli network nic list', opts);
    assert.equal(result.code, 0);
    assert.equal(server.connectionCount, 2);
    assert.equal(server.commands.length, 1);
  });

  it('gives up after one reconnect (SshConnectionLost, command not started)', async () => {
    server = await TestSshServer.start({ users, dropOnChannelOpen: () => true });
    const err = await newRunner()
      .run(endpointOf(server), 'x', opts)
      .catch((e: unknown) => e);
    assert.ok(err instanceof SshConnectionLostError, String(err));
    assert.equal(err.commandMayHaveStarted, false);
    assert.equal(server.connectionCount, 2);
    assert.equal(server.commands.length, 0);
  });

  it('evict() closes the pooled connection; the next command opens a new one', async () => {
    server = await TestSshServer.start({ users });
    const r = newRunner();
    const ep = endpointOf(server);
    await r.run(ep, 'esxcli system shutdown reboot -r "ibfleet"', opts);
    const gone = server.waitFor('connection-close');
    r.evict(ep);
    await gone;
    await r.run(ep, 'uptime', opts);
    assert.equal(server.connectionCount, 2);
  });

  it('closes idle connections after idleTimeoutMs', async () => {
    server = await TestSshServer.start({ users });
    const r = newRunner({ idleTimeoutMs: 100 });
    const gone = server.waitFor('connection-close');
    await r.run(endpointOf(server), 'x', opts);
    await gone;
    assert.equal(r.connectionCount, 0);
  });

  it('closeAll() closes every connection', async () => {
    server = await TestSshServer.start({ users });
    const r = newRunner();
    await r.run(endpointOf(server), 'x', opts);
    await r.run(endpointOf(server, { name: 'alias' }), 'y', opts);
    assert.equal(r.connectionCount, 2);
    await r.closeAll();
    assert.equal(r.connectionCount, 0);
  });

  it('bounds output: keeps head and tail with a marker', async () => {
    const big = `HEAD${'x'.repeat(100_000)}TAIL`;
    server = await TestSshServer.start({ users, exec: () => ({ stdout: big }) });
    const result = await newRunner().run(endpointOf(server), 'cat big', { ...opts, maxOutputBytes: 1_000 });
    assert.ok(result.stdout.startsWith('HEAD'));
    assert.ok(result.stdout.endsWith('TAIL'));
    assert.match(result.stdout, /\[\d+ bytes cut\]/);
    assert.ok(result.stdout.length < 1_100);
  });

  it('limits concurrent handshakes across the pool (maxConcurrentHandshakes)', async () => {
    server = await TestSshServer.start({ users });
    const r = newRunner({ maxConcurrentHandshakes: 2 });
    const s = server;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => r.run(endpointOf(s, { name: `h${i}` }), 'x', opts)),
    );
    assert.equal(server.authenticatedCount, 6);
    assert.ok(
      server.maxConcurrentHandshakes <= 2,
      `saw ${server.maxConcurrentHandshakes} handshakes at once`,
    );
  });

  it('limits concurrent channels per connection and still runs every command', async () => {
    let running = 0;
    let maxRunning = 0;
    server = await TestSshServer.start({
      users,
      exec: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return { stdout: 'ok\n' };
      },
    });
    const r = newRunner({ maxChannelsPerConnection: 2 });
    const ep = endpointOf(server);
    await Promise.all(Array.from({ length: 6 }, (_, i) => r.run(ep, `c${i}`, opts)));
    assert.equal(server.commands.length, 6);
    assert.ok(maxRunning <= 2, `at most 2 channels at once, saw ${maxRunning}`);
  });
});
