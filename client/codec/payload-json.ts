import type { Payload } from '@temporalio/common';

// The Temporal codec server protocol's body: { "payloads": [ { "metadata": { k: base64 }, "data": base64 } ] },
// i.e. the proto3 JSON form of temporal.api.common.v1.Payloads.

export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export interface JsonPayloads {
  payloads: JsonPayload[];
}

export class PayloadJsonError extends Error {
  override name = 'PayloadJsonError';
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function payloadsFromJson(body: unknown): Payload[] {
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as { payloads?: unknown }).payloads)
  ) {
    throw new PayloadJsonError('body must be a JSON object with a "payloads" array');
  }
  return (body as { payloads: unknown[] }).payloads.map((item, index) => payloadFromJson(item, index));
}

function payloadFromJson(item: unknown, index: number): Payload {
  if (typeof item !== 'object' || item === null)
    throw new PayloadJsonError(`payloads[${index}] must be an object`);
  const { metadata, data } = item as { metadata?: unknown; data?: unknown };
  const decodedMetadata: Record<string, Uint8Array> = {};
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new PayloadJsonError(`payloads[${index}].metadata must be an object`);
    }
    for (const [key, value] of Object.entries(metadata)) {
      decodedMetadata[key] = bytesFromBase64(value, `payloads[${index}].metadata.${key}`);
    }
  }
  const payload: Payload = { metadata: decodedMetadata };
  if (data !== undefined && data !== null) payload.data = bytesFromBase64(data, `payloads[${index}].data`);
  return payload;
}

function bytesFromBase64(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new PayloadJsonError(`${where} must be base64`);
  // Node's decoder accepts both the standard and the URL-safe alphabet, as proto3 JSON requires.
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export function payloadsToJson(payloads: Payload[]): JsonPayloads {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, base64(value)]),
      ),
      data: base64(payload.data ?? new Uint8Array()),
    })),
  };
}

function base64(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : '';
}
