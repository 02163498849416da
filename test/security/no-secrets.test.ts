import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TemporalFactory } from '../../client/deps';
import { rolloutWorkflowId, targetWorkflowId } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { harness } from '../client/harness';
import { fastTimingFlags, spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { generateTestKeyPair, TestSshServer, type ExecReply } from '../helpers/ssh-test-server';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { historyText, keyBody, leaksOf, type HistoryText } from './history-text';

// Credentials never reach Temporal, logs or the client: a rollout over hosts reached with a password
// (from the worker's environment) and with a private key, one of them refusing the password, and one
// "host" whose commands print a private key, a password and megabytes of text. Every workflow history
// of the run (payloads decoded), the worker's stdout/stderr and the CLI's output are searched for the
// password, the key's base64 body and every 20-character piece of it.

const PASSWORD_ENV = 'IBFLEET_SSH_SEC_FLEET_PASSWORD';
const LEAKY_ENV = 'IBFLEET_SSH_SEC_LEAKY_PASSWORD';
const FAST = fastTimingFlags('3s');
const FILLER_BYTES = 300_000;

describe('security: no secret in Temporal histories, worker logs or client output', function () {
  this.timeout(150_000);
  let fleet: Fleet | undefined;
  let leaky: TestSshServer | undefined;
  let worker: WorkerProcess | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-no-secrets-'));
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;

  after(async () => {
    await worker?.kill('SIGKILL');
    await leaky?.close();
    await fleet?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  it('finds neither the password nor any piece of the private key anywhere, and stores command output bounded and redacted', async () => {
    const { client } = await testEnv();
    const taskQueue = uniqueTaskQueue('no-secrets');
    const prefix = `sec${process.pid}-`;
    fleet = await startFleet({
      hosts: 4,
      clusters: 2,
      namePrefix: prefix,
      bootTimeMs: 200,
      controlPort: false,
    });
    const [pw1, pwRefused, key1, key2] = fleet.inventory.hosts;
    fleet.setFaults(pwRefused.name, { authFail: true });

    // A host whose every command prints secrets and far too much text, then fails.
    const leakyPassword = randomBytes(18).toString('base64url');
    const printedPassword = randomBytes(18).toString('base64url');
    const printedKey = generateTestKeyPair().private;
    const secretOutput = `${printedKey}\nmysql --user=root password=${printedPassword}\n${'x'.repeat(FILLER_BYTES)}\nmore: secret=${printedPassword}\n`;
    leaky = await TestSshServer.start({
      users: [{ username: 'root', password: leakyPassword }],
      exec: (req): ExecReply => {
        if (req.command === 'esxcli system stats uptime get') return { stdout: '123456789000\n' };
        if (req.command.startsWith('grep booted')) return { code: 1 };
        return { stdout: secretOutput, stderr: '', code: 1 };
      },
    });
    const leakyName = `${prefix}leaky`;

    const inventory = path.join(dir, 'fleet.yaml');
    const hostYaml = (
      h: { name: string; address: string; port: number; hostKey: string },
      credential?: string,
    ) =>
      [
        `      - name: ${h.name}`,
        `        address: ${h.address}`,
        `        port: ${h.port}`,
        `        hostKey: ${h.hostKey}`,
        ...(credential ? [`        credential: ${credential}`] : []),
      ].join('\n');
    const password = `{ type: password-env, env: ${PASSWORD_ENV} }`;
    fs.writeFileSync(
      inventory,
      [
        'version: 1',
        'defaults:',
        '  username: root',
        `  credential: { type: private-key, path: ${JSON.stringify(fleet.clientKeyPath)} }`,
        'clusters:',
        '  - name: sec-a',
        '    hosts:',
        hostYaml(pw1, password),
        hostYaml(pwRefused, password),
        hostYaml(key1),
        '  - name: sec-b',
        '    hosts:',
        hostYaml(key2),
        hostYaml(
          { name: leakyName, address: leaky.address, port: leaky.port, hostKey: leaky.hostKeyFingerprint },
          `{ type: password-env, env: ${LEAKY_ENV} }`,
        ),
        '',
      ].join('\n'),
    );

    worker = await spawnWorker(taskQueue, {
      [PASSWORD_ENV]: fleet.password,
      [LEAKY_ENV]: leakyPassword,
      IBFLEET_LOG_LEVEL: 'DEBUG',
    });
    await worker.ready;
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    const connect: TemporalFactory = () =>
      Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
    const rolloutId = `sec-${process.pid}`;
    const cli = [
      harness({ connectTemporal: connect }),
      harness({ connectTemporal: connect }),
      harness({ connectTemporal: connect }),
    ];
    const code = await cli[0].run(
      'rollout',
      'start',
      'recovery-cycle',
      '-i',
      inventory,
      '--id',
      rolloutId,
      '--max-parallel',
      '5',
      '--per-cluster',
      '0',
      '--max-failures',
      '2',
      '--watch',
      ...FAST,
    );
    assert.equal(code, 1, 'two hosts fail, so the rollout does not succeed');
    assert.equal(await cli[1].run('rollout', 'status', rolloutId, '--json'), 0, cli[1].stderr());
    assert.equal(await cli[2].run('rollout', 'report', rolloutId, '--format', 'jsonl'), 0, cli[2].stderr());

    // The run did what it should: password and key hosts succeeded, the refused password and the leaky host failed.
    const status = JSON.parse(cli[1].stdout()) as {
      report?: { hosts: { name: string; phase: string; failureType?: string; reason?: string }[] };
    };
    const phase = (name: string) => status.report?.hosts.find((h) => h.name === name);
    for (const h of [pw1, key1, key2])
      assert.equal(phase(h.name)?.phase, 'succeeded', JSON.stringify(phase(h.name)));
    assert.equal(phase(pwRefused.name)?.failureType, 'SshAuthFailed');
    assert.equal(phase(leakyName)?.phase, 'failed');
    assert.match(phase(leakyName)?.reason ?? '', /\[REDACTED\]/, 'the failure quotes the output, redacted');

    const histories: HistoryText[] = [await historyText(client, rolloutWorkflowId(rolloutId))];
    for (const name of [pw1.name, pwRefused.name, key1.name, key2.name, leakyName]) {
      histories.push(await historyText(client, targetWorkflowId({ kind: 'esxi', name })));
    }
    const places: [string, string][] = [
      ...histories.map((h): [string, string] => [`history of ${h.workflowId}`, h.all]),
      ['worker stdout/stderr', worker.output()],
      ...cli.map((c, i): [string, string] => [`CLI run ${i + 1}`, c.stdout() + c.stderr()]),
    ];
    const fleetKey = keyBody(fs.readFileSync(fleet.clientKeyPath, 'utf8'));
    const secrets: [string, string, number | undefined][] = [
      ['the fleet password', fleet.password, undefined],
      ['the leaky host password', leakyPassword, undefined],
      ['the fleet private key', fleetKey, 20],
      ['a password printed by a command', printedPassword, undefined],
      ['a private key printed by a command', keyBody(printedKey), 20],
    ];
    const leaks: string[] = [];
    for (const [where, text] of places) {
      for (const [what, secret, slice] of secrets) {
        const found = leaksOf(text, secret, slice);
        if (found.length > 0) leaks.push(`${where} holds ${what} (${found.slice(0, 3).join(', ')})`);
      }
    }
    assert.deepEqual(leaks, []);
    // The search does look inside payloads: the credential *reference* (a variable name) is there.
    assert.ok(
      histories[1].payloads.some((p) => p.text.includes(PASSWORD_ENV)),
      'decoded payloads were searched',
    );
    assert.match(worker.output(), /DEBUG/, 'the worker logged at DEBUG, so there was plenty to search');
    assert.ok(worker.output().length > 1_000);

    // The leaky host's output reached its history only redacted and bounded.
    const leakyHistory = histories[histories.length - 1];
    assert.match(leakyHistory.all, /\[REDACTED\]/, 'the secret-looking output was stored redacted');
    assert.ok(
      !leakyHistory.all.includes('x'.repeat(2_000)),
      'no long stretch of the command output was stored',
    );
    assert.ok(
      leakyHistory.json.length < 100_000,
      `the history stays small (${leakyHistory.json.length} characters of JSON)`,
    );
  });
});
