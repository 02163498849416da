import * as assert from 'node:assert/strict';
import { isModuleLoaded, parseVmkloadModList, parseVmkloadModMessage } from '../../activities/esxi/parsers';
import { assertParseError, crlf, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: vmkload_mod -l', () => {
  const row = fixture('vmkload-mod-list-row.txt');
  // Header [R] + rows [V]; the real header puts one space between "Used" and "Size (kb)".
  const full = `Name                     Used Size (kb)\nvmkernel                   74    19836\n${row}nmlx5_core                  2      824\n`;

  it('reads the reference row', () =>
    assert.deepEqual(parseVmkloadModList(row), [{ name: 'nvidia', used: 5, sizeKb: 8420 }]));

  it('reads a list with its header', () => {
    const modules = parseVmkloadModList(full);
    assert.deepEqual(
      modules.map((m) => m.name),
      ['vmkernel', 'nvidia', 'nmlx5_core'],
    );
    assert.equal(isModuleLoaded(modules, 'nmlx5_core'), true);
    assert.equal(isModuleLoaded(modules, 'nmlx5_rdma'), false);
  });

  for (const [label, text] of whitespaceVariants(full)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseVmkloadModList(text), parseVmkloadModList(full)));
  }

  it('tolerates other widths, a dash rule, the two-space header and extra columns', () => {
    const text =
      'Name  Used  Size (kb)  ID\n----  ----  ---------  --\nnvidia  5  8420  42\n\nnmlx5_core 2 824\n';
    assert.deepEqual(parseVmkloadModList(text), [
      { name: 'nvidia', used: 5, sizeKb: 8420 },
      { name: 'nmlx5_core', used: 2, sizeKb: 824 },
    ]);
  });

  it('gives [] for a header without modules and throws ParseError for other output', () => {
    assert.deepEqual(parseVmkloadModList('Name  Used  Size (kb)\n'), []);
    assertParseError(parseVmkloadModList, '', 'vmkload_mod -l');
    assertParseError(parseVmkloadModList, NOT_OUTPUT.notFound, 'vmkload_mod -l');
  });
});

describe('esxi parsers: vmkload_mod load/unload messages', () => {
  it('detects the reference messages', () => {
    assert.deepEqual(parseVmkloadModMessage(fixture('vmkload-mod-unloaded.txt')), {
      kind: 'unloaded',
      module: 'X',
    });
    assert.deepEqual(parseVmkloadModMessage(fixture('vmkload-mod-load-busy.txt')), {
      kind: 'busy',
      operation: 'load',
      module: 'X',
    });
    assert.deepEqual(parseVmkloadModMessage(fixture('vmkload-mod-unload-busy.txt')), {
      kind: 'busy',
      operation: 'unload',
      module: 'nmlx5_core',
    });
  });

  it('names the real modules and tolerates CRLF and spacing', () => {
    assert.deepEqual(parseVmkloadModMessage(crlf('\nModule nmlx5_rdma successfully unloaded  \n')), {
      kind: 'unloaded',
      module: 'nmlx5_rdma',
    });
    assert.deepEqual(
      parseVmkloadModMessage('Unable to load module /usr/lib/vmware/vmkmod/nmlx5_core: Busy\r\n'),
      {
        kind: 'busy',
        operation: 'load',
        module: 'nmlx5_core',
      },
    );
  });

  it('detects a load, other failures, silence and unknown text', () => {
    assert.deepEqual(parseVmkloadModMessage('Module nmlx5_core loaded successfully\n'), {
      kind: 'loaded',
      module: 'nmlx5_core',
    });
    assert.deepEqual(parseVmkloadModMessage('vmkload_mod: Can not remove module nmlx5_foo: not found\n'), {
      kind: 'failed',
      operation: 'unload',
      module: 'nmlx5_foo',
      reason: 'not found',
    });
    assert.deepEqual(parseVmkloadModMessage(' \n'), { kind: 'silent' });
    assert.deepEqual(parseVmkloadModMessage(NOT_OUTPUT.notFound), {
      kind: 'other',
      message: NOT_OUTPUT.notFound.trim(),
    });
  });
});
