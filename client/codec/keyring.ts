import fs from 'node:fs';

// The AES-256 keys the payload codec may use, by id. One key is "current" (new payloads are encrypted
// with it); the others stay so that payloads written before a rotation can still be read.
// Error messages name key ids and variables, never key material.

export interface CodecKeyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class CodecConfigError extends Error {
  override name = 'CodecConfigError';
}

/** A codec setting's file (keys, auth token); an unreadable one is a CodecConfigError naming the variable. */
export function readCodecConfigFile(file: string, variable: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new CodecConfigError(`cannot read ${variable} ${file} (${code})`);
  }
}

/** Builds a keyring and checks it: ids are well formed, every key is 32 bytes, the current id exists. */
export function makeKeyring(currentKeyId: string, encodedKeys: Iterable<[string, string]>): CodecKeyring {
  const keys = new Map<string, Buffer>();
  for (const [id, encoded] of encodedKeys) {
    if (!KEY_ID.test(id))
      throw new CodecConfigError(`invalid codec key id "${id}" (allowed: A-Z a-z 0-9 . _ -)`);
    if (keys.has(id)) throw new CodecConfigError(`codec key id "${id}" is given twice`);
    keys.set(id, decodeKey(id, encoded));
  }
  if (keys.size === 0) throw new CodecConfigError('no codec keys configured');
  if (!keys.has(currentKeyId)) {
    throw new CodecConfigError(`current codec key id "${currentKeyId}" is not among the configured keys`);
  }
  return { currentKeyId, keys };
}

function decodeKey(id: string, encoded: string): Buffer {
  const text = encoded.trim();
  const key = Buffer.from(text, 'base64');
  // Buffer.from(..., 'base64') skips invalid characters silently; compare against a re-encoding to catch them.
  const canonical = key.toString('base64').replace(/=+$/, '');
  if (text.replace(/=+$/, '') !== canonical || key.length !== KEY_BYTES) {
    throw new CodecConfigError(`codec key "${id}" must be ${KEY_BYTES} bytes of standard base64`);
  }
  return key;
}

/** `id1:base64key,id2:base64key` (IBFLEET_CODEC_KEYS). */
export function parseKeyList(list: string): [string, string][] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry): [string, string] => {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new CodecConfigError('IBFLEET_CODEC_KEYS entries must look like id:base64key');
      return [entry.slice(0, colon).trim(), entry.slice(colon + 1)];
    });
}

/** Key file (IBFLEET_CODEC_KEY_FILE): `{ "current": "id", "keys": { "id": "base64" } }`. */
export function keyringFromFileContent(content: string, source = 'codec key file'): CodecKeyring {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    // The parser's message may quote the file's content, i.e. key material: don't pass it on.
    throw new CodecConfigError(`${source} is not valid JSON`);
  }
  if (!isRecord(parsed) || typeof parsed.current !== 'string' || !isRecord(parsed.keys)) {
    throw new CodecConfigError(`${source} must look like { "current": "id", "keys": { "id": "base64key" } }`);
  }
  const entries = Object.entries(parsed.keys).map(([id, value]): [string, string] => {
    if (typeof value !== 'string')
      throw new CodecConfigError(`${source}: key "${id}" must be a base64 string`);
    return [id, value];
  });
  return makeKeyring(parsed.current, entries);
}

/**
 * The keyring from the environment, or undefined when no codec is configured.
 * IBFLEET_CODEC_KEY_FILE, or IBFLEET_CODEC_KEYS with IBFLEET_CODEC_KEY_ID (optional with a single key).
 */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKeyring | undefined {
  const file = nonEmpty(env.IBFLEET_CODEC_KEY_FILE);
  const list = nonEmpty(env.IBFLEET_CODEC_KEYS);
  if (file && list) {
    throw new CodecConfigError('set either IBFLEET_CODEC_KEY_FILE or IBFLEET_CODEC_KEYS, not both');
  }
  if (file) {
    const content = readCodecConfigFile(file, 'IBFLEET_CODEC_KEY_FILE');
    return keyringFromFileContent(content, `IBFLEET_CODEC_KEY_FILE ${file}`);
  }
  if (list) {
    const entries = parseKeyList(list);
    const current = nonEmpty(env.IBFLEET_CODEC_KEY_ID) ?? (entries.length === 1 ? entries[0][0] : undefined);
    if (!current) {
      throw new CodecConfigError(
        'IBFLEET_CODEC_KEY_ID must name the current key when several keys are given',
      );
    }
    return makeKeyring(current, entries);
  }
  if (nonEmpty(env.IBFLEET_CODEC_KEY_ID)) {
    throw new CodecConfigError('IBFLEET_CODEC_KEY_ID is set but IBFLEET_CODEC_KEYS is not');
  }
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
