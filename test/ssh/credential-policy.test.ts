import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCredentials } from '../../activities/credential-check';
import {
  checkKeyPath,
  CredentialPolicyError,
  credentialPolicyFromEnv,
  credentialPolicyProblems,
  envNameRefusal,
} from '../../activities/ssh/credential-policy';
import { CredentialResolver } from '../../activities/ssh/credentials';
import { CredentialUnavailableError } from '../../activities/ssh/errors';
import { SshRunner } from '../../activities/ssh/run-command';
import { endpointOf, generateTestKeyPair, TestSshServer } from '../helpers/ssh-test-server';

// Issue #18.1: a credential reference may name only what the worker's operator allows — variables with
// an allowed prefix or name, key files under allowed directories (symlinks and ".." resolved) — and the
// worker refuses anything else before it connects anywhere.

const SECRET = 'the-temporal-api-key-Q7x';

describe('ssh: the credential policy', () => {
  let dir: string;
  let keys: string;
  let outside: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ibfleet-policy-'));
    keys = join(dir, 'keys');
    outside = join(dir, 'outside');
    mkdirSync(keys);
    mkdirSync(outside);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads its settings, with defaults, and refuses settings that would allow the worker’s own secrets', () => {
    const defaults = credentialPolicyFromEnv({}, '/home/op');
    assert.deepEqual(defaults, {
      envPrefixes: ['IBFLEET_SSH_'],
      envNames: [],
      keyDirs: ['/home/op/.ssh', '/etc/ibfleet/keys'],
    });
    const custom = credentialPolicyFromEnv(
      {
        IBFLEET_CREDENTIAL_ENV_PREFIXES: 'ESXI_PW_, IBFLEET_SSH_',
        IBFLEET_CREDENTIAL_ENV_NAMES: 'LAB_ROOT_PASSWORD',
        IBFLEET_CREDENTIAL_KEY_DIRS: '~/keys,/srv/keys',
      },
      '/home/op',
    );
    assert.deepEqual(custom, {
      envPrefixes: ['ESXI_PW_', 'IBFLEET_SSH_'],
      envNames: ['LAB_ROOT_PASSWORD'],
      keyDirs: ['/home/op/keys', '/srv/keys'],
    });
    for (const [env, re] of [
      [
        { IBFLEET_CREDENTIAL_ENV_NAMES: 'TEMPORAL_API_KEY' },
        /IBFLEET_CREDENTIAL_ENV_NAMES: "TEMPORAL_API_KEY"/,
      ],
      [
        { IBFLEET_CREDENTIAL_ENV_PREFIXES: 'IBFLEET_CODEC_' },
        /IBFLEET_CREDENTIAL_ENV_PREFIXES: "IBFLEET_CODEC_"/,
      ],
      [{ IBFLEET_CREDENTIAL_ENV_PREFIXES: 'A-B' }, /not an environment variable name/],
      [
        { IBFLEET_CREDENTIAL_KEY_DIRS: 'keys' },
        /IBFLEET_CREDENTIAL_KEY_DIRS: "keys" is not an absolute directory/,
      ],
    ] as const)
      assert.throws(
        () => credentialPolicyFromEnv(env),
        (e: unknown) => e instanceof CredentialPolicyError && re.test(e.message),
      );
  });

  it('allows variables by prefix or name only, never the worker’s own, and SSH_AUTH_SOCK only as an agent socket', () => {
    const policy = credentialPolicyFromEnv({
      IBFLEET_CREDENTIAL_ENV_PREFIXES: 'IBFLEET_SSH_,T',
      IBFLEET_CREDENTIAL_ENV_NAMES: 'LAB_PW',
    });
    assert.equal(envNameRefusal('IBFLEET_SSH_ESX_PASSWORD', policy), undefined);
    assert.equal(envNameRefusal('LAB_PW', policy), undefined);
    assert.equal(envNameRefusal('TOKEN', policy), undefined);
    assert.match(
      envNameRefusal('TEMPORAL_API_KEY', policy) ?? '',
      /TEMPORAL_API_KEY is one of the worker's own settings/,
    );
    assert.match(envNameRefusal('IBFLEET_CODEC_KEYS', policy) ?? '', /own settings/);
    assert.match(
      envNameRefusal('AWS_SECRET_ACCESS_KEY', policy) ?? '',
      /AWS_SECRET_ACCESS_KEY is not allowed as a credential \(allowed: IBFLEET_SSH_\*, T\*, LAB_PW;/,
    );
    assert.match(envNameRefusal('SSH_AUTH_SOCK', policy) ?? '', /not allowed/);
    assert.equal(envNameRefusal('SSH_AUTH_SOCK', policy, true), undefined);
    assert.deepEqual(
      credentialPolicyProblems({ type: 'agent', socketEnv: 'HOME' }, policy).map((p) => p.field),
      ['credential.socketEnv'],
    );
    assert.deepEqual(credentialPolicyProblems({ type: 'agent' }, policy), []);
  });

  it('allows key files under the allowed directories only, with symlinks and ".." resolved', () => {
    const policy = credentialPolicyFromEnv({ IBFLEET_CREDENTIAL_KEY_DIRS: keys });
    writeFileSync(join(keys, 'id_ed25519'), 'x');
    writeFileSync(join(outside, 'secret'), 'x');
    symlinkSync(join(outside, 'secret'), join(keys, 'link-out'));
    symlinkSync(join(keys, 'id_ed25519'), join(outside, 'link-in'));
    symlinkSync(outside, join(keys, 'dir-out'));

    assert.deepEqual(checkKeyPath(join(keys, 'id_ed25519'), policy), {
      allowed: true,
      realPath: join(keys, 'id_ed25519'),
    });
    assert.deepEqual(checkKeyPath(join(keys, 'not-yet'), policy), {
      allowed: true,
      realPath: join(keys, 'not-yet'),
    });
    // A link from elsewhere to an allowed key is read at its real place.
    assert.deepEqual(checkKeyPath(join(outside, 'link-in'), policy), {
      allowed: true,
      realPath: join(keys, 'id_ed25519'),
    });
    for (const escape of [
      join(outside, 'secret'),
      `${keys}/../outside/secret`,
      join(keys, 'link-out'),
      join(keys, 'dir-out', 'secret'),
      `${keys}/dir-out/../../outside/nothing`,
      keys,
      '/etc/passwd',
    ]) {
      const check = checkKeyPath(escape, policy);
      assert.equal(check.allowed, false, escape);
      if (!check.allowed)
        assert.match(
          check.reason,
          /is outside the directories keys may be read from .*IBFLEET_CREDENTIAL_KEY_DIRS/,
        );
    }
    assert.equal(checkKeyPath('keys/id_ed25519', policy).allowed, false);
  });

  it('the worker refuses TEMPORAL_API_KEY as a password before connecting: the server sees no connection', async () => {
    const server = await TestSshServer.start({ users: [{ username: 'root', password: SECRET }] });
    // The variable is set and holds exactly what the server would accept.
    const runner = new SshRunner({
      credentials: new CredentialResolver({ TEMPORAL_API_KEY: SECRET, IBFLEET_SSH_PW: SECRET }),
    });
    try {
      const err = await runner
        .run(endpointOf(server, { credential: { type: 'password-env', env: 'TEMPORAL_API_KEY' } }), 'id', {
          timeoutMs: 5_000,
          connectTimeoutMs: 5_000,
        })
        .then(
          () => assert.fail('expected a refusal'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof CredentialUnavailableError, String(err));
      assert.match(err.message, /test-host/);
      assert.match(
        err.message,
        /credential\.env: environment variable TEMPORAL_API_KEY is one of the worker's own settings/,
      );
      assert.ok(!err.message.includes(SECRET));
      assert.equal(server.connectionCount, 0, 'no TCP connection was made');
      assert.deepEqual(server.authAttempts, [], 'no password was offered');

      // The same secret under an allowed name works: the refusal was the policy's.
      const ok = await runner.run(
        endpointOf(server, { credential: { type: 'password-env', env: 'IBFLEET_SSH_PW' } }),
        'id',
        { timeoutMs: 5_000, connectTimeoutMs: 5_000 },
      );
      assert.equal(ok.code, 0);
    } finally {
      await runner.closeAll();
      await server.close();
    }
  });

  it('the worker refuses a key file outside the allowed directories before connecting', async () => {
    const pair = generateTestKeyPair();
    const keyPath = join(outside, 'id_accepted');
    writeFileSync(keyPath, pair.private, { mode: 0o600 });
    const server = await TestSshServer.start({ users: [{ username: 'root', publicKey: pair.public }] });
    const runner = new SshRunner({
      credentials: new CredentialResolver({}, credentialPolicyFromEnv({ IBFLEET_CREDENTIAL_KEY_DIRS: keys })),
    });
    try {
      for (const path of [keyPath, `${keys}/../outside/id_accepted`]) {
        const err = await runner
          .run(endpointOf(server, { credential: { type: 'private-key', path } }), 'id', {
            timeoutMs: 5_000,
            connectTimeoutMs: 5_000,
          })
          .then(
            () => assert.fail('expected a refusal'),
            (e: unknown) => e,
          );
        assert.ok(err instanceof CredentialUnavailableError, String(err));
        assert.match(
          err.message,
          /credential\.path: key file .* is outside the directories keys may be read from/,
        );
      }
      assert.equal(server.connectionCount, 0);
      assert.deepEqual(server.authAttempts, []);
    } finally {
      await runner.closeAll();
      await server.close();
    }
  });

  it('the credential check reads each distinct reference once and reports every endpoint using it, never a secret', () => {
    const pair = generateTestKeyPair();
    writeFileSync(join(keys, 'id_check'), pair.private, { mode: 0o600 });
    const resolver = new CredentialResolver(
      { IBFLEET_SSH_SET: SECRET, TEMPORAL_API_KEY: SECRET },
      credentialPolicyFromEnv({ IBFLEET_CREDENTIAL_KEY_DIRS: keys }),
    );
    const result = checkCredentials(resolver, {
      endpoints: [
        { endpoint: 'esx-01', credential: { type: 'private-key', path: join(keys, 'id_check') } },
        { endpoint: 'esx-02', credential: { type: 'password-env', env: 'IBFLEET_SSH_UNSET' } },
        { endpoint: 'esx-03', credential: { type: 'password-env', env: 'IBFLEET_SSH_UNSET' } },
        { endpoint: 'esx-04', credential: { type: 'password-env', env: 'TEMPORAL_API_KEY' } },
        { endpoint: 'esx-05', credential: { type: 'password-env', env: 'IBFLEET_SSH_SET' } },
        { endpoint: 'esx-06', credential: { type: 'private-key', path: join(keys, 'missing') } },
      ],
    });
    assert.equal(result.distinctReferences, 5);
    assert.deepEqual(
      result.problems.map((p) => `${p.endpoint} ${p.field}`),
      ['esx-02 credential.env', 'esx-03 credential.env', 'esx-04 credential.env', 'esx-06 credential.path'],
    );
    assert.match(
      result.problems[0].reason,
      /environment variable IBFLEET_SSH_UNSET \(the password\) is not set/,
    );
    assert.match(result.problems[3].reason, /key file .*missing does not exist/);
    assert.ok(!JSON.stringify(result).includes(SECRET));
    assert.ok(!JSON.stringify(result).includes(pair.private.split('\n')[1]));
  });
});
