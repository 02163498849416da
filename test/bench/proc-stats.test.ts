import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processTree, treeCpuSecondsOf, treePeakRssKb } from '../../bench/proc-stats';

// The benchmark measures a worker by its process tree: a worker started without a heap limit starts
// itself again with one (worker/relaunch.ts), so the process the benchmark started only waits for the
// child that runs the worker. Here: a node process that starts a child node process.

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
      // Two node processes: the largest peak is at least a node process's (tens of MB), never their sum.
      const peak = treePeakRssKb(launcherPid);
      assert.ok(peak !== undefined && peak > 1_000);
      assert.deepEqual(processTree(2 ** 22 + 1), []);
      process.kill(childPid);
    } finally {
      launcher.kill();
    }
  });
});
