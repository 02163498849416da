import { createHash } from 'node:crypto';
import { Client } from 'ssh2';
import { HostUnreachableError } from './errors';
import { classifyConnectError } from './connect-errors';

// Host keys are pinned as OpenSSH prints them ("SHA256:" + unpadded base64 of the SHA-256 of the
// raw public key blob). Nothing is trusted by default: connections compare against the pin.

/**
 * Host key algorithms in preference order (OpenSSH's: ed25519 first). Scans and real connections use
 * the same list, so a pin taken by scanHostKey is the key later handshakes negotiate.
 */
export const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The OpenSSH SHA256 fingerprint of a public key blob (as `ssh-keygen -lf` prints it). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** True for a well-formed "SHA256:<43 base64 chars>" pin. */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT_PATTERN.test(text);
}

/** The key type named inside an SSH public key blob (its first string, e.g. "ssh-ed25519"). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) return 'unknown';
  return keyBlob.toString('latin1', 4, 4 + len);
}

export interface PresentedHostKey {
  fingerprint: string;
  keyType: string;
  /** "ssh-ed25519 AAAA..." as in known_hosts / authorized_keys. */
  publicKey: string;
}

export function describeHostKey(keyBlob: Buffer): PresentedHostKey {
  const keyType = keyTypeOf(keyBlob);
  return {
    fingerprint: fingerprintOf(keyBlob),
    keyType,
    publicKey: `${keyType} ${keyBlob.toString('base64')}`,
  };
}

/**
 * Like ssh-keyscan: connect, read the host key the server offers (negotiated with the same algorithm
 * preference as real connections, so the pin matches what they will see), then abort before auth.
 */
export function scanHostKey(opts: {
  address: string;
  port: number;
  timeoutMs: number;
}): Promise<PresentedHostKey> {
  const endpoint = { name: opts.address, address: opts.address, port: opts.port };
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented: PresentedHostKey | undefined;
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      client.removeAllListeners();
      client.on('error', () => undefined); // late socket errors after we gave up
      client.destroy();
      if (presented) resolve(presented);
      else
        reject(
          err ??
            new HostUnreachableError(endpoint, 'CLOSED_BEFORE_READY', 'closed before presenting a host key'),
        );
    };
    // Once the key was seen, the refusal's own error is expected and finish() resolves with the key.
    client.on('error', (err) => finish(classifyConnectError(err, endpoint)));
    client.on('close', () => finish(undefined));
    client.on('ready', () => finish(undefined)); // only reachable if the verifier accepted, which it never does
    try {
      client.connect({
        host: opts.address,
        port: opts.port,
        username: 'ibfleet-keyscan',
        readyTimeout: opts.timeoutMs,
        algorithms: { serverHostKey: [...HOST_KEY_ALGORITHMS] },
        hostVerifier: (key: Buffer) => {
          presented = describeHostKey(key);
          // Refuse: we only wanted the key. finish() runs from the resulting error/close.
          setImmediate(() => finish(undefined));
          return false;
        },
      });
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
