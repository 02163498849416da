import assert from 'node:assert/strict';
import type { ExecContext, ExecResult } from '../../simulator/machine';
import {
  createGuestMachine,
  guestLinkFromTopology,
  PerftestFabric,
  type GuestLinkInput,
  type GuestMachine,
} from '../../simulator/guest';
import { renderRow } from '../../simulator/guest/perftest-format';
import { SwitchState } from '../../simulator/switch';
import { parseIbstat, parsePerftestReport } from '../../activities/perftest/parsers';

// Drives simulated Linux guests directly through their command maps.

function ctx(signal: AbortSignal = new AbortController().signal): ExecContext {
  return { user: 'root', signal, stdin: '' };
}

async function run(m: GuestMachine, line: string, c: ExecContext = ctx()): Promise<ExecResult> {
  const argv = line.split(/\s+/).filter((w) => w);
  const impl = m.commands.get(argv[0]);
  assert.ok(impl, `no command ${argv[0]}`);
  return impl(argv, c);
}

function pair(
  opts: {
    seed?: number;
    serverLink?: () => GuestLinkInput;
    clientLink?: () => GuestLinkInput;
    serverWaitMs?: number;
  } = {},
) {
  const fabric = new PerftestFabric({ seed: opts.seed, serverWaitMs: opts.serverWaitMs });
  const server = createGuestMachine({
    name: 'vm-a',
    dataAddress: '192.168.130.10',
    fabric,
    linkState: opts.serverLink,
  });
  const client = createGuestMachine({
    name: 'vm-b',
    dataAddress: '192.168.130.11',
    fabric,
    linkState: opts.clientLink,
  });
  return { fabric, server, client };
}

/** Starts the server command, runs the client, and returns both results. */
async function perftest(p: ReturnType<typeof pair>, serverLine: string, clientLine: string) {
  const serverDone = run(p.server, serverLine);
  const client = await run(p.client, clientLine);
  return { client, server: await serverDone };
}

/** An independent printf of the [S] row format " %-7lu    %-10lu       %-7.2lf            %-7.2lf\t\t     %-7.6lf". */
function printfRow(bytes: string, iters: string, peak: string, avg: string, rate: string): string {
  const l = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - s.length));
  return ` ${l(bytes, 7)}    ${l(iters, 10)}       ${l(peak, 7)}            ${l(avg, 7)}\t\t     ${l(rate, 7)}`;
}

const ROW_LINE = /^ (\d+)\s+(\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)$/;

function rowsOf(stdout: string): { line: string; m: RegExpExecArray }[] {
  return stdout
    .split('\n')
    .map((line) => ({ line, m: ROW_LINE.exec(line) }))
    .filter((r): r is { line: string; m: RegExpExecArray } => r.m !== null);
}

describe('simulator: Linux guest with perftest', () => {
  describe('ibstat', () => {
    it("prints the guide's block with real tab indentation", async () => {
      const fabric = new PerftestFabric();
      const g = createGuestMachine({
        name: 'vm-a',
        dataAddress: '192.168.130.10',
        fabric,
        identity: {
          lid: 35,
          portGuid: '0x005056fffeacc71f',
          nodeGuid: '0x005056fffeacc71f',
          systemImageGuid: '0xa088c203001577f0',
        },
      });
      const r = await run(g, 'ibstat');
      assert.equal(
        r.stdout,
        "CA 'mlx5_0'\n\tCA type: MT4126\n\tNumber of ports: 1\n\tFirmware version: 28.39.1002\n\tHardware version: 0\n" +
          '\tNode GUID: 0x005056fffeacc71f\n\tSystem image GUID: 0xa088c203001577f0\n\tPort 1:\n\t\tState: Active\n' +
          '\t\tPhysical state: LinkUp\n\t\tRate: 400\n\t\tBase lid: 35\n\t\tLMC: 0\n\t\tSM lid: 1\n' +
          '\t\tCapability mask: 0xa751ec48\n\t\tPort GUID: 0x005056fffeacc71f\n\t\tLink layer: InfiniBand\n',
      );
      assert.equal(r.code, 0);
    });

    it('shows Down while the switch runs the SM without virtualization, Active after', async () => {
      const sm = new SwitchState({ name: 'sw1', smVirtEnabled: false, virtRequiresSmRestart: false });
      const g = createGuestMachine({
        name: 'vm-a',
        dataAddress: '10.0.0.1',
        fabric: new PerftestFabric(),
        linkState: () => guestLinkFromTopology({ hostHasVfs: true, subnetManager: sm }),
      });
      assert.match((await run(g, 'ibstat')).stdout, /^\t\tState: Down$/m);
      assert.match((await run(g, 'ibstat')).stdout, /^\t\tBase lid: 0$/m);
      sm.setSmVirtEnabled(true);
      assert.match((await run(g, 'ibstat')).stdout, /^\t\tState: Active$/m);
    });

    it('has no device when the host has no VFs', async () => {
      const g = createGuestMachine({
        name: 'vm-a',
        dataAddress: '10.0.0.1',
        fabric: new PerftestFabric(),
        linkState: () => guestLinkFromTopology({ hostHasVfs: false }),
      });
      assert.deepEqual(await run(g, 'ibstat'), { stdout: '', stderr: '', code: 0 });
      assert.match((await run(g, 'ibstat mlx5_0')).stderr, /'mlx5_0' IB device can't be found/);
    });

    it('lists CAs and rejects unknown devices', async () => {
      const g = createGuestMachine({
        name: 'vm-a',
        dataAddress: '10.0.0.1',
        fabric: new PerftestFabric(),
        ibDevice: 'mlx5_4',
      });
      assert.equal((await run(g, 'ibstat -l')).stdout, 'mlx5_4\n');
      const bad = await run(g, 'ibstat mlx5_9');
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /'mlx5_9' IB device can't be found/);
      assert.match((await run(g, 'ibstat mlx5_4 1')).stdout, /^CA: 'mlx5_4'\nPort 1:\nState: Active\n/);
    });
  });

  it('answers hostname and uname -a', async () => {
    const { server } = pair();
    assert.equal((await run(server, 'hostname')).stdout, 'vm-a\n');
    assert.match((await run(server, 'uname -a')).stdout, /^Linux vm-a \S+ .* x86_64 GNU\/Linux\n$/);
    assert.equal((await run(server, 'uname')).stdout, 'Linux\n');
  });

  describe('perftest', () => {
    it('renders the reference row byte for byte', () => {
      assert.equal(
        renderRow({ bytes: 2, iterations: 5000, peak: 0.11, average: 0.11, msgRateMpps: 6.844459 }, true),
        ' 2          5000             0.11               0.11   \t\t     6.844459\n',
      );
      assert.equal(
        renderRow(
          { bytes: 65536, iterations: 5000, peak: 196.37, average: 196.35, msgRateMpps: 0.374522 },
          true,
        ),
        ' 65536      5000             196.37             196.35 \t\t     0.374522\n',
      );
    });

    it("runs the guide's unidirectional test: ib_send_bw -a -q 4 --report_gbits", async () => {
      const p = pair();
      const { client, server } = await perftest(
        p,
        'ib_send_bw -a -q 4 --report_gbits -F',
        'ib_send_bw -a -q 4 --report_gbits 192.168.130.10 -F',
      );
      assert.equal(client.code, 0, client.stderr);
      assert.equal(server.code, 0, server.stderr);
      const out = client.stdout.split('\n');
      const rule = '-'.repeat(87);
      assert.deepEqual(out.slice(0, 16), [
        rule,
        '                    Send BW Test',
        ' Dual-port       : OFF\t\tDevice         : mlx5_0',
        ' Number of qps   : 4\t\tTransport type : IB',
        ' Connection type : RC\t\tUsing SRQ      : OFF',
        ' PCIe relax order: ON',
        ' ibv_wr* API     : ON',
        ' TX depth        : 128',
        ' CQ Moderation   : 100',
        ' Mtu             : 4096[B]',
        ' Link type       : IB',
        ' Max inline data : 0[B]',
        ' rdma_cm QPs\t : OFF',
        ' Data ex. method : Ethernet',
        rule,
        out[15],
      ]);
      assert.equal(out.filter((l) => l.startsWith(' local address: LID ')).length, 4);
      assert.equal(out.filter((l) => l.startsWith(' remote address: LID ')).length, 4);
      assert.match(out[15], /^ local address: LID 0x[0-9a-f]{2,4} QPN 0x[0-9a-f]{4,6} PSN 0x[0-9a-f]{1,6}$/);
      assert.ok(
        out.includes(' #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]'),
      );
      assert.equal(client.stdout.endsWith(`\n${rule}\n`), true);

      const rows = rowsOf(client.stdout);
      assert.deepEqual(
        rows.map((r) => Number(r.m[1])),
        Array.from({ length: 23 }, (_, i) => 2 ** (i + 1)),
      );
      for (const r of rows) {
        assert.equal(r.m[2], '4000', 'iterations are iters × qps');
        if (Number(r.m[4]) >= 0.1) assert.equal(r.line, printfRow(r.m[1], r.m[2], r.m[3], r.m[4], r.m[5]));
      }
      // The shape of the guide's run: 2 B around 0.07 Gb/s, 8 MiB near 396.5 of 400.
      const avg = (bytes: number) => Number(rows.find((r) => Number(r.m[1]) === bytes)!.m[4]);
      assert.ok(avg(2) < 0.1);
      assert.ok(avg(8192) > 250 && avg(8192) < 300);
      assert.ok(avg(8388608) > 394 && avg(8388608) <= 400);
      // The 2-byte row uses perftest's 6-decimal format for averages under 0.1 Gb/s.
      assert.match(rows[0].line, /^ 2 {10}4000 {11}0\.\d{6} {12}0\.\d{6} {12}\d\.\d{6}$/);

      // The server printed the waiting box, its side of the addresses, and the same table.
      assert.ok(
        server.stdout.startsWith(
          '\n************************************\n* Waiting for client to connect... *\n',
        ),
      );
      assert.match(server.stdout, / RX depth {8}: 512\n/);
      assert.deepEqual(
        rowsOf(server.stdout).map((r) => r.line),
        rows.map((r) => r.line),
      );
    });

    it("runs the guide's bidirectional test: ib_read_bw -d mlx5_0 --report_gbit -a -b -F ... --limit_bw=780 -q 4", async () => {
      const p = pair();
      const { client } = await perftest(
        p,
        'ib_read_bw -d mlx5_0 --report_gbit -a -b -F --limit_bw=780 -q 4',
        'ib_read_bw -d mlx5_0 --report_gbit -a -b -F 192.168.130.10 --limit_bw=780 -q 4',
      );
      assert.equal(client.code, 0, client.stderr);
      assert.match(client.stdout, /^ {20}RDMA_Read Bidirectional BW Test$/m);
      assert.match(client.stdout, /^ Outstand reads {2}: 16$/m);
      assert.match(
        client.stdout,
        /^ local address: LID 0x[0-9a-f]+ QPN 0x[0-9a-f]{4,} PSN 0x[0-9a-f]+ OUT 0x10 RKey 0x1fff00 VAddr 0x[0-9a-f]{14}$/m,
      );
      const rows = rowsOf(client.stdout);
      const last = Number(rows[rows.length - 1].m[4]);
      assert.ok(last > 780 && last <= 800, `bidirectional ~790 of 800, got ${last}`);
      assert.ok(Number(rows[0].m[5]) > 7.5, 'small messages ~8.2 Mpps both ways');
    });

    it('reports MiB/sec without --report_gbits, one row for -s, iterations from -n, port from -p', async () => {
      const p = pair();
      const { client, server } = await perftest(
        p,
        'ib_write_bw -p 20000 -s 65536 -n 200',
        'ib_write_bw -p 20000 -s 65536 -n 200 192.168.130.10',
      );
      assert.equal(client.code, 0, client.stderr);
      assert.equal(server.code, 0, server.stderr);
      assert.match(client.stdout, /^ {20}RDMA_Write BW Test$/m);
      assert.ok(
        client.stdout.includes(
          ' #bytes     #iterations    BW peak[MiB/sec]    BW average[MiB/sec]   MsgRate[Mpps]\n',
        ),
      );
      const rows = rowsOf(client.stdout);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].m[1], '65536');
      assert.equal(rows[0].m[2], '200');
      const mib = Number(rows[0].m[4]);
      assert.ok(mib > 45_000 && mib < 47_700, `~390 Gb/s in MiB/s, got ${mib}`);
    });

    it('is deterministic for a seed', async () => {
      const a = await perftest(
        pair({ seed: 7 }),
        'ib_send_bw -a --report_gbits',
        'ib_send_bw -a --report_gbits 192.168.130.10',
      );
      const b = await perftest(
        pair({ seed: 7 }),
        'ib_send_bw -a --report_gbits',
        'ib_send_bw -a --report_gbits 192.168.130.10',
      );
      const c = await perftest(
        pair({ seed: 8 }),
        'ib_send_bw -a --report_gbits',
        'ib_send_bw -a --report_gbits 192.168.130.10',
      );
      assert.equal(a.client.stdout, b.client.stdout);
      assert.notEqual(a.client.stdout, c.client.stdout);
    });

    it('fails to connect when no server listens', async () => {
      const { client } = pair();
      const r = await run(client, 'ib_write_bw -d mlx5_0 -a -F --report_gbits 10.0.0.1');
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, "Couldn't connect to 10.0.0.1:18515\n Unable to init the socket connection\n");
    });

    it('rejects an unknown device', async () => {
      const { client } = pair();
      const r = await run(client, 'ib_write_bw -d mlx5_9 10.0.0.1');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^IB device mlx5_9 not found\n/);
    });

    it('cannot run while the VF port is down (switch without virtualization)', async () => {
      const sm = new SwitchState({ name: 'sw1', smVirtEnabled: false });
      const link = () => guestLinkFromTopology({ hostHasVfs: true, subnetManager: sm });
      const p = pair({ serverLink: link, clientLink: link });
      const server = await run(p.server, 'ib_send_bw -a');
      assert.equal(server.code, 1);
      assert.equal(server.stderr, " Port number 1 state is Down\n Couldn't get context for the device\n");
      assert.deepEqual(p.fabric.waitingServers(), []);
    });

    it('reaches only a few Gb/s with a small link factor', async () => {
      const p = pair({ serverLink: () => 0.01 });
      const { client } = await perftest(
        p,
        'ib_send_bw -a -q 4 --report_gbits',
        'ib_send_bw -a -q 4 --report_gbits 192.168.130.10',
      );
      const rows = rowsOf(client.stdout);
      const last = Number(rows[rows.length - 1].m[4]);
      assert.ok(last > 1 && last < 5, `got ${last}`);
    });

    it('fails --limit_bw when no size reaches the limit', async () => {
      const p = pair();
      const { client } = await perftest(
        p,
        'ib_write_bw -a --report_gbits',
        'ib_write_bw -a --report_gbits --limit_bw 500 192.168.130.10',
      );
      assert.equal(client.code, 1);
      assert.equal(client.stderr, 'Error: BW result is below bw limit\n');
      assert.equal(rowsOf(client.stdout).length, 23);
    });

    it('fails both sides when their symmetric parameters differ', async () => {
      const p = pair();
      const { client, server } = await perftest(
        p,
        'ib_write_bw -a -q 2',
        'ib_write_bw -a -q 4 192.168.130.10',
      );
      assert.equal(client.code, 1);
      assert.equal(server.code, 1);
      assert.match(client.stderr, /Failed to exchange data between server and clients/);
    });

    it('refuses a second server on the same port', async () => {
      const p = pair();
      const first = run(p.server, 'ib_send_bw');
      const second = await run(p.server, 'ib_send_bw');
      assert.equal(second.code, 1);
      assert.match(second.stderr, /^Couldn't listen to port 18515\n/);
      await run(p.client, 'ib_send_bw 192.168.130.10');
      assert.equal((await first).code, 0);
    });

    it('bounds the server wait by the fabric timeout', async () => {
      const p = pair({ serverWaitMs: 20 });
      const r = await run(p.server, 'ib_send_bw');
      assert.equal(r.code, 1);
      assert.match(r.stdout, /Waiting for client to connect/);
      assert.match(r.stderr, /no client connected to port 18515 within 20 ms/);
      assert.deepEqual(p.fabric.waitingServers(), []);
    });

    it('stops waiting when the session closes', async () => {
      const p = pair();
      const ac = new AbortController();
      const pending = run(p.server, 'ib_send_bw', ctx(ac.signal));
      assert.deepEqual(p.fabric.waitingServers(), ['192.168.130.10:18515']);
      ac.abort();
      assert.equal((await pending).code, 130);
      assert.deepEqual(p.fabric.waitingServers(), []);
    });

    it("produces reports the activities' parsers read (cross-check)", async () => {
      const p = pair();
      const { client } = await perftest(
        p,
        'ib_read_bw -a -b -q 4 --report_gbits',
        'ib_read_bw -a -b -q 4 --report_gbits 192.168.130.10',
      );
      const report = parsePerftestReport(client.stdout);
      assert.equal(report.test, 'RDMA_Read');
      assert.equal(report.bidirectional, true);
      assert.equal(report.queuePairs, 4);
      assert.equal(report.rows.length, 23);
      assert.equal(report.recovered, false);
      const cas = parseIbstat((await run(p.server, 'ibstat')).stdout);
      assert.equal(cas[0].ports[0].state, 'Active');
    });

    it('rejects bad command lines', async () => {
      const { client } = pair();
      const r = await run(client, 'ib_send_bw --bogus 10.0.0.1');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Invalid Command or flag\./);
    });
  });
});
