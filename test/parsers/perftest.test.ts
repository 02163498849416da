import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  detectPerftestFailure,
  largestRow,
  ParseError,
  parsePerftestReport,
} from '../../activities/perftest/parsers';

// perftest report parser against the reference's [S] sample, the guide's [V] tables, and format variants.

function fixture(rel: string): string {
  return readFileSync(join(__dirname, '../fixtures/outputs', rel), 'utf8').replace(/^(?:#\|[^\n]*\n)+/, '');
}

const RULE = '-'.repeat(87);

/** A full client report in the [S] format: MiB/sec, 2 QPs, ib_write_bw. */
const MIB_REPORT = [
  RULE,
  '                    RDMA_Write BW Test',
  ' Dual-port       : OFF\t\tDevice         : mlx5_0',
  ' Number of qps   : 2\t\tTransport type : IB',
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
  RULE,
  ' local address: LID 0x23 QPN 0x0129 PSN 0xc88dff RKey 0x1fff00 VAddr 0x007fc830073000',
  ' local address: LID 0x23 QPN 0x012a PSN 0xd2f97d RKey 0x1fff00 VAddr 0x007fc830873000',
  ' remote address: LID 0x22 QPN 0x0129 PSN 0x2b2a73 RKey 0x1fff00 VAddr 0x007f2eec0c4000',
  ' remote address: LID 0x22 QPN 0x012a PSN 0x4fcee1 RKey 0x1fff00 VAddr 0x007f2eec8c4000',
  RULE,
  ' #bytes     #iterations    BW peak[MiB/sec]    BW average[MiB/sec]   MsgRate[Mpps]',
  ' 65536      10000            47123.45            47100.12\t\t     0.753602',
  RULE,
  '',
].join('\n');

describe('parsers: perftest reports', () => {
  it('reads the reference [S] client output', () => {
    const r = parsePerftestReport(fixture('perftest/write-bw-reference.txt'));
    assert.equal(r.title, 'RDMA_Write BW Test');
    assert.equal(r.test, 'RDMA_Write');
    assert.equal(r.bidirectional, false);
    assert.equal(r.unit, 'Gb/sec');
    assert.equal(r.queuePairs, 1);
    assert.equal(r.device, 'mlx5_0');
    assert.equal(r.linkType, 'IB');
    assert.equal(r.transportType, 'IB');
    assert.equal(r.connectionType, 'RC');
    assert.equal(r.recovered, false);
    assert.deepEqual(r.rows, [
      {
        bytes: 2,
        iterations: 5000,
        peak: 0.11,
        average: 0.11,
        peakGbps: 0.11,
        avgGbps: 0.11,
        msgRateMpps: 6.844459,
      },
      {
        bytes: 65536,
        iterations: 5000,
        peak: 196.37,
        average: 196.35,
        peakGbps: 196.37,
        avgGbps: 196.35,
        msgRateMpps: 0.374522,
      },
    ]);
    assert.equal(largestRow(r).bytes, 65536);
  });

  it("reads the guide's bidirectional table (tabs, PDF-damaged header block)", () => {
    const r = parsePerftestReport(fixture('perftest/read-bw-bidir-guide.txt'));
    assert.equal(r.title, 'RDMA Read Bidirectional BW Test');
    assert.equal(r.test, 'RDMA_Read');
    assert.equal(r.bidirectional, true);
    assert.equal(r.queuePairs, 4);
    assert.equal(r.localAddresses, 4);
    assert.equal(r.remoteAddresses, 4);
    assert.equal(r.linkType, 'IB');
    assert.equal(r.mtu, 4096);
    assert.equal(r.rows.length, 23);
    assert.deepEqual(r.rows[0], {
      bytes: 2,
      iterations: 4000,
      peak: 0.132252,
      average: 0.130733,
      peakGbps: 0.132252,
      avgGbps: 0.130733,
      msgRateMpps: 8.170815,
    });
    const last = largestRow(r);
    assert.equal(last.bytes, 8388608);
    assert.equal(last.avgGbps, 790.2);
    assert.equal(r.recovered, false);
  });

  it("recovers the intact groups of the guide's flattened unidirectional table", () => {
    const r = parsePerftestReport(fixture('perftest/send-bw-guide-mangled.txt'));
    assert.equal(r.title, 'Send BW Test');
    assert.equal(r.test, 'Send');
    assert.equal(r.queuePairs, 4);
    assert.equal(r.device, 'mlx5_0');
    assert.equal(r.recovered, true);
    // Only groups whose message rate explains their bandwidth survive; the PDF's mixed-up ones are dropped.
    assert.deepEqual(
      r.rows.map((row) => [row.bytes, row.avgGbps]),
      [
        [4, 0.14],
        [8, 0.27],
        [16, 0.55],
        [32, 1.08],
        [64, 2.19],
        [128, 4.39],
        [2048, 70.03],
        [4096, 139.02],
        [8192, 276.44],
        [262144, 396.24],
      ],
    );
  });

  it('reads MiB/sec reports and converts to Gb/s', () => {
    const r = parsePerftestReport(MIB_REPORT);
    assert.equal(r.unit, 'MiB/sec');
    assert.equal(r.queuePairs, 2);
    assert.equal(r.rows[0].average, 47100.12);
    assert.ok(Math.abs(r.rows[0].avgGbps - (47100.12 * 1048576 * 8) / 1e9) < 1e-9);
    assert.ok(Math.abs(r.rows[0].avgGbps - 395.1) < 0.1);
  });

  it('reads the older MB/sec header as the same 2^20-byte unit', () => {
    const r = parsePerftestReport(MIB_REPORT.replace(/MiB\/sec/g, 'MB/sec'));
    assert.equal(r.unit, 'MB/sec');
    assert.ok(Math.abs(r.rows[0].avgGbps - 395.1) < 0.1);
  });

  it('tolerates extra columns, other widths, trailing spaces, blank lines, CRLF and unknown rows', () => {
    const text = [
      '',
      '                    Send Bidirectional BW Test   ',
      ' Number of qps   : 4\t\tTransport type : IB',
      ' Link type       : IB',
      '',
      ' #bytes  #iterations  BW peak[Gb/sec]  BW average[Gb/sec]  MsgRate[Mpps]    CPU_Util[%]',
      '',
      ' 4096    4000   268.10   267.90   8.175   12.50   ',
      ' some warning the tool printed',
      ' 8388608  4000  790.21  790.20  0.011775  3.10',
      '1 2 3',
      RULE,
    ].join('\r\n');
    const r = parsePerftestReport(text);
    assert.equal(r.bidirectional, true);
    assert.equal(r.test, 'Send');
    assert.deepEqual(
      r.rows.map((row) => [row.bytes, row.iterations, row.peakGbps, row.avgGbps, row.msgRateMpps]),
      [
        [4096, 4000, 268.1, 267.9, 8.175],
        [8388608, 4000, 790.21, 790.2, 0.011775],
      ],
    );
  });

  it('finds columns by name when per-port columns follow', () => {
    const text = [
      ' #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]   BW Port1[Gb/sec]   MsgRate Port1[Mpps]   BW Port2[Gb/sec]   MsgRate Port2[Mpps]',
      ' 65536      5000           390.10             390.00\t\t   0.743866        195.00            0.371933              195.00            0.371933',
    ].join('\n');
    const r = parsePerftestReport(text);
    assert.deepEqual(
      r.rows.map((row) => [row.bytes, row.avgGbps, row.msgRateMpps]),
      [[65536, 390, 0.743866]],
    );
    assert.equal(r.title, undefined);
    assert.equal(r.bidirectional, false);
  });

  it('fails clearly when the text is not a report', () => {
    assert.throws(
      () =>
        parsePerftestReport("Couldn't connect to 10.0.0.1:18515\n Unable to init the socket connection\n"),
      (e: unknown) =>
        e instanceof ParseError &&
        /^perftest: expected a perftest bandwidth table with a header like "#bytes #iterations BW peak\[Gb\/sec\]/.test(
          e.message,
        ) &&
        e.message.endsWith(`got "Couldn't connect to 10.0.0.1:18515"`),
    );
    assert.throws(
      () =>
        parsePerftestReport(
          `${RULE}\n #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]\n${RULE}\n`,
        ),
      /at least one result row/,
    );
    assert.throws(() => parsePerftestReport(''), /got empty output/);
  });

  describe('failures', () => {
    it('recognizes the [S] error messages', () => {
      assert.deepEqual(
        detectPerftestFailure("Couldn't connect to 10.0.0.1:18515\n Unable to init the socket connection\n"),
        {
          kind: 'connect-failed',
          message: "Couldn't connect to 10.0.0.1:18515",
          detail: '10.0.0.1:18515',
        },
      );
      assert.equal(detectPerftestFailure('IB device mlx5_9 not found\n')?.detail, 'mlx5_9');
      assert.equal(detectPerftestFailure(' Port number 1 state is Down\n')?.kind, 'port-not-active');
      assert.equal(detectPerftestFailure(' Port number 1 state is Down\r\n')?.detail, 'Down');
      assert.equal(detectPerftestFailure('Error: BW result is below bw limit\n')?.kind, 'bw-below-limit');
      assert.equal(detectPerftestFailure(fixture('perftest/write-bw-reference.txt')), undefined);
    });
  });
});
