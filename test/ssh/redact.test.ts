import assert from 'node:assert/strict';
import { boundOutput, redactSecrets } from '../../activities/ssh/redact';
import { BoundedCollector, completeUtf8Prefix } from '../../activities/ssh/output-collector';
import { stripTerminalNoise, afterEcho } from '../../activities/ssh/shell-session';

describe('ssh: redaction and bounding', () => {
  it('masks private key blocks (complete and truncated)', () => {
    const block = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
      'QyNTUxOQAAACDm0ZuW3aB7c0zS6m2M1cO3x8vH2LqZs2jH3fQ2M6b7fAAAAJgqWqf4Klqn',
      '-----END OPENSSH PRIVATE KEY-----',
    ].join('\n');
    const out = redactSecrets(`before\n${block}\nafter`);
    assert.ok(!out.includes('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ'));
    assert.match(
      out,
      /before\n-----BEGIN OPENSSH PRIVATE KEY----- \[REDACTED\] -----END OPENSSH PRIVATE KEY-----\nafter/,
    );
    const rsa = redactSecrets('-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234567890abcdef\n(cut)');
    assert.ok(!rsa.includes('MIIEpAIBAAKCAQEA'));
  });

  it('masks password=, passwd:, tokens, bearer headers, URL credentials and key blobs', () => {
    const cases: Array<[string, string]> = [
      ['esxcli ... --password=Sup3rS3cret!', 'Sup3rS3cret!'],
      ['password=hunter2 user=root', 'hunter2'],
      ['PASSWD: letmein', 'letmein'],
      ['ESXI_ROOT_PASSWORD="quoted secret"', 'quoted secret'],
      ["api_key: 'abc123def456'", 'abc123def456'],
      ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'eyJhbGciOiJIUzI1NiJ9'],
      ['curl -H "Authorization: Basic cm9vdDpWTXdhcmUx"', 'cm9vdDpWTXdhcmUx'],
      ['https://root:VMware1!@vcenter.local/sdk', 'VMware1!'],
      ['secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0'],
      ['--passphrase "two words"', 'two words'],
    ];
    for (const [input, secret] of cases) {
      const out = redactSecrets(input);
      assert.ok(!out.includes(secret), `${input} -> ${out}`);
      assert.match(out, /\[REDACTED\]/, input);
    }
  });

  it('leaves ordinary command output alone and is idempotent', () => {
    const normal = [
      'Name                    Driver      Link Status  Speed',
      'vmnic4  0000:3b:00.0  nmlx5_core  Up           100000',
      'PasswordAuthentication no',
      'SRIOV_EN                            True(1)',
      'key fingerprint is SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
    ].join('\n');
    assert.equal(redactSecrets(normal), normal);
    const once = redactSecrets('password=x token=y');
    assert.equal(redactSecrets(once), once);
  });

  it('boundOutput keeps head and tail with a marker of the bytes cut', () => {
    assert.equal(boundOutput('short', 100), 'short');
    const text = `${'a'.repeat(500)}MIDDLE${'z'.repeat(500)}`;
    const out = boundOutput(text, 100);
    assert.ok(out.startsWith('a'.repeat(50)));
    assert.ok(out.endsWith('z'.repeat(50)));
    assert.match(out, /\[906 bytes cut\]/);
    assert.ok(!out.includes('MIDDLE'));
  });

  it('boundOutput never splits a multi-byte character', () => {
    const text = 'é'.repeat(300); // 2 bytes each
    const out = boundOutput(text, 101);
    assert.ok(!out.includes('\uFFFD'));
    const [head, tail] = out.split(/\n\.\.\.\[\d+ bytes cut\]\.\.\.\n/);
    assert.ok(Buffer.byteLength(head ?? '') + Buffer.byteLength(tail ?? '') <= 101);
  });

  it('BoundedCollector streams to the same head/tail form with bounded memory', () => {
    const c = new BoundedCollector(10);
    for (const chunk of ['01234', '56789', 'abcde', 'fghij', 'XYZ']) c.push(Buffer.from(chunk));
    assert.equal(c.totalBytes, 23);
    assert.equal(c.toString(), '01234\n...[13 bytes cut]...\nijXYZ');
    const small = new BoundedCollector(100);
    small.push(Buffer.from('all of it'));
    assert.equal(small.toString(), 'all of it');
  });

  it('completeUtf8Prefix drops a trailing partial character only', () => {
    const euro = Buffer.from('a€', 'utf8'); // 61 e2 82 ac
    assert.equal(completeUtf8Prefix(euro), 4);
    assert.equal(completeUtf8Prefix(euro.subarray(0, 3)), 1);
    assert.equal(completeUtf8Prefix(euro.subarray(0, 2)), 1);
    assert.equal(completeUtf8Prefix(Buffer.from('abc')), 3);
  });

  it('terminal noise and echo handling for interactive CLIs', () => {
    assert.equal(stripTerminalNoise('\x1b[1mbold\x1b[0m\r\nline\r\n\x1b]0;title\x07x'), 'bold\nline\nx');
    assert.equal(
      afterEcho('show version\nProduct name: MLNX-OS\n', 'show version'),
      'Product name: MLNX-OS\n',
    );
    assert.equal(afterEcho('show ver', 'show version'), undefined, 'echo still arriving');
    assert.equal(afterEcho('no echo here\nswitch > ', 'show version'), 'no echo here\nswitch > ');
  });
});
