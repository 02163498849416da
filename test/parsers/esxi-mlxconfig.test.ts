import * as assert from 'node:assert/strict';
import {
  classifyMlxconfigError,
  mlxconfigNumber,
  mlxconfigParam,
  parseMlxconfigQuery,
  parseMlxconfigQueryAll,
  parseMlxconfigSet,
  type MlxconfigParam,
} from '../../activities/esxi/parsers';
import { assertParseError, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

// Rows as newer MFT prints them (mlxcfg_ui.cpp): "%s%s     %-48s" (diff marker, RO marker, name),
// then each value padded to the value width and separated by one space.
const W = 33;
function newerRow(diff: string, ro: string, name: string, values: string[]): string {
  return `${diff}${ro}     ${name.padEnd(48)}${values.map((v) => v.padEnd(W)).join(' ')}`;
}
function newerHeader(titles: string[]): string {
  return `${'Configurations:'.padEnd(56)}${titles.map((t) => t.padEnd(W)).join(' ')}`;
}
const DEVICE_BLOCK = [
  '',
  'Device #1:',
  '----------',
  '',
  'Device type:        ConnectX7           ',
  'Name:               MCX75310AAS-NEA_Ax  ',
  'Description:        NVIDIA ConnectX-7 HHHL adapter card; 400GbE / NDR IB (default mode); single-port OSFP',
  'Device:             mt4129_pciconf0     ',
  '',
];

describe('esxi parsers: mlxconfig -e query', () => {
  const sample = fixture('mlxconfig-query-e.txt');
  const expectedParams: MlxconfigParam[] = [
    { name: 'NUM_OF_VFS', default: '0', current: '0', nextBoot: '16', changed: true, readOnly: false },
    {
      name: 'SRIOV_EN',
      default: 'False(0)',
      current: 'False(0)',
      nextBoot: 'True(1)',
      changed: true,
      readOnly: false,
    },
    {
      name: 'LINK_TYPE_P1',
      default: 'IB(1)',
      current: 'IB(1)',
      nextBoot: 'IB(1)',
      changed: false,
      readOnly: false,
    },
    {
      name: 'ADVANCED_PCI_SETTINGS',
      default: 'False(0)',
      current: 'True(1)',
      nextBoot: 'True(1)',
      changed: true,
      readOnly: false,
    },
  ];

  it('reads the reference sample: device block and Default/Current/Next Boot', () => {
    const q = parseMlxconfigQuery(sample);
    assert.deepEqual(q.device, {
      index: 1,
      deviceType: 'ConnectX6',
      name: 'MCX653106A-HDA_Ax',
      description:
        'ConnectX-6 VPI adapter card; HDR IB (200Gb/s) and 200GbE; dual-port QSFP56; PCIe4.0 x16; tall bracket; ROHS R6',
      device: 'mt4123_pciconf0',
    });
    assert.deepEqual(q.params, expectedParams);
    assert.equal(mlxconfigParam(q, 'SRIOV_EN')?.nextBoot, 'True(1)');
    assert.equal(mlxconfigParam(q, 'FORCE_ETH_PCI_SUBCLASS'), undefined);
  });

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseMlxconfigQuery(text), parseMlxconfigQuery(sample)));
  }

  it('reads the newer, wider layout with RO markers, N/A and array values', () => {
    const text = [
      ...DEVICE_BLOCK,
      newerHeader(['Default', 'Current', 'Next Boot']),
      newerRow('*', '  ', 'NUM_OF_VFS', ['0', '8', '16']),
      newerRow(' ', 'RO', 'PCI_DOWNSTREAM_PORT_OWNER', ['Array[0..15]', 'Array[0..15]', 'Array[0..15]']),
      newerRow('*', 'RO', 'FORCE_ETH_PCI_SUBCLASS', ['False(0)', 'N/A', 'True(1)']),
      newerRow(' ', '  ', 'SRIOV_EN', ['True(1)', 'True(1)', 'True(1)']),
      "The '*' shows parameters with next value different from default/current value.",
      '',
      "The 'RO' shows parameters which are for read only and cannot be changed",
      '',
    ].join('\n');
    const q = parseMlxconfigQuery(text);
    assert.equal(q.device.device, 'mt4129_pciconf0');
    assert.equal(q.device.deviceType, 'ConnectX7');
    assert.deepEqual(q.params, [
      { name: 'NUM_OF_VFS', default: '0', current: '8', nextBoot: '16', changed: true, readOnly: false },
      {
        name: 'PCI_DOWNSTREAM_PORT_OWNER',
        default: 'Array[0..15]',
        current: 'Array[0..15]',
        nextBoot: 'Array[0..15]',
        changed: false,
        readOnly: true,
      },
      {
        name: 'FORCE_ETH_PCI_SUBCLASS',
        default: 'False(0)',
        current: 'N/A',
        nextBoot: 'True(1)',
        changed: true,
        readOnly: true,
      },
      {
        name: 'SRIOV_EN',
        default: 'True(1)',
        current: 'True(1)',
        nextBoot: 'True(1)',
        changed: false,
        readOnly: false,
      },
    ]);
  });

  it('reads a plain query (Next Boot only) and indexed array rows', () => {
    const text = [
      ...DEVICE_BLOCK,
      'Configurations:                              Next Boot',
      '         NUM_OF_VFS                          16',
      '         SRIOV_EN                            True(1)',
      '         MODULE_SPLIT_M0[1]                  1',
      '',
    ].join('\n');
    assert.deepEqual(parseMlxconfigQuery(text).params, [
      { name: 'NUM_OF_VFS', nextBoot: '16', changed: false, readOnly: false },
      { name: 'SRIOV_EN', nextBoot: 'True(1)', changed: false, readOnly: false },
      { name: 'MODULE_SPLIT_M0[1]', nextBoot: '1', changed: false, readOnly: false },
    ]);
  });

  it('reads every device when there are several', () => {
    const second = sample.replace('Device #1:', 'Device #2:').replace('mt4123_pciconf0', 'mt4123_pciconf1');
    const all = parseMlxconfigQueryAll(sample + second);
    assert.deepEqual(
      all.map((q) => [q.device.index, q.device.device, q.params.length]),
      [
        [1, 'mt4123_pciconf0', 4],
        [2, 'mt4123_pciconf1', 4],
      ],
    );
  });

  it('reads the numbers inside values', () => {
    assert.equal(mlxconfigNumber('False(0)'), 0);
    assert.equal(mlxconfigNumber('True(1)'), 1);
    assert.equal(mlxconfigNumber('IB(1)'), 1);
    assert.equal(mlxconfigNumber('16'), 16);
    assert.equal(mlxconfigNumber('0x08'), 8);
    assert.equal(mlxconfigNumber('N/A'), undefined);
    assert.equal(mlxconfigNumber('Array[0..15]'), undefined);
    assert.equal(mlxconfigNumber(undefined), undefined);
  });

  it('throws ParseError for errors and other output, naming the error kind', () => {
    assertParseError(parseMlxconfigQuery, '', 'mlxconfig query');
    assertParseError(parseMlxconfigQuery, fixture('mlxconfig-error-open-failed.txt'), /device-open-failed/);
    assertParseError(parseMlxconfigQuery, fixture('mlxconfig-error-no-devices.txt'), /no-devices/);
    assertParseError(parseMlxconfigQuery, NOT_OUTPUT.flint, 'mlxconfig query');
  });

  it('refuses a row whose values do not fill the columns, rather than guess which one is missing', () => {
    const table = (row: string) =>
      `Device #1:\n----------\n\nConfigurations:          Default     Current     Next Boot\n${row}\n`;
    assert.equal(
      parseMlxconfigQuery(table('*  SRIOV_EN   False(0)   True(1)   True(1)')).params[0].current,
      'True(1)',
    );
    assertParseError(
      parseMlxconfigQuery,
      table('*  SRIOV_EN   False(0)   True(1)'),
      /3 value\(s\) for SRIOV_EN \(one per column\), not "False\(0\) True\(1\)"/,
    );
    assertParseError(parseMlxconfigQuery, table('   NUM_OF_VFS   0   0   16   8'), /NUM_OF_VFS/);
  });

  it('reads past blank lines and a copy\'s "..." inside the table, to "The \'*\' shows"', () => {
    const q = parseMlxconfigQuery(fixture('mlxconfig-query-smtx-esxi70u3.txt'));
    assert.deepEqual(
      q.params.map((x) => [x.name, x.nextBoot]),
      [
        ['NUM_OF_VFS', '8'],
        ['SRIOV_EN', 'True(1)'],
      ],
    );
  });
});

describe('esxi parsers: mlxconfig -y set', () => {
  const sample = fixture('mlxconfig-set.txt');
  const expected = {
    ok: true,
    device: {
      index: 1,
      deviceType: 'ConnectX6',
      name: 'MCX653105A-ECA_Ax',
      description:
        'ConnectX-6 VPI adapter card; 100Gb/s (HDR100; EDR IB and 100GbE); single-port QSFP56; PCIe3.0 x16; tall bracket; ROHS R6',
      device: 'mt4123_pciconf0',
    },
    changes: [{ name: 'LINK_TYPE_P1', nextBoot: 'IB(1)', new: 'ETH(2)' }],
    rebootRequired: true,
    info: ['Please reboot machine to load new configurations.'],
  };

  it('reads the reference success', () => assert.deepEqual(parseMlxconfigSet(sample), expected));

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseMlxconfigSet(text), expected));
  }

  it('reads several changes in the newer layout', () => {
    const text = [
      ...DEVICE_BLOCK,
      newerHeader(['Next Boot', 'New']),
      newerRow(' ', '  ', 'SRIOV_EN', ['False(0)', 'True(1)']),
      newerRow(' ', '  ', 'NUM_OF_VFS', ['0', '16']),
      '',
      ' Apply new Configuration? (y/n) [n] : y',
      'Applying... Done!',
      '-I- Please reboot machine to load new configurations.',
    ].join('\n');
    const r = parseMlxconfigSet(text);
    assert.ok(r.ok);
    assert.deepEqual(r.changes, [
      { name: 'SRIOV_EN', nextBoot: 'False(0)', new: 'True(1)' },
      { name: 'NUM_OF_VFS', nextBoot: '0', new: '16' },
    ]);
  });

  const errors: [string, object][] = [
    ['mlxconfig-error-unknown-parameter.txt', { kind: 'unknown-parameter', parameter: 'FOO' }],
    ['mlxconfig-error-unsupported-parameter.txt', { kind: 'unsupported-parameter', parameter: 'FOO' }],
    ['mlxconfig-error-open-failed.txt', { kind: 'device-open-failed' }],
    ['mlxconfig-error-no-devices.txt', { kind: 'no-devices' }],
    ['mlxconfig-error-value-too-large.txt', { kind: 'value-too-large', parameter: 'NUM_OF_VFS', max: 127 }],
  ];
  for (const [name, want] of errors) {
    it(`types the error of ${name}`, () => {
      const r = parseMlxconfigSet(fixture(name));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.deepEqual({ ...r.error, message: undefined }, { ...want, message: undefined });
      assert.equal(r.error.message, fixture(name).replace(/^-E- /, '').trim());
    });
  }

  it('reads an error after "Applying... Failed!", keeping the device', () => {
    const text = sample
      .replace('Applying... Done!', 'Applying... Failed!')
      .replace(/-I- .*/, "-E- Parameter NUM_OF_VFS' value is larger than maximum allowed 63");
    const r = parseMlxconfigSet(text);
    assert.equal(r.ok, false);
    assert.equal(r.device?.device, 'mt4123_pciconf0');
    if (!r.ok) assert.deepEqual([r.error.kind, r.error.max], ['value-too-large', 63]);
  });

  it('classifies the current source wording (no colon) and unknown errors', () => {
    assert.deepEqual(classifyMlxconfigError('Unknown Parameter FOO_BAR').parameter, 'FOO_BAR');
    assert.equal(classifyMlxconfigError('Aborted by user.').kind, 'other');
    assert.equal(classifyMlxconfigError('No devices found, mst might be stopped.').kind, 'no-devices');
  });

  it('throws ParseError when there is neither "Done!" nor an error', () => {
    assertParseError(parseMlxconfigSet, '', 'mlxconfig set');
    assertParseError(parseMlxconfigSet, fixture('mlxconfig-query-e.txt'), 'mlxconfig set');
    assertParseError(parseMlxconfigSet, NOT_OUTPUT.notFound, 'mlxconfig set');
  });
});
