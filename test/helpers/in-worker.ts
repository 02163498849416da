import { Worker } from 'node:worker_threads';

// Runs one exported function of a TypeScript module in a worker thread. For tests of code that could
// block the event loop (a regex that backtracks for hours): the test awaits the worker, so mocha's
// timeout fails it instead of hanging the run, and stopWorkers() ends a runaway worker afterwards.

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
require('tsx/cjs');
const fn = require(workerData.modulePath)[workerData.exportName];
try {
  parentPort.postMessage({ ok: true, value: fn(...workerData.args) });
} catch (err) {
  parentPort.postMessage({ ok: false, name: err && err.name, message: String(err && err.message) });
}
`;

const running = new Set<Worker>();

/** The function's return value (structured-cloned); rejects with its error's name and message. */
export function callInWorker<T>(modulePath: string, exportName: string, args: unknown[]): Promise<T> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath, exportName, args } });
  running.add(worker);
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: { ok: true; value: T } | { ok: false; name: string; message: string }) => {
      if (m.ok) resolve(m.value);
      else reject(Object.assign(new Error(m.message), { name: m.name }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) without an answer`)));
  }).finally(() => {
    running.delete(worker);
    void worker.terminate();
  });
}

/** Ends every worker still running (use in afterEach: a timed-out test leaves its worker busy). */
export async function stopWorkers(): Promise<void> {
  await Promise.all([...running].map((w) => w.terminate()));
  running.clear();
}

/** Where `re` first matches `text` (null: nowhere); for callInWorker(IN_WORKER, 'matchIndex', [re, text]). */
export function matchIndex(re: RegExp, text: string): number | null {
  return new RegExp(re.source, re.flags.replace(/[gy]/g, '')).exec(text)?.index ?? null;
}

/** This module's path, for callInWorker. */
export const IN_WORKER = __filename;
