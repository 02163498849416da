// Command output and error text end up in Temporal histories, logs and reports. Before that, mask
// anything that looks like a secret and bound the size, keeping the head and the tail (where errors are).

const MASK = '[REDACTED]';

interface Rule {
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const rules: Rule[] = [
  // PEM / OpenSSH private key blocks (also a truncated block with no END line).
  {
    pattern:
      /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
    replace: (_m, kind: string) =>
      `-----BEGIN ${kind}PRIVATE KEY----- ${MASK} -----END ${kind}PRIVATE KEY-----`,
  },
  // HTTP Authorization headers and bare bearer/basic tokens.
  {
    pattern: /\b(authorization\s*[:=]\s*)(bearer|basic|token|digest)?\s*[^\s"',;]+/gi,
    replace: (_m, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}${MASK}`,
  },
  { pattern: /\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, replace: (_m, head: string) => `${head}${MASK}` },
  // URLs with credentials: scheme://user:secret@host
  {
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi,
    replace: (_m, head: string) => `${head}${MASK}@`,
  },
  // key=value / key: value / --key value with a secret-ish key name.
  {
    pattern:
      /\b((?:[A-Za-z0-9_.-]*?)(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)(?:[A-Za-z0-9_.-]*))(\s*[:=]\s*|\s+(?=["']))("[^"]*"|'[^']*'|[^\s,;&]+)/gi,
    replace: (_m, key: string, sep: string) => `${key}${sep}${MASK}`,
  },
  {
    pattern: /(--(?:password|passwd|passphrase|secret|token|api-key|access-key)\s+)("[^"]*"|'[^']*'|\S+)/gi,
    replace: (_m, head: string) => `${head}${MASK}`,
  },
  // Long base64 blobs right after a key-ish word (e.g. "key AAAAB3Nza...", "secret: c2VjcmV0...").
  {
    pattern: /\b(key|secret|token|cert(?:ificate)?|signature)(\W{1,3})([A-Za-z0-9+/]{32,}={0,2})/gi,
    replace: (_m, word: string, sep: string) => `${word}${sep}${MASK}`,
  },
];

/** Masks private key blocks, passwords, tokens and key-like blobs. Idempotent. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const rule of rules)
    out = out.replace(rule.pattern, rule.replace as (m: string, ...g: unknown[]) => string);
  return out;
}

/**
 * Keeps at most `maxBytes` bytes of UTF-8 (head and tail halves), with a marker saying how much was cut
 * in between. Cuts never split a multi-byte character.
 */
export function boundOutput(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  const budget = Math.max(0, maxBytes);
  const headEnd = charBoundaryAtOrBefore(buf, Math.ceil(budget / 2));
  const tailStart = charBoundaryAtOrAfter(buf, buf.length - Math.floor(budget / 2));
  return joinHeadTail(buf.subarray(0, headEnd), buf.subarray(tailStart), tailStart - headEnd);
}

/** The text a bounded head + tail of a stream renders to (shared with the streaming collector). */
export function joinHeadTail(head: Buffer, tail: Buffer, cutBytes: number): string {
  if (cutBytes <= 0) return head.toString('utf8') + tail.toString('utf8');
  return `${head.toString('utf8')}\n...[${cutBytes} bytes cut]...\n${tail.toString('utf8')}`;
}

function isContinuationByte(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/** Largest index <= i that starts a character (or is the end). */
export function charBoundaryAtOrBefore(buf: Buffer, i: number): number {
  let j = Math.min(Math.max(i, 0), buf.length);
  while (j > 0 && j < buf.length && isContinuationByte(buf[j])) j -= 1;
  return j;
}

/** Smallest index >= i that starts a character (or is the end). */
export function charBoundaryAtOrAfter(buf: Buffer, i: number): number {
  let j = Math.min(Math.max(i, 0), buf.length);
  while (j < buf.length && isContinuationByte(buf[j])) j += 1;
  return j;
}
