// Command output and error text end up in Temporal histories, logs and reports. Before that, bound the
// size, keeping the head and the tail (where errors are), and mask anything that looks like a secret:
// safeText does both, in that order.

const MASK = '[REDACTED]';

// Every pattern here runs in time linear in the text: hosts print megabytes, and a rule that backtracks
// quadratically (a lazy prefix tried from every word boundary, two adjacent `\s*`) froze the worker.
// A rule starts only where its first token starts (a look-behind instead of `\b` inside runs of the
// token's own characters), and no two adjacent quantifiers can take the same characters.

type Rule = (text: string) => string;

function rule(pattern: RegExp, replace: (match: string, ...groups: string[]) => string): Rule {
  return (text) => text.replace(pattern, replace as (m: string, ...g: unknown[]) => string);
}

const PEM_END = /-----END ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----/;

const rules: Rule[] = [
  // PEM / OpenSSH private key blocks (also a truncated block with no END line).
  rule(
    /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
    (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY----- ${MASK} -----END ${kind}PRIVATE KEY-----`,
  ),
  // HTTP Authorization headers and bare bearer/basic tokens.
  rule(
    /\b(authorization\s*[:=]\s*)(?:(bearer|basic|token|digest)\s+)?[^\s"',;]+/gi,
    (_m, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}${MASK}`,
  ),
  rule(/\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, (_m, head: string) => `${head}${MASK}`),
  // URLs with credentials: scheme://user:secret@host
  rule(
    /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi,
    (_m, head: string) => `${head}${MASK}@`,
  ),
  // key=value / key: value / key "value" with a secret-ish key name.
  (text) => maskKeyValues(text),
  rule(
    /(--(?:password|passwd|passphrase|secret|token|api-key|access-key)\s+)("[^"]*"|'[^']*'|\S+)/gi,
    (_m, head: string) => `${head}${MASK}`,
  ),
  // Long base64 blobs right after a key-ish word (e.g. "key AAAAB3Nza...", "secret: c2VjcmV0...").
  rule(
    /\b(key|secret|token|cert(?:ificate)?|signature)(\W{1,3})([A-Za-z0-9+/]{32,}={0,2})/gi,
    (_m, word: string, sep: string) => `${word}${sep}${MASK}`,
  ),
];

/** A key name that says its value is a secret (anywhere in the name: DB_PASSWORD, api-key, x.token). */
const SECRET_KEY_WORD =
  /password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?/i;
/** A whole key name (a maximal run of its characters) and its separator: `=`, `:` or space before a quote. */
const KEY_AND_SEPARATOR = /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)(\s*[:=]\s*|\s+(?=["']))/g;
const VALUE = /"[^"]*"|'[^']*'|[^\s,;&]+/y;

/** key=value / key: value / key "value" with a secret-ish key name: the value is masked. */
function maskKeyValues(text: string): string {
  const keys = new RegExp(KEY_AND_SEPARATOR.source, KEY_AND_SEPARATOR.flags);
  const value = new RegExp(VALUE.source, VALUE.flags);
  let out = '';
  let copied = 0;
  for (let m = keys.exec(text); m !== null; m = keys.exec(text)) {
    // Not a secret's key: scanning goes on right after the separator ("user=password=x").
    if (!SECRET_KEY_WORD.test(m[1])) continue;
    value.lastIndex = keys.lastIndex;
    if (!value.test(text)) continue;
    out += text.slice(copied, keys.lastIndex) + MASK;
    copied = keys.lastIndex = value.lastIndex;
  }
  return out + text.slice(copied);
}

/**
 * Masks a private key block whose BEGIN line was cut away (the text is the tail of longer output):
 * everything up to the first END line, when no BEGIN line comes before it.
 */
function maskCutKeyBlock(text: string): string {
  const end = PEM_END.exec(text);
  if (!end || text.lastIndexOf('-----BEGIN ', end.index) >= 0) return text;
  return `${MASK} ${end[0]}${text.slice(end.index + end[0].length)}`;
}

/** Masks private key blocks, passwords, tokens and key-like blobs. Idempotent; linear time. */
export function redactSecrets(text: string): string {
  return rules.reduce((out, apply) => apply(out), text);
}

/** Bytes read beyond each kept end of a long text, so a secret starting in the kept part is seen whole. */
const REDACTION_CONTEXT_BYTES = 4096;

/**
 * Host output (or any text that may quote it) as it may appear in a message, detail or log: at most
 * `maxBytes` bytes of UTF-8 (head and tail, as boundOutput), secrets masked. Bounds first, then
 * redacts, so its cost does not grow with the output: only the kept ends (and a little context around
 * them) are ever scanned.
 */
export function safeText(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes + 2 * REDACTION_CONTEXT_BYTES) return boundOutput(redactSecrets(text), maxBytes);
  const buf = Buffer.from(text, 'utf8');
  const headKeep = Math.ceil(Math.max(0, maxBytes) / 2);
  const tailKeep = Math.floor(Math.max(0, maxBytes) / 2);
  const headWindow = buf.subarray(0, charBoundaryAtOrBefore(buf, headKeep + REDACTION_CONTEXT_BYTES));
  const tailWindow = buf.subarray(
    charBoundaryAtOrAfter(buf, buf.length - tailKeep - REDACTION_CONTEXT_BYTES),
  );
  const head = Buffer.from(redactSecrets(headWindow.toString('utf8')), 'utf8');
  const tail = Buffer.from(redactSecrets(maskCutKeyBlock(tailWindow.toString('utf8'))), 'utf8');
  const headEnd = charBoundaryAtOrBefore(head, headKeep);
  const tailStart = charBoundaryAtOrAfter(tail, tail.length - tailKeep);
  const shown = headEnd + (tail.length - tailStart);
  return joinHeadTail(head.subarray(0, headEnd), tail.subarray(tailStart), Math.max(1, bytes - shown));
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
