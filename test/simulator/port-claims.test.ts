import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { startFleet } from '../../simulator/fleet';
import { CLAIMS_DIR, claimPort, releasePort } from '../../simulator/port-claims';
import { nextStablePort } from '../../simulator/stable-ports';

// A simulator never listens on a port another living simulator claims, even while that simulator's
// machine is down and does not listen (a 10,000-host benchmark met a test fleet's host on the port of
// one of its rebooting hosts: "Host key mismatch"). Claims of processes that died are taken over.

const claimOf = (port: number) => {
  try {
    return fs.readFileSync(path.join(CLAIMS_DIR, String(port)), 'utf8').trim();
  } catch {
    return undefined;
  }
};

describe('simulator port claims', function () {
  this.timeout(30_000);
  let other: ChildProcess | undefined;
  const foreign: number[] = [];

  /** A living process of someone else's (its claims stand). */
  async function otherProcess(): Promise<number> {
    other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    await once(other, 'spawn');
    return other.pid as number;
  }

  function claimAs(pid: number, port: number): void {
    fs.mkdirSync(CLAIMS_DIR, { recursive: true });
    fs.writeFileSync(path.join(CLAIMS_DIR, String(port)), `${pid}\n`);
    foreign.push(port);
  }

  afterEach(() => {
    other?.kill('SIGKILL');
    other = undefined;
    for (const port of foreign.splice(0)) fs.rmSync(path.join(CLAIMS_DIR, String(port)), { force: true });
  });

  it("skips ports a living simulator claims: a new fleet's host listens on none of them", async () => {
    const pid = await otherProcess();
    const next = nextStablePort(); // the ports after it are the next ones this process tries
    const taken = [1, 2, 3, 4, 5].map((i) => next + i);
    for (const port of taken) claimAs(pid, port);
    const fleet = await startFleet({ hosts: 1, bootTimeMs: [100, 100], seed: 1, controlPort: false });
    try {
      const { port } = fleet.inventory.hosts[0];
      assert.ok(!taken.includes(port), `listened on ${port}, claimed by process ${pid}`);
      assert.equal(claimOf(port), String(process.pid));
      for (const p of taken) assert.equal(claimOf(p), String(pid), `the other claim of ${p} stands`);
      await fleet.stop();
      assert.equal(claimOf(port), undefined, 'a stopped fleet gives its claims back');
    } finally {
      await fleet.stop();
    }
  });

  it('takes over the claim of a process that died; never claims a port twice', async () => {
    const pid = await otherProcess();
    const port = nextStablePort();
    claimAs(pid, port);
    assert.equal(claimPort(port), false, 'claimed by a living process');
    other?.kill('SIGKILL');
    await once(other as ChildProcess, 'exit');
    assert.equal(claimPort(port), true, 'its process is gone');
    assert.equal(claimOf(port), String(process.pid));
    assert.equal(claimPort(port), false, 'already claimed here (for another machine)');
    releasePort(port);
    assert.equal(claimOf(port), undefined);
  });
});
