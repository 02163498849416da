import assert from 'node:assert/strict';
import net from 'node:net';
import { REFUSED_PROBE_INTERVAL_MS, sleepUntilAccepting } from '../../activities/esxi/reboot';
import { portAccepts } from '../../activities/ssh/port-probe';

// While a rebooting host refuses connections (network up, sshd not yet), the wait for its return probes
// the port with bare TCP connects between its SSH polls and polls again as soon as sshd accepts, instead of
// sleeping out the whole interval. Here against loopback ports: one that listens, one that refuses.

async function listening(): Promise<{ server: net.Server; port: number; connections: Buffer[][] }> {
  const connections: Buffer[][] = [];
  const server = net.createServer((socket) => {
    const received: Buffer[] = [];
    connections.push(received);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port, connections };
}

async function refusingPort(): Promise<number> {
  const { server, port } = await listening();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('durability: waiting for a host that refuses connections', () => {
  it('tells a port that accepts from one that refuses', async () => {
    const { server, port } = await listening();
    try {
      assert.equal(await portAccepts('127.0.0.1', port, 2_000), true);
    } finally {
      server.close();
    }
    assert.equal(await portAccepts('127.0.0.1', await refusingPort(), 2_000), false);
  });

  it('ends a wait of ten minutes as soon as the port accepts, having sent nothing', async function () {
    this.timeout(10_000);
    const { server, port, connections } = await listening();
    try {
      await sleepUntilAccepting({ address: '127.0.0.1', port }, 10 * 60_000);
      assert.equal(connections.length, 1);
      assert.deepEqual(connections[0], []);
    } finally {
      server.close();
    }
  });

  it('sleeps the whole wait while the port refuses', async () => {
    const port = await refusingPort();
    await sleepUntilAccepting({ address: '127.0.0.1', port }, 3 * REFUSED_PROBE_INTERVAL_MS);
    assert.equal(await portAccepts('127.0.0.1', port, 2_000), false);
  });
});
