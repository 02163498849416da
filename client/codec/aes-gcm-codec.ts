import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
// @temporalio/proto comes with @temporalio/common (same pinned version); it serialises the whole
// Payload, metadata included, so that the encoding and type hints are encrypted too.
import { temporal } from '@temporalio/proto';
import { keyringFromEnv, type CodecKeyring } from './keyring';

// Payload encryption with AES-256-GCM. Each payload becomes
//   metadata: { encoding: "binary/encrypted", encryption-key-id: <id> }
//   data:     iv (12 random bytes) || ciphertext || GCM tag (16 bytes)
// The key id is also the GCM additional data, so swapping a payload's key id is detected like any
// other tampering. Encode uses the current key; decode uses whichever key the payload names.

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const PayloadProto = temporal.api.common.v1.Payload;

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export interface AesGcmCodecOptions {
  /**
   * Return unencrypted payloads as they are on decode instead of refusing them. Only for showing
   * payloads (the codec server behind the Web UI, where SDK markers and histories from before
   * encryption are plain); never for a worker or a client that acts on what it decodes.
   */
  passPlaintext?: boolean;
}

export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly keyring: CodecKeyring,
    private readonly options: AesGcmCodecOptions = {},
  ) {}

  get currentKeyId(): string {
    return this.keyring.currentKeyId;
  }

  // The executor turns a throw into a rejection, as callers of a PayloadCodec expect.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decrypt(payload))));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keyring.currentKeyId;
    const key = this.keyring.keys.get(keyId);
    if (!key) throw new Error(`current codec key "${keyId}" vanished from the keyring`); // makeKeyring checks this
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv);
    cipher.setAAD(utf8.encode(keyId));
    const plaintext = PayloadProto.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
        [METADATA_KEY_ID]: utf8.encode(keyId),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = metadataString(payload, METADATA_ENCODING_KEY);
    if (encoding !== ENCRYPTED_ENCODING) {
      // With encryption configured, everything ibfleet reads was written encrypted by a holder of the
      // key. A plain payload was written by someone without it (e.g. a workflow started, signalled or
      // queried with plain JSON on the namespace): refused, so a worker runs nothing from it.
      if (this.options.passPlaintext) return payload;
      throw new PayloadDecryptionError(
        `refusing an unencrypted payload (encoding ${JSON.stringify(encoding?.slice(0, 40) ?? 'none')}): ` +
          `payload encryption is configured, so every payload must be encrypted with a configured codec key ` +
          `(was it written by a client without IBFLEET_CODEC_KEY_FILE / IBFLEET_CODEC_KEYS?)`,
      );
    }
    const keyId = metadataString(payload, METADATA_KEY_ID);
    if (!keyId) throw new PayloadDecryptionError(`encrypted payload has no ${METADATA_KEY_ID} metadata`);
    const key = this.keyring.keys.get(keyId);
    if (!key) {
      const known = [...this.keyring.keys.keys()].join(', ');
      throw new PayloadDecryptionError(
        `payload was encrypted with codec key "${keyId}", which is not configured (configured: ${known})`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") is too short to be valid`);
    }
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(CIPHER, key, iv);
      decipher.setAAD(utf8.encode(keyId));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${keyId}") failed authentication: it was modified, or the key with that id is not the one it was encrypted with`,
      );
    }
    return PayloadProto.decode(plaintext);
  }
}

function metadataString(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? utf8Decoder.decode(value) : undefined;
}

/** The codec configured by IBFLEET_CODEC_KEY_FILE or IBFLEET_CODEC_KEYS/IBFLEET_CODEC_KEY_ID; undefined if none. */
export function loadCodecFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: AesGcmCodecOptions = {},
): PayloadCodec | undefined {
  const keyring = keyringFromEnv(env);
  return keyring ? new AesGcmCodec(keyring, options) : undefined;
}
