import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareVersions,
  findCliErrors,
  MlnxCliError,
  outputOfCommand,
  ParseError,
  parseShowIbSm,
  parseShowIbSmVirt,
  parseShowVersion,
  splitCliTranscript,
  stripCliTranscript,
} from '../../activities/switch/parsers';

// MLNX-OS parsers against the guide's and the reference's samples, and against variants of the format.

/** A fixture without its "#|" header lines (source and tag). */
function fixture(rel: string): string {
  return readFileSync(join(__dirname, '../fixtures/outputs', rel), 'utf8').replace(/^(?:#\|[^\n]*\n)+/, '');
}

/** The canonical terminal layout of show version (keys padded to 19 columns) [R: layout reconstructed]. */
const TERMINAL_SHOW_VERSION = [
  'Product name:      MLNX-OS',
  'Product release:   3.10.4000',
  'Build ID:          #1-dev',
  'Build date:        2022-07-21 09:41:12',
  'Target arch:       x86_64',
  'Target hw:         x86_64',
  'Built by:          jenkins@e3f42965a9c8',
  'Version summary:   X86_64 3.10.4000 2022-07-21 09:41:12 x86_64',
  '',
  'Product model:     x86onie',
  'Host ID:           0C42A1B2C3D4',
  'System serial num: MT2301X12345',
  '',
  'Uptime:            21d 3h 5m 42.816s',
  'CPU load averages: 0.25 / 0.20 / 0.18',
  'Number of CPUs:    4',
  '',
].join('\n');

describe('parsers: MLNX-OS switch', () => {
  describe('show version', () => {
    it("reads the guide's sample (values on their own lines, split prompt)", () => {
      const v = parseShowVersion(fixture('switch/show-version-guide.txt'));
      assert.equal(v.productName, 'MLNX-OS');
      assert.equal(v.release, '3.11.1004');
      assert.equal(v.buildId, '#1-dev');
      assert.equal(v.buildDate, '2023-08-09 11:05:30');
      assert.equal(v.arch, 'x86_64');
      assert.equal(v.targetHw, 'x86_64');
      assert.equal(v.builtBy, 'sw-r2d2-bot@3fe32015ceb9');
      assert.equal(v.versionSummary, 'X86_64 3.11.1004 2023-08-09 11:05:30 x86_64');
      assert.equal(v.productModel, undefined);
    });

    it('reads the terminal layout with model, host id, uptime and unknown keys', () => {
      const v = parseShowVersion(TERMINAL_SHOW_VERSION);
      assert.equal(v.release, '3.10.4000');
      assert.equal(v.productModel, 'x86onie');
      assert.equal(v.hostId, '0C42A1B2C3D4');
      assert.equal(v.uptime, '21d 3h 5m 42.816s');
      assert.equal(v.fields['Number of CPUs'], '4');
      assert.equal(v.fields['CPU load averages'], '0.25 / 0.20 / 0.18');
    });

    it('tolerates CRLF, trailing spaces, other widths, prompts and an echoed command', () => {
      const variant =
        'sw1 [standalone: master] # show version\r\n' +
        TERMINAL_SHOW_VERSION.split('\n')
          .map((l) => l.replace(/:\s+/, ':  ') + '   ')
          .join('\r\n') +
        '\r\nsw1 [standalone: master] # ';
      const v = parseShowVersion(variant);
      assert.equal(v.release, '3.10.4000');
      assert.equal(v.buildDate, '2022-07-21 09:41:12');
      assert.equal(v.hostId, '0C42A1B2C3D4');
    });

    it('fails clearly on other text and on CLI errors', () => {
      assert.throws(
        () => parseShowVersion('enable\n'),
        (e: unknown) => {
          assert.ok(e instanceof ParseError);
          assert.match(e.message, /^show version: expected .*"Product release:" line; got "enable"$/);
          return true;
        },
      );
      assert.throws(() => parseShowVersion(''), /got empty output/);
      assert.throws(() => parseShowVersion(fixture('switch/cli-error-unrecognized.txt')), MlnxCliError);
      assert.throws(() => parseShowVersion('Product release: unknown\n'), /dotted release number/);
    });
  });

  describe('compareVersions', () => {
    it('compares dotted versions numerically', () => {
      assert.equal(compareVersions('3.11.1004', '3.10.4000'), 1);
      assert.equal(compareVersions('3.10.4000', '3.11.1004'), -1);
      assert.equal(compareVersions('3.9.9999', '3.10.0'), -1);
      assert.equal(compareVersions('3.11', '3.11.0'), 0);
      assert.equal(compareVersions('3.11.1004-2', '3.11.1004'), 0);
      assert.throws(() => compareVersions('x', '1'), /not a dotted version/);
    });
  });

  describe('show ib sm / show ib sm virt', () => {
    it('reads the [S] and [V] samples', () => {
      assert.equal(parseShowIbSm(fixture('switch/show-ib-sm-enable.txt')), true);
      assert.equal(parseShowIbSm(fixture('switch/show-ib-sm-disable.txt')), false);
      assert.equal(parseShowIbSmVirt(fixture('switch/show-ib-sm-virt-enabled.txt')), true);
      assert.equal(parseShowIbSmVirt('Disabled\n'), false);
    });

    it('reads them out of the guide transcript', () => {
      const t = fixture('switch/sm-virt-transcript-guide.txt');
      assert.equal(parseShowIbSm(outputOfCommand(t, 'show ib sm')), true);
      assert.equal(parseShowIbSmVirt(outputOfCommand(t, 'show ib sm virt')), true);
    });

    it('tolerates blank lines, CRLF, trailing spaces and case', () => {
      assert.equal(parseShowIbSm('\r\n  disable   \r\n\r\n'), false);
      assert.equal(parseShowIbSmVirt('\nENABLED \n'), true);
      assert.equal(parseShowIbSmVirt('enabled\n'), true);
    });

    it('fails clearly on other text, contradictions and CLI errors', () => {
      assert.throws(
        () => parseShowIbSm('Product name: MLNX-OS\n'),
        /show ib sm: expected "enable" or "disable"; got "Product name: MLNX-OS"/,
      );
      assert.throws(
        () => parseShowIbSmVirt(''),
        /show ib sm virt: expected "Enabled" or "Disabled"; got empty output/,
      );
      assert.throws(() => parseShowIbSm('enable\ndisable\n'), /not both/);
      assert.throws(
        () => parseShowIbSmVirt(fixture('switch/cli-error-unrecognized.txt')),
        (e: unknown) => e instanceof MlnxCliError && e.errors[0] === 'Unrecognized command "foo".',
      );
    });
  });

  describe('CLI errors and transcripts', () => {
    it('finds % error lines', () => {
      assert.deepEqual(findCliErrors(fixture('switch/cli-error-unrecognized.txt')), [
        'Unrecognized command "foo".',
      ]);
      assert.deepEqual(findCliErrors('enable\n'), []);
      assert.deepEqual(findCliErrors('x\r\n  % Incomplete command.  \r\n'), ['Incomplete command.']);
    });

    it('splits the guide transcript into commands with their modes and output', () => {
      const entries = splitCliTranscript(fixture('switch/sm-virt-transcript-guide.txt'));
      assert.deepEqual(
        entries.map((e) => [e.command, e.mode, e.output.filter((l) => l !== '')]),
        [
          ['en', 'user', []],
          ['config t', 'enable', []],
          ['show ib sm', 'config', ['enable']],
          ['show ib sm virt', 'config', ['Enabled']],
        ],
      );
    });

    it('strips banner, prompts, echo, ANSI codes and pager lines', () => {
      const t =
        '\r\nMellanox MLNX-OS Switch Management\r\n\r\n' +
        'sw-9 [standalone: master] > enable\r\n' +
        'sw-9 [standalone: master] # show ib sm\r\n\x1b[1menable\x1b[0m\r\n' +
        'lines 1-1 (END)\r\n' +
        'sw-9 [standby: slave] (config) # show ib sm virt\r\nDisabled   \r\n' +
        'sw-9 [standalone: master] (config) # ';
      assert.equal(stripCliTranscript(t), 'enable\nDisabled');
      assert.equal(outputOfCommand(t, 'show ib sm'), 'enable');
      assert.equal(stripCliTranscript('enable\n'), 'enable\n');
      assert.throws(
        () => outputOfCommand(t, 'show version'),
        /show version: expected a prompt followed by "show version"/,
      );
    });
  });
});
