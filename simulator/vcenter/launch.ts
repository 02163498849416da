import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { VcenterRef } from '../../common/vcenter-schemas';

// Starts the simulated vCenter (the Go program in this folder, built by scripts/vcsim.sh) for a
// running fleet: its inventory comes from the fleet's control endpoint, and so does every state it
// shows afterwards. It stops with stop(), or by itself when this process goes away (its stdin closes).

const REPO = resolve(__dirname, '../..');
const PASSWORD_VARIABLE = 'IBFLEET_SIM_VCENTER_PASSWORD';
const READY_TIMEOUT_MS = 120_000;

export interface SimVcenter {
  /** https://127.0.0.1:PORT/sdk */
  url: string;
  /** SHA-256 of its certificate, as govc prints it. */
  thumbprint: string;
  datacenter: string;
  username: string;
  stop(): Promise<void>;
}

export interface SimVcenterOptions {
  /** The fleet's control endpoint (fleet.controlUrl). */
  controlUrl: string;
  /** Where its certificate is kept (a restart with the same folder presents the same one). */
  tlsDir: string;
  password: string;
  username?: string;
  log?: (line: string) => void;
}

/** The simulated vCenter's binary, built (or rebuilt after a source change) when needed. */
export async function simVcenterBinary(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(REPO, 'scripts/vcsim.sh')], {
    maxBuffer: 1 << 20,
  });
  return stdout.trim();
}

export async function startSimVcenter(o: SimVcenterOptions): Promise<SimVcenter> {
  const username = o.username ?? 'administrator@vsphere.local';
  const binary = await simVcenterBinary();
  const child = spawn(
    binary,
    [
      '-control',
      o.controlUrl,
      '-tls-dir',
      o.tlsDir,
      '-username',
      username,
      '-password-env',
      PASSWORD_VARIABLE,
    ],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', [PASSWORD_VARIABLE]: o.password },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const log = o.log ?? (() => undefined);
  // govc first tries the system's CAs and only then the pinned thumbprint: that first handshake fails.
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (!/TLS handshake error .*bad certificate/.test(line)) log(line);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = await new Promise<{ url: string; thumbprint: string; datacenter: string }>((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error('the simulated vCenter did not start in time')),
      READY_TIMEOUT_MS,
    );
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        res(JSON.parse(line) as { url: string; thumbprint: string; datacenter: string });
      } catch {
        rej(new Error(`the simulated vCenter printed ${JSON.stringify(line)} instead of its ready line`));
      }
    });
    child.once('error', (err) => rej(err));
    void exited.then((code) =>
      rej(new Error(`the simulated vCenter exited (code ${code}) before it was ready`)),
    );
  }).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    ...ready,
    username,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A new password for the simulated vCenter, kept in `dir` (mode 0600) for the inventory to refer to. */
export async function writeSimVcenterPassword(dir: string): Promise<{ password: string; file: string }> {
  const password = randomBytes(18).toString('base64url');
  const file = join(dir, 'vcenter-password');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { password, file };
}

/** The inventory's `vcenter` entry for a running simulated vCenter. */
export function simVcenterRef(vc: SimVcenter, credential: VcenterRef['credential']): VcenterRef {
  return { url: vc.url, username: vc.username, credential, thumbprint: vc.thumbprint };
}
