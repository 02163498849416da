import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { sshRun } from './ssh-helpers';

// 500 hosts in one process, each answering over real SSH (bounded client concurrency).

const HOSTS = 500;
const CONCURRENCY = 16;

describe('simulator at scale', function () {
  this.timeout(300_000);
  let fleet: Fleet;

  after(() => fleet?.stop());

  it(`starts ${HOSTS} hosts and every one answers esxcli system version get`, async () => {
    const rssBefore = process.memoryUsage().rss;
    fleet = await startFleet({ hosts: HOSTS, clusters: 10, bootTimeMs: 200 });
    const rssStarted = process.memoryUsage().rss;
    assert.equal(fleet.inventory.hosts.length, HOSTS);
    assert.equal(new Set(fleet.inventory.hosts.map((h) => h.port)).size, HOSTS);
    assert.equal(new Set(fleet.inventory.hosts.map((h) => h.hostKey)).size, HOSTS);

    const names = fleet.inventory.hosts.map((h) => h.name);
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++];
        const r = await sshRun(fleet, name, 'esxcli system version get');
        if (r.code !== 0 || !r.stdout.includes('   Product: VMware ESXi\n'))
          failures.push(`${name}: ${r.code} ${r.stderr}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(failures, []);
    const rssAfter = process.memoryUsage().rss;
    const mb = (n: number) => Math.round(n / 1048576);
    // Reported for the record (not asserted: it depends on the machine).
    console.log(
      `      RSS: ${mb(rssBefore)} MB before, ${mb(rssStarted)} MB with ${HOSTS} hosts listening, ${mb(rssAfter)} MB after one SSH session each`,
    );
  });
});
