import assert from 'node:assert/strict';
import { DemoReceiver } from '../../client/demo-receiver';
import { hostNeedsAttentionEvent, jsonPayload, notifyEventSchema } from '../../common/notify';

// The demo's notification receiver (client/demo-receiver.ts): one line per notification, a repeat of
// the same idempotency key (at-least-once delivery) not printed twice, nothing of the request but the event.

describe('demo notification receiver', () => {
  it('prints one line per notification (kind, rollout, host, text) and skips repeats', async () => {
    const lines: string[] = [];
    const receiver = await new DemoReceiver((line) => lines.push(line)).start();
    try {
      assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+\//);
      const event = notifyEventSchema.parse(
        hostNeedsAttentionEvent(
          { rolloutId: 'demo-r1', procedure: 'recovery-cycle' },
          { name: 'esx-06', cluster: 'cluster-02', reason: 'a VM did not stop' },
          '2026-12-04T10:00:00Z',
        ),
      );
      const post = () =>
        fetch(receiver.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer s3cret-token' },
          body: JSON.stringify(jsonPayload(event)),
        });
      assert.equal((await post()).status, 200);
      assert.equal((await post()).status, 200);
      assert.equal(await receiver.received('ibfleet:demo-r1:host-needs-attention:esx-06', 1_000), true);
      assert.equal(lines.length, 1);
      assert.match(lines[0], /^\[notification\] host-needs-attention demo-r1 esx-06: .*needs attention/);
      assert.doesNotMatch(lines[0], /s3cret|127\.0\.0\.1/);
      assert.equal(await receiver.received('ibfleet:demo-r1:rollout-closed', 50), false);
    } finally {
      await receiver.stop();
    }
  });
});
