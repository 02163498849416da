import * as assert from 'node:assert/strict';
import {
  parseLastRebootDurationMs,
  parseLogTime,
  parseShellLog,
  parseVmksummaryBoots,
} from '../../activities/esxi/parsers';
import { assertParseError, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

// No published sample exists for these logs; the line shapes are the ones the brief and the
// Ansible reboot module rely on ("<time> bootstop: Host has booted").
const VMKSUMMARY = [
  '2026-11-20T08:00:00Z bootstop: Host has booted',
  '2026-11-20T09:00:01Z heartbeat: up 0d1h0m, 12 VMs; [] []',
  '2026-11-24T22:13:05Z bootstop: Host is powering off',
  '2026-11-25T10:00:00Z bootstop: Host has booted',
  '2026-11-25T11:00:01Z heartbeat: up 0d1h0m, 0 VMs; [] []',
  '',
].join('\n');

describe('esxi parsers: the last reboot duration from vmksummary.log', () => {
  // Line shapes from Broadcom KB 317245 (ESXi 7/8: "bootstop[pid]: Host is rebooting", "Host has booted")
  // and the ESXi 5.x format article ("bootstop: Host is rebooting" / "bootstop: Host has booted").
  it('is the time from the last "Host is rebooting" to the "Host has booted" after it', () => {
    const kb = [
      '2025-09-18T04:25:00.360Z bootstop[137121]: Host is rebooting',
      '2025-09-18T04:27:00.360Z Host has booted',
      '',
    ].join('\n');
    assert.equal(parseLastRebootDurationMs(kb), 120_000);
    const older = [
      '2026-11-20T07:55:00Z bootstop: Host is rebooting',
      '2026-11-20T08:00:00Z bootstop: Host has booted',
      '2026-11-24T22:10:05Z bootstop: Host is rebooting',
      '2026-11-24T22:13:35Z bootstop: Host has booted',
    ].join('\n');
    assert.equal(parseLastRebootDurationMs(older), 210_000);
  });

  it('knows nothing when the last boot followed a power-off or a crash, or the log has no reboot', () => {
    assert.equal(parseLastRebootDurationMs(VMKSUMMARY), undefined, 'powered off, then booted');
    assert.equal(parseLastRebootDurationMs('2026-11-25T10:00:00Z bootstop: Host has booted\n'), undefined);
    assert.equal(parseLastRebootDurationMs(''), undefined);
    assert.equal(
      parseLastRebootDurationMs(
        'Nov 25 10:00:00 bootstop: Host is rebooting\nNov 25 10:02:00 bootstop: Host has booted\n',
      ),
      undefined,
      'no year: no duration',
    );
    assert.equal(
      parseLastRebootDurationMs(
        '2026-11-25T10:00:00Z bootstop: Host is rebooting\n2026-11-26T10:00:00Z bootstop: Host has booted\n',
      ),
      undefined,
      'a day apart is not one reboot',
    );
  });
});

describe('esxi parsers: /var/log/vmksummary.log boots', () => {
  const expected = {
    bootCount: 2,
    lastBootLine: '2026-11-25T10:00:00Z bootstop: Host has booted',
    lastBootTime: '2026-11-25T10:00:00Z',
    lastBootEpochMs: Date.UTC(2026, 10, 25, 10, 0, 0),
  };

  it('counts boots and returns the last one among other lines', () => {
    assert.deepEqual(parseVmksummaryBoots(VMKSUMMARY), expected);
  });

  for (const [label, text] of whitespaceVariants(VMKSUMMARY)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseVmksummaryBoots(text), expected));
  }

  it('reads the single line of `grep booted ... | tail -n 1`', () => {
    assert.deepEqual(parseVmksummaryBoots('2026-11-25T10:00:00Z bootstop: Host has booted\n'), {
      ...expected,
      bootCount: 1,
    });
  });

  it('reads other timestamp formats', () => {
    const cases: [string, number | undefined][] = [
      [
        '2026-11-25T10:00:00.123Z In(14) bootstop[2099235]: Host has booted',
        Date.UTC(2026, 10, 25, 10, 0, 0, 123),
      ],
      ['2026-11-25T11:00:00+01:00 bootstop: Host has booted', Date.UTC(2026, 10, 25, 10, 0, 0)],
      ['2026-11-25 10:00:00 bootstop: Host has booted', Date.UTC(2026, 10, 25, 10, 0, 0)],
      ['[2026-11-25T10:00:00Z] bootstop: Host has booted', Date.UTC(2026, 10, 25, 10, 0, 0)],
      ['Nov 25 10:00:00 bootstop: Host has booted', undefined],
    ];
    for (const [line, epochMs] of cases) {
      const boots = parseVmksummaryBoots(`${line}\n`);
      assert.equal(boots.bootCount, 1, line);
      assert.equal(boots.lastBootEpochMs, epochMs, line);
      assert.ok(boots.lastBootTime, line);
    }
    assert.equal(parseLogTime('Nov 25 10:00:00 x')?.text, 'Nov 25 10:00:00');
    assert.equal(parseLogTime('no time here'), undefined);
  });

  it('gives 0 boots for empty output or a log without boots', () => {
    assert.deepEqual(parseVmksummaryBoots(''), { bootCount: 0 });
    assert.deepEqual(parseVmksummaryBoots('2026-11-25T11:00:01Z heartbeat: up 0d1h0m\n'), { bootCount: 0 });
  });

  it('throws ParseError for output that is no log', () => {
    assertParseError(
      parseVmksummaryBoots,
      "cat: can't open '/var/log/vmksummary.log': No such file or directory\n",
      '/var/log/vmksummary.log',
    );
    assertParseError(parseVmksummaryBoots, NOT_OUTPUT.flint, '/var/log/vmksummary.log');
  });
});

describe('esxi parsers: /var/log/shell.log', () => {
  const LOG = [
    '2026-11-25T10:05:00Z shell[2099366]: Interactive shell session started',
    '2026-11-25T10:05:03Z shell[2099366]: [root]: esxcli system module parameters set -m nmlx5_core -p "mst_recovery=1"',
    '2026-11-25T10:05:09.500Z In(14) shell[2099366]: [ops]: /opt/mellanox/bin/mst status',
    '',
  ].join('\n');
  const expected = [
    {
      time: '2026-11-25T10:05:03Z',
      epochMs: Date.UTC(2026, 10, 25, 10, 5, 3),
      pid: 2099366,
      user: 'root',
      command: 'esxcli system module parameters set -m nmlx5_core -p "mst_recovery=1"',
    },
    {
      time: '2026-11-25T10:05:09.500Z',
      epochMs: Date.UTC(2026, 10, 25, 10, 5, 9, 500),
      pid: 2099366,
      user: 'ops',
      command: '/opt/mellanox/bin/mst status',
    },
  ];

  it('reads command lines, skipping other shell.log lines', () =>
    assert.deepEqual(parseShellLog(LOG), expected));

  for (const [label, text] of whitespaceVariants(LOG)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseShellLog(text), expected));
  }

  it('keeps commands with brackets and colons intact', () => {
    const [entry] = parseShellLog('2026-11-25T10:06:00Z shell[7]: [root]: echo "[a]: b" | grep -c :\n');
    assert.equal(entry?.command, 'echo "[a]: b" | grep -c :');
  });

  it('gives [] for empty output and throws ParseError for output that is no log', () => {
    assert.deepEqual(parseShellLog(''), []);
    assertParseError(parseShellLog, NOT_OUTPUT.notFound, '/var/log/shell.log');
  });
});
