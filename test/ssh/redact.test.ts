import assert from 'node:assert/strict';
import { boundOutput, redactSecrets, safeText } from '../../activities/ssh/redact';
import { BoundedCollector, completeUtf8Prefix } from '../../activities/ssh/output-collector';
import { stripTerminalNoise, afterEcho } from '../../activities/ssh/shell-session';
import { callInWorker, stopWorkers } from '../helpers/in-worker';

describe('ssh: redaction and bounding', () => {
  afterEach(stopWorkers);
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

  it('redacts multi-megabyte hostile output in linear time (a quadratic rule times out here)', async () => {
    // Each input made a rule backtrack quadratically (hours at this size): runs of a rule's own
    // characters tried from every boundary inside them, adjacent \s*, a keyword repeated in one name.
    const MB = 1024 * 1024;
    const hostile: Array<[string, string]> = [
      ['x.x.x. runs', 'x.'.repeat(2 * MB)],
      ['a dotted scheme never followed by ://', `${'a.'.repeat(2 * MB)}a:/b`],
      ['Authorization: then only spaces', `Authorization:${' '.repeat(4 * MB)}`],
      ['one name repeating password', 'password'.repeat(MB / 2)],
      ['names and spaces, no separator', `${'db_password '.repeat(MB / 3)}`],
      ['BEGIN lines that never say PRIVATE KEY', `-----BEGIN ${'A'.repeat(4 * MB)}`],
      ['bearer words too short to be tokens', 'Bearer abc '.repeat(MB / 3)],
    ];
    for (const [what, input] of hostile) {
      const out = await callInWorker<string>(
        require.resolve('../../activities/ssh/redact'),
        'redactSecrets',
        [input],
      );
      assert.equal(out, input, `${what}: nothing in it is a secret`);
    }
    const secrets = `${'x.'.repeat(MB)} password=hunter2 ${'a.'.repeat(MB)}https://root:VMware1!@vc ${' '.repeat(MB)}`;
    const out = await callInWorker<string>(require.resolve('../../activities/ssh/redact'), 'redactSecrets', [
      secrets,
    ]);
    assert.ok(!out.includes('hunter2') && !out.includes('VMware1!'));
    assert.equal(out.match(/\[REDACTED\]/g)?.length, 2);
  });

  it('safeText bounds first, then redacts: a few MB cost only the kept ends', async () => {
    const key = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      ...Array.from(
        { length: 400 },
        (_, i) =>
          `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gt${String(i).padStart(4, '0')}`,
      ),
      '-----END OPENSSH PRIVATE KEY-----',
    ].join('\n'); // ~28 KB: longer than the context read around each kept end
    const text = [
      key, // starts in the kept head, ends far beyond it
      'password=hunter2 ' + 'x.'.repeat(3 * 1024 * 1024),
      'esxcli ... --password=Sup3rS3cret! done',
      key, // its BEGIN line is cut away, its END is in the kept tail
      'tail',
    ].join('\n');
    const out = await callInWorker<string>(require.resolve('../../activities/ssh/redact'), 'safeText', [
      text,
      1024,
    ]);
    assert.ok(Buffer.byteLength(out) <= 1024 + 40, `${Buffer.byteLength(out)} bytes`);
    assert.ok(out.startsWith('-----BEGIN OPENSSH PRIVATE KEY----- [REDACTED]'), out.slice(0, 80));
    assert.ok(!out.includes('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ'), out);
    assert.ok(out.endsWith('[REDACTED] -----END OPENSSH PRIVATE KEY-----\ntail'), out.slice(-80));
    assert.match(out, /\n\.\.\.\[\d+ bytes cut\]\.\.\.\n/);
  });

  it('safeText sees a secret whose name is kept and whose value is beyond the cut', () => {
    const text = `${'x'.repeat(400)} password=${'s'.repeat(100)}verysecret ${'y'.repeat(20_000)} token=abc`;
    const out = safeText(text, 1024);
    assert.ok(out.startsWith(`${'x'.repeat(400)} password=[REDACTED]`), out.slice(0, 440));
    assert.ok(!out.includes('sss') && !out.includes('abc'), out);
    assert.ok(out.endsWith('token=[REDACTED]'));
    assert.equal(safeText('short password=x', 1024), 'short password=[REDACTED]');
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
