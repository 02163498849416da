import * as assert from 'node:assert/strict';
import {
  parseNicList,
  parseSriovNicList,
  parseSriovVfList,
  type NicEntry,
} from '../../activities/esxi/parsers';
import { assertParseError, esxcliTable, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: esxcli network nic list', () => {
  const sample = fixture('network-nic-list.txt');
  const vmnic2: NicEntry = {
    name: 'vmnic2',
    pciDevice: '0000:02:00.0',
    driver: 'nmlx5_core',
    adminStatus: 'Up',
    linkStatus: 'Up',
    speed: 100000,
    duplex: 'Full',
    macAddress: 'ec:0d:9a:8a:27:8a',
    mtu: 1500,
    description: 'Mellanox Technologies MT28800 Family [ConnectX-5 Ex]',
  };

  it('reads the reference sample', () => assert.deepEqual(parseNicList(sample), [vmnic2]));

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseNicList(text), [vmnic2]));
  }

  it('reads other widths, extra columns, a link-down NIC and right-aligned numbers', () => {
    const text = esxcliTable(
      [
        'Name',
        'PCI Device',
        'Driver',
        'Admin Status',
        'Link Status',
        'Speed',
        'Duplex',
        'MAC Address',
        'MTU',
        'Description',
        'Port',
      ],
      [
        [
          'vmnic0',
          '0000:18:00.0',
          'ntg3',
          'Up',
          'Down',
          '0',
          'Half',
          '00:50:56:aa:bb:cc',
          '1500',
          'Broadcom NetXtreme',
          '1',
        ],
        [
          'vmnic2',
          '0000:02:00.0',
          'nmlx5_core',
          'Up',
          'Up',
          '100000',
          'Full',
          'ec:0d:9a:8a:27:8a',
          '1500',
          vmnic2.description!,
          '2',
        ],
      ],
      { right: [5, 8], extra: 2 },
    );
    const nics = parseNicList(text);
    assert.deepEqual(nics[1], vmnic2);
    assert.deepEqual([nics[0].linkStatus, nics[0].speed], ['Down', 0]);
  });

  it('reads the public ESXi 7.0U3 capture whose columns are one space apart', () => {
    const nics = parseNicList(fixture('network-nic-list-smtx-esxi70u3-single-space.txt'));
    assert.deepEqual(
      nics.map((n) => [n.name, n.pciDevice, n.driver]),
      [
        ['vmnic0', '0000:81:00.0', 'igbn'],
        ['vmnic1', '0000:81:00.1', 'igbn'],
        ['vmnic2', '0000:02:00.0', 'nmlx5_core'],
        ['vmnic3', '0000:02:00.1', 'nmlx5_core'],
      ],
    );
  });

  it('refuses rows that do not fit the header instead of reading them into the wrong columns', () => {
    const header = [
      'Name    PCI Device    Driver      Link Status  Speed  MAC Address        Description',
      '------  ------------  ----------  -----------  -----  -----------------  -----------',
    ];
    const row =
      'vmnic2  0000:02:00.0  nmlx5_core  Up           100000  ec:0d:9a:8a:27:8a  Mellanox Technologies';
    assert.equal(parseNicList([...header, row].join('\n'))[0].speed, 100000);
    // A terminal that wrapped the long description: the rest is no NIC.
    assertParseError(
      parseNicList,
      [...header, row, 'MT28800 Family [ConnectX-5 Ex]'].join('\n'),
      /column "PCI Device" to hold a PCI address.*not "Family \[ConnectX-5" \(row 2/,
    );
    // A missing cell shifts nothing silently.
    assertParseError(
      parseNicList,
      [...header, 'vmnic3  0000:02:00.1  nmlx5_core  Up                  ec:0d:9a:8a:27:8b  Mellanox'].join(
        '\n',
      ),
      /column "Speed" to hold a number, not ""/,
    );
    // Cells of one kind under the title of another (an old header over a new row layout).
    assertParseError(
      parseNicList,
      [...header, '0000:02:00.0  vmnic2  nmlx5_core  Up  100000  ec:0d:9a:8a:27:8a  Mellanox'].join('\n'),
      /esxcli network nic list: expected column "Name"/,
    );
  });

  it('throws ParseError for other output and tables without the NIC columns', () => {
    assertParseError(parseNicList, '', 'esxcli network nic list');
    assertParseError(parseNicList, NOT_OUTPUT.esxcliError, 'esxcli network nic list');
    assertParseError(parseNicList, fixture('module-list.txt'), /"PCI Device", "Driver"/);
  });
});

describe('esxi parsers: esxcli network sriovnic list', () => {
  it('reads the reference header (no NIC yet) as no entries', () => {
    assert.deepEqual(parseSriovNicList(fixture('network-sriovnic-list-header.txt')), []);
  });

  it('reads rows with the single Link column, CRLF and other widths', () => {
    const text = esxcliTable(
      ['Name', 'PCI Device', 'Driver', 'Link', 'Speed', 'Duplex', 'MAC Address', 'MTU', 'Description'],
      [
        [
          'vmnic2',
          '0000:02:00.0',
          'nmlx5_core',
          'Up',
          '200000',
          'Full',
          'ec:0d:9a:8a:27:8a',
          '4096',
          'ConnectX-6',
        ],
      ],
      { right: [4, 7] },
    );
    const expected = [
      {
        name: 'vmnic2',
        pciDevice: '0000:02:00.0',
        driver: 'nmlx5_core',
        link: 'Up',
        speed: 200000,
        duplex: 'Full',
        macAddress: 'ec:0d:9a:8a:27:8a',
        mtu: 4096,
        description: 'ConnectX-6',
      },
    ];
    assert.deepEqual(parseSriovNicList(text), expected);
    for (const [, variant] of whitespaceVariants(text))
      assert.deepEqual(parseSriovNicList(variant), expected);
  });

  it('throws ParseError for other output', () => {
    assertParseError(parseSriovNicList, NOT_OUTPUT.flint, 'esxcli network sriovnic list');
  });
});

describe('esxi parsers: esxcli network sriovnic vf list', () => {
  const sample = fixture('network-sriovnic-vf-list.txt');
  const expected = [{ vfId: 0, active: false, pciAddress: '00000:101:00.1' }];

  it('reads the reference sample (no owner world)', () =>
    assert.deepEqual(parseSriovVfList(sample), expected));

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseSriovVfList(text), expected));
  }

  it('reads owners, other widths and extra columns', () => {
    const text = esxcliTable(
      ['VF ID', 'Active', 'PCI Address', 'Owner World ID', 'MAC'],
      [
        ['0', 'true', '00000:101:00.1', '2100445', '00:50:56:01:02:03'],
        ['12', 'false', '00000:101:02.5', '-', ''],
      ],
      { right: [0, 1] },
    );
    assert.deepEqual(parseSriovVfList(text), [
      { vfId: 0, active: true, pciAddress: '00000:101:00.1', ownerWorldId: 2100445 },
      { vfId: 12, active: false, pciAddress: '00000:101:02.5' },
    ]);
  });

  it('gives [] without VFs and throws ParseError for other output', () => {
    assert.deepEqual(
      parseSriovVfList(
        'VF ID  Active  PCI Address  Owner World ID\n-----  ------  -----------  --------------\n',
      ),
      [],
    );
    assertParseError(parseSriovVfList, '', 'esxcli network sriovnic vf list');
    assertParseError(parseSriovVfList, fixture('module-list.txt'), 'esxcli network sriovnic vf list');
    assertParseError(
      parseSriovVfList,
      'VF ID  Active  PCI Address\n-----  ------  -----------\nx  maybe  0000:01:00.1\n',
      /VF ID/,
    );
  });
});
