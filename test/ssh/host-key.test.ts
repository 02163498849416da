import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, isFingerprint, keyTypeOf, scanHostKey } from '../../activities/ssh/host-key';
import { HostUnreachableError } from '../../activities/ssh/errors';
import { TestSshServer } from '../helpers/ssh-test-server';

/** The fingerprint field of `ssh-keygen -lf file` ("256 SHA256:... comment (ED25519)"). */
function sshKeygenFingerprint(file: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' });
  const fp = out.split(/\s+/)[1];
  assert.ok(fp?.startsWith('SHA256:'), `unexpected ssh-keygen output: ${out}`);
  return fp;
}

function blobOfPublicKeyFile(file: string): Buffer {
  const [, base64] = readFileSync(file, 'utf8').trim().split(/\s+/);
  return Buffer.from(base64 ?? '', 'base64');
}

describe('ssh: host keys', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ibfleet-hostkey-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [type, bits] of [
    ['ed25519', []],
    ['ecdsa', ['-b', '256']],
    ['rsa', ['-b', '2048']],
  ] as const) {
    it(`fingerprintOf matches ssh-keygen -lf for a ${type} key`, () => {
      const file = join(dir, `id_${type}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', 'test', '-f', file]);
      const blob = blobOfPublicKeyFile(`${file}.pub`);
      const ours = fingerprintOf(blob);
      assert.equal(ours, sshKeygenFingerprint(`${file}.pub`));
      assert.ok(isFingerprint(ours));
      assert.ok(!ours.endsWith('='), 'OpenSSH prints the base64 unpadded');
      assert.equal(keyTypeOf(blob), readFileSync(`${file}.pub`, 'utf8').split(' ')[0]);
    });
  }

  it('isFingerprint accepts only SHA256:<43 base64 chars>', () => {
    assert.ok(isFingerprint(`SHA256:${'A'.repeat(43)}`));
    assert.ok(!isFingerprint(''));
    assert.ok(!isFingerprint(`SHA256:${'A'.repeat(43)}=`));
    assert.ok(!isFingerprint(`MD5:${'A'.repeat(43)}`));
    assert.ok(!isFingerprint('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG'));
  });

  it('scanHostKey reads the key a server presents, as ssh-keygen prints it', async () => {
    const keyFile = join(dir, 'host_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'host', '-f', keyFile]);
    const server = await TestSshServer.start({ hostKey: readFileSync(keyFile) });
    try {
      const scanned = await scanHostKey({ address: server.address, port: server.port, timeoutMs: 5_000 });
      assert.equal(scanned.fingerprint, sshKeygenFingerprint(`${keyFile}.pub`));
      assert.equal(scanned.keyType, 'ssh-ed25519');
      const [pubType, pubBlob] = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/);
      assert.equal(scanned.publicKey, `${pubType} ${pubBlob}`);
      assert.equal(server.authAttempts.length, 0, 'a scan never authenticates');
    } finally {
      await server.close();
    }
  });

  it('scanHostKey on a closed port fails as HostUnreachable', async () => {
    const server = await TestSshServer.start();
    const port = server.port;
    await server.close();
    await assert.rejects(scanHostKey({ address: '127.0.0.1', port, timeoutMs: 5_000 }), HostUnreachableError);
  });
});
