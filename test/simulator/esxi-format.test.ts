import assert from 'node:assert/strict';
import {
  esxcliKeyValues,
  esxcliMultilineTable,
  esxcliTable,
  flintQuery,
  mlxconfigQuery,
  mlxconfigSet,
  mstStatus,
  mstStatusVerbose,
  psTable,
} from '../../simulator/esxi/format';
import { testHost } from './esxi-helpers';

// The formatters against the samples of command-outputs.md ([V] verbatim, [S] from source), byte for
// byte given the samples' values. Where a published sample is not self-consistent, the comment says
// what differs and the test compares that line with whitespace collapsed.

const collapse = (s: string) => s.replace(/[ \t]+/g, ' ');

describe('simulator ESXi output formats (reference samples)', () => {
  it('esxcli software vib list [V]', () => {
    const rows = [
      ['nmlx5-core', '4.23.0.36-14vmw.801.0.0.21495797', 'VMW', 'VMwareCertified', '2023-04-29', 'host'],
      ['nmlx5-rdma', '4.23.0.36-14vmw.801.0.0.21495797', 'VMW', 'VMwareCertified', '2023-04-29', 'host'],
      // The sample's column widths (29, 36) come from rows it does not show.
      [
        'vmware-esx-esxcli-nvme-plugin',
        '1.2.0.52-1vmw.801.0.0.21495797.x.y.z',
        'VMware',
        'VMwareCertified',
        '2023-04-29',
        'host',
      ],
    ];
    const lines = esxcliTable(
      ['Name', 'Version', 'Vendor', 'Acceptance Level', 'Install Date', 'Platforms'],
      rows,
    ).split('\n');
    assert.equal(
      lines[0],
      'Name                           Version                               Vendor  Acceptance Level  Install Date  Platforms',
    );
    assert.equal(
      lines[1],
      '-----------------------------  ------------------------------------  ------  ----------------  ------------  ---------',
    );
    // The published row is one space short in the Version column (37 instead of 38 characters).
    assert.equal(
      collapse(lines[2]),
      collapse(
        'nmlx5-core                     4.23.0.36-14vmw.801.0.0.21495797     VMW     VMwareCertified   2023-04-29    host',
      ),
    );
  });

  it('esxcli system module parameters list [V]', () => {
    const text = esxcliMultilineTable(
      ['Name', 'Type', 'Value', 'Description'],
      [
        ['geneve_offload_enable', 'int', '', 'Enable GENEVE offloads'],
        [
          'max_vfs',
          'array of uint',
          '',
          "Number of PCI VFs to initialize\nValues : Array of 'uint' of range 0-128, May be limited by device, 0 - disabled\nDefault: 0",
        ],
      ],
    );
    const lines = text.split('\n');
    assert.equal(lines[0], 'Name                   Type           Value  Description');
    assert.equal(
      lines.slice(3, 6).join('\n'),
      "max_vfs                array of uint         Number of PCI VFs to initialize\nValues : Array of 'uint' of range 0-128, May be limited by device, 0 - disabled\nDefault: 0",
    );
  });

  it('esxcli system module list [R layout]', () => {
    const text = esxcliTable(
      ['Name', 'Is Loaded', 'Is Enabled'],
      [
        ['nmlx5_core', true, true],
        ['vmkapi_v2_9_0_0_vmkernel_shim', true, true],
      ],
    );
    assert.equal(
      text.split('\n').slice(0, 3).join('\n'),
      'Name                           Is Loaded  Is Enabled\n-----------------------------  ---------  ----------\nnmlx5_core                          true        true',
    );
  });

  it('esxcli system module get and version get [V]', async () => {
    const host = testHost({ version: '8.0.1' });
    assert.equal(
      (await host.run('esxcli system module get -m nmlx5_core')).stdout,
      '   Module: nmlx5_core\n   Module File: /usr/lib/vmware/vmkmod/nmlx5_core\n   License: BSD\n   Version: 4.23.0.36-14vmw.801.0.0.21495797\n   Build Type: release\n   Provided Namespaces:\n   Required Namespaces: com.vmware.vmkapi@v2_9_0_0\n   Containing VIB: nmlx5-core\n   VIB Acceptance Level: certified\n',
    );
    assert.equal(
      (await host.run('esxcli system version get')).stdout,
      '   Product: VMware ESXi\n   Version: 8.0.1\n   Build: Releasebuild-21495797\n   Update: 1\n   Patch: 0\n',
    );
    assert.equal(esxcliKeyValues([['Update', 1]]), '   Update: 1\n');
  });

  it('esxcli network nic list [V]', () => {
    const headers = [
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
    ];
    const right = headers.map((h) => h === 'Speed' || h === 'MTU');
    const sample = [
      'vmnic2',
      '0000:02:00.0',
      'nmlx5_core',
      'Up',
      'Up',
      40000,
      'Full',
      'ec:0d:9a:8a:27:8a',
      1500,
      'Mellanox Technologies MT28800 Family [ConnectX-5 Ex]',
    ];
    // The sample's 13-wide Driver column comes from another row.
    const other = [
      'vmnic0',
      '0000:01:00.0',
      'nvmxnet3-ens3',
      'Up',
      'Up',
      10000,
      'Full',
      '00:50:56:01:02:03',
      1500,
      'VMware Inc. vmxnet3 Virtual Ethernet Controller',
    ];
    const lines = esxcliTable(headers, [sample, other], right).split('\n');
    assert.equal(
      lines[0],
      'Name    PCI Device    Driver         Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description',
    );
    assert.equal(
      lines[1],
      '------  ------------  -------------  ------------  -----------  -----  ------  -----------------  ----  -----------',
    );
    // The published row shows Speed 100000, wider than its own 5-dash column; with a 5-digit speed
    // the row is reproduced exactly.
    assert.equal(
      lines[2],
      'vmnic2  0000:02:00.0  nmlx5_core     Up            Up           40000  Full    ec:0d:9a:8a:27:8a  1500  Mellanox Technologies MT28800 Family [ConnectX-5 Ex]',
    );
  });

  it('esxcli network sriovnic list header and vf list [V]', () => {
    const headers = [
      'Name',
      'PCI Device',
      'Driver',
      'Link',
      'Speed',
      'Duplex',
      'MAC Address',
      'MTU',
      'Description',
    ];
    const right = headers.map((h) => h === 'Speed' || h === 'MTU');
    const row = [
      'vmnic2',
      '0000:02:00.0',
      'ixgben',
      'Up',
      10000,
      'Full',
      'ec:0d:9a:8a:27:8a',
      1500,
      'Intel(R) 82599 10 Gigabit Dual Port Network Connection',
    ];
    assert.equal(
      esxcliTable(headers, [row], right).split('\n')[0],
      'Name    PCI Device    Driver  Link  Speed  Duplex  MAC Address         MTU  Description',
    );

    const vf = esxcliTable(
      ['VF ID', 'Active', 'PCI Address', 'Owner World ID'],
      [[0, false, '00000:101:00.1', '-']],
      [true, true, false, false],
    ).split('\n');
    assert.equal(vf[0], 'VF ID  Active  PCI Address     Owner World ID');
    assert.equal(vf[1], '-----  ------  --------------  --------------');
    // The published row has three spaces before "-" (two everywhere else).
    assert.equal(collapse(vf[2]), collapse('    0   false  00000:101:00.1   -'));
    assert.equal(vf[2].slice(0, 29), '    0   false  00000:101:00.1');
  });

  it('mst status and mst status -vv [V]', () => {
    assert.equal(mstStatus(['mt4121_pciconf0']), 'MST devices:\n------------\nmt4121_pciconf0\n');
    assert.equal(
      mstStatusVerbose([
        {
          deviceType: 'ConnectX3(rev:1)',
          mst: 'mt4099_pciconf0',
          pci: '01:00.0',
          rdma: '',
          net: 'net-vmnic0',
          numa: '',
        },
      ]),
      'PCI devices:\n------------\nDEVICE_TYPE             MST                           PCI       RDMA            NET                       NUMA\nConnectX3(rev:1)        mt4099_pciconf0               01:00.0   net-vmnic0\n',
    );
  });

  it('mlxconfig -e query [S] and -y set [V]', () => {
    const header = {
      index: 1,
      deviceType: 'ConnectX6',
      name: 'MCX653106A-HDA_Ax',
      description:
        'ConnectX-6 VPI adapter card; HDR IB (200Gb/s) and 200GbE; dual-port QSFP56; PCIe4.0 x16; tall bracket; ROHS R6',
      device: 'mt4123_pciconf0',
    };
    const query = mlxconfigQuery(
      header,
      [
        { name: 'NUM_OF_VFS', default: '0', current: '0', next: '16' },
        { name: 'SRIOV_EN', default: 'False(0)', current: 'False(0)', next: 'True(1)' },
        { name: 'LINK_TYPE_P1', default: 'IB(1)', current: 'IB(1)', next: 'IB(1)' },
        { name: 'ADVANCED_PCI_SETTINGS', default: 'False(0)', current: 'True(1)', next: 'True(1)' },
      ],
      true,
    );
    assert.equal(
      query,
      `
Device #1:
----------

Device type:    ConnectX6
Name:           MCX653106A-HDA_Ax
Description:    ConnectX-6 VPI adapter card; HDR IB (200Gb/s) and 200GbE; dual-port QSFP56; PCIe4.0 x16; tall bracket; ROHS R6
Device:         mt4123_pciconf0

Configurations:                              Default         Current         Next Boot
*        NUM_OF_VFS                          0               0               16
*        SRIOV_EN                            False(0)        False(0)        True(1)
         LINK_TYPE_P1                        IB(1)           IB(1)           IB(1)
*        ADVANCED_PCI_SETTINGS               False(0)        True(1)         True(1)
The '*' shows parameters with next value different from default/current value.
`,
    );
    const set = mlxconfigSet(
      {
        ...header,
        name: 'MCX653105A-ECA_Ax',
        description:
          'ConnectX-6 VPI adapter card; 100Gb/s (HDR100; EDR IB and 100GbE); single-port QSFP56; PCIe3.0 x16; tall bracket; ROHS R6',
      },
      [{ name: 'LINK_TYPE_P1', next: 'IB(1)', value: 'ETH(2)' }],
    );
    assert.equal(
      set,
      `
Device #1:
----------

Device type:    ConnectX6
Name:           MCX653105A-ECA_Ax
Description:    ConnectX-6 VPI adapter card; 100Gb/s (HDR100; EDR IB and 100GbE); single-port QSFP56; PCIe3.0 x16; tall bracket; ROHS R6
Device:         mt4123_pciconf0

Configurations:                              Next Boot       New
         LINK_TYPE_P1                        IB(1)           ETH(2)

 Apply new Configuration? (y/n) [n] : y
Applying... Done!
-I- Please reboot machine to load new configurations.
`,
    );
  });

  it('flint -d DEV q [V]', () => {
    assert.equal(
      flintQuery({
        imageType: 'FS4',
        fwVersion: '20.35.1012',
        fwReleaseDate: '28.10.2022',
        productVersion: '20.35.1012',
        baseGuid: '043f720300f04c46',
        guids: 8,
        baseMac: '043f72f04c46',
        macs: 8,
        psid: 'MT_0000000228',
      }),
      `Image type:            FS4
FW Version:            20.35.1012
FW Release Date:       28.10.2022
Product Version:       20.35.1012
Description:           UID                GuidsNumber
Base GUID:             043f720300f04c46        8
Base MAC:              043f72f04c46            8
PSID:                  MT_0000000228
`,
    );
  });

  it('ps -c [V]', () => {
    assert.equal(
      psTable([{ wid: 65949, cid: 65949, name: 'vmkdevmgr', command: '/bin/vmkdevmgr' }]),
      'WID    CID    WorldName  Command\n65949  65949  vmkdevmgr  /bin/vmkdevmgr\n',
    );
  });

  it('single-value commands [V]: uptime, maintenance mode, esxcfg-module -g, lspci', async () => {
    const host = testHost({
      cards: [{ model: 'ConnectX-5 Ex', pciBus: 0x02 }],
      nmlx5CoreOptions: 'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4',
    });
    host.now = host.machine.state.boot.bootedAt + 42825414.367;
    assert.equal((await host.run('esxcli system stats uptime get')).stdout, '42825414367\n');
    assert.equal((await host.run('esxcli system maintenanceMode get')).stdout, 'Disabled\n');
    assert.equal((await host.run('esxcli system maintenanceMode set -e true -t 0')).stdout, '');
    assert.equal((await host.run('esxcli system maintenanceMode get')).stdout, 'Enabled\n');
    assert.equal(
      (await host.run('esxcfg-module -g nmlx5_core')).stdout,
      "nmlx5_core enabled = 1 options = 'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4'\n",
    );
    const lspci = (await host.run('lspci')).stdout;
    assert.ok(
      lspci.includes(
        '0000:02:00.0 Network controller: Mellanox Technologies MT28800 Family [ConnectX-5 Ex] [vmnic2]\n',
      ),
      lspci,
    );
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\nmt4121_pciconf0\n');
  });

  it('the VF alias in lspci [V] (PF bus in decimal)', async () => {
    const host = testHost({
      cards: [{ model: 'ConnectX-5', pciBus: 0xaf }],
      nmlx5CoreOptions: 'max_vfs=4,4',
      mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 16 },
    });
    const lspci = (await host.run('lspci')).stdout;
    assert.match(
      lspci,
      /^0000:af:00\.2 Network controller: Mellanox Technologies MT27800 Family \[ConnectX-5 Virtual Function\] \[PF_0\.175\.0_VF_0\]$/m,
    );
    const vfs = (await host.run('esxcli network sriovnic vf list -n vmnic2')).stdout.split('\n');
    assert.equal(vfs[2], '    0   false  00000:175:00.2  -');
  });
});
