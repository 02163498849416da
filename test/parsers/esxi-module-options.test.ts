import * as assert from 'node:assert/strict';
import {
  formatModuleOptions,
  getModuleOption,
  mergeModuleOption,
  parseEsxcfgModuleGet,
  parseModuleOptions,
  removeModuleOption,
} from '../../activities/esxi/parsers';
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
  it('parses options in order with exact values', () => {
    assert.deepEqual(parseModuleOptions(STORED), [
      { key: 'pfctx', value: '0x08' },
      { key: 'pfcrx', value: '0x08' },
      { key: 'trust_state', value: '2' },
      { key: 'max_vfs', value: '4,4' },
    ]);
    assert.deepEqual(parseModuleOptions(''), []);
    assert.deepEqual(parseModuleOptions('  a=1   flag b="x y" '), [
      { key: 'a', value: '1' },
      { key: 'flag', value: null },
      { key: 'b', value: '"x y"' },
    ]);
  });

  it('formats options back, from a list or a Map, in order', () => {
    assert.equal(formatModuleOptions(parseModuleOptions(STORED)), STORED);
    assert.equal(
      formatModuleOptions(
        new Map([
          ['max_vfs', '8,8'],
          ['mst_recovery', '0'],
        ]),
      ),
      'max_vfs=8,8 mst_recovery=0',
    );
    assert.equal(formatModuleOptions([{ key: 'flag', value: null }]), 'flag');
    assert.equal(formatModuleOptions([]), '');
  });

  it('reads one option (the last if repeated)', () => {
    assert.equal(getModuleOption(STORED, 'max_vfs'), '4,4');
    assert.equal(getModuleOption(STORED, 'mst_recovery'), undefined);
    assert.equal(getModuleOption('a=1 a=2', 'a'), '2');
  });

  it('setting mst_recovery=1 keeps max_vfs and everything else', () => {
    const set = mergeModuleOption(STORED, 'mst_recovery', '1');
    assert.equal(set, `${STORED} mst_recovery=1`);
    assert.equal(getModuleOption(set, 'max_vfs'), '4,4');
  });

  it('removing the temporary key gives back exactly the original string', () => {
    const originals = [
      STORED,
      '',
      'max_vfs=4,4',
      '  pfctx=0x08    max_vfs=8,8  ',
      'a="x y" max_vfs=1',
      '   ',
      'trust_state=2\tmax_vfs=2,2',
    ];
    for (const original of originals) {
      const set = mergeModuleOption(original, 'mst_recovery', '1');
      assert.equal(getModuleOption(set, 'mst_recovery'), '1', JSON.stringify(original));
      assert.equal(removeModuleOption(set, 'mst_recovery'), original, JSON.stringify(original));
    }
  });

  it('changes an existing key in place, touching nothing else', () => {
    assert.equal(
      mergeModuleOption(STORED, 'max_vfs', '8,8'),
      'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=8,8',
    );
    assert.equal(
      mergeModuleOption('a=1   mst_recovery=0  b=2', 'mst_recovery', '1'),
      'a=1   mst_recovery=1  b=2',
    );
    assert.equal(mergeModuleOption('a=1 a=2', 'a', '3'), 'a=3 a=3');
    assert.equal(mergeModuleOption('', 'mst_recovery', '1'), 'mst_recovery=1');
  });

  it('removes a key from the start, middle or end, every occurrence, and leaves absent keys alone', () => {
    assert.equal(removeModuleOption('mst_recovery=1 max_vfs=4,4', 'mst_recovery'), 'max_vfs=4,4');
    assert.equal(removeModuleOption('a=1 mst_recovery=1 b=2', 'mst_recovery'), 'a=1 b=2');
    assert.equal(removeModuleOption('k=1   k=2 a=1', 'k'), 'a=1');
    assert.equal(removeModuleOption('a=1 k=1 k=2', 'k'), 'a=1');
    assert.equal(removeModuleOption('mst_recovery=1', 'mst_recovery'), '');
    assert.equal(removeModuleOption(STORED, 'mst_recovery'), STORED);
    // A key that only shares a prefix is another key.
    assert.equal(removeModuleOption('max_vfs_x=1 max_vfs=2', 'max_vfs'), 'max_vfs_x=1');
  });

  it('refuses names and values that would change other options', () => {
    assert.throws(() => mergeModuleOption(STORED, 'bad key', '1'), RangeError);
    assert.throws(() => mergeModuleOption(STORED, 'a', '1 max_vfs=0'), RangeError);
    assert.throws(() => mergeModuleOption(STORED, 'a', ''), RangeError);
    assert.throws(() => mergeModuleOption(STORED, 'a', "'x'"), RangeError);
    assert.throws(() => removeModuleOption(STORED, 'max_vfs=4,4'), RangeError);
  });
});
