import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:tls';
import { VCENTER_ENV_PREFIX, type VcenterRef } from '../../common/vcenter-schemas';
import { checkKeyPath, envNameRefusal, type CredentialPolicy } from '../ssh/credential-policy';
import { parseGovcFailure, type GovcFailureKind } from './parsers';

// Running govc for one vCenter, on the worker. The password is read here from what the credential
// reference names (under the worker's credential policy) and reaches govc only through its
// environment (GOVC_PASSWORD): never a command line, a log or an error message. The certificate is
// checked against the pinned thumbprint before govc runs (govc trusts a CA-signed certificate
// without looking at its pin) and govc itself gets only that pin (GOVC_TLS_KNOWN_HOSTS).

/** 'unsupported': something govc cannot ask of vCenter (a vSAN mode), refused before anything is sent. */
export type VcenterErrorKind = GovcFailureKind | 'credential' | 'govc-missing' | 'unsupported';

export class VcenterError extends Error {
  override readonly name = 'VcenterError';
  constructor(
    readonly kind: VcenterErrorKind,
    message: string,
    /** The inventory field at fault (vcenter.thumbprint, vcenter.credential.env, ...), if one is. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export type Environment = Record<string, string | undefined>;

/** The password a vCenter credential reference names, read on this machine under `policy`. */
export function readVcenterPassword(
  ref: VcenterRef['credential'],
  env: Environment,
  policy: CredentialPolicy,
): string {
  if (ref.type === 'password-env') {
    const allowed = { ...policy, envPrefixes: [...policy.envPrefixes, VCENTER_ENV_PREFIX] };
    const refusal = envNameRefusal(ref.env, allowed);
    if (refusal) throw new VcenterError('credential', refusal, 'vcenter.credential.env');
    const value = env[ref.env];
    if (!value)
      throw new VcenterError(
        'credential',
        `environment variable ${ref.env} is not set`,
        'vcenter.credential.env',
      );
    return value;
  }
  const check = checkKeyPath(ref.path, policy);
  if (!check.allowed)
    throw new VcenterError(
      'credential',
      check.reason.replace(/^key file/, 'password file'),
      'vcenter.credential.path',
    );
  let text: string;
  try {
    text = readFileSync(check.realPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new VcenterError(
      'credential',
      `password file ${ref.path} cannot be read (${code})`,
      'vcenter.credential.path',
    );
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '' || password.includes('\n'))
    throw new VcenterError(
      'credential',
      `password file ${ref.path} must hold one line, the password`,
      'vcenter.credential.path',
    );
  return password;
}

/** govc: $IBFLEET_GOVC, else the pinned build in .vcsim/bin (scripts/vcsim.sh govc). */
export function govcBinary(env: Environment = process.env): string {
  const path = env.IBFLEET_GOVC || resolve(__dirname, '../../.vcsim/bin/govc');
  if (!existsSync(path))
    throw new VcenterError(
      'govc-missing',
      `govc not found at ${path}: run \`bash scripts/vcsim.sh govc\` or set IBFLEET_GOVC`,
    );
  return path;
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 443) };
}

/** The SHA-256 thumbprint ("AB:CD:...") of the certificate the vCenter presents. */
export function presentedThumbprint(url: string, timeoutMs = 10_000): Promise<string> {
  const { host, port } = hostPort(url);
  return new Promise((res, rej) => {
    const socket = connect({
      host,
      port,
      servername: /^[\d.:]+$/.test(host) ? undefined : host,
      rejectUnauthorized: false,
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      res(fingerprint);
    });
    socket.once('error', (err: Error) =>
      rej(new VcenterError('unreachable', `vCenter ${host}:${port}: ${err.message}`, 'vcenter.url')),
    );
  });
}

/** Refuses a vCenter whose certificate is not the pinned one, saying what it presented. */
export async function checkThumbprint(vcenter: VcenterRef): Promise<void> {
  const presented = await presentedThumbprint(vcenter.url);
  if (presented === vcenter.thumbprint) return;
  const { host, port } = hostPort(vcenter.url);
  throw new VcenterError(
    'certificate',
    `vCenter ${host}:${port} presented a certificate with SHA-256 thumbprint ${presented}; the inventory pins ${vcenter.thumbprint}`,
    'vcenter.thumbprint',
  );
}

export type GovcRunner = (args: string[], o?: { timeoutMs?: number }) => Promise<string>;

const DEFAULT_TIMEOUT_MS = 120_000;

/** A runner of govc commands against one vCenter; the certificate is checked before the first. */
export function govcRunner(vcenter: VcenterRef, password: string, binary = govcBinary()): GovcRunner {
  let checked: Promise<void> | undefined;
  const { host, port } = hostPort(vcenter.url);
  return async (args, o = {}) => {
    checked ??= checkThumbprint(vcenter).catch((err: unknown) => {
      checked = undefined;
      throw err;
    });
    await checked;
    // A home of its own: govc keeps nothing (sessions, caches) in the worker's.
    const home = await mkdtemp(join(tmpdir(), 'ibfleet-govc-'));
    try {
      const knownHosts = join(home, 'known_hosts');
      await writeFile(knownHosts, `${host}:${port} ${vcenter.thumbprint}\n`, { mode: 0o600 });
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        GOVC_URL: vcenter.url,
        GOVC_USERNAME: vcenter.username,
        GOVC_PASSWORD: password,
        GOVC_TLS_KNOWN_HOSTS: knownHosts,
        GOVC_PERSIST_SESSION: 'false',
      };
      return await new Promise<string>((res, rej) => {
        execFile(
          binary,
          args,
          { env, timeout: o.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 256 << 20 },
          (err, stdout, stderr) => {
            if (!err) return res(stdout);
            const timedOut = (err as { killed?: boolean }).killed === true;
            const failure = timedOut
              ? { kind: 'unreachable' as const, message: `govc ${args[0]} did not finish in time` }
              : parseGovcFailure(stderr.split(password).join('***'), binary);
            const field =
              failure.kind === 'certificate'
                ? 'vcenter.thumbprint'
                : failure.kind === 'login'
                  ? 'vcenter.credential'
                  : undefined;
            rej(new VcenterError(failure.kind, `govc ${args[0]}: ${failure.message}`, field));
          },
        );
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  };
}
