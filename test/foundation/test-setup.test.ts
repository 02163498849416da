import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The README's test command must set itself up on a fresh Debian/Ubuntu machine, and CI must run exactly it.

const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

describe('foundation: the test command sets itself up', () => {
  it("runs scripts/test-setup.sh first, and .ci/run runs exactly the README's test command", () => {
    const readmeTest = /^(.*?)\s+# the tests$/m.exec(read('README.md'))?.[1];
    assert.equal(readmeTest, 'npm ci && npm test');
    const ciCommands = read('.ci/run')
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('#'));
    assert.equal(ciCommands.at(-1), readmeTest);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.test, /^bash scripts\/test-setup\.sh && /);
  });

  it('installs each missing Debian package the tests use, with apt-get as root', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-setup-'));
    try {
      // Stand-ins: `id` says root, `apt-get` records its arguments; Chromium and Ansible look missing.
      const log = path.join(dir, 'apt.log');
      fs.writeFileSync(path.join(dir, 'id'), '#!/bin/sh\necho 0\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'apt-get'), `#!/bin/sh\necho "$@" >> ${log}\n`, { mode: 0o755 });
      const out = execFileSync('bash', [path.join(root, 'scripts/test-setup.sh')], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, IBFLEET_CHROMIUM: path.join(dir, 'none') },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.equal(out, '');
      const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
      assert.equal(calls[0], 'update -qq');
      assert.match(calls[1], /^install -y -qq --no-install-recommends .*\bchromium\b/);
      if (!fs.existsSync('/usr/bin/ansible')) assert.match(calls[1], /\bansible\b/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
