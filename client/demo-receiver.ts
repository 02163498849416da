import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonNotification } from '../common/notify/payload';

// The demo's notification endpoint: a webhook receiver on 127.0.0.1 (ephemeral port) that prints one
// line per notification: kind, rollout, and host or summary. It prints only fields of the event, never
// the request's URL or headers (an operator's real endpoint URL may carry a secret). A repeated
// idempotency key (at-least-once delivery) is acknowledged and not printed again.

export class DemoReceiver {
  private server?: Server;
  private readonly seen = new Set<string>();
  private waiters: { key: string; resolve: () => void }[] = [];

  constructor(private readonly print: (line: string) => void = (line) => console.log(line)) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        this.receive(Buffer.concat(chunks).toString('utf8'));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The URL to notify (no secret in it: loopback, no credentials). */
  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/ibfleet`;
  }

  /** Resolves once a notification with this idempotency key arrived, or after `timeoutMs`. */
  async received(key: string, timeoutMs: number): Promise<boolean> {
    if (this.seen.has(key)) return true;
    let timer: NodeJS.Timeout | undefined;
    const arrived = await Promise.race([
      new Promise<true>((resolve) => this.waiters.push({ key, resolve: () => resolve(true) })),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return arrived;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private receive(body: string): void {
    let n: Partial<JsonNotification>;
    try {
      n = JSON.parse(body) as Partial<JsonNotification>;
    } catch {
      this.print(`[notification] (not JSON, ${body.length} bytes)`);
      return;
    }
    const key = n.idempotencyKey ?? '';
    if (key && this.seen.has(key)) return;
    this.seen.add(key);
    const subject = n.subject ? ` ${n.subject}` : '';
    this.print(`[notification] ${n.kind ?? '?'} ${n.rolloutId ?? '?'}${subject}: ${n.text ?? ''}`);
    this.waiters = this.waiters.filter((w) => {
      if (w.key !== key) return true;
      w.resolve();
      return false;
    });
  }
}
