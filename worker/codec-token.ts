import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// `node dist/worker/codec-token.js <file>`: makes sure <file> holds an Authorization value for the
// codec server (IBFLEET_CODEC_AUTH_FILE). Creates a random one (mode 0600) if the file is missing or
// empty, and keeps an existing one, so the Compose stack can run it before every start. Never prints it.

/** `Bearer <43 base64url characters>`: 256 random bits, usable as-is with `temporal --codec-auth`. */
export function newCodecAuthorization(): string {
  return `Bearer ${randomBytes(32).toString('base64url')}`;
}

/** Returns whether a new value was written. */
export function ensureCodecAuthFile(file: string): boolean {
  try {
    if (fs.readFileSync(file, 'utf8').trim() !== '') return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Write a private temporary file next to it and rename: a reader never sees a half-written value.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, `${newCodecAuthorization()}\n`, { mode: 0o600, flag: 'wx' });
  fs.renameSync(temp, file);
  return true;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: codec-token <file>');
    process.exit(2);
  }
  try {
    const created = ensureCodecAuthFile(file);
    console.error(`codec server authorization ${created ? 'created in' : 'kept in'} ${file}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    console.error(`codec-token: cannot write ${file} (${code})`);
    process.exit(1);
  }
}
