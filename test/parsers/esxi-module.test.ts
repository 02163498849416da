import * as assert from 'node:assert/strict';
import {
  moduleParameterValue,
  parseModuleGet,
  parseModuleList,
  parseModuleParameters,
} from '../../activities/esxi/parsers';
import { assertParseError, esxcliTable, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: esxcli system module list', () => {
  const sample = fixture('module-list.txt');
  const expected = [{ name: 'nmlx5_core', isLoaded: true, isEnabled: true }];

  it('reads the reference sample (right-aligned booleans)', () =>
    assert.deepEqual(parseModuleList(sample), expected));

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseModuleList(text), expected));
  }

  it('reads other widths, extra columns and several modules', () => {
    const text = esxcliTable(
      ['Name', 'Is Loaded', 'Is Enabled', 'Flavor'],
      [
        ['nmlx5_core', 'false', 'true', 'release'],
        ['nmlx5_rdma', 'true', 'false', 'release'],
      ],
      { right: [1, 2], extra: 3 },
    );
    assert.deepEqual(parseModuleList(text), [
      { name: 'nmlx5_core', isLoaded: false, isEnabled: true },
      { name: 'nmlx5_rdma', isLoaded: true, isEnabled: false },
    ]);
  });

  it('reads rows filtered through grep (no header)', () => {
    assert.deepEqual(parseModuleList('nmlx5_core                          true        true\n'), expected);
    assert.deepEqual(parseModuleList(''), []);
  });

  it('throws ParseError for other output', () => {
    assertParseError(parseModuleList, NOT_OUTPUT.esxcliError, 'esxcli system module list');
    assertParseError(parseModuleList, 'nmlx5_core  maybe  true\n', /true or false/);
  });
});

describe('esxi parsers: esxcli system module get', () => {
  const sample = fixture('module-get-nmlx5_core.txt');

  it('reads the reference sample', () => {
    const info = parseModuleGet(sample);
    assert.equal(info.module, 'nmlx5_core');
    assert.equal(info.moduleFile, '/usr/lib/vmware/vmkmod/nmlx5_core');
    assert.equal(info.version, '4.23.0.36-14vmw.801.0.0.21495797');
    assert.equal(info.buildType, 'release');
    assert.equal(info.providedNamespaces, '');
    assert.equal(info.requiredNamespaces, 'com.vmware.vmkapi@v2_9_0_0');
    assert.equal(info.containingVib, 'nmlx5-core');
    assert.equal(info.vibAcceptanceLevel, 'certified');
    assert.equal(Object.keys(info.fields).length, 9);
  });

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseModuleGet(text), parseModuleGet(sample)));
  }

  it('keeps unknown keys and tolerates other indentation', () => {
    const info = parseModuleGet('Module: nmlx5_core\n      Signed Status: Signed\n');
    assert.equal(info.module, 'nmlx5_core');
    assert.equal(info.fields['Signed Status'], 'Signed');
    assert.equal(info.license, undefined);
  });

  it('throws ParseError without a Module line', () => {
    assertParseError(parseModuleGet, '', 'esxcli system module get');
    assertParseError(parseModuleGet, fixture('system-version-get.txt'), /Module/);
  });
});

describe('esxi parsers: esxcli system module parameters list', () => {
  const sample = fixture('module-parameters-list-nmlx5_core.txt');

  it('reads the reference sample: blank Value, continuation lines stay in the description', () => {
    assert.deepEqual(parseModuleParameters(sample), [
      {
        name: 'max_vfs',
        type: 'array of uint',
        description:
          "Number of PCI VFs to initialize\nValues : Array of 'uint' of range 0-128, May be limited by device, 0 - disabled\nDefault: 0",
      },
    ]);
  });

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () =>
      assert.deepEqual(parseModuleParameters(text), parseModuleParameters(sample)));
  }

  // As esxcli prints it: dashes, values set, several parameters with multi-line descriptions.
  const full = [
    'Name                   Type           Value  Description',
    '---------------------  -------------  -----  -----------',
    'DRSS                   int                   Number of hardware queues for Default Queue (DEFQ) RSS.',
    ' Note that this value must be a power of 2',
    'max_vfs                array of uint  4,4    Number of PCI VFs to initialize',
    "Values : Array of 'uint' of range 0-128, May be limited by device, 0 - disabled",
    'Default: 0',
    'mst_recovery           int            1      Enable recovery mode (only NMST module is loaded)',
    'Values : 0 - disabled, 1 - enabled',
    'Default  0',
    'disabled',
    'pfctx                  int            0x08   Priority based Flow Control policy on TX.',
    '',
  ].join('\n');

  it('reads a full table with dashes, set values and continuation lines of every shape', () => {
    const params = parseModuleParameters(full);
    assert.deepEqual(
      params.map((p) => [p.name, p.type, p.value]),
      [
        ['DRSS', 'int', undefined],
        ['max_vfs', 'array of uint', '4,4'],
        ['mst_recovery', 'int', '1'],
        ['pfctx', 'int', '0x08'],
      ],
    );
    assert.equal(
      params[2].description,
      'Enable recovery mode (only NMST module is loaded)\nValues : 0 - disabled, 1 - enabled\nDefault  0\ndisabled',
    );
    assert.equal(params[0].description.split('\n').length, 2);
    assert.equal(moduleParameterValue(params, 'max_vfs'), '4,4');
    assert.equal(moduleParameterValue(params, 'DRSS'), undefined);
    assert.equal(moduleParameterValue(params, 'nope'), undefined);
  });

  it('reads other column widths and extra columns', () => {
    const text = esxcliTable(
      ['Name', 'Type', 'Value', 'Description', 'Scope'],
      [
        ['trust_state', 'int', '2', 'Port policy to calculate the switch priority', 'port'],
        ['ecn', 'int', '', 'Enable ECN', 'global'],
      ],
      { extra: 5 },
    );
    assert.deepEqual(
      parseModuleParameters(text).map((p) => [p.name, p.value, p.description]),
      [
        ['trust_state', '2', 'Port policy to calculate the switch priority'],
        ['ecn', undefined, 'Enable ECN'],
      ],
    );
  });

  it('gives [] for a module without parameters', () => {
    assert.deepEqual(
      parseModuleParameters('Name  Type  Value  Description\n----  ----  -----  -----------\n'),
      [],
    );
  });

  it('throws ParseError without the header', () => {
    assertParseError(parseModuleParameters, '', 'esxcli system module parameters list');
    assertParseError(
      parseModuleParameters,
      'Error: Module nmlx5_cor not found\n',
      /Name {2}Type {2}Value {2}Description/,
    );
  });
});
