import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';

// Child processes of the benchmark: spawned with output to a log file, awaited with a bound.

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnLogged(
  command: string,
  args: string[],
  logFile: string,
  options: SpawnOptions = {},
): Child {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out], ...options });
  fs.closeSync(out);
  return wrap(child);
}

/** Every child still running, so an interrupted benchmark leaves nothing behind. */
const living = new Set<ChildProcess>();

/** SIGKILL every child this process started that is still running (by pid, nothing else). */
export function killAllChildren(): void {
  for (const c of living) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  living.clear();
}

export function wrap(child: ChildProcess): Child {
  if (child.pid === undefined) throw new Error(`could not start ${child.spawnfile}`);
  living.add(child);
  child.once('exit', () => living.delete(child));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    process: child,
    pid: child.pid,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves with the first stdout line that `accept` returns a value for; rejects on exit or after `timeoutMs`. */
export function firstLine<T>(
  child: ChildProcess,
  accept: (line: string) => T | undefined,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => done(new Error(`no ready line within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const value = accept(line);
        if (value !== undefined) return done(undefined, value);
      }
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before it was ready`));
    const done = (err?: Error, value?: T) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
