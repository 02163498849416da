import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { RolloutReport } from '../../common/rollout';
import type { HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { repoRoot } from '../helpers/temporal-cli';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { commandsSince, markHost, type HostMark } from '../durability/host-audit';

// Host keys are verified on every connection: a host without a (valid) pinned key and a host whose key
// changed are refused before authentication, with an error that says what to do, and nothing runs on
// them. And no code path anywhere accepts any key by default.

describe('security: host keys', function () {
  this.timeout(120_000);
  let fleet: Fleet | undefined;
  let worker: RunningWorker | undefined;

  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('refuses unpinned, malformed and changed host keys with a clear error, running nothing on those hosts', async () => {
    const { client } = await testEnv();
    const taskQueue = uniqueTaskQueue('host-keys');
    const prefix = `hk${process.pid}-`;
    fleet = await startFleet({ hosts: 4, namePrefix: prefix, bootTimeMs: 200, controlPort: false });
    const [unpinned, malformed, rotated, good] = fleet.inventory.hosts;
    const marks: HostMark[] = [];
    for (const h of fleet.inventory.hosts) marks.push(await markHost(h));
    fleet.setFaults(rotated.name, { hostKeyRotated: true });
    worker = await startWorker(taskQueue);

    const targets: HostRef[] = [
      { ...unpinned, hostKey: '' },
      // The public key itself instead of its fingerprint: not a pin, so not trusted either.
      { ...malformed, hostKey: fleet.hostPublicKey(malformed.name) },
      rotated,
      good,
    ];
    const handle = await startRollout(client, taskQueue, 'preflight', targets, {
      maxParallel: 4,
      perCluster: 0,
      maxFailures: { count: 3 },
    });
    const report = (await handle.result()) as RolloutReport;
    const host = (name: string) => report.hosts.find((h) => h.name === name);

    assert.equal(host(good.name)?.phase, 'succeeded', host(good.name)?.reason);
    assert.equal(host(unpinned.name)?.failureType, 'HostKeyUnknown');
    assert.match(
      host(unpinned.name)?.reason ?? '',
      /Refusing to connect to .*: no host key is pinned\. The host presented SHA256:\S+ \(ssh-ed25519\); verify it out of band before pinning it/,
    );
    assert.equal(host(malformed.name)?.failureType, 'HostKeyUnknown');
    assert.match(host(malformed.name)?.reason ?? '', /is not a SHA256 fingerprint/);
    assert.equal(host(rotated.name)?.failureType, 'HostKeyMismatch');
    assert.match(
      host(rotated.name)?.reason ?? '',
      new RegExp(
        `Host key mismatch for .*: pinned ${rotated.hostKey.replace(/[+/]/g, '\\$&')}, presented SHA256:\\S+ .*Refused before authentication; no command was run`,
      ),
    );
    for (const name of [unpinned.name, malformed.name, rotated.name]) {
      assert.equal(host(name)?.phase, 'failed', `${name} is reported, not skipped`);
      assert.ok(
        report.problems.some((p) => p.name === name),
        `${name} is listed among the problems`,
      );
    }

    // The refused hosts saw no command at all (the audit reads them with the right key).
    fleet.setFaults(rotated.name, {});
    for (const m of marks.slice(0, 3))
      assert.deepEqual(await commandsSince(m), [], `${m.host.name} ran nothing`);
  });

  it('has no "accept any host key" code path: every SSH client verifies the key against a pin', () => {
    const problems: string[] = [];
    const sources = sourceFiles(repoRoot);
    assert.ok(sources.length > 50, 'the scan sees the code base');
    // Unconditional acceptance, in any code, tests included.
    const acceptAll = [
      /hostVerifier\s*:\s*(?:async\s*)?(?:\([^)]*\)|\w+)\s*=>\s*(?:true|!0|\{\s*return\s+true\s*;?\s*\})/,
      /hostVerifier\s*:\s*(?:async\s*)?function\s*\w*\s*\([^)]*\)\s*\{\s*return\s+true/,
      /hostVerifier\s*:\s*true\b/,
      /StrictHostKeyChecking\s*[= ]\s*(?:no|off|accept-new)\b/i,
      /UserKnownHostsFile\s*[= ]\s*\/dev\/null/,
      /host_key_checking\s*[=:]\s*(?:false|no|0)\b/i,
    ];
    for (const file of sources) {
      const text = fs.readFileSync(file, 'utf8');
      const rel = path.relative(repoRoot, file);
      for (const re of acceptAll) if (re.test(text)) problems.push(`${rel}: ${re.source}`);
      // ibfleet's own code (everything but tests) that makes ssh2 clients must always give ssh2 a
      // verifier: without one ssh2 accepts any key. (Simulator tests use a helper of their own.)
      if (!rel.startsWith(`test${path.sep}`) && /import \{[^}]*\bClient\b[^}]*\} from 'ssh2'/.test(text)) {
        if (!/hostVerifier\s*:/.test(text))
          problems.push(`${rel}: makes ssh2 clients without a hostVerifier`);
        if (/hostVerifier\s*:[^\n]*\?[^\n]*:\s*undefined/.test(text))
          problems.push(`${rel}: hostVerifier may be undefined`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

const SKIP = new Set(['node_modules', '.git', '.temporal', 'dist', 'coverage']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js|cjs|mjs|sh|ya?ml|cfg|ini)$/.test(entry.name) && full !== __filename) out.push(full);
  }
  return out;
}
