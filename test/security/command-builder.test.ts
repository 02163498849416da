import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import {
  cliLine,
  quoteText,
  quoteWord,
  shellCommand,
  text,
  unquoteWord,
  value,
  type ShellCommand,
} from '../../activities/command-line';
import { esxCommands, isReadOnlyCommand } from '../../activities/esxi/commands';
import { setMlxconfig } from '../../activities/esxi/firmware';
import { guestCommands } from '../../activities/perftest/commands';
import { runBandwidthTest } from '../../activities/perftest/steps';
import type { SshRunner } from '../../activities/ssh';
import { asActivity, StepCommands } from '../../activities/step-context';
import { switchCommands } from '../../activities/switch/commands';
import { UnsafeValueError, valueShapes, type ValueShape } from '../../common/command-values';
import { needsAttentionTypes, UNSAFE_VALUE } from '../../common/procedure-failures';
import type { GuestPairRef, GuestRef, HostRef } from '../../common/targets';
import { formatFaults, parseFaultSpec, rewriteOutput } from '../../simulator/faults';
import type { CommandImpl, SimMachine } from '../../simulator/machine';
import { runCommandLine } from '../../simulator/shell';
import { fastTiming } from '../helpers/ibfleet-harness';

// The command builder (activities/command-line): every value bound for a command line is checked against
// the exact shape it must have (common/command-values.ts) and quoted for its target. Hostile values are
// refused before anything is sent; accepted values arrive as exactly one argument, through the
// simulator's shell and through real POSIX shells alike.

/** What hosts, guests and switches have been seen to print, or could: every shell metacharacter. */
const HOSTILE = [
  'mt4129_pciconf0;touch${IFS}x;#',
  'vmnic2;touch y',
  'mlx5_0$(touch z)',
  'mlx5_0`touch z`',
  "mlx5_0'; touch z; '",
  'mlx5_0"; touch z; "',
  'mlx5_0 -x',
  'mlx5_0\ntouch z',
  'mlx5_0\rtouch z',
  'mlx5_0|touch z',
  'mlx5_0&&touch z',
  'mlx5_0>/tmp/z',
  'mlx5_0\\',
  '*',
  '~root',
  '-d',
  '',
];

const refuses = (shape: ValueShape, v: unknown) =>
  assert.throws(
    () => value(shape, v),
    (err: unknown) => err instanceof UnsafeValueError && err.shape === shape,
    `${shape.name} must refuse ${JSON.stringify(v)}`,
  );
const accepts = (shape: ValueShape, v: string | number) =>
  assert.equal(value(shape, v).text, String(v), `${shape.name} must accept ${JSON.stringify(v)}`);

describe('security: command builder', () => {
  describe('value shapes', () => {
    const table: [ValueShape, (string | number)[], unknown[]][] = [
      [
        valueShapes.mstDevice,
        [
          'mt4129_pciconf0',
          'mt4099_pci_cr0',
          'mt4121_pciconf0.1',
          '/dev/mt4099_pciconf0',
          '/dev/mst/mt4119_pciconf0',
          '0000:3b:00.0',
          '3b:00.1',
        ],
        ['mt4129_pciconf0 x', 'mt4129', 'pciconf0', '/tmp/mt4129_pciconf0', 'mt4129_pciconf0/../x'],
      ],
      [valueShapes.vmnic, ['vmnic0', 'vmnic2', 'vmnic1000102'], ['vusb0', 'vmnic', 'VMNIC2', 'vmnic2 ']],
      [valueShapes.moduleName, ['nmlx5_core', 'nmlx5_rdma'], ['Nmlx5', 'nmlx5-core', '-u']],
      [
        valueShapes.moduleParameter,
        ['mst_recovery=1', 'max_vfs=8,8'],
        ['mst_recovery', 'mst_recovery=', 'max_vfs=8 8', 'x=$(id)', '=1'],
      ],
      [
        valueShapes.worldId,
        [1, 2099366, '2099366', 4_294_967_295],
        [0, -1, 1.5, Number.NaN, '012', 4_294_967_296],
      ],
      [
        valueShapes.mlxconfigKey,
        ['SRIOV_EN', 'NUM_OF_VFS', 'EXP_ROM_UEFI_x86_ENABLE'],
        ['sriov_en', 'SRIOV EN', 'SRIOV_EN=1'],
      ],
      [valueShapes.mlxconfigValue, ['1', '16', '0x10', 'True', 'IB'], ['1 2', '1.5', 'True(1)']],
      [
        valueShapes.rdmaDevice,
        ['mlx5_0', 'rocep59s0f0', 'ibp3s0', 'mlx5_bond_0', 'irdma-0'],
        ['.mlx5_0', 'x'.repeat(65), 'mlx5 0'],
      ],
      [
        valueShapes.address,
        ['192.168.130.10', 'fe80::1', '::1', '2001:db8::10.0.0.1', 'ib-a.example.com', 'guest07'],
        ['999.1.1.1', '10.0.0.300', '010.0.0.1', 'a..b', '-host', 'host.'],
      ],
      [valueShapes.port, [1, 18515, 65535], [0, 65536, 1.5, '18515 ']],
      [valueShapes.queuePairs, [1, 4, 64], [0, 65]],
      [valueShapes.perftestTest, ['ib_send_bw', 'ib_write_bw', 'ib_read_bw'], ['ib_send_lat', 'sh']],
      [valueShapes.mlnxOsWord, ['enable', 'show', '1/1', 'virt'], ['"x"', 'a b']],
      [valueShapes.mlnxOsRelease, ['3.11.1004', '3.10.4000'], ['3', '3.11.1004 ', 'X86_64 3.11']],
    ];
    for (const [shape, good, bad] of table) {
      it(`${shape.name}: accepts its shape, refuses anything else`, () => {
        for (const v of good) accepts(shape, v);
        for (const v of [...bad, ...HOSTILE, undefined, null, {}, ['mlx5_0']]) refuses(shape, v);
      });
    }

    it('free text (module option strings, reboot reasons): printable ASCII, bounded; quoting does the rest', () => {
      for (const shape of [valueShapes.moduleOptions, valueShapes.rebootReason]) {
        for (const v of ['max_vfs=4 mst_recovery=1', 'a "quoted" $(x) `y` \\ it\'s ; | & > <'])
          assert.equal(text(shape, v).text, v);
        for (const v of [
          'a\nb',
          'a\rb',
          'a\tb',
          'a\x1b[2Jb',
          'a\x00b',
          'caf\u00e9',
          'a\u202eb',
          'x'.repeat(2049),
        ])
          assert.throws(() => text(shape, v), UnsafeValueError, JSON.stringify(v));
      }
      assert.equal(text(valueShapes.moduleOptions, '').text, '');
      assert.throws(() => text(valueShapes.rebootReason, ''), UnsafeValueError);
      assert.throws(() => text(valueShapes.rebootReason, 'x'.repeat(201)), UnsafeValueError);
    });

    it('names the value (escaped, bounded), its shape and that nothing ran, in one line', () => {
      const err = (() => {
        try {
          value(valueShapes.mstDevice, 'mt4129_pciconf0;touch${IFS}x;#\n\x1b[2J' + 'y'.repeat(300));
        } catch (e) {
          return e as Error;
        }
        throw new Error('not refused');
      })();
      assert.match(
        err.message,
        /^mst device "mt4129_pciconf0;touch\$\{IFS\}x;#\\n\\x1b\[2Jy+"… \(\d+ characters\) is not an mst device name such as mt4129_pciconf0/,
      );
      assert.match(err.message, /refused, no command was run with it$/);
      // eslint-disable-next-line no-control-regex -- control characters are what must not be there
      assert.doesNotMatch(err.message, /[\x00-\x1f\x7f]/);
      assert.ok(err.message.length < 600, `bounded: ${err.message.length}`);
    });
  });

  describe("quoting for POSIX shells (busybox ash on ESXi, the guests' shell)", () => {
    /** The arguments a command line hands its program, as the simulator's shell runs it. */
    async function argvInSimulatorShell(line: string): Promise<string[][]> {
      const calls: string[][] = [];
      const record: CommandImpl = (argv) => {
        calls.push(argv);
        return { stdout: '', stderr: '', code: 0 };
      };
      // Every name resolves to the recorder: an injected `touch`, `reboot` or `id` would show up as a call.
      const commands = new Map<string, CommandImpl>();
      commands.get = () => record;
      const machine: SimMachine = {
        name: 'recorder',
        kind: 'guest',
        commands,
        paths: new Set([esxCommands.mstStatus.split(' ')[0], '/opt/mellanox/bin/mlxconfig']),
      };
      const r = await runCommandLine(machine, line, { user: 'root', signal: new AbortController().signal });
      assert.equal(r.code, 0, `${line}: ${r.stderr}`);
      return calls;
    }
    /** The arguments after the program name, as a real POSIX shell (dash, bash) splits `line`. */
    function argvInRealShell(shell: string, words: string): string[] {
      const out = execFileSync(shell, ['-c', `printf '%s\\0' ${words}`], { encoding: 'utf8' });
      return out.split('\0').slice(0, -1);
    }
    const shells = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));
    const printable = HOSTILE.filter((h) => /^[\x20-\x7e]+$/.test(h));

    it('quoteText and quoteWord deliver every printable value as exactly one argument, in every shell', async () => {
      assert.ok(shells.length > 0, 'a POSIX shell to check against');
      for (const v of [
        ...printable,
        'plain',
        'a b',
        '$HOME',
        '${IFS}',
        '"',
        '\\"',
        '\\\\',
        "'",
        '!x',
        '#x',
        'a=b',
      ]) {
        for (const quoted of [quoteText(v), quoteWord(v)]) {
          assert.deepEqual(await argvInSimulatorShell(`args ${quoted}`), [['args', v]], quoted);
          for (const sh of shells) assert.deepEqual(argvInRealShell(sh, quoted), [v], `${sh}: ${quoted}`);
          assert.equal(unquoteWord(quoted), v);
        }
      }
      assert.equal(quoteWord('mt4129_pciconf0'), 'mt4129_pciconf0', 'plain values stay as they are');
      assert.equal(quoteText('mst_recovery=1'), '"mst_recovery=1"', 'free text is quoted as in the guide');
      assert.equal(unquoteWord('"a"b'), undefined);
      assert.equal(unquoteWord('"$(id)"'), undefined, 'not a form the builder makes');
    });

    it('built commands with hostile but accepted text run one program with the text intact', async () => {
      const options = 'max_vfs=4 pfctx=$(touch${IFS}z)`id`"q";reboot|x&&y>w';
      const set = esxCommands.setModuleOptions(options);
      assert.equal(
        set,
        'esxcli system module parameters set -m nmlx5_core -p "max_vfs=4 pfctx=\\$(touch\\${IFS}z)\\`id\\`\\"q\\";reboot|x&&y>w"',
      );
      assert.deepEqual(await argvInSimulatorShell(set), [
        ['esxcli', 'system', 'module', 'parameters', 'set', '-m', 'nmlx5_core', '-p', options],
      ]);
      const reason = 'ibfleet "test" $(reboot) `reboot`; reboot';
      assert.deepEqual(await argvInSimulatorShell(esxCommands.reboot(reason)), [
        ['esxcli', 'system', 'shutdown', 'reboot', '-r', reason],
      ]);
      for (const sh of shells) {
        assert.deepEqual(argvInRealShell(sh, set.slice(set.indexOf('-p ') + 3)), [options], sh);
      }
    });

    it('fixed text cannot carry a value: anything but plain words is refused', () => {
      // ("mlx5_0 -x" and "-d" are plain words: as fixed text they are the code's own words.)
      for (const h of HOSTILE.filter((x) => !/^[\w -]+$/.test(x))) {
        assert.throws(() => shellCommand(`vmkload_mod -u ${h}`), UnsafeValueError, JSON.stringify(h));
      }
      assert.equal(
        shellCommand('vmkload_mod -u', value(valueShapes.moduleName, 'nmlx5_rdma')),
        'vmkload_mod -u nmlx5_rdma',
      );
    });
  });

  describe('the commands ibfleet sends', () => {
    it('ESXi: the same strings as before for ordinary values (the plan and the audits name them)', () => {
      assert.equal(
        esxCommands.mlxQuery('mt4129_pciconf0'),
        '/opt/mellanox/bin/mlxconfig -d mt4129_pciconf0 -e query',
      );
      assert.equal(
        esxCommands.mlxSet('mt4129_pciconf0', { SRIOV_EN: '1', NUM_OF_VFS: '16' }),
        '/opt/mellanox/bin/mlxconfig -d mt4129_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=16',
      );
      assert.equal(esxCommands.vfList('vmnic2'), 'esxcli network sriovnic vf list -n vmnic2');
      assert.equal(esxCommands.unloadModule('nmlx5_rdma'), 'vmkload_mod -u nmlx5_rdma');
      assert.equal(
        esxCommands.loadModule('nmlx5_core', ['mst_recovery=1']),
        'vmkload_mod nmlx5_core mst_recovery=1',
      );
      assert.equal(esxCommands.hup(2099366), 'kill -HUP 2099366');
      assert.equal(
        esxCommands.setModuleOptions('max_vfs=4 mst_recovery=1'),
        'esxcli system module parameters set -m nmlx5_core -p "max_vfs=4 mst_recovery=1"',
      );
      assert.equal(
        esxCommands.reboot('ibfleet recovery-cycle: mst_recovery=1'),
        'esxcli system shutdown reboot -r "ibfleet recovery-cycle: mst_recovery=1"',
      );
      assert.equal(
        esxCommands.rebootHistory,
        'grep -E "Host is rebooting|Host has booted" /var/log/vmksummary.log | tail -n 20',
      );
    });

    it('ESXi: every value-taking command refuses hostile values', () => {
      const builders: [string, (v: string) => unknown][] = [
        ['mlxQuery', (v) => esxCommands.mlxQuery(v)],
        ['mlxSet device', (v) => esxCommands.mlxSet(v, { SRIOV_EN: '1' })],
        ['mlxSet key', (v) => esxCommands.mlxSet('mt4129_pciconf0', { [v]: '1' })],
        ['mlxSet value', (v) => esxCommands.mlxSet('mt4129_pciconf0', { SRIOV_EN: v })],
        ['vfList', (v) => esxCommands.vfList(v)],
        ['unloadModule', (v) => esxCommands.unloadModule(v)],
        ['loadModule name', (v) => esxCommands.loadModule(v)],
        ['loadModule parameter', (v) => esxCommands.loadModule('nmlx5_core', [`mst_recovery=${v}`])],
        ['hup', (v) => esxCommands.hup(v as unknown as number)],
      ];
      for (const [name, build] of builders)
        for (const h of HOSTILE.filter((x) => !(name === 'loadModule parameter' && x === '-d')))
          assert.throws(() => build(h), UnsafeValueError, `${name} ${JSON.stringify(h)}`);
      for (const bad of ['a\nb', 'x\x1b[2J'])
        assert.throws(() => esxCommands.setModuleOptions(bad), UnsafeValueError);
      assert.throws(() => esxCommands.reboot('line one\nline two'), UnsafeValueError);
      assert.throws(() => esxCommands.hup(-1), UnsafeValueError);
    });

    it('guests: perftest with checked test, device, numbers and server address', () => {
      const c = { test: 'ib_read_bw', device: 'mlx5_0', queuePairs: 4, port: 18515, bidirectional: true };
      assert.equal(guestCommands.perftest(c), 'ib_read_bw -d mlx5_0 -a -F --report_gbits -q 4 -p 18515 -b');
      assert.equal(
        guestCommands.perftest({ ...c, bidirectional: false, serverAddress: 'fe80::1' }),
        'ib_read_bw -d mlx5_0 -a -F --report_gbits -q 4 -p 18515 fe80::1',
      );
      for (const h of HOSTILE) {
        assert.throws(() => guestCommands.perftest({ ...c, device: h }), UnsafeValueError);
        assert.throws(() => guestCommands.perftest({ ...c, serverAddress: h }), UnsafeValueError);
        assert.throws(() => guestCommands.perftest({ ...c, test: h }), UnsafeValueError);
      }
      assert.throws(() => guestCommands.perftest({ ...c, queuePairs: 1e9 }), UnsafeValueError);
      assert.throws(() => guestCommands.perftest({ ...c, port: 0 }), UnsafeValueError);
    });

    it('switches: MLNX-OS CLI lines are plain words, nothing else is typed', () => {
      assert.equal(switchCommands.ibSmVirtEnable, 'ib sm virt enable');
      for (const h of HOSTILE) {
        assert.throws(
          () => cliLine('show interfaces', value(valueShapes.rdmaDevice, 'mlx5_0'), h),
          UnsafeValueError,
        );
        assert.throws(() => cliLine(`show ${h}`), UnsafeValueError);
      }
    });
  });

  describe('read-only commands (re-sent after a dropped connection)', () => {
    it('knows the reads in their built form, including every mst access path', () => {
      for (const c of [
        esxCommands.version,
        esxCommands.mstStatus,
        esxCommands.moduleOptions,
        esxCommands.rebootHistory,
        esxCommands.mlxQuery('mt4129_pciconf0'),
        esxCommands.mlxQuery('/dev/mt4099_pciconf0'),
        esxCommands.mlxQuery('mt4121_pciconf0.1'),
        esxCommands.mlxQuery('mt4099_pci_cr0'),
        esxCommands.mlxQuery('0000:3b:00.0'),
        esxCommands.vfList('vmnic1000102'),
      ])
        assert.equal(isReadOnlyCommand(c), true, c);
    });

    it('never takes a change, or anything appended to a read, for a read', () => {
      for (const c of [
        esxCommands.mlxSet('mt4129_pciconf0', { SRIOV_EN: '1' }),
        esxCommands.setModuleOptions('mst_recovery=1'),
        esxCommands.reboot('x'),
        esxCommands.busyboxReboot,
        esxCommands.hup(42),
        esxCommands.loadModule('nmlx5_core'),
        esxCommands.maintenanceSet(true),
        `${esxCommands.mstStatus}; reboot`,
        '/opt/mellanox/bin/mlxconfig -d mt4129_pciconf0;reboot;# -e query',
        '/opt/mellanox/bin/mlxconfig -d "mt4129_pciconf0;reboot" -e query',
        '/opt/mellanox/bin/mlxconfig -d mt4129_pciconf0 -e query; reboot -e query',
        '/opt/mellanox/bin/mlxconfig -d "$(reboot)" -e query',
        'esxcli network sriovnic vf list -n vmnic2;reboot',
        'esxcli network sriovnic vf list -n "vmnic2"',
        'esxcli network sriovnic vf list -n vmnic2 ',
      ])
        assert.equal(isReadOnlyCommand(c), false, c);
    });
  });

  describe('a refused value stops the host before anything is sent', () => {
    function recordingRunner(): { runner: SshRunner; sent: string[] } {
      const sent: string[] = [];
      const runner = {
        run: (_endpoint: unknown, command: string) => {
          sent.push(command);
          return Promise.resolve({ stdout: '', stderr: '', code: 0, durationMs: 0 });
        },
      } as unknown as SshRunner;
      return { runner, sent };
    }
    const endpoint = (name: string) => ({
      name,
      address: '127.0.0.1',
      port: 22,
      username: 'root',
      hostKey: 'SHA256:x',
      credential: { type: 'agent' as const },
    });

    it('as a non-retryable UnsafeValue failure, which makes the host need attention', async () => {
      await assert.rejects(
        asActivity(() => Promise.resolve(esxCommands.vfList('vmnic2;touch y'))),
        (err: unknown) => {
          assert.ok(err instanceof ApplicationFailure);
          assert.equal(err.type, UNSAFE_VALUE);
          assert.equal(err.nonRetryable, true);
          assert.match(err.message, /^vmnic "vmnic2;touch y" is not an ESXi uplink name/);
          return true;
        },
      );
      assert.ok(needsAttentionTypes.includes(UNSAFE_VALUE));
    });

    it('mlxconfig on a device of the wrong shape sends nothing (not even the query)', async () => {
      const { runner, sent } = recordingRunner();
      const host: HostRef = { ...endpoint('esx-01'), kind: 'esxi', cluster: 'c', tags: [] };
      const cmd = new StepCommands(runner, host, fastTiming, 'mlxconfig', isReadOnlyCommand);
      await assert.rejects(
        setMlxconfig(cmd, 'mt4129_pciconf0;touch${IFS}x;#', { SRIOV_EN: '1' }),
        UnsafeValueError,
      );
      await assert.rejects(setMlxconfig(cmd, 'mt4129_pciconf0', { SRIOV_EN: '1;reboot' }), UnsafeValueError);
      assert.deepEqual(sent, []);
    });

    it('a guest pair whose ibDevice or dataAddress is hostile (a workflow started by anyone) runs nothing on either guest', async () => {
      const cases: Partial<Pick<GuestRef, 'ibDevice' | 'dataAddress'>>[] = [
        { ibDevice: 'mlx5_0;touch${IFS}z' },
        { ibDevice: 'mlx5_0 $(reboot)' },
        { dataAddress: '192.168.130.10;reboot' },
        { dataAddress: '`reboot`' },
      ];
      for (const hostile of cases) {
        const { runner, sent } = recordingRunner();
        const guest = (name: string) => ({
          ...endpoint(name),
          dataAddress: '192.168.130.10',
          ibDevice: 'mlx5_0',
        });
        const pair: GuestPairRef = {
          kind: 'guest-pair',
          name: 'pair-01',
          tags: [],
          server: { ...guest('vm-01a'), ...hostile },
          client: { ...guest('vm-01b'), ...hostile },
        };
        await assert.rejects(
          runBandwidthTest(runner, {
            pair,
            timing: fastTiming,
            step: 'perftest',
            test: 'ib_send_bw',
            queuePairs: 4,
            bidirectional: false,
            lineRateGbps: 400,
            port: 18515,
          }),
          UnsafeValueError,
          JSON.stringify(hostile),
        );
        assert.deepEqual(sent, [], JSON.stringify(hostile));
      }
    });
  });

  describe('simulator: hostile output (fault rewrite=FROM>TO)', () => {
    it('parses, formats and applies output rewrites', () => {
      const [rule] = parseFaultSpec(
        'esx-0*:rewrite=mt4129_pciconf0>mt4129_pciconf0%3Btouch%24%7BIFS%7Dx%3B%23,drop=0.1',
      );
      assert.deepEqual(rule.faults.rewriteOutput, [
        { from: 'mt4129_pciconf0', to: 'mt4129_pciconf0;touch${IFS}x;#' },
      ]);
      assert.deepEqual(parseFaultSpec(`h:${formatFaults(rule.faults)}`)[0].faults, rule.faults);
      assert.equal(
        rewriteOutput('MST devices:\n------------\nmt4129_pciconf0\n', rule.faults.rewriteOutput),
        'MST devices:\n------------\nmt4129_pciconf0;touch${IFS}x;#\n',
      );
      assert.throws(() => parseFaultSpec('h:rewrite=a'), /FROM>TO/);
    });
  });
});

// Keep the type in use: a ShellCommand is only made by the builder (a plain string does not compile).
const typed: ShellCommand = esxCommands.version;
void typed;
