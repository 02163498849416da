import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { CREDENTIAL_UNAVAILABLE } from '../../common/failure-types';
import { CredentialResolver, describeCredential } from '../../activities/ssh/credentials';
import {
  CredentialUnavailableError,
  SshAuthFailedError,
  toActivityFailure,
} from '../../activities/ssh/errors';
import { SshRunner } from '../../activities/ssh/run-command';
import { endpointOf, TestSshServer } from '../helpers/ssh-test-server';

const endpoint = { name: 'esx-01', address: '127.0.0.1', port: 22 };
const PASSWORD = 'hunter2-but-longer-Q9';
const PASSPHRASE = 'correct horse battery staple';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

describe('ssh: credentials', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ibfleet-cred-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('password-env: a missing variable is a non-retryable error naming the variable', async () => {
    const err = await rejection(
      new CredentialResolver({}).resolve(
        { type: 'password-env', env: 'IBFLEET_SSH_ESXI_ROOT_PASSWORD' },
        endpoint,
        'root',
      ),
    );
    assert.ok(err instanceof CredentialUnavailableError);
    assert.match(err.message, /IBFLEET_SSH_ESXI_ROOT_PASSWORD/);
    assert.match(err.message, /esx-01/);
    const failure = toActivityFailure(err);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, CREDENTIAL_UNAVAILABLE);
    assert.equal(failure.nonRetryable, true);
  });

  it('password-env: the resolved config holds the password but never prints it', async () => {
    const resolved = await new CredentialResolver({ IBFLEET_SSH_PW: PASSWORD }).resolve(
      { type: 'password-env', env: 'IBFLEET_SSH_PW' },
      endpoint,
      'root',
    );
    assert.equal(resolved.description, 'password from $IBFLEET_SSH_PW');
    assert.ok(!JSON.stringify(resolved).includes(PASSWORD));
    assert.ok(!inspect(resolved, { depth: 10 }).includes(PASSWORD));
    assert.ok(!`${resolved.description}`.includes(PASSWORD));
  });

  it('agent: uses SSH_AUTH_SOCK or the named variable; missing is an error naming it', async () => {
    const socket = join(dir, 'agent.sock');
    const agent = createServer();
    await new Promise<void>((resolve) => agent.listen(socket, resolve));
    try {
      const viaDefault = await new CredentialResolver({ SSH_AUTH_SOCK: socket }).resolve(
        { type: 'agent' },
        endpoint,
        'root',
      );
      assert.equal(viaDefault.description, 'ssh-agent ($SSH_AUTH_SOCK)');
    } finally {
      await new Promise((resolve) => agent.close(resolve));
    }
    const gone = await rejection(
      new CredentialResolver({ SSH_AUTH_SOCK: socket }).resolve({ type: 'agent' }, endpoint, 'root'),
    );
    assert.ok(gone instanceof CredentialUnavailableError);
    assert.match(gone.message, /ssh-agent socket .*agent\.sock \(from SSH_AUTH_SOCK\) does not exist/);
    const err = await rejection(
      new CredentialResolver({}).resolve({ type: 'agent', socketEnv: 'IBFLEET_SSH_AGENT' }, endpoint, 'root'),
    );
    assert.ok(err instanceof CredentialUnavailableError);
    assert.match(err.message, /IBFLEET_SSH_AGENT/);
  });

  it('private-key: a missing file names the path', async () => {
    const path = join(dir, 'nope');
    const err = await rejection(
      new CredentialResolver({}).resolve({ type: 'private-key', path }, endpoint, 'root'),
    );
    assert.ok(err instanceof CredentialUnavailableError);
    assert.ok(err.message.includes(path));
    assert.match(err.message, /does not exist/);
  });

  it('private-key: an encrypted key needs passphraseEnv; a wrong passphrase is reported without key material', async () => {
    const keyPath = join(dir, 'id_enc');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'enc', '-f', keyPath]);
    const keyText = readFileSync(keyPath, 'utf8');
    const keyBody = keyText.split('\n')[1] ?? '';

    const noPassphrase = await rejection(
      new CredentialResolver({}).resolve({ type: 'private-key', path: keyPath }, endpoint, 'root'),
    );
    assert.ok(noPassphrase instanceof CredentialUnavailableError);
    assert.match(noPassphrase.message, /encrypted/);

    const missingVar = await rejection(
      new CredentialResolver({}).resolve(
        { type: 'private-key', path: keyPath, passphraseEnv: 'IBFLEET_SSH_KEY_PASS' },
        endpoint,
        'root',
      ),
    );
    assert.ok(missingVar instanceof CredentialUnavailableError);
    assert.match(missingVar.message, /IBFLEET_SSH_KEY_PASS/);

    const wrong = await rejection(
      new CredentialResolver({ IBFLEET_SSH_KEY_PASS: 'not it' }).resolve(
        { type: 'private-key', path: keyPath, passphraseEnv: 'IBFLEET_SSH_KEY_PASS' },
        endpoint,
        'root',
      ),
    );
    assert.ok(wrong instanceof CredentialUnavailableError);
    assert.match(wrong.message, /passphrase from IBFLEET_SSH_KEY_PASS does not decrypt/);

    for (const err of [noPassphrase, missingVar, wrong]) {
      const text = `${(err as Error).message}\n${(err as Error).stack ?? ''}\n${JSON.stringify(toActivityFailure(err))}`;
      assert.ok(!text.includes(PASSPHRASE));
      assert.ok(!text.includes('not it'));
      assert.ok(!text.includes(keyBody));
    }

    const ok = await new CredentialResolver({ IBFLEET_SSH_KEY_PASS: PASSPHRASE }).resolve(
      { type: 'private-key', path: keyPath, passphraseEnv: 'IBFLEET_SSH_KEY_PASS' },
      endpoint,
      'root',
    );
    assert.ok(!JSON.stringify(ok).includes(PASSPHRASE));
  });

  it('private-key: a file that is not a key is refused without echoing its content', async () => {
    const path = join(dir, 'not-a-key');
    writeFileSync(path, 'password=SuperSecret123\n');
    const err = await rejection(
      new CredentialResolver({}).resolve({ type: 'private-key', path }, endpoint, 'root'),
    );
    assert.ok(err instanceof CredentialUnavailableError);
    assert.ok(!err.message.includes('SuperSecret123'));
  });

  it('an encrypted key authenticates end to end with its passphrase from the environment', async () => {
    const keyPath = join(dir, 'id_login');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'login', '-f', keyPath]);
    const server = await TestSshServer.start({
      users: [{ username: 'root', publicKey: readFileSync(`${keyPath}.pub`, 'utf8') }],
    });
    const runner = new SshRunner({
      credentials: new CredentialResolver({ IBFLEET_SSH_KEY_PASS: PASSPHRASE }),
    });
    try {
      const ep = endpointOf(server, {
        credential: { type: 'private-key', path: keyPath, passphraseEnv: 'IBFLEET_SSH_KEY_PASS' },
      });
      const result = await runner.run(ep, 'id', { timeoutMs: 5_000, connectTimeoutMs: 5_000 });
      assert.equal(result.code, 0);
    } finally {
      await runner.closeAll();
      await server.close();
    }
  });

  it('no secret (password, passphrase, key material) appears in any error of a failed login', async () => {
    const keyPath = join(dir, 'id_wrong');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'wrong', '-f', keyPath]);
    const keyBody = readFileSync(keyPath, 'utf8').split('\n')[1] ?? '';
    const server = await TestSshServer.start({ users: [{ username: 'root', password: 'something-else' }] });
    const runner = new SshRunner({ credentials: new CredentialResolver({ IBFLEET_SSH_PW: PASSWORD }) });
    try {
      for (const credential of [
        { type: 'password-env', env: 'IBFLEET_SSH_PW' },
        { type: 'private-key', path: keyPath },
      ] as const) {
        const err = await rejection(
          runner.run(endpointOf(server, { credential }), 'id', { timeoutMs: 5_000, connectTimeoutMs: 5_000 }),
        );
        assert.ok(err instanceof SshAuthFailedError, String(err));
        const text = [
          (err as Error).message,
          (err as Error).stack ?? '',
          inspect(err, { depth: 10 }),
          JSON.stringify(toActivityFailure(err)),
          inspect(toActivityFailure(err), { depth: 10 }),
        ].join('\n');
        assert.ok(!text.includes(PASSWORD), 'password leaked');
        assert.ok(!text.includes(keyBody), 'key material leaked');
        assert.match(
          (err as Error).message,
          new RegExp(describeCredential(credential).replace(/[$()]/g, '\\$&')),
        );
      }
    } finally {
      await runner.closeAll();
      await server.close();
    }
  });
});
