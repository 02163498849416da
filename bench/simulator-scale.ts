import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { startFleet } from '../simulator/fleet';
import { fingerprint } from '../simulator/host-keys';

// How far one simulator process goes: starts N simulated ESXi hosts (default 10,000) on loopback,
// reports the start-up time, CPU and RSS, then runs one SSH command on a spread sample of the hosts
// (each checked against its pinned host key) and reports RSS again. Not a test: numbers only.
//   node --require tsx/cjs bench/simulator-scale.ts [hosts] [sampled hosts] [concurrency]

const hosts = Number(process.argv[2] ?? 10_000);
const sampled = Number(process.argv[3] ?? 500);
const concurrency = Number(process.argv[4] ?? 50);

const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const peakRss = () =>
  Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;

function run(host: { port: number; hostKey: string }, keyPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('error', reject);
    client.once('ready', () => {
      client.exec(command, (err, channel) => {
        if (err) return reject(err);
        let out = '';
        channel.on('data', (d: Buffer) => (out += d.toString()));
        channel.stderr.resume();
        channel.once('close', () => {
          client.end();
          resolve(out);
        });
      });
    });
    client.connect({
      host: '127.0.0.1',
      port: host.port,
      username: 'root',
      privateKey: readFileSync(keyPath),
      readyTimeout: 60_000,
      hostVerifier: (key: Buffer) => fingerprint(key) === host.hostKey,
    });
  });
}

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const fleet = await startFleet({
    hosts,
    clusters: Math.ceil(hosts / 500),
    bootTimeMs: 1000,
    controlPort: false,
  });
  const startMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpuBefore);
  global.gc?.();
  const rssStarted = process.memoryUsage().rss;
  const inv = fleet.inventory.hosts;
  console.log(
    `${inv.length} hosts started in ${(startMs / 1000).toFixed(1)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s); ` +
      `RSS ${mb(rssBefore)} before, ${mb(rssStarted)} listening; ` +
      `${new Set(inv.map((h) => h.port)).size} distinct ports, ${new Set(inv.map((h) => h.hostKey)).size} distinct host keys`,
  );

  const step = Math.max(1, Math.floor(inv.length / sampled));
  const sample = inv.filter((_h, i) => i % step === 0).slice(0, sampled);
  let next = 0;
  let failures = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < sample.length) {
        const h = sample[next++];
        const out = await run(h, fleet.clientKeyPath, 'esxcli system version get').catch(() => '');
        if (!out.includes('Product: VMware ESXi')) failures++;
      }
    }),
  );
  console.log(
    `${sample.length} hosts answered over SSH (${failures} failures) in ${((performance.now() - t1) / 1000).toFixed(1)} s; ` +
      `RSS ${mb(process.memoryUsage().rss)} after, peak ${mb(peakRss())}`,
  );
  const t2 = performance.now();
  await fleet.stop();
  console.log(`stopped in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
