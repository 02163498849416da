import * as assert from 'node:assert/strict';
import {
  cell,
  parseEsxcliKeyValue,
  parseEsxcliTable,
  readEsxcliTable,
  SHAPES,
  valueOf,
  type ColumnSpec,
} from '../../activities/esxi/parsers';
import { assertParseError, esxcliTable, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: generic esxcli table', () => {
  const nic = fixture('network-nic-list.txt');

  it('reads the reference nic list, whose Speed cell is wider than its dashes', () => {
    const t = parseEsxcliTable(nic);
    assert.deepEqual(t.columns, [
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
    ]);
    assert.equal(t.rows.length, 1);
    const row = t.rows[0];
    assert.equal(cell(row, 'Speed'), '100000');
    assert.equal(cell(row, 'Duplex'), 'Full');
    assert.equal(cell(row, 'MAC Address'), 'ec:0d:9a:8a:27:8a');
    assert.equal(cell(row, 'Description'), 'Mellanox Technologies MT28800 Family [ConnectX-5 Ex]');
  });

  it('looks columns up without case or spacing, and gives undefined for absent ones', () => {
    const row = parseEsxcliTable(nic).rows[0];
    assert.equal(cell(row, 'pci device'), '0000:02:00.0');
    assert.equal(cell(row, 'PCIDevice'), '0000:02:00.0');
    assert.equal(cell(row, 'Firmware'), undefined);
  });

  for (const [label, text] of whitespaceVariants(nic)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseEsxcliTable(text), parseEsxcliTable(nic)));
  }

  it('uses the dash runs for columns: blank cells, right-aligned numbers and single spaces inside cells', () => {
    const text = esxcliTable(
      ['Name', 'Type', 'Value', 'Description'],
      [
        ['max_vfs', 'array of uint', '', 'Number of PCI VFs'],
        ['mst_recovery', 'int', '1', 'Recovery mode'],
      ],
      { right: [2] },
    );
    const t = parseEsxcliTable(text);
    assert.deepEqual(t.rows, [
      { Name: 'max_vfs', Type: 'array of uint', Value: '', Description: 'Number of PCI VFs' },
      { Name: 'mst_recovery', Type: 'int', Value: '1', Description: 'Recovery mode' },
    ]);
  });

  it('reads the same table at other column widths', () => {
    const rows = [['vmnic2', '0000:02:00.0', 'Up']];
    const narrow = parseEsxcliTable(esxcliTable(['Name', 'PCI Device', 'Link'], rows));
    const wide = parseEsxcliTable(esxcliTable(['Name', 'PCI Device', 'Link'], rows, { extra: 9 }));
    assert.deepEqual(wide, narrow);
    assert.deepEqual(narrow.rows, [{ Name: 'vmnic2', 'PCI Device': '0000:02:00.0', Link: 'Up' }]);
  });

  it('keeps extra, unknown columns', () => {
    const t = parseEsxcliTable(esxcliTable(['Name', 'Frobs', 'Driver'], [['vmnic0', '7', 'ntg3']]));
    assert.deepEqual(t.rows, [{ Name: 'vmnic0', Frobs: '7', Driver: 'ntg3' }]);
  });

  it('takes the columns from the dash runs whatever the space between them', () => {
    const text = [
      'Name   PCI Device   Admin Status Speed  Description',
      '------ ------------ ------------ ------ -----------',
      'vmnic0 0000:81:00.0 Up           1000   Intel Corporation I350',
      'vmnic2 0000:02:00.0 Down         100000 Mellanox Technologies MT28800 Family',
    ].join('\n');
    assert.deepEqual(parseEsxcliTable(text), {
      columns: ['Name', 'PCI Device', 'Admin Status', 'Speed', 'Description'],
      rows: [
        {
          Name: 'vmnic0',
          'PCI Device': '0000:81:00.0',
          'Admin Status': 'Up',
          Speed: '1000',
          Description: 'Intel Corporation I350',
        },
        {
          Name: 'vmnic2',
          'PCI Device': '0000:02:00.0',
          'Admin Status': 'Down',
          Speed: '100000',
          Description: 'Mellanox Technologies MT28800 Family',
        },
      ],
    });
  });

  const SHAPED: ColumnSpec[] = [
    { title: 'Name', shape: SHAPES.name },
    { title: 'Used', shape: SHAPES.number },
    { title: 'Size', shape: SHAPES.number },
  ];

  it('reads a row by order when its cells drift far from their dashes and the shapes confirm it', () => {
    const text = ['Name  Used  Size', '----  ----  ----', 'a_very_long_name  12  345', ''].join('\n');
    // By position the numbers land in one column; the shapes refuse that, one word per column fits.
    assert.deepEqual(parseEsxcliTable(text).rows, [{ Name: 'a_very_long_name', Used: '', Size: '12  345' }]);
    assert.deepEqual(readEsxcliTable(text, 'x', SHAPED), [
      { Name: 'a_very_long_name', Used: '12', Size: '345' },
    ]);
  });

  it('refuses, naming the column and the cell, a row that fits neither by position nor by order', () => {
    const text = ['Name  Used  Size', '----  ----  ----', 'a_very_long_name  12', ''].join('\n');
    assertParseError(
      (t) => readEsxcliTable(t, 'vmkload_mod -l', SHAPED),
      text,
      /column "Used" to hold a number, not ""/,
    );
    const shifted = ['Name    Used  Size', '------  ----  ----', 'nmlx5   x     1', ''].join('\n');
    assertParseError((t) => readEsxcliTable(t, 'vmkload_mod -l', SHAPED), shifted, /"Used".*"x".*row 1/);
  });

  it('reads a header whose only dash line is one long separator by the titles', () => {
    const text = ['Name    Driver  Link', '--------------------', 'vmnic0  nenic   Up', ''].join('\n');
    assert.deepEqual(parseEsxcliTable(text).rows, [{ Name: 'vmnic0', Driver: 'nenic', Link: 'Up' }]);
  });

  it('keeps tables with blank lines between rows and lines above the header', () => {
    const text = `Warning: something\n\n${esxcliTable(['Name', 'Driver'], [['vmnic0', 'ntg3']])}\nvmnic1  ntg3\n`;
    assert.deepEqual(parseEsxcliTable(text).rows, [
      { Name: 'vmnic0', Driver: 'ntg3' },
      { Name: 'vmnic1', Driver: 'ntg3' },
    ]);
  });

  it('gives no rows for a header with no items', () => {
    assert.deepEqual(parseEsxcliTable('Name  Driver\n----  ------\n').rows, []);
  });

  it('throws ParseError for output that is no table', () => {
    assertParseError((t) => parseEsxcliTable(t, 'esxcli network nic list'), '', 'esxcli network nic list');
    assertParseError(
      (t) => parseEsxcliTable(t, 'esxcli network nic list'),
      NOT_OUTPUT.esxcliError,
      /nic list.*dashes/,
    );
  });
});

describe('esxi parsers: generic esxcli key-value', () => {
  it('reads "   Key: value" lines, with empty values and colons inside values', () => {
    const fields = parseEsxcliKeyValue(fixture('module-get-nmlx5_core.txt'));
    assert.equal(fields['Module File'], '/usr/lib/vmware/vmkmod/nmlx5_core');
    assert.equal(fields['Provided Namespaces'], '');
    assert.equal(fields['Required Namespaces'], 'com.vmware.vmkapi@v2_9_0_0');
    assert.equal(
      parseEsxcliKeyValue('   Dependent Device: pci:0000:00:00.0\n')['Dependent Device'],
      'pci:0000:00:00.0',
    );
  });

  it('looks keys up without case or spacing', () => {
    assert.equal(valueOf({ 'Build Type': 'release' }, 'build type'), 'release');
    assert.equal(valueOf({ 'Build Type': 'release' }, 'License'), undefined);
  });

  for (const [label, text] of whitespaceVariants(fixture('system-version-get.txt'))) {
    it(`tolerates ${label}`, () =>
      assert.deepEqual(parseEsxcliKeyValue(text), parseEsxcliKeyValue(fixture('system-version-get.txt'))));
  }

  it('throws ParseError when there is no key-value line', () => {
    assertParseError(
      (t) => parseEsxcliKeyValue(t, 'esxcli system version get'),
      '',
      'esxcli system version get',
    );
    assertParseError((t) => parseEsxcliKeyValue(t), '12345\n', 'esxcli get');
  });
});
