import * as assert from 'node:assert/strict';
import { parseFlintQuery } from '../../activities/esxi/parsers';
import { assertParseError, fixture, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: flint -d DEV q', () => {
  const sample = fixture('flint-q.txt');

  it('reads the reference sample', () => {
    const q = parseFlintQuery(sample);
    assert.deepEqual(
      { ...q, fields: undefined },
      {
        imageType: 'FS4',
        fwVersion: '20.35.1012',
        fwReleaseDate: '28.10.2022',
        productVersion: '20.35.1012',
        baseGuid: '043f720300f04c46',
        baseGuidCount: 8,
        baseMac: '043f72f04c46',
        baseMacCount: 8,
        psid: 'MT_0000000228',
        fields: undefined,
      },
    );
    assert.equal(q.fields['Description'], 'UID                GuidsNumber');
  });

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseFlintQuery(text), parseFlintQuery(sample)));
  }

  it('reads other widths, unknown fields and multi-line fields', () => {
    const text = [
      'Image type:      FS4',
      'FW Version:      28.39.1002',
      'FW Version(Running):     28.39.1002',
      'Rom Info:        type=UEFI version=14.32.17 cpu=AMD64',
      '                 type=PXE version=3.7.201 cpu=AMD64',
      'Base GUID:       a088c203001577f0        4',
      'Security Attributes:   N/A',
      'PSID:            MT_0000000838',
    ].join('\n');
    const q = parseFlintQuery(text);
    assert.equal(q.fwVersion, '28.39.1002');
    assert.equal(q.psid, 'MT_0000000838');
    assert.equal(q.baseGuidCount, 4);
    assert.equal(q.baseMac, undefined);
    assert.equal(
      q.fields['Rom Info'],
      'type=UEFI version=14.32.17 cpu=AMD64\ntype=PXE version=3.7.201 cpu=AMD64',
    );
    assert.equal(q.fields['Security Attributes'], 'N/A');
  });

  it('throws ParseError for errors and other output', () => {
    assertParseError(parseFlintQuery, '', 'flint query');
    assertParseError(
      parseFlintQuery,
      '-E- Cannot open Device: mt4123_pciconf0. No such file or directory\n',
      'flint query',
    );
    assertParseError(parseFlintQuery, fixture('system-version-get.txt'), /FW Version/);
  });
});
