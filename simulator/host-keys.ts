import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { utils } from 'ssh2';

// ed25519 keys for the simulated machines (host keys) and the fleet's client key. Host keys are
// persisted in the state directory so fingerprints stay stable across simulator restarts.

export interface KeyPair {
  /** OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----"). */
  privateKey: string;
  /** "ssh-ed25519 AAAA..." (no comment). */
  publicKey: string;
}

/** Length of an ssh-ed25519 public key blob: string "ssh-ed25519" + string of 32 key bytes. */
const ED25519_BLOB_LENGTH = 4 + 11 + 4 + 32;

export function generateKeyPair(): KeyPair {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    const [type, blob] = pair.public.split(' ');
    // ssh2 drops leading zero bytes of the key (about 1 key in 256), which makes a key nobody,
    // ssh2 included, can parse. Draw again in that case.
    if (
      Buffer.from(blob, 'base64').length !== ED25519_BLOB_LENGTH ||
      utils.parseKey(pair.private) instanceof Error
    )
      continue;
    return { privateKey: pair.private, publicKey: `${type} ${blob}` };
  }
}

/** The key blob of an OpenSSH public key line. */
export function publicKeyBlob(publicKey: string): Buffer {
  return Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
}

/** "SHA256:" + unpadded base64 of the SHA-256 of the key blob, exactly as OpenSSH prints it. */
export function fingerprint(publicKey: string | Buffer): string {
  const blob = typeof publicKey === 'string' ? publicKeyBlob(publicKey) : publicKey;
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

interface StoredKeys {
  [name: string]: { main: KeyPair; rotated?: KeyPair };
}

/** Host keys by machine name; generated on first use, saved to `file` when one is given. */
export class HostKeyStore {
  private keys: StoredKeys = {};
  private dirty = false;

  private constructor(private readonly file?: string) {}

  static async open(file?: string): Promise<HostKeyStore> {
    const store = new HostKeyStore(file);
    if (file) {
      try {
        store.keys = JSON.parse(await readFile(file, 'utf8')) as StoredKeys;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return store;
  }

  get(name: string, variant: 'main' | 'rotated' = 'main'): KeyPair {
    let entry = this.keys[name];
    if (!entry) {
      entry = { main: generateKeyPair() };
      this.keys[name] = entry;
      this.dirty = true;
    }
    if (variant === 'main') return entry.main;
    if (!entry.rotated) {
      entry.rotated = generateKeyPair();
      this.dirty = true;
    }
    return entry.rotated;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify(this.keys), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
  }
}

/** Loads the client key pair at `path` (private) / `path.pub`, creating it when missing. */
export async function loadOrCreateClientKey(path: string): Promise<KeyPair> {
  try {
    const [privateKey, pub] = await Promise.all([readFile(path, 'utf8'), readFile(`${path}.pub`, 'utf8')]);
    const [type, blob] = pub.trim().split(/\s+/);
    return { privateKey, publicKey: `${type} ${blob}` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = generateKeyPair();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, pair.privateKey, { mode: 0o600 });
  await chmod(path, 0o600);
  await writeFile(`${path}.pub`, `${pair.publicKey} ibfleet-sim\n`, { mode: 0o644 });
  return pair;
}
