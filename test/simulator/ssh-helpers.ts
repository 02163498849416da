import { execFile } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { fingerprint } from '../../simulator/host-keys';
import type { Fleet } from '../../simulator/fleet';

// Test helpers: run commands on simulated machines through ssh2's Client and through OpenSSH.

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface ConnectOptions {
  port: number;
  username?: string;
  privateKeyPath?: string;
  password?: string;
  /** Expected host key fingerprint; the connection fails on mismatch. */
  hostKey?: string;
  timeoutMs?: number;
}

export function sshConnect(o: ConnectOptions): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const timer = setTimeout(() => {
      client.end();
      reject(new Error('ssh connect timed out'));
    }, o.timeoutMs ?? 10_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    client.connect({
      host: '127.0.0.1',
      port: o.port,
      username: o.username ?? 'root',
      privateKey: o.privateKeyPath ? readFileSync(o.privateKeyPath) : undefined,
      password: o.password,
      readyTimeout: o.timeoutMs ?? 10_000,
      hostVerifier: o.hostKey ? (key: Buffer) => fingerprint(key) === o.hostKey : undefined,
    });
  });
}

export function execOn(
  client: Client,
  command: string,
  opts: { pty?: boolean; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, { pty: opts.pty }, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      const timer = setTimeout(
        () => reject(new Error(`command timed out: ${command}`)),
        opts.timeoutMs ?? 10_000,
      );
      stream.on('data', (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code });
      });
    });
  });
}

/** One command on a fresh connection (fleet client key, pinned host key). */
export async function sshRun(fleet: Fleet, name: string, command: string): Promise<RunResult> {
  const h = fleet.host(name);
  const client = await sshConnect({
    port: h.port,
    username: userOf(fleet, name),
    privateKeyPath: fleet.clientKeyPath,
    hostKey: h.fingerprint,
  });
  try {
    return await execOn(client, command);
  } finally {
    client.end();
  }
}

export function userOf(fleet: Fleet, name: string): string {
  const kind = fleet.host(name).kind;
  return kind === 'switch' ? 'admin' : kind === 'guest' ? 'ubuntu' : 'root';
}

export async function knownHostsFile(fleet: Fleet): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ibfleet-kh-'));
  const file = join(dir, 'known_hosts');
  await writeFile(file, fleet.knownHosts());
  return file;
}

/** Runs the stock OpenSSH client (async: the servers live in this process). */
export function opensshRun(
  fleet: Fleet,
  name: string,
  command: string,
  knownHosts: string,
  extra: string[] = [],
): Promise<RunResult> {
  const h = fleet.host(name);
  const args = [
    '-p',
    String(h.port),
    '-i',
    fleet.clientKeyPath,
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
    ...extra,
    `${userOf(fleet, name)}@127.0.0.1`,
    command,
  ];
  return new Promise((resolve) => {
    execFile('ssh', args, { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/** Resolves with the TCP connect outcome: "connected" or the error code (e.g. ECONNREFUSED). */
export function tcpProbe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
