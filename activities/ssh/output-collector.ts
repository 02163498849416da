import { charBoundaryAtOrAfter, joinHeadTail } from './redact';

// Collects a stream's bytes with bounded memory: everything up to the limit, beyond it the first
// and last halves, with a marker of how much was cut (same format as boundOutput).

export class BoundedCollector {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.ceil(this.maxBytes / 2) - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const tailMax = Math.floor(this.maxBytes / 2);
    // Compact once the tail holds twice its budget, so pushes stay amortized O(chunk).
    if (this.tailBytes > 2 * tailMax + 65_536) {
      const joined = Buffer.concat(this.tail);
      this.tail = [Buffer.from(joined.subarray(joined.length - tailMax))];
      this.tailBytes = tailMax;
    }
  }

  get totalBytes(): number {
    return this.total;
  }

  toString(): string {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (this.total <= this.maxBytes) return Buffer.concat([head, tail]).toString('utf8');
    const tailMax = Math.floor(this.maxBytes / 2);
    tail = tail.subarray(tail.length - tailMax);
    const headEnd = completeUtf8Prefix(head);
    const tailStart = charBoundaryAtOrAfter(tail, 0);
    const kept = head.subarray(0, headEnd).length + tail.length - tailStart;
    return joinHeadTail(head.subarray(0, headEnd), tail.subarray(tailStart), this.total - kept);
  }
}

/** Length of the longest prefix of `buf` that does not end inside a multi-byte UTF-8 character. */
export function completeUtf8Prefix(buf: Buffer): number {
  let lead = buf.length - 1;
  while (lead >= 0 && lead > buf.length - 4 && ((buf[lead] ?? 0) & 0xc0) === 0x80) lead -= 1;
  if (lead < 0) return buf.length;
  const b = buf[lead] ?? 0;
  const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return lead + need > buf.length ? lead : buf.length;
}
