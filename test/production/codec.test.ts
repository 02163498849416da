import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import {
  AesGcmCodec,
  ENCRYPTED_ENCODING,
  loadCodecFromEnv,
  METADATA_KEY_ID,
  PayloadDecryptionError,
} from '../../client/codec/aes-gcm-codec';
import { CodecConfigError, keyringFromEnv, makeKeyring } from '../../client/codec/keyring';
import { dataConverter } from '../../client/connection';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { smokeWorkflow } from '../fixtures/smoke-workflows';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';

const key = () => randomBytes(32).toString('base64');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload) => defaultPayloadConverter.fromPayload<unknown>(payload);

describe('production: AES-GCM payload codec', () => {
  const k1 = key();
  const k2 = key();

  it('round-trips payloads, keeping metadata inside the ciphertext', async () => {
    const codec = new AesGcmCodec(makeKeyring('k1', [['k1', k1]]));
    const original = [
      toPayload({ host: 'esx-01', secret: 'plaintext-marker' }),
      toPayload('x'),
      toPayload(null),
    ];
    const encoded = await codec.encode(original);
    assert.equal(encoded.length, 3);
    for (const payload of encoded) {
      assert.deepEqual(Object.keys(payload.metadata ?? {}).sort(), ['encoding', METADATA_KEY_ID]);
      assert.equal(text(payload.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(payload.metadata?.[METADATA_KEY_ID]), 'k1');
      assert.ok(!Buffer.from(payload.data ?? []).includes('plaintext-marker'));
      assert.ok(!Buffer.from(payload.data ?? []).includes('json/plain'));
    }
    const decoded = await codec.decode(encoded);
    assert.deepEqual(decoded.map(fromPayload), [{ host: 'esx-01', secret: 'plaintext-marker' }, 'x', null]);
  });

  it('uses a fresh IV for every payload', async () => {
    const codec = new AesGcmCodec(makeKeyring('k1', [['k1', k1]]));
    const [a, b] = await codec.encode([toPayload('same'), toPayload('same')]);
    assert.notDeepEqual(Buffer.from(a.data ?? []), Buffer.from(b.data ?? []));
    assert.notDeepEqual(Buffer.from(a.data ?? []).subarray(0, 12), Buffer.from(b.data ?? []).subarray(0, 12));
  });

  it('rotates keys: encodes with the current key, decodes with the key the payload names', async () => {
    const before = new AesGcmCodec(makeKeyring('k1', [['k1', k1]]));
    const after = new AesGcmCodec(
      makeKeyring('k2', [
        ['k1', k1],
        ['k2', k2],
      ]),
    );
    const [old] = await before.encode([toPayload('written before rotation')]);
    const [fresh] = await after.encode([toPayload('written after rotation')]);
    assert.equal(text(fresh.metadata?.[METADATA_KEY_ID]), 'k2');
    assert.deepEqual((await after.decode([old, fresh])).map(fromPayload), [
      'written before rotation',
      'written after rotation',
    ]);
  });

  it('detects tampering with the ciphertext, the tag, the IV and the key id', async () => {
    const codec = new AesGcmCodec(
      makeKeyring('k1', [
        ['k1', k1],
        ['k2', k2],
      ]),
    );
    const [payload] = await codec.encode([toPayload('do not touch')]);
    const data = Buffer.from(payload.data ?? []);
    const flip = (index: number) => {
      const copy = Buffer.from(data);
      copy[index] ^= 0x01;
      return { ...payload, data: copy };
    };
    const variants: Payload[] = [
      flip(0), // IV
      flip(20), // ciphertext
      flip(data.length - 1), // tag
      { ...payload, data: data.subarray(0, data.length - 1) }, // truncated
      { ...payload, metadata: { ...payload.metadata, [METADATA_KEY_ID]: Buffer.from('k2') } }, // swapped key id
    ];
    for (const variant of variants) {
      await assert.rejects(codec.decode([variant]), (err: Error) => {
        assert.ok(err instanceof PayloadDecryptionError, err.message);
        assert.match(err.message, /failed authentication/);
        return true;
      });
    }
  });

  it('names an unknown key id clearly, without any key material', async () => {
    const [payload] = await new AesGcmCodec(makeKeyring('retired', [['retired', k1]])).encode([
      toPayload('x'),
    ]);
    const codec = new AesGcmCodec(makeKeyring('k2', [['k2', k2]]));
    await assert.rejects(codec.decode([payload]), (err: Error) => {
      assert.ok(err instanceof PayloadDecryptionError);
      assert.match(err.message, /codec key "retired", which is not configured \(configured: k2\)/);
      assert.ok(!err.message.includes(k2) && !err.message.includes(k1));
      return true;
    });
  });

  it('refuses unencrypted payloads on decode (written by someone without the key); passes them only for display', async () => {
    const codec = new AesGcmCodec(makeKeyring('k1', [['k1', k1]]));
    const [encrypted] = await codec.encode([toPayload('fine')]);
    for (const plain of [
      toPayload({ target: { ibDevice: 'mlx5_0;reboot' } }),
      { metadata: {}, data: Buffer.from('{}') },
    ]) {
      await assert.rejects(codec.decode([encrypted, plain]), (err: Error) => {
        assert.ok(err instanceof PayloadDecryptionError, err.message);
        assert.match(err.message, /refusing an unencrypted payload .*payload encryption is configured/);
        return true;
      });
    }
    // The codec server only shows payloads: SDK markers and old histories are plain there.
    const display = new AesGcmCodec(makeKeyring('k1', [['k1', k1]]), { passPlaintext: true });
    assert.deepEqual((await display.decode([encrypted, toPayload({ legacy: true })])).map(fromPayload), [
      'fine',
      { legacy: true },
    ]);
  });

  describe('configuration', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-codec-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('is off when nothing is set', () => {
      assert.equal(loadCodecFromEnv({}), undefined);
      assert.deepEqual(dataConverter({}), {});
    });

    it('reads IBFLEET_CODEC_KEYS and IBFLEET_CODEC_KEY_ID', () => {
      const keyring = keyringFromEnv({
        IBFLEET_CODEC_KEYS: `k1:${k1}, k2:${k2}`,
        IBFLEET_CODEC_KEY_ID: 'k2',
      });
      assert.equal(keyring?.currentKeyId, 'k2');
      assert.deepEqual([...(keyring?.keys.keys() ?? [])], ['k1', 'k2']);
      assert.equal(keyringFromEnv({ IBFLEET_CODEC_KEYS: `only:${k1}` })?.currentKeyId, 'only');
      const converter = dataConverter({ IBFLEET_CODEC_KEYS: `only:${k1}` });
      assert.equal(converter.payloadCodecs?.length, 1);
    });

    it('reads a key file', () => {
      const file = path.join(dir, 'keys.json');
      fs.writeFileSync(file, JSON.stringify({ current: 'b', keys: { a: k1, b: k2 } }), { mode: 0o600 });
      const keyring = keyringFromEnv({ IBFLEET_CODEC_KEY_FILE: file });
      assert.equal(keyring?.currentKeyId, 'b');
      assert.equal(keyring?.keys.size, 2);
    });

    it('rejects bad configuration with messages that carry no key material', () => {
      const bad: [NodeJS.ProcessEnv, RegExp][] = [
        [{ IBFLEET_CODEC_KEYS: `k1:${k1},k2:${k2}` }, /IBFLEET_CODEC_KEY_ID must name the current key/],
        [
          { IBFLEET_CODEC_KEYS: `k1:${k1}`, IBFLEET_CODEC_KEY_ID: 'k9' },
          /"k9" is not among the configured keys/,
        ],
        [{ IBFLEET_CODEC_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }, /must be 32 bytes/],
        [
          { IBFLEET_CODEC_KEYS: `k1:${k1.slice(0, 20)}!!${k1.slice(22)}` },
          /must be 32 bytes of standard base64/,
        ],
        [{ IBFLEET_CODEC_KEYS: k1 }, /id:base64key/],
        [{ IBFLEET_CODEC_KEYS: `k1:${k1}`, IBFLEET_CODEC_KEY_FILE: '/x' }, /not both/],
        [{ IBFLEET_CODEC_KEY_FILE: path.join(dir, 'missing.json') }, /cannot read .* \(ENOENT\)/],
        [{ IBFLEET_CODEC_KEY_ID: 'k1' }, /IBFLEET_CODEC_KEYS is not/],
      ];
      for (const [env, message] of bad) {
        assert.throws(
          () => keyringFromEnv(env),
          (err: Error) => {
            assert.ok(err instanceof CodecConfigError, err.message);
            assert.match(err.message, message);
            assert.ok(!err.message.includes(k1.slice(0, 16)) && !err.message.includes(k2.slice(0, 16)));
            return true;
          },
        );
      }
      const garbled = path.join(dir, 'garbled.json');
      fs.writeFileSync(garbled, `{"current":"a","keys":{"a":"${k1}"`);
      assert.throws(
        () => keyringFromEnv({ IBFLEET_CODEC_KEY_FILE: garbled }),
        (err: Error) => {
          assert.match(err.message, /is not valid JSON/);
          assert.ok(!err.message.includes(k1.slice(0, 16)));
          return true;
        },
      );
    });
  });
});

describe('production: encrypted payloads on a real Temporal server', () => {
  /** Every string and every byte array (decoded as UTF-8) in the history, in one searchable text. */
  function historyText(history: unknown): string {
    const parts: string[] = [];
    const walk = (value: unknown): void => {
      // Buffers first: JSON.stringify would turn them into arrays of numbers and hide their content.
      if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
      else if (typeof value === 'string') parts.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
    };
    walk(history);
    return parts.join('\n');
  }

  async function runSmoke(label: string, converter: ReturnType<typeof dataConverter>, argument: string) {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue(label);
    const client = new Client({
      connection: env.connection,
      namespace: env.namespace,
      dataConverter: converter,
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/smoke-workflows')),
      activities: createSmokeActivities(),
      dataConverter: converter,
    });
    const workflowId = `${taskQueue}-wf`;
    const result = await worker.runUntil(
      client.workflow.execute(smokeWorkflow, { taskQueue, workflowId, args: [argument] }),
    );
    // A client without the codec sees what the server stores.
    const plainHandle = env.client.workflow.getHandle(workflowId);
    return { result, history: historyText(await plainHandle.fetchHistory()), plainHandle };
  }

  it('stores only ciphertext, and the client with the codec reads the result', async () => {
    const secret = `classified-${randomUUID()}`;
    const converter = dataConverter({ IBFLEET_CODEC_KEYS: `prod-1:${key()}` });
    const { result, history, plainHandle } = await runSmoke('codec-e2e', converter, secret);
    assert.equal(result, `hello, ${secret}`);
    assert.ok(!history.includes(secret), 'the plaintext argument appears in the stored history');
    assert.ok(!history.includes('json/plain'), 'a payload encoding hint appears in the stored history');
    assert.ok(history.includes(ENCRYPTED_ENCODING));
    await assert.rejects(plainHandle.result(), /encoding|binary\/encrypted/i);
  });

  it('(control) without the codec the same search finds the plaintext', async () => {
    const secret = `public-${randomUUID()}`;
    const { history } = await runSmoke('codec-control', {}, secret);
    assert.ok(history.includes(secret));
  });
});
