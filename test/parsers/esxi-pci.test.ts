import * as assert from 'node:assert/strict';
import { parseHardwarePciList, parseLspci } from '../../activities/esxi/parsers';
import { assertParseError, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

// [R] Layout as the reference describes it: address line, then "   Key: value" lines, blank line between.
const PCI_LIST = [
  '0000:00:00.0',
  '   Address: 0000:00:00.0',
  '   Segment: 0x0000',
  '   Vendor Name: Intel Corporation',
  '   Device Name: Sky Lake-E DMI3 Registers',
  '   VMkernel Name:',
  '   Vendor ID: 0x8086',
  '   Device ID: 0x2020',
  '   Dependent Device: pci:0000:00:00.0',
  '',
  '0000:02:00.0',
  '   Address: 0000:02:00.0',
  '   Vendor Name: Mellanox Technologies',
  '   Device Name: MT28800 Family [ConnectX-5 Ex]',
  '   VMkernel Name: vmnic2',
  '   Vendor ID: 0x15b3',
  '   Device ID: 0x1019',
  '   Device Class Name: Ethernet controller',
  '   Module Name: nmlx5_core',
  '',
].join('\n');

describe('esxi parsers: esxcli hardware pci list', () => {
  it('reads blocks: address line first, fields after', () => {
    const devices = parseHardwarePciList(PCI_LIST);
    assert.equal(devices.length, 2);
    assert.equal(devices[0].vmkernelName, undefined);
    assert.equal(devices[0].fields['Dependent Device'], 'pci:0000:00:00.0');
    const { fields, ...mlx } = devices[1];
    assert.deepEqual(mlx, {
      address: '0000:02:00.0',
      vendorId: 0x15b3,
      deviceId: 0x1019,
      vendorName: 'Mellanox Technologies',
      deviceName: 'MT28800 Family [ConnectX-5 Ex]',
      vmkernelName: 'vmnic2',
      deviceClassName: 'Ethernet controller',
      moduleName: 'nmlx5_core',
    });
    assert.equal(fields['Address'], '0000:02:00.0');
  });

  for (const [label, text] of whitespaceVariants(PCI_LIST)) {
    it(`tolerates ${label}`, () =>
      assert.deepEqual(parseHardwarePciList(text), parseHardwarePciList(PCI_LIST)));
  }

  it('starts a new block at an address line even without a blank line, and keeps unknown keys', () => {
    const text = '0000:02:00.0\n   Foo Bar: 1\n0000:02:00.1\n      VMkernel Name: vmnic3\n\n\n';
    const devices = parseHardwarePciList(text);
    assert.deepEqual(
      devices.map((d) => [d.address, d.vmkernelName, d.fields['Foo Bar']]),
      [
        ['0000:02:00.0', undefined, '1'],
        ['0000:02:00.1', 'vmnic3', undefined],
      ],
    );
  });

  it('throws ParseError for other output', () => {
    assertParseError(parseHardwarePciList, '', 'esxcli hardware pci list');
    assertParseError(parseHardwarePciList, fixture('system-version-get.txt'), 'esxcli hardware pci list');
  });
});

describe('esxi parsers: lspci', () => {
  it('reads the reference PF line with its vmnic alias', () => {
    assert.deepEqual(parseLspci(fixture('lspci-pf.txt')), [
      {
        address: '0000:02:00.0',
        className: 'Network controller',
        description: 'Mellanox Technologies MT28800 Family [ConnectX-5 Ex]',
        alias: 'vmnic2',
      },
    ]);
  });

  it('reads the reference VF line and its PF alias (bus in decimal)', () => {
    assert.deepEqual(parseLspci(fixture('lspci-vf.txt')), [
      {
        address: '0000:af:00.2',
        className: 'Network controller',
        description: 'Mellanox Technologies MT27700 Family [ConnectX-4 Virtual Function]',
        alias: 'PF_0.175.0_VF_0',
        vf: { pf: '0.175.0', pfBus: 175, index: 0 },
      },
    ]);
  });

  for (const [label, text] of whitespaceVariants(fixture('lspci-pf.txt') + fixture('lspci-vf.txt'))) {
    it(`tolerates ${label}`, () => assert.equal(parseLspci(text).length, 2));
  }

  it('keeps a model bracket that is no alias, and devices without alias', () => {
    const text =
      '0000:3b:00.0 Infiniband controller: Mellanox Technologies MT28908 Family [ConnectX-6]\n' +
      '0000:00:00.0 Host bridge: Intel Corporation Sky Lake-E DMI3 Registers\n';
    assert.deepEqual(parseLspci(text), [
      {
        address: '0000:3b:00.0',
        className: 'Infiniband controller',
        description: 'Mellanox Technologies MT28908 Family [ConnectX-6]',
      },
      {
        address: '0000:00:00.0',
        className: 'Host bridge',
        description: 'Intel Corporation Sky Lake-E DMI3 Registers',
      },
    ]);
  });

  it('gives [] for empty output and throws ParseError for other output', () => {
    assert.deepEqual(parseLspci(''), []);
    assertParseError(parseLspci, NOT_OUTPUT.notFound, 'lspci');
    assertParseError(parseLspci, fixture('flint-q.txt'), 'lspci');
  });
});
