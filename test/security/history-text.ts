import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

// A workflow history as text a search can look into: the history's JSON, plus every payload decoded
// (payload data is base64 in the JSON, so a secret inside one would not be found by searching the JSON).

export interface StoredPayload {
  /** Where it sits, e.g. "events.12.activityTaskScheduledEventAttributes.input.payloads.0". */
  path: string;
  /** metadata values, decoded. */
  metadata: Record<string, string>;
  /** data, decoded as UTF-8 (encrypted data decodes to noise). */
  text: string;
}

export interface HistoryText {
  workflowId: string;
  json: string;
  payloads: StoredPayload[];
  /** The JSON and every decoded payload, one after the other: what to search for secrets. */
  all: string;
}

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

function isPayload(v: unknown): v is { metadata?: Record<string, string>; data?: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    'metadata' in o &&
    typeof o.metadata === 'object' &&
    o.metadata !== null &&
    (o.data === undefined || typeof o.data === 'string')
  );
}

export function payloadsOf(value: unknown, path = ''): StoredPayload[] {
  if (isPayload(value)) {
    const metadata = Object.fromEntries(Object.entries(value.metadata ?? {}).map(([k, v]) => [k, b64(v)]));
    return [{ path, metadata, text: value.data ? b64(value.data) : '' }];
  }
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    payloadsOf(v, path ? `${path}.${k}` : k),
  );
}

export async function historyText(client: Client, workflowId: string): Promise<HistoryText> {
  const json = historyToJSON(await client.workflow.getHandle(workflowId).fetchHistory());
  const payloads = payloadsOf(JSON.parse(json));
  const all = [json, ...payloads.map((p) => `${Object.values(p.metadata).join(' ')} ${p.text}`)].join('\n');
  return { workflowId, json, payloads, all };
}

/** The base64 body of a PEM / OpenSSH private key file (no BEGIN/END lines, no line breaks). */
export function keyBody(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => !l.startsWith('-----') && l.trim() !== '')
    .join('');
}

/** Where `text` contains the secret, or any `slice`-long piece of it (e.g. a key body cut into lines). */
export function leaksOf(text: string, secret: string, slice?: number): string[] {
  const found: string[] = [];
  if (text.includes(secret)) found.push('the whole secret');
  if (slice !== undefined) {
    for (let i = 0; i + slice <= secret.length; i++) {
      const piece = secret.slice(i, i + slice);
      if (text.includes(piece)) found.push(`the ${slice}-character piece at ${i}`);
    }
  }
  return found;
}
