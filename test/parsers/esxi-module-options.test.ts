import * as assert from 'node:assert/strict';
import { restoredOptions } from '../../activities/esxi/module-options';
import {
  getModuleOption,
  mergeModuleOption,
  ModuleOptionsError,
  overrideModuleOption,
  parseEsxcfgModuleGet,
  parseModuleOptions,
  removeModuleOption,
  withoutModuleOptionOverride,
} from '../../activities/esxi/parsers';
import { valueShapes } from '../../common/command-values';
import { assertParseError, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

const STORED = 'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4';

describe('esxi parsers: esxcfg-module -g', () => {
  const sample = fixture('esxcfg-module-g.txt');

  it('reads the reference sample', () => {
    assert.deepEqual(parseEsxcfgModuleGet(sample), { module: 'nmlx5_core', enabled: true, options: STORED });
  });

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () =>
      assert.deepEqual(parseEsxcfgModuleGet(text), parseEsxcfgModuleGet(sample)));
  }

  it('reads an empty option string and a disabled module', () => {
    assert.deepEqual(parseEsxcfgModuleGet("nmlx5_core enabled = 1 options = ''\n"), {
      module: 'nmlx5_core',
      enabled: true,
      options: '',
    });
    assert.equal(parseEsxcfgModuleGet("nmlx5_rdma enabled = 0 options = ''").enabled, false);
  });

  it('keeps quotes inside the outer quotes exactly', () => {
    assert.equal(parseEsxcfgModuleGet("nmlx5_core enabled = 1 options = 'desc=it's'\n").options, "desc=it's");
    assert.equal(parseEsxcfgModuleGet("nmlx5_core enabled = 1 options = 'a='x''\n").options, "a='x'");
  });

  it('keeps spaces inside the quotes exactly', () => {
    assert.equal(
      parseEsxcfgModuleGet("nmlx5_core enabled = 1 options = ' a=1  b=2 '  \r\n").options,
      ' a=1  b=2 ',
    );
  });

  it('throws ParseError for other output', () => {
    assertParseError(parseEsxcfgModuleGet, '', 'esxcfg-module -g');
    assertParseError(parseEsxcfgModuleGet, NOT_OUTPUT.esxcliError, 'esxcfg-module -g');
    assertParseError(
      parseEsxcfgModuleGet,
      'Unable to get module options for nmlx5_cor\n',
      /enabled = <0\|1>/,
    );
  });
});

describe('esxi parsers: module option strings', () => {
  /** Asserts a refusal naming the reason; nothing an activity could write. */
  function assertRefused(options: string, reason: RegExp): void {
    assert.throws(
      () => parseModuleOptions(options),
      (e: unknown) => {
        assert.ok(e instanceof ModuleOptionsError, `expected ModuleOptionsError, got ${String(e)}`);
        assert.equal(e.failureType, 'ModuleOptionsUnsupported');
        assert.match(e.message, reason);
        assert.match(e.message, /fix the stored options by hand/);
        return true;
      },
    );
  }

  it('parses options in order with exact values', () => {
    assert.deepEqual(parseModuleOptions(STORED), [
      { key: 'pfctx', value: '0x08' },
      { key: 'pfcrx', value: '0x08' },
      { key: 'trust_state', value: '2' },
      { key: 'max_vfs', value: '4,4' },
    ]);
    assert.deepEqual(parseModuleOptions(''), []);
    assert.deepEqual(parseModuleOptions('  a=1   flag b="xy" c=a=b d= '), [
      { key: 'a', value: '1' },
      { key: 'flag', value: null },
      { key: 'b', value: '"xy"' },
      { key: 'c', value: 'a=b' },
      { key: 'd', value: '' },
    ]);
  });

  it('reads one option (the last if repeated; null for a bare key)', () => {
    assert.equal(getModuleOption(STORED, 'max_vfs'), '4,4');
    assert.equal(getModuleOption(STORED, 'mst_recovery'), undefined);
    assert.equal(getModuleOption('a=1 a=2', 'a'), '2');
    assert.equal(getModuleOption('pfctx=0x08 mst_recovery', 'mst_recovery'), null);
  });

  // Issue 18 item 6: `desc=it's` hid an appended mst_recovery=1 inside a "quoted" value, so every run
  // appended another copy and none was ever removed.
  it("refuses an unbalanced quote (desc=it's): an appended option could be hidden from the driver", () => {
    assertRefused("pfctx=0x08 desc=it's", /word 2 "desc=it's" has an unbalanced ' quote/);
    assertRefused("desc=it's mst_recovery=1", /unbalanced ' quote/);
    assertRefused("desc=it's mst_recovery=1 mst_recovery=1", /unbalanced ' quote/);
    assert.throws(() => overrideModuleOption("desc=it's", 'mst_recovery', '1'), ModuleOptionsError);
    assert.throws(() => restoredOptions("desc=it's mst_recovery=1", 'mst_recovery'), ModuleOptionsError);
    assertRefused('b="x', /unbalanced " quote/);
  });

  it('refuses what readers may split differently: a quoted blank, mixed quotes, a backslash, no name', () => {
    assertRefused('a=1 b="x mst_recovery=1 y"', /word 2 "b=\\"x" has an unbalanced " quote/);
    assertRefused(`a="it's"`, /mixes " and ' quotes/);
    assertRefused('a=x\\ y', /a backslash \(at character 4\)/);
    assertRefused('"mst_recovery=1"', /word 1 .* does not start with a parameter name/);
    assertRefused('mst-recovery=1', /does not start with a parameter name/);
    assertRefused('=1', /does not start with a parameter name/);
  });

  it('refuses control characters and non-ASCII (a loader may read a byte such as 0xA0 as a blank)', () => {
    assertRefused('a=1\nb=2', /U\+000A/);
    assertRefused('a=1\u00a0b=2', /U\+00A0 \(at character 4\)/);
    assertRefused('desc=café', /U\+00E9/);
    assertRefused('desc=😀', /U\+1F600/);
    assertRefused('a=\x7f', /U\+007F/);
  });

  it('a tab is a blank to every reader: round-tripped exactly, or refused while it cannot be written back', () => {
    const options = 'trust_state=2\tmax_vfs=2,2';
    if (valueShapes.moduleOptions.test(options)) {
      assert.equal(
        withoutModuleOptionOverride(overrideModuleOption(options, 'mst_recovery', '1'), 'mst_recovery', '1'),
        options,
      );
    } else assertRefused(options, /could not be written back/);
  });

  it('setting mst_recovery=1 keeps max_vfs and everything else', () => {
    const set = overrideModuleOption(STORED, 'mst_recovery', '1');
    assert.equal(set, `${STORED} mst_recovery=1`);
    assert.equal(getModuleOption(set, 'max_vfs'), '4,4');
    assert.equal(overrideModuleOption(set, 'mst_recovery', '1'), set, 'already overridden: nothing to write');
  });

  // Issue 18 item 6: an explicit mst_recovery=00, a bare mst_recovery and (on a run after an interrupted
  // one) an original mst_recovery=0 were dropped when normal mode was restored.
  it('restores 0, 00, a bare key and an empty value exactly, also from a run after an interrupted one', () => {
    const originals = [
      'mst_recovery=0',
      'pfctx=0x08 mst_recovery=0 trust_state=2',
      'pfctx=0x08 mst_recovery=00',
      'pfctx=0x08 mst_recovery',
      'mst_recovery= max_vfs=4,4',
      'mst_recovery=1 mst_recovery=0',
      STORED,
      '',
      '   ',
      '  pfctx=0x08    max_vfs=8,8  ',
    ];
    for (const original of originals) {
      const label = JSON.stringify(original);
      const overridden = overrideModuleOption(original, 'mst_recovery', '1');
      assert.equal(getModuleOption(overridden, 'mst_recovery'), '1', label);
      // The run that wrote it recorded the original …
      assert.equal(restoredOptions(original, 'mst_recovery'), original, label);
      // … a new run after an interruption recorded the overridden string as its "original".
      assert.equal(restoredOptions(overridden, 'mst_recovery'), original, label);
    }
  });

  it('an original in recovery mode and copies left by older versions come back in normal mode', () => {
    assert.equal(restoredOptions('mst_recovery=1 max_vfs=4,4', 'mst_recovery'), 'max_vfs=4,4');
    assert.equal(restoredOptions('a=1 mst_recovery=1 b=2', 'mst_recovery'), 'a=1 b=2');
    assert.equal(restoredOptions(`${STORED} mst_recovery=1 mst_recovery=1`, 'mst_recovery'), STORED);
    assert.equal(restoredOptions('mst_recovery=1', 'mst_recovery'), '');
    assert.equal(withoutModuleOptionOverride('mst_recovery=1   ', 'mst_recovery', '1'), '   ');
  });

  it('changes an existing key in place, touching nothing else (settings meant to stay)', () => {
    assert.equal(
      mergeModuleOption(STORED, 'max_vfs', '8,8'),
      'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=8,8',
    );
    assert.equal(mergeModuleOption('a=1   max_vfs=0  b=2 ', 'max_vfs', '2,2'), 'a=1   max_vfs=2,2  b=2 ');
    assert.equal(mergeModuleOption('a=1 a=2', 'a', '3'), 'a=3 a=3');
    assert.equal(mergeModuleOption('', 'max_vfs', '4,4'), 'max_vfs=4,4');
    assert.equal(mergeModuleOption('pfctx=0x08 max_vfs', 'max_vfs', '4,4'), 'pfctx=0x08 max_vfs=4,4');
  });

  it('removes a key from the start, middle or end, every occurrence, and leaves absent keys alone', () => {
    assert.equal(removeModuleOption('mst_recovery=1 max_vfs=4,4', 'mst_recovery'), 'max_vfs=4,4');
    assert.equal(removeModuleOption('a=1 mst_recovery=1 b=2', 'mst_recovery'), 'a=1 b=2');
    assert.equal(removeModuleOption('k=1   k=2 a=1', 'k'), 'a=1');
    assert.equal(removeModuleOption('a=1 k=1 k=2', 'k'), 'a=1');
    assert.equal(removeModuleOption('mst_recovery=1', 'mst_recovery'), '');
    assert.equal(removeModuleOption(STORED, 'mst_recovery'), STORED);
    assert.equal(removeModuleOption(mergeModuleOption(' a=1 ', 'max_vfs', '4,4'), 'max_vfs'), ' a=1 ');
    // A key that only shares a prefix is another key.
    assert.equal(removeModuleOption('max_vfs_x=1 max_vfs=2', 'max_vfs'), 'max_vfs_x=1');
  });

  it('refuses names and values that would change other options (RangeError: a refused argument)', () => {
    assert.throws(() => mergeModuleOption(STORED, 'bad key', '1'), RangeError);
    assert.throws(() => mergeModuleOption(STORED, 'a', '1 max_vfs=0'), RangeError);
    assert.throws(() => mergeModuleOption(STORED, 'a', ''), RangeError);
    assert.throws(() => mergeModuleOption(STORED, 'a', "'x'"), RangeError);
    assert.throws(() => overrideModuleOption(STORED, 'a', '1\t'), RangeError);
    assert.throws(() => removeModuleOption(STORED, 'max_vfs=4,4'), RangeError);
  });
});
