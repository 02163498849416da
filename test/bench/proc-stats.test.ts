import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { peakRssKb, processTree, treeCpuSecondsOf, treePeakRssKb } from '../../bench/proc-stats';

// The benchmark measures a worker by its process tree (all of what it started costs: the worker is one
// process, worker/start.sh execs it). Here: a node process that starts a child node process.

describe('bench: a process and its descendants', () => {
  it('finds the child a process started, and measures the child as part of it', async () => {
    const launcher = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
         console.log(c.pid);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [chunk] = (await once(launcher.stdout, 'data')) as [Buffer];
      const childPid = Number(chunk.toString().trim());
      const launcherPid = launcher.pid as number;
      const tree = processTree(launcherPid);
      assert.deepEqual([...tree].sort(), [launcherPid, childPid].sort());
      assert.ok(treeCpuSecondsOf(launcherPid) >= 0);
      // Two node processes: the peaks of both are counted (a peak only grows, so read each first).
      const peaks = [launcherPid, childPid].map((pid) => peakRssKb(pid) ?? 0);
      const peak = treePeakRssKb(launcherPid);
      assert.ok(peaks.every((kb) => kb > 1_000));
      assert.ok(peak !== undefined && peak >= peaks[0] + peaks[1]);
      assert.deepEqual(processTree(2 ** 22 + 1), []);
      process.kill(childPid);
    } finally {
      launcher.kill();
    }
  });
});
