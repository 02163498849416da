import * as assert from 'node:assert/strict';
import {
  CARD_MODELS,
  cardModelForMstDevice,
  cardModelForPciDeviceId,
  groupMstCards,
  mstDeviceId,
  parseMstStatus,
  parseMstStatusVerbose,
} from '../../activities/esxi/parsers';
import { assertParseError, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: mst status', () => {
  const sample = fixture('mst-status.txt');

  it('reads the reference sample', () => {
    assert.deepEqual(parseMstStatus(sample), [{ name: 'mt4121_pciconf0', deviceId: 'mt4121' }]);
  });

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseMstStatus(text), parseMstStatus(sample)));
  }

  it('reads several devices, Linux paths and descriptions, and stops at the next section', () => {
    const text = [
      'MST devices:',
      '------------',
      'mt4123_pciconf0',
      'mt4123_pciconf0.1',
      '/dev/mst/mt4129_pciconf0         - PCI configuration cycles access.',
      '',
      'PCI devices:',
      '------------',
      'mt9999_pciconf9',
    ].join('\n');
    assert.deepEqual(
      parseMstStatus(text).map((d) => [d.name, d.deviceId]),
      [
        ['mt4123_pciconf0', 'mt4123'],
        ['mt4123_pciconf0.1', 'mt4123'],
        ['/dev/mst/mt4129_pciconf0', 'mt4129'],
      ],
    );
  });

  it('gives [] for an empty list under the header and for mstflint\'s "No MST devices"', () => {
    assert.deepEqual(parseMstStatus('MST devices:\n------------\n'), []);
    assert.deepEqual(parseMstStatus('MST devices:\n------------\n\n'), []);
    assert.deepEqual(
      parseMstStatus(
        "\n    No MST devices were found or MST modules are not loaded.\n    You may need to run 'mst start' to load MST modules.\n",
      ),
      [],
    );
  });

  it('keeps the PCI address Linux prints under a path', () => {
    assert.deepEqual(parseMstStatus(fixture('mst-status-linux-cx3-two-paths.txt')), [
      { name: '/dev/mst/mt4099_pciconf0', deviceId: 'mt4099', pci: '0000:13:00.0' },
      { name: '/dev/mst/mt4099_pci_cr0', deviceId: 'mt4099', pci: '0000:13:00.0' },
    ]);
  });

  it('reads the vmklinux listing: /dev/ names, no dash rule', () => {
    assert.deepEqual(
      parseMstStatus(fixture('mst-status-mft422-vmware-vmklinux.txt')).map((d) => d.name),
      ['/dev/mt4099_pciconf0', '/dev/mt4099_pci_cr0'],
    );
  });

  it('throws ParseError for other output and for lines in the list that are no device', () => {
    assertParseError(parseMstStatus, '', 'mst status');
    assertParseError(parseMstStatus, NOT_OUTPUT.notFound, 'mst status');
    assertParseError(
      parseMstStatus,
      'MST devices:\n------------\nmt4123_pciconf0 mt4123_pciconf1\n-E- Failed to open mt4123_pciconf2\n',
      /device names such as mt4123_pciconf0, not "-E-"/,
    );
  });
});

describe('esxi parsers: mst access paths grouped into cards', () => {
  it('counts a card once whatever its paths: pciconf and pci_cr, other functions, /dev/ prefixes', () => {
    const names = (list: string[]) => groupMstCards(list.map((name) => ({ name })));
    assert.deepEqual(names(['mt4099_pciconf0', 'mt4099_pci_cr0']), [
      { device: 'mt4099_pciconf0', paths: ['mt4099_pciconf0', 'mt4099_pci_cr0'] },
    ]);
    assert.deepEqual(names(['/dev/mt4099_pci_cr0', '/dev/mt4099_pciconf0']), [
      { device: '/dev/mt4099_pciconf0', paths: ['/dev/mt4099_pci_cr0', '/dev/mt4099_pciconf0'] },
    ]);
    assert.deepEqual(
      names([
        'mt4123_pciconf0.1',
        'mt4123_pciconf0',
        'mt4123_pciconf1',
        'mt4123_pciconf1.1',
        'mt4129_pciconf0',
      ]).map((c) => c.device),
      ['mt4123_pciconf0', 'mt4123_pciconf1', 'mt4129_pciconf0'],
    );
    // Only a second function listed: it is still the card's path.
    assert.deepEqual(names(['mt4125_pciconf0.1']), [
      { device: 'mt4125_pciconf0.1', paths: ['mt4125_pciconf0.1'] },
    ]);
  });

  it('groups by PCI domain:bus:device where mst printed it, over the names', () => {
    assert.deepEqual(
      groupMstCards([
        { name: 'mt4119_pciconf0', pci: '3b:00.0' },
        { name: 'mt4119_pciconf1', pci: '0000:3b:00.1' },
        { name: 'mt4119_pciconf2', pci: 'af:00.0' },
        { name: 'mt4119_pci_cr0' },
      ]),
      [
        {
          device: 'mt4119_pciconf0',
          paths: ['mt4119_pciconf0', 'mt4119_pciconf1', 'mt4119_pci_cr0'],
          pci: '3b:00.0',
        },
        { device: 'mt4119_pciconf2', paths: ['mt4119_pciconf2'], pci: 'af:00.0' },
      ],
    );
  });
});

describe('esxi parsers: mst status -vv', () => {
  const sample = fixture('mst-status-vv.txt');
  const expected = [
    {
      deviceType: 'ConnectX3(rev:1)',
      mst: 'mt4099_pciconf0',
      deviceId: 'mt4099',
      pci: '01:00.0',
      net: 'net-vmnic0',
    },
  ];

  it('reads the reference sample (blank RDMA cell)', () =>
    assert.deepEqual(parseMstStatusVerbose(sample), expected));

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseMstStatusVerbose(text), expected));
  }

  it('reads aligned rows with every cell, other widths and extra columns', () => {
    const text = [
      'PCI devices:',
      '------------',
      'DEVICE_TYPE        MST                  PCI        RDMA       NET             NUMA  FWCTL   STATE',
      'ConnectX7(rev:0)   mt4129_pciconf0      0000:3b:00.0  mlx5_0  net-vmnic4      0     -       Active',
      'ConnectX7(rev:0)   mt4129_pciconf0.1    0000:3b:00.1          net-vmnic5      1',
      '',
    ].join('\n');
    assert.deepEqual(parseMstStatusVerbose(text), [
      {
        deviceType: 'ConnectX7(rev:0)',
        mst: 'mt4129_pciconf0',
        deviceId: 'mt4129',
        pci: '0000:3b:00.0',
        rdma: 'mlx5_0',
        net: 'net-vmnic4',
        numa: '0',
      },
      {
        deviceType: 'ConnectX7(rev:0)',
        mst: 'mt4129_pciconf0.1',
        deviceId: 'mt4129',
        pci: '0000:3b:00.1',
        net: 'net-vmnic5',
        numa: '1',
      },
    ]);
  });

  it('gives [] for a header without rows and for "No MST devices"', () => {
    assert.deepEqual(
      parseMstStatusVerbose('PCI devices:\n------------\nDEVICE_TYPE  MST  PCI  RDMA  NET  NUMA\n'),
      [],
    );
    assert.deepEqual(
      parseMstStatusVerbose('\n    No MST devices were found or MST modules are not loaded.\n'),
      [],
    );
  });

  it('reads rows separated by blank lines (Linux) and collapsed spaces (a published copy)', () => {
    assert.deepEqual(
      parseMstStatusVerbose(fixture('mst-status-v-linux-bluefield2-blank-rows.txt')).map((r) => r.mst),
      ['/dev/mst/mt41686_pciconf0.1', '/dev/mst/mt41686_pciconf0'],
    );
    assert.deepEqual(
      parseMstStatusVerbose(fixture('mst-status-vv-smtx-esxi70u3-single-space.txt')).map((r) => [
        r.mst,
        r.pci,
      ]),
      [
        ['mt4121_pciconf0', '02:00.0'],
        ['mt4121_pciconf0.1', '02:00.1'],
      ],
    );
  });

  it('throws ParseError for other output and for rows without type, device and PCI address', () => {
    assertParseError(parseMstStatusVerbose, '', 'mst status -vv');
    assertParseError(parseMstStatusVerbose, fixture('mst-status.txt'), 'mst status -vv');
    assertParseError(
      parseMstStatusVerbose,
      'PCI devices:\n------------\nDEVICE_TYPE  MST  PCI  RDMA  NET  NUMA\nConnectX7(rev:0)  03:00.0  net-vmnic4\n',
      /row 1: "ConnectX7\(rev:0\) {2}03:00.0 {2}net-vmnic4"/,
    );
  });
});

describe('esxi parsers: card models', () => {
  it('maps the mst ids of the guide to models with the mlxconfig VF ceiling', () => {
    const expected: [string, string][] = [
      ['mt4099_pciconf0', 'ConnectX-3'],
      ['mt4119_pciconf0', 'ConnectX-5'],
      ['mt4121_pciconf0', 'ConnectX-5 Ex'],
      ['mt4123_pciconf0', 'ConnectX-6'],
      ['mt4125_pciconf0.1', 'ConnectX-6 Dx'],
      ['/dev/mst/mt4129_pciconf0', 'ConnectX-7'],
    ];
    for (const [device, model] of expected) {
      assert.equal(cardModelForMstDevice(device)?.model, model, device);
      assert.equal(cardModelForMstDevice(device)?.maxNumOfVfs, 127);
    }
    assert.equal(cardModelForMstDevice('mt1234_pciconf0'), undefined);
    assert.equal(cardModelForMstDevice('vmnic2'), undefined);
  });

  it('uses the decimal id as the PCI device id (lspci 15b3:101b is mt4123)', () => {
    assert.equal(cardModelForPciDeviceId(0x101b)?.model, 'ConnectX-6');
    assert.equal(cardModelForPciDeviceId(0x1021)?.model, 'ConnectX-7');
    assert.equal(mstDeviceId('mt4123'), 'mt4123');
    assert.equal(new Set(CARD_MODELS.map((c) => c.mstId)).size, CARD_MODELS.length);
  });
});
