import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { checkCredentials } from '../../activities/credential-check';
import { credentialPolicyFromEnv } from '../../activities/ssh/credential-policy';
import { CredentialResolver } from '../../activities/ssh/credentials';
import type { TemporalFactory } from '../../client/deps';
import type { CredentialCheckInput } from '../../common/credential-check';
import { rolloutWorkflowId } from '../../common/targets';
import { generateTestKeyPair } from '../helpers/ssh-test-server';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { harness, tempDir, VALID_INVENTORY } from './harness';

// Issue #12 and #18.1 at the CLI: a credential that cannot work is refused before anything starts,
// with exit 2 naming the host, the field and why. What the CLI can see it checks itself (the policy,
// key files that are here); what only the worker can see (its variables, its files) the worker checks
// — `rollout start` always asks it, `inventory check --on-worker` on demand — and no rollout starts.

const PASSPHRASE = 'correct horse battery staple';
const ESX02 = '{ type: password-env, env: IBFLEET_SSH_ESX02_PASSWORD }';

describe('client: credentials that cannot work are refused before anything starts', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  const keys = join(tmp.dir, 'keys');
  const outside = join(tmp.dir, 'outside');
  /** The CLI and the test worker allow key files under `keys` only. */
  const policyEnv = { IBFLEET_CREDENTIAL_KEY_DIRS: keys };
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  const connect: TemporalFactory = () =>
    Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
  const checkedOnWorker: CredentialCheckInput[] = [];

  /** VALID_INVENTORY with the default key in `keys` and esx-02's credential replaced. */
  function inventory(name: string, esx02Credential: string): string {
    const text = VALID_INVENTORY.replace(
      'path: /etc/ibfleet/keys/id_ed25519',
      `path: ${join(keys, 'id_good')}`,
    ).replace(ESX02, esx02Credential);
    return tmp.write(`${name}.yaml`, text);
  }

  before(async () => {
    mkdirSync(keys);
    mkdirSync(outside);
    mkdirSync(join(keys, 'a-directory'));
    const pair = generateTestKeyPair();
    writeFileSync(join(keys, 'id_good'), pair.private, { mode: 0o600 });
    writeFileSync(join(keys, 'id_good.pub'), pair.public);
    writeFileSync(join(keys, 'notes.txt'), 'password=SuperSecret123\n');
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      PASSPHRASE,
      '-C',
      'enc',
      '-f',
      join(keys, 'id_enc'),
    ]);
    writeFileSync(join(outside, 'id_elsewhere'), pair.private, { mode: 0o600 });
    symlinkSync(join(outside, 'id_elsewhere'), join(keys, 'id_link_out'));

    const env = await testEnv();
    client = env.client;
    const taskQueue = uniqueTaskQueue('cli-credentials');
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    // The worker: the real credential check over its own environment (esx-02's password is set there).
    const resolver = new CredentialResolver(
      { IBFLEET_SSH_ESX02_PASSWORD: 'pw-on-the-worker' },
      credentialPolicyFromEnv(policyEnv),
    );
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/stub-rollout-workflows')),
      activities: {
        checkCredentials: (input: CredentialCheckInput) => {
          checkedOnWorker.push(input);
          return Promise.resolve(checkCredentials(resolver, input));
        },
      },
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running;
    tmp.cleanup();
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  async function expectNoRollout(id: string): Promise<void> {
    await assert.rejects(client.workflow.getHandle(rolloutWorkflowId(id)).describe(), WorkflowNotFoundError);
  }

  // Refused by the CLI alone: exit 2 before Temporal is contacted.
  const local: {
    name: string;
    credential: string;
    env?: Record<string, string>;
    field: string;
    reason: RegExp;
  }[] = [
    {
      name: 'a variable of the worker’s own (TEMPORAL_API_KEY)',
      credential: '{ type: password-env, env: TEMPORAL_API_KEY }',
      field: 'credential.env',
      reason:
        /environment variable TEMPORAL_API_KEY is one of the worker's own settings and never a credential/,
    },
    {
      name: 'a variable without the allowed prefix',
      credential: '{ type: password-env, env: ESXI_ROOT_PASSWORD }',
      env: { ESXI_ROOT_PASSWORD: 'set-here' },
      field: 'credential.env',
      reason:
        /environment variable ESXI_ROOT_PASSWORD is not allowed as a credential \(allowed: IBFLEET_SSH_\*/,
    },
    {
      name: 'an agent socket variable that is not allowed',
      credential: '{ type: agent, socketEnv: HOME }',
      field: 'credential.socketEnv',
      reason: /environment variable HOME is not allowed as a credential/,
    },
    {
      name: 'a key file outside the allowed directories',
      credential: `{ type: private-key, path: ${join(outside, 'id_elsewhere')} }`,
      field: 'credential.path',
      reason: /id_elsewhere is outside the directories keys may be read from/,
    },
    {
      name: 'a symlink out of the allowed directories',
      credential: `{ type: private-key, path: ${join(keys, 'id_link_out')} }`,
      field: 'credential.path',
      reason: /id_link_out \(.*outside\/id_elsewhere\) is outside the directories/,
    },
    {
      name: 'a file that is not a key',
      credential: `{ type: private-key, path: ${join(keys, 'notes.txt')} }`,
      field: 'credential.path',
      reason: /notes\.txt is not a private key/,
    },
    {
      name: 'a public key',
      credential: `{ type: private-key, path: ${join(keys, 'id_good.pub')} }`,
      field: 'credential.path',
      reason: /id_good\.pub holds a public key, not a private key/,
    },
    {
      name: 'a directory',
      credential: `{ type: private-key, path: ${join(keys, 'a-directory')} }`,
      field: 'credential.path',
      reason: /a-directory is not a regular file/,
    },
    {
      name: 'an encrypted key without a passphrase reference',
      credential: `{ type: private-key, path: ${join(keys, 'id_enc')} }`,
      field: 'credential.path',
      reason: /id_enc is encrypted and no passphraseEnv is given/,
    },
    {
      name: 'an encrypted key whose passphrase (set here) is wrong',
      credential: `{ type: private-key, path: ${join(keys, 'id_enc')}, passphraseEnv: IBFLEET_SSH_KEY_PASS }`,
      env: { IBFLEET_SSH_KEY_PASS: 'not it' },
      field: 'credential.passphraseEnv',
      reason: /the passphrase from IBFLEET_SSH_KEY_PASS does not decrypt key .*id_enc/,
    },
  ];

  for (const c of local)
    it(`refuses ${c.name} in inventory check and rollout start (exit 2, host and field named, Temporal not contacted)`, async () => {
      const file = inventory(c.name.replace(/\W+/g, '-'), c.credential);
      for (const argv of [
        ['inventory', 'check', '-i', file],
        ['rollout', 'start', 'recovery-cycle', '-i', file, '--select', 'name=esx-02'],
      ]) {
        const h = harness({ env: { ...policyEnv, ...c.env } });
        assert.equal(await h.run(...argv), 2, `${argv[0]}: ${h.stderr()}`);
        assert.ok(h.stderr().includes(`clusters[0].hosts[1].${c.field}: esx-02: `), h.stderr());
        assert.match(h.stderr(), c.reason);
        assert.ok(
          !h.stderr().includes('SuperSecret123') && !h.stderr().includes('not it'),
          'no content or secret echoed',
        );
        assert.equal(h.temporalCalls(), 0);
        assert.equal(h.stdout(), '');
      }
    });

  // What only the worker can tell: the CLI notes it, the worker refuses it.
  const onWorker: {
    name: string;
    credential: string;
    env?: Record<string, string>;
    field: string;
    reason: RegExp;
  }[] = [
    {
      name: 'a key file that does not exist',
      credential: `{ type: private-key, path: ${join(keys, 'id_missing')} }`,
      field: 'credential.path',
      reason: /key file .*id_missing does not exist/,
    },
    {
      name: 'a password variable the worker does not have (the CLI has it)',
      credential: '{ type: password-env, env: IBFLEET_SSH_ONLY_HERE }',
      env: { IBFLEET_SSH_ONLY_HERE: 'set-on-the-cli-machine' },
      field: 'credential.env',
      reason: /environment variable IBFLEET_SSH_ONLY_HERE \(the password\) is not set/,
    },
    {
      name: 'an encrypted key whose passphrase variable the worker does not have',
      credential: `{ type: private-key, path: ${join(keys, 'id_enc')}, passphraseEnv: IBFLEET_SSH_KEY_PASS }`,
      field: 'credential.passphraseEnv',
      reason:
        /environment variable IBFLEET_SSH_KEY_PASS \(the passphrase of encrypted key .*id_enc\) is not set/,
    },
  ];

  onWorker.forEach((c, i) =>
    it(`refuses ${c.name}: rollout start and inventory check --on-worker ask the worker (exit 2, no rollout)`, async () => {
      const file = inventory(`worker-${i}`, c.credential);
      const plain = harness({ env: { ...policyEnv, ...c.env } });
      assert.equal(await plain.run('inventory', 'check', '-i', file), 0, plain.stderr());
      assert.equal(plain.temporalCalls(), 0);
      if (!c.env)
        assert.match(
          plain.stdout(),
          /credential references the worker checks before a rollout starts \(not visible here; --on-worker checks now\):\n {2}.*on this machine/,
        );

      const id = `cred-refused-${i}-${process.pid}`;
      for (const argv of [
        ['inventory', 'check', '-i', file, '--on-worker'],
        ['rollout', 'start', 'recovery-cycle', '-i', file, '--id', id],
      ]) {
        const h = harness({ connectTemporal: connect, env: { ...policyEnv, ...c.env } });
        const before = checkedOnWorker.length;
        assert.equal(await h.run(...argv), 2, `${argv.join(' ')}: ${h.stderr()}`);
        assert.equal(checkedOnWorker.length, before + 1, 'the worker was asked');
        assert.ok(h.stderr().includes(`clusters[0].hosts[1].${c.field}: esx-02: `), h.stderr());
        assert.match(h.stderr(), c.reason);
        assert.match(h.stderr(), /\(on the worker\)/);
        assert.ok(!h.stderr().includes('set-on-the-cli-machine'));
        assert.equal(h.stdout(), '');
      }
      await expectNoRollout(id);
    }),
  );

  it('starts when the worker can use every credential; the worker was asked about every endpoint', async () => {
    const file = inventory('good', ESX02);
    const check = harness({ connectTemporal: connect, env: policyEnv });
    assert.equal(await check.run('inventory', 'check', '-i', file, '--on-worker'), 0, check.stderr());
    assert.match(check.stdout(), /credential references: the worker can use every one/);

    const id = `cred-ok-${process.pid}`;
    const start = harness({ connectTemporal: connect, env: policyEnv });
    assert.equal(
      await start.run(
        'rollout',
        'start',
        'recovery-cycle',
        '-i',
        file,
        '--select',
        'cluster=gpu-a',
        '--id',
        id,
      ),
      0,
      start.stderr(),
    );
    assert.match(start.stdout(), new RegExp(`Started rollout ${id}`));
    assert.deepEqual(
      checkedOnWorker[checkedOnWorker.length - 1].endpoints.map((e) => e.endpoint),
      ['esx-01', 'esx-02', 'esx-03'],
    );
    await client.workflow.getHandle(rolloutWorkflowId(id)).result();
  });

  it('refuses a malformed credential policy setting of the CLI (exit 2)', async () => {
    const h = harness({ env: { IBFLEET_CREDENTIAL_KEY_DIRS: 'relative/keys' } });
    assert.equal(await h.run('inventory', 'check', '-i', inventory('policy', ESX02)), 2);
    assert.match(h.stderr(), /IBFLEET_CREDENTIAL_KEY_DIRS: "relative\/keys" is not an absolute directory/);
  });
});
