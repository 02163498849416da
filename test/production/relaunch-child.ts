import { maxOldSpaceSizeMb } from '../../worker/memory-budget';
import { relaunchWith, stopWhenLauncherExits } from '../../worker/relaunch';

// Child process for worker-memory.test.ts: relaunches itself as worker/main.ts does, then (relaunched)
// prints its pid and heap flag, and on SIGTERM prints that and exits 0 (as a worker shutting down).

if (maxOldSpaceSizeMb(process.execArgv) !== 300) {
  relaunchWith(['--max-old-space-size=300']);
} else {
  stopWhenLauncherExits();
  process.on('SIGTERM', () => {
    console.log('relaunched got SIGTERM');
    process.exit(0);
  });
  console.log(`relaunched ${process.pid} heap ${maxOldSpaceSizeMb(process.execArgv)}`);
  setInterval(() => undefined, 60_000);
}
