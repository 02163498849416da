import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Client } from '@temporalio/client';
import { CliFailure, EXIT_USAGE } from './cli-error';
import { connectClient, dataConverter, temporalSettings } from './connection';

// Everything the commands touch outside their arguments, injectable so tests can run the real
// command code with captured output and a Temporal factory that fails the test if it is ever called.

export interface Output {
  /** Text; once runCli has wrapped the output, control characters in it are escaped (terminal-text.ts). */
  write: (text: string) => void;
  /** The caller's own terminal control sequences (the live view's cursor moves), written unchanged. */
  control?: (sequence: string) => void;
  isTTY: boolean;
  columns?: number;
  rows?: number;
}

export interface TemporalAccess {
  client: Client;
  namespace: string;
  close(): Promise<void>;
}

export type TemporalFactory = () => Promise<TemporalAccess>;

export interface ScannedHostKey {
  fingerprint: string;
  keyType: string;
  publicKey: string;
}

export type HostKeyScanner = (opts: {
  address: string;
  port: number;
  timeoutMs: number;
}) => Promise<ScannedHostKey>;

export interface CliDeps {
  stdout: Output;
  stderr: Output;
  /** Called only once a command is about to talk to Temporal (never for bad input or --dry-run). */
  connectTemporal: TemporalFactory;
  scanHostKey: HostKeyScanner;
  env: Record<string, string | undefined>;
  now: () => Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** user@host of the operator, recorded as startedBy. */
  identity: () => string;
  /** Four lower-case letters/digits for generated rollout IDs. */
  randomSuffix: () => string;
  /** Aborted on Ctrl-C: watches stop (the rollout goes on). */
  interrupt: AbortSignal;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(4)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function operatorIdentity(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `${user}@${hostname()}`;
}

export async function connectTemporal(): Promise<TemporalAccess> {
  const settings = temporalSettings();
  let converter;
  try {
    converter = dataConverter();
  } catch (err) {
    throw new CliFailure(`payload codec configuration: ${(err as Error).message}`, EXIT_USAGE);
  }
  try {
    const client = await connectClient(settings, converter);
    return { client, namespace: settings.namespace, close: () => client.connection.close() };
  } catch (err) {
    throw new CliFailure(
      `cannot connect to Temporal at ${settings.connectionOptions.address ?? '?'} (namespace ${settings.namespace}): ` +
        `${(err as Error).message} (set TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, or start it with \`npm run server\`)`,
    );
  }
}

async function scanHostKeyLazily(opts: {
  address: string;
  port: number;
  timeoutMs: number;
}): Promise<ScannedHostKey> {
  // Loaded on use: only scan-keys needs ssh2.
  const { scanHostKey } = await import('../activities/ssh/host-key');
  return scanHostKey(opts);
}

export function defaultDeps(interrupt: AbortSignal): CliDeps {
  return {
    stdout: {
      write: (t) => void process.stdout.write(t),
      isTTY: process.stdout.isTTY === true,
      get columns() {
        return process.stdout.columns;
      },
      get rows() {
        return process.stdout.rows;
      },
    },
    stderr: { write: (t) => void process.stderr.write(t), isTTY: process.stderr.isTTY === true },
    connectTemporal,
    scanHostKey: scanHostKeyLazily,
    env: process.env,
    now: () => new Date(),
    sleep,
    identity: operatorIdentity,
    randomSuffix,
    interrupt,
  };
}
