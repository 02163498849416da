import { spawn } from 'node:child_process';
import { constants } from 'node:os';

// Starts this worker again with Node options added (its heap limit: memory-budget.ts) and stands in for
// it: forwards the shutdown signals, exits as it exits. The child runs in its own process group, so a
// terminal's Ctrl-C reaches it once (through here), not twice (a second signal would end it at once
// instead of gracefully). Killed (SIGKILL), this process takes the worker with it: the worker ends at
// once when it goes away, as it would have had it been the worker.

/** Set in the relaunched worker's environment. */
const RELAUNCHED_VAR = 'IBFLEET_WORKER_RELAUNCHED';
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2', 'SIGHUP'];

export function relaunchWith(nodeOptions: readonly string[], env: NodeJS.ProcessEnv = {}): void {
  const child = spawn(process.execPath, [...process.execArgv, ...nodeOptions, ...process.argv.slice(1)], {
    env: { ...process.env, ...env, [RELAUNCHED_VAR]: '1' },
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  for (const signal of FORWARDED_SIGNALS) process.on(signal, () => child.kill(signal));
  child.once('error', (err) => {
    console.error(`could not start the worker: ${err.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}

/** In a relaunched worker: end at once (as its launcher did) when the process that started it is gone. */
export function stopWhenLauncherExits(): void {
  if (process.env[RELAUNCHED_VAR] !== '1' || !process.channel) return;
  process.channel.unref(); // the channel alone must not keep the worker running after it shut down
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
