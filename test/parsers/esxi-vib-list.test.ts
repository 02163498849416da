import * as assert from 'node:assert/strict';
import { parseVibList, type VibEntry } from '../../activities/esxi/parsers';
import { assertParseError, esxcliTable, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

const COMMAND = 'esxcli software vib list';

describe('esxi parsers: esxcli software vib list', () => {
  const esxi8 = fixture('vib-list-esxi8.txt');
  const expected8: VibEntry[] = ['nmlx5-core', 'nmlx5-rdma'].map((name) => ({
    name,
    version: '4.23.0.36-14vmw.801.0.0.21495797',
    vendor: 'VMW',
    acceptanceLevel: 'VMwareCertified',
    installDate: '2023-04-29',
    platforms: 'host',
  }));

  it('reads the ESXi 8 reference table (with Platforms)', () => {
    assert.deepEqual(parseVibList(esxi8), expected8);
  });

  it("reads the guide's `| grep -i nmlx5` rows (no header, tab-separated)", () => {
    const vibs = parseVibList(fixture('vib-list-grep-nmlx5-guide.txt'));
    assert.deepEqual(
      vibs.map((v) => v.name),
      ['nmlx5-cc', 'nmlx5-core', 'nmlx5-rdma'],
    );
    assert.deepEqual(vibs[1], {
      name: 'nmlx5-core',
      version: '4.23.0.66-2vmw.802.0.0.22380479',
      vendor: 'VMW',
      acceptanceLevel: 'VMwareCertified',
      installDate: '2024-05-14',
      platforms: 'host',
    });
  });

  it('reads ESXi 7 rows without Platforms (the MFT and NMST samples)', () => {
    assert.deepEqual(parseVibList(fixture('vib-list-mft-esxi7-rows.txt')), [
      {
        name: 'mft',
        version: '4.18.1.14-0',
        vendor: 'MEL',
        acceptanceLevel: 'PartnerSupported',
        installDate: '2022-03-13',
      },
      {
        name: 'nmst',
        version: '4.18.1.14-1OEM.700.1.0.15843807',
        vendor: 'MEL',
        acceptanceLevel: 'PartnerSupported',
        installDate: '2022-03-13',
      },
    ]);
  });

  it('reads an ESXi 7 table (no Platforms column)', () => {
    const text = esxcliTable(
      ['Name', 'Version', 'Vendor', 'Acceptance Level', 'Install Date'],
      [['nmst', '4.18.1.14-1OEM.700.1.0.15843807', 'MEL', 'PartnerSupported', '2022-03-13']],
    );
    assert.deepEqual(parseVibList(text), [
      {
        name: 'nmst',
        version: '4.18.1.14-1OEM.700.1.0.15843807',
        vendor: 'MEL',
        acceptanceLevel: 'PartnerSupported',
        installDate: '2022-03-13',
      },
    ]);
  });

  it('reads other column widths and ignores extra columns', () => {
    const text = esxcliTable(
      ['Name', 'Version', 'Vendor', 'Acceptance Level', 'Install Date', 'Platforms', 'Size'],
      expected8.map((v) => [v.name, v.version, v.vendor, v.acceptanceLevel, v.installDate, 'host', '12']),
      { extra: 4 },
    );
    assert.deepEqual(parseVibList(text), expected8);
  });

  for (const [label, text] of whitespaceVariants(esxi8)) {
    it(`tolerates ${label} (table)`, () => assert.deepEqual(parseVibList(text), expected8));
  }
  for (const [label, text] of whitespaceVariants(fixture('vib-list-grep-nmlx5-guide.txt'))) {
    it(`tolerates ${label} (grep rows)`, () => assert.equal(parseVibList(text).length, 3));
  }

  it('reads grep rows with esxcli spacing and skips blank lines between them', () => {
    const rows = esxi8.split('\n').slice(2).join('\n\n');
    assert.deepEqual(parseVibList(rows), expected8);
  });

  it('gives [] for empty output (a grep that matched nothing)', () => {
    assert.deepEqual(parseVibList(''), []);
    assert.deepEqual(parseVibList('\n\n'), []);
  });

  it('refuses rows whose cells do not have their shape (table or grep rows)', () => {
    const table = esxi8.split('\n').slice(0, 2).join('\n');
    assertParseError(
      parseVibList,
      `${table}\nnmlx5-core                     4.23.0.36-14vmw.801.0.0.21495797     VMW     2023-04-29        VMwareCertified  host\n`,
      /column "Acceptance Level" to hold an acceptance level/,
    );
    assertParseError(
      parseVibList,
      'nmlx5-core  4.23.0.36  VMW  Certified  2023-04-29  host\n',
      /Acceptance Level to be an acceptance level such as VMwareCertified, not "Certified"/,
    );
  });

  it('throws ParseError for output of something else', () => {
    assertParseError(parseVibList, NOT_OUTPUT.esxcliError, COMMAND);
    assertParseError(parseVibList, NOT_OUTPUT.flint, COMMAND);
  });
});
