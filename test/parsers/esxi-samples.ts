import * as fs from 'node:fs';
import * as path from 'node:path';
import * as p from '../../activities/esxi/parsers';

// Every sample in test/fixtures/outputs/esxi (provenance in its README), by the command whose output
// it is, with what the parser must make of it: a summary of the result, or REFUSED when the sample
// cannot be read right (then a ParseError, never a wrong answer). esxi-samples.test.ts runs every
// parser on every sample of its command, and fails for a sample file no command claims.

export const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'outputs', 'esxi');
export const REFUSED = Symbol('ParseError');

export interface CommandSamples {
  command: string;
  /** The parser and the part of its result the expectations compare. */
  read: (text: string) => unknown;
  /** Sample file → expected summary (or REFUSED). */
  samples: Record<string, unknown>;
}

const nics = (text: string, parse: (t: string) => p.NicEntry[]) =>
  parse(text).map(
    (n) =>
      `${n.name} ${n.pciDevice} ${n.driver} ${n.linkStatus ?? n.link} ${n.speed} ${n.duplex} ${n.macAddress} ${n.mtu} ${n.description}`,
  );

const mstCards = (paths: p.MstAccessPath[]) =>
  p.groupMstCards(paths).map((c) => `${c.device} [${c.paths.join(' ')}]`);

export const SAMPLES: CommandSamples[] = [
  {
    command: 'esxcli network nic list',
    read: (text) => nics(text, p.parseNicList),
    samples: {
      'network-nic-list.txt': [
        'vmnic2 0000:02:00.0 nmlx5_core Up 100000 Full ec:0d:9a:8a:27:8a 1500 Mellanox Technologies MT28800 Family [ConnectX-5 Ex]',
      ],
      'network-nic-list-smtx-esxi70u3-single-space.txt': [
        'vmnic0 0000:81:00.0 igbn Up 1000 Full 0c:c4:7a:e3:5c:20 1500 Intel Corporation I350 Gigabit Network Connection',
        'vmnic1 0000:81:00.1 igbn Down 0 Half 0c:c4:7a:e3:5c:21 1500 Intel Corporation I350 Gigabit Network Connection',
        'vmnic2 0000:02:00.0 nmlx5_core Up 100000 Full ec:0d:9a:8a:27:8a 1500 Mellanox Technologies MT28800 Family [ConnectX-5 Ex]',
        'vmnic3 0000:02:00.1 nmlx5_core Down 0 Half ec:0d:9a:8a:27:8b 1500 Mellanox Technologies MT28800 Family [ConnectX-5 Ex]',
      ],
      'network-nic-list-esxi-x540-transcript.txt': [
        'vmnic0 0000:03:00.0 ixgben Up 10000 Full a4:bf:01:4e:37:14 1500 Intel(R) Ethernet Controller X540-AT2',
        'vmnic1 0000:03:00.1 ixgben Down 0 Half a4:bf:01:4e:37:15 1500 Intel(R) Ethernet Controller X540-AT2',
      ],
      'network-nic-list-esxi65-r630.txt': [
        'vmnic0 0000:01:00.0 ixgbe Up 10000 Full 24:6e:96:2f:69:80 1500 Intel(R) Ethernet Controller X540-AT2',
        'vmnic1 0000:01:00.1 ixgbe Up 10000 Full 24:6e:96:2f:69:82 9000 Intel(R) Ethernet Controller X540-AT2',
        'vmnic2 0000:06:00.0 igbn Up 1000 Full 24:6e:96:2f:69:84 9000 Intel Corporation I350 Gigabit Network Connection',
        'vmnic3 0000:06:00.1 igbn Up 1000 Full 24:6e:96:2f:69:85 1500 Intel Corporation I350 Gigabit Network Connection',
      ],
      'network-nic-list-esxi70u2-i210.txt': [
        'vmnic0 0000:04:00.0 igbn Up 1000 Full 04:d4:c4:5a:e2:78 1500 Intel Corporation I210 Gigabit Network Connection',
        'vmnic1 0000:05:00.0 igbn Up 1000 Full 04:d4:c4:5a:e2:77 1500 Intel Corporation I210 Gigabit Network Connection',
      ],
    },
  },
  {
    command: 'esxcli network sriovnic list',
    read: (text) => nics(text, p.parseSriovNicList),
    samples: {
      'network-sriovnic-list-header.txt': [],
      'network-sriovnic-list-cisco-vic.txt': [
        'vmnic0 0000:1b:00.0 nenic Up 50000 Full f4:ee:31:30:80:40 1500 Cisco Systems Inc Cisco VIC Ethernet NIC',
      ],
    },
  },
  {
    command: 'esxcli network sriovnic vf list',
    read: (text) =>
      p.parseSriovVfList(text).map((v) => `${v.vfId} ${v.active} ${v.pciAddress} ${v.ownerWorldId ?? '-'}`),
    samples: {
      'network-sriovnic-vf-list.txt': ['0 false 00000:101:00.1 -'],
      'network-sriovnic-vf-list-smtx-4vfs.txt': [0, 1, 2, 3].map((i) => `${i} false 00000:101:00.${i + 1} -`),
      'network-sriovnic-vf-list-cisco-vic.txt': [
        ...[0, 1, 2, 3, 4, 5, 6].map((i) => `${i} false 00000:027:00.${i + 1} -`),
        '7 false 00000:027:01.0 -',
      ],
      'network-sriovnic-vf-list-owners-mfd.txt': [
        '0 true 0000:03:00.0 2103475',
        '1 true 0000:03:00.1 2104268',
        '2 false 0000:03:00.2 -',
        '3 true 0000:03:00.3 2381189',
        '4 false 0000:03:00.4 -',
        '5 true 0000:03:00.5 2103475',
        '6 false 0000:03:00.6 -',
        '7 true 0000:03:00.7 2381189',
      ],
    },
  },
  {
    command: 'esxcli software vib list',
    // The VIBs ibfleet looks at, and how many rows were read.
    read: (text) => {
      const vibs = p.parseVibList(text);
      return {
        count: vibs.length,
        mellanox: vibs
          .filter((v) => /^(nmlx|mft$|nmst$)/.test(v.name))
          .map(
            (v) =>
              `${v.name} ${v.version} ${v.vendor} ${v.acceptanceLevel} ${v.installDate}${v.platforms ? ` ${v.platforms}` : ''}`,
          ),
      };
    },
    samples: {
      'vib-list-esxi8.txt': {
        count: 2,
        mellanox: [
          'nmlx5-core 4.23.0.36-14vmw.801.0.0.21495797 VMW VMwareCertified 2023-04-29 host',
          'nmlx5-rdma 4.23.0.36-14vmw.801.0.0.21495797 VMW VMwareCertified 2023-04-29 host',
        ],
      },
      'vib-list-grep-nmlx5-guide.txt': {
        count: 3,
        mellanox: ['nmlx5-cc', 'nmlx5-core', 'nmlx5-rdma'].map(
          (n) => `${n} 4.23.0.66-2vmw.802.0.0.22380479 VMW VMwareCertified 2024-05-14 host`,
        ),
      },
      'vib-list-mft-esxi7-rows.txt': {
        count: 2,
        mellanox: [
          'mft 4.18.1.14-0 MEL PartnerSupported 2022-03-13',
          'nmst 4.18.1.14-1OEM.700.1.0.15843807 MEL PartnerSupported 2022-03-13',
        ],
      },
      'vib-list-esxi70-full.txt': {
        count: 60,
        mellanox: ['nmlx4-core', 'nmlx4-en', 'nmlx4-rdma']
          .map((n) => `${n} 3.19.16.7-1vmw.700.1.0.15843807 VMW VMwareCertified 2020-04-03`)
          .concat(
            ['nmlx5-core', 'nmlx5-rdma'].map(
              (n) => `${n} 4.19.16.7-1vmw.700.1.0.15843807 VMW VMwareCertified 2020-04-03`,
            ),
          ),
      },
      'vib-list-esxi65-grep-ntg3-row.txt': { count: 1, mellanox: [] },
      'vib-list-esxi50-head3.txt': { count: 1, mellanox: [] },
    },
  },
  {
    command: 'esxcli system module list',
    read: (text) => p.parseModuleList(text).map((m) => `${m.name} ${m.isLoaded} ${m.isEnabled}`),
    samples: { 'module-list.txt': ['nmlx5_core true true'] },
  },
  {
    command: 'esxcli system module parameters list',
    read: (text) => p.parseModuleParameters(text).map((m) => `${m.name} (${m.type}) = ${m.value ?? ''}`),
    samples: {
      'module-parameters-list-nmlx5_core.txt': ['max_vfs (array of uint) = '],
      // Single spaces and no underline: the columns cannot be told apart.
      'module-parameters-list-smtx-single-space.txt': REFUSED,
    },
  },
  {
    command: 'esxcli system module get',
    read: (text) => {
      const m = p.parseModuleGet(text);
      return `${m.module} ${m.moduleFile} ${m.containingVib}`;
    },
    samples: {
      'module-get-nmlx5_core.txt': 'nmlx5_core /usr/lib/vmware/vmkmod/nmlx5_core nmlx5-core',
    },
  },
  {
    command: 'mst status',
    read: (text) => mstCards(p.parseMstStatus(text)),
    samples: {
      'mst-status.txt': ['mt4121_pciconf0 [mt4121_pciconf0]'],
      'mst-status-smtx-esxi70u3.txt': ['mt4121_pciconf0 [mt4121_pciconf0]'],
      'mst-status-mft422-vmware-native.txt': ['mt4099_pciconf0 [mt4099_pciconf0 mt4099_pci_cr0]'],
      'mst-status-mft422-vmware-vmklinux.txt': [
        '/dev/mt4099_pciconf0 [/dev/mt4099_pciconf0 /dev/mt4099_pci_cr0]',
      ],
      'mst-status-linux-cx3-two-paths.txt': [
        '/dev/mst/mt4099_pciconf0 [/dev/mst/mt4099_pciconf0 /dev/mst/mt4099_pci_cr0]',
      ],
    },
  },
  {
    command: 'mst status -vv',
    read: (text) => {
      const rows = p.parseMstStatusVerbose(text);
      return {
        rows: rows.map((r) =>
          `${r.deviceType} ${r.mst} ${r.pci} ${r.rdma ?? ''} ${r.net ?? ''} ${r.numa ?? ''}`.trim(),
        ),
        cards: mstCards(rows.map((r) => ({ name: r.mst, pci: r.pci }))),
      };
    },
    samples: {
      'mst-status-vv.txt': {
        rows: ['ConnectX3(rev:1) mt4099_pciconf0 01:00.0  net-vmnic0'],
        cards: ['mt4099_pciconf0 [mt4099_pciconf0]'],
      },
      'mst-status-vv-mft422-vmware.txt': {
        rows: [
          'ConnectX4(rev:0) mt4115_pciconf0 03:00.0  net-vmnic4',
          'ConnectX4(rev:0) mt4115_pciconf0.1 03:00.1  net-vmnic5',
          'ConnectX3Pro(rev:0) mt4103_pci_cr0 05:00.0  net-vmnic1,netvmnic1000102',
          'ConnectX3Pro(rev:0) mt4103_pciconf0 05:00.0  net-vmnic1,netvmnic1000102',
        ],
        cards: [
          'mt4115_pciconf0 [mt4115_pciconf0 mt4115_pciconf0.1]',
          'mt4103_pciconf0 [mt4103_pci_cr0 mt4103_pciconf0]',
        ],
      },
      'mst-status-vv-smtx-esxi70u3-single-space.txt': {
        rows: [
          'ConnectX5(rev:0) mt4121_pciconf0 02:00.0  net-vmnic2',
          'ConnectX5(rev:0) mt4121_pciconf0.1 02:00.1  net-vmnic3',
        ],
        cards: ['mt4121_pciconf0 [mt4121_pciconf0 mt4121_pciconf0.1]'],
      },
      'mst-status-v-linux-bluefield2-blank-rows.txt': {
        rows: [
          'BlueField2(rev:1) /dev/mst/mt41686_pciconf0.1 e2:00.1 mlx5_1 net-ens7f1 1',
          'BlueField2(rev:1) /dev/mst/mt41686_pciconf0 e2:00.0 mlx5_0 net-ens7f0 1',
        ],
        cards: ['/dev/mst/mt41686_pciconf0 [/dev/mst/mt41686_pciconf0.1 /dev/mst/mt41686_pciconf0]'],
      },
      'mst-status-v-linux-cx5-net-split.txt': {
        rows: [
          'ConnectX5(rev:0) /dev/mst/mt4121_pciconf0.1 01:00.1 mlx5_1 net-redwest 0',
          'ConnectX5(rev:0) /dev/mst/mt4121_pciconf0 01:00.0 mlx5_0 net-redeast 0',
        ],
        cards: ['/dev/mst/mt4121_pciconf0 [/dev/mst/mt4121_pciconf0.1 /dev/mst/mt4121_pciconf0]'],
      },
    },
  },
  {
    command: 'mlxconfig query',
    read: (text) => {
      const q = p.parseMlxconfigQuery(text);
      return {
        device: `${q.device.deviceType} ${q.device.device}`.trim(),
        params: q.params.map(
          (x) =>
            `${x.changed ? '*' : ''}${x.name} ${[x.default, x.current, x.nextBoot].filter((v) => v !== undefined).join(' / ')}`,
        ),
      };
    },
    samples: {
      'mlxconfig-query-e.txt': {
        device: 'ConnectX6 mt4123_pciconf0',
        params: [
          '*NUM_OF_VFS 0 / 0 / 16',
          '*SRIOV_EN False(0) / False(0) / True(1)',
          'LINK_TYPE_P1 IB(1) / IB(1) / IB(1)',
          '*ADVANCED_PCI_SETTINGS False(0) / True(1) / True(1)',
        ],
      },
      'mlxconfig-query-e-hpe-slingshot-cx5.txt': {
        device: 'ConnectX5 /dev/mst/mt4119_pciconf0',
        params: [
          'MEMIC_BAR_SIZE 0 / 0 / 0',
          'MEMIC_SIZE_LIMIT _256KB(1) / _256KB(1) / _256KB(1)',
          '*ADVANCED_PCI_SETTINGS False(0) / True(1) / True(1)',
          'SAFE_MODE_THRESHOLD 10 / 10 / 10',
          'SAFE_MODE_ENABLE True(1) / True(1) / True(1)',
        ],
      },
      'mlxconfig-query-e-nic-config-operator-cx4.txt': {
        device: 'ConnectX4',
        params: [
          '*KEEP_IB_LINK_UP_P2 False(0) / True(1) / True(1)',
          'KEEP_LINK_UP_ON_BOOT_P2 False(0) / False(0) / False(0)',
          'ESWITCH_HAIRPIN_DESCRIPTORS Array[0..7] / Array[0..7] / Array[0..7]',
          '*MEMIC_SIZE_LIMIT _256KB(1) / _256KB(1) / DISABLED(0)',
        ],
      },
      // One value column ("Current" in this copy): read as the Next Boot value of a plain query.
      'mlxconfig-query-smtx-esxi70u3.txt': {
        device: 'ConnectX5 mt4121_pciconf0',
        params: ['NUM_OF_VFS 8', 'SRIOV_EN True(1)'],
      },
    },
  },
  {
    command: 'mlxconfig set',
    read: (text) => {
      const r = p.parseMlxconfigSet(text);
      return r.ok
        ? {
            device: r.device?.device,
            changes: r.changes.map((c) => `${c.name} ${c.nextBoot ?? ''} -> ${c.new}`),
          }
        : { error: r.error.kind };
    },
    samples: {
      'mlxconfig-set.txt': { device: 'mt4123_pciconf0', changes: ['LINK_TYPE_P1 IB(1) -> ETH(2)'] },
      'mlxconfig-set-smtx-esxi70u3.txt': {
        device: 'mt4121_pciconf0',
        changes: ['SRIOV_EN True(1) -> True(1)', 'NUM_OF_VFS 16 -> 8'],
      },
      'mlxconfig-set-linux-cx3pro-mft-doc.txt': {
        device: '/dev/mst/mt4103_pci_cr0',
        changes: ['LINK_TYPE_P1 ETH(2) -> IB(1)', 'LINK_TYPE_P2 ETH(2) -> IB(1)'],
      },
      'mlxconfig-error-unknown-parameter.txt': { error: 'unknown-parameter' },
      'mlxconfig-error-unsupported-parameter.txt': { error: 'unsupported-parameter' },
      'mlxconfig-error-open-failed.txt': { error: 'device-open-failed' },
      'mlxconfig-error-no-devices.txt': { error: 'no-devices' },
      'mlxconfig-error-value-too-large.txt': { error: 'value-too-large' },
    },
  },
  {
    command: 'vmkload_mod -l',
    read: (text) => p.parseVmkloadModList(text).map((m) => `${m.name} ${m.used} ${m.sizeKb}`),
    samples: {
      'vmkload-mod-list-row.txt': ['nvidia 5 8420'],
      'vmkload-mod-list-grep-ntg3-row.txt': ['ntg3 2 52'],
    },
  },
  {
    command: 'vmkload_mod (load, unload)',
    read: (text) => p.parseVmkloadModMessage(text).kind,
    samples: {
      'vmkload-mod-unloaded.txt': 'unloaded',
      'vmkload-mod-load-busy.txt': 'busy',
      'vmkload-mod-unload-busy.txt': 'busy',
    },
  },
  {
    command: 'ps -c',
    read: (text) => p.parsePsC(text).map((w) => `${w.wid} ${w.cid} ${w.worldName} ${w.command}`),
    samples: { 'ps-c-vmkdevmgr.txt': ['65949 65949 vmkdevmgr /bin/vmkdevmgr'] },
  },
  {
    command: 'esxcfg-module -g',
    read: (text) => p.parseEsxcfgModuleGet(text).options,
    samples: { 'esxcfg-module-g.txt': 'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4' },
  },
  {
    command: 'flint q',
    read: (text) => {
      const q = p.parseFlintQuery(text);
      return `${q.fwVersion} ${q.psid}`;
    },
    samples: { 'flint-q.txt': '20.35.1012 MT_0000000228' },
  },
  {
    command: 'esxcli system version get',
    read: (text) => {
      const v = p.parseSystemVersion(text);
      return `${v.version} ${v.build ?? ''}`;
    },
    samples: { 'system-version-get.txt': '8.0.1 Releasebuild-21495797' },
  },
  {
    command: 'esxcli system maintenanceMode get',
    read: p.parseMaintenanceMode,
    samples: { 'maintenance-mode-enabled.txt': true, 'maintenance-mode-disabled.txt': false },
  },
  {
    command: 'esxcli system stats uptime get',
    read: p.parseUptimeMicros,
    samples: { 'uptime.txt': 42825414367 },
  },
  {
    command: 'vim-cmd vmsvc/getallvms',
    read: (text) =>
      p
        .parseGetAllVms(text)
        .map((v) => `${v.vmid} ${v.name} [${v.datastore}] ${v.path} ${v.guestOs} ${v.version}`),
    samples: {
      'vm/getallvms-esxi8-no-vms.txt': [],
      'vm/getallvms-esxi8-one-vm.txt': ['1 x8 [pve-esx] x8/x8.vmx centos9_64Guest vmx-20'],
      'vm/getallvms-esxi9-vcls.txt': [
        '1698 vCLS-6b723342-8292-1962-f970-0422f48bc6ea [] /var/run/crx/infra/vCLS-6b723342-8292-1962-f970-0422f48bc6ea/vCLS-6b723342-8292-1962-f970-0422f48bc6ea.vmx crxSys1Guest vmx-21',
      ],
      'vm/getallvms-esxi5-two-vms.txt': [
        '1424 sap-router [datastore1 (4)] sap-router/win2k8x64.vmx winLonghorn64Guest vmx-07',
        '1440 RAS-3.250 [datastore1 (4)] RAS/win2k8x64.vmx winLonghorn64Guest vmx-07',
      ],
    },
  },
  {
    command: 'esxcli vm process list',
    read: (text) =>
      p
        .parseVmProcessList(text)
        .map((v) => `${v.displayName} ${v.worldId} ${v.processId} ${v.cartelId} ${v.uuid} ${v.configFile}`),
    samples: {
      'vm/vm-process-list-esxi8u3.txt': [
        'VC 603996 0 603994 56 4d be 1b 45 52 d6 bc-1b 4d 4b 5f 56 53 4d b6 /vmfs/volumes/66b0c33b-d2f3dff8-8f53-1e00f500013e/VC/VC.vmx',
      ],
      'vm/vm-process-list-dumptest.txt': [
        'DumpTest 3199732 0 3199731 42 30 f9 ee a2 2a 3c e0-02 33 07 ac af f8 d2 5c /vmfs/volumes/643475f9-d1354340/DumpTest/DumpTest.vmx',
      ],
    },
  },
  {
    command: 'vim-cmd vmsvc/power.getstate',
    read: p.parsePowerState,
    samples: { 'vm/power-getstate-on.txt': 'on', 'vm/power-getstate-off.txt': 'off' },
  },
  {
    command: 'vim-cmd vmsvc/power.on|off|reset',
    read: p.parseVimPowerOutput,
    samples: {
      'vm/power-on.txt': { progress: 'Powering on VM' },
      'vm/power-off.txt': { progress: 'Powering off VM' },
      'vm/power-on-failed-esxi9.txt': {
        progress: 'Powering on VM',
        fault: { type: 'GenericVmConfigFault', message: 'This host does not support AMD-V.' },
      },
      'vm/power-reset-failed-esxi9.txt': {
        progress: 'Reset VM',
        fault: {
          type: 'InvalidPowerState',
          message: 'The attempted operation cannot be performed in the current state (Powered off).',
        },
      },
    },
  },
  {
    command: 'cat VM.vmx',
    read: (text) => p.parseVmx(text).devices,
    samples: {
      'vm/vmx-sriov-and-directpath-lines.txt': [
        { index: 0, kind: 'passthrough', id: '00000:026:01.2' },
        { index: 28, kind: 'sriov', id: '00000:026:00.1', pf: '00000:026:00.1' },
      ],
    },
  },
  {
    command: 'esxcli software component apply -d / vib install -d',
    read: (text) => p.parseEsxcliFailure(text) ?? p.parseSoftwareInstallResult(text),
    samples: {
      'software/vib-install-d-esxi8-nvidia-reboot.txt': {
        message:
          'The update completed successfully, but the system needs to be rebooted for the changes to be effective.',
        rebootRequired: true,
        listing: 'vibs',
        installed: ['NVD_bootbank_nvdgpumgmtdaemon_525.147.01-1OEM.700.1.0.15843807'],
        removed: [],
        skipped: [],
      },
      'software/vib-install-d-esxi8-nvidia-skipped.txt': {
        message:
          'The update completed successfully, but the system needs to be rebooted for the changes to be effective.',
        rebootRequired: true,
        listing: 'vibs',
        installed: [],
        removed: [],
        skipped: ['NVD_bootbank_NVD-VMware_ESXi_8.0.0_Driver_525.147.01-1OEM.800.1.0.20613240'],
      },
      'software/component-apply-esxi8-no-reboot.txt': {
        message: 'Operation finished successfully.',
        rebootRequired: false,
        listing: 'components',
        installed: ['dummy-esxi-reboot'],
        removed: [],
        skipped: [],
      },
      'software/vib-install-esxi67-reboot.txt': {
        message:
          'The update completed successfully, but the system needs to be rebooted for the changes to be effective.',
        rebootRequired: true,
        listing: 'vibs',
        installed: ['VMW_bootbank_ionic-en_0.1-1vmw.670.0.0.8169922'],
        removed: [],
        skipped: [],
      },
      'software/vib-install-metadata-download-error.txt': {
        type: 'MetadataDownloadError',
        message:
          "Could not download from depot at zip:/var/log/vmware/vghetto-ghettoVCB-offline-bundle.zip?index.xml, skipping (('zip:/var/log/vmware/vghetto-ghettoVCB-offline-bundle.zip?index.xml', '', \"Error extracting index.xml from /var/log/vmware/vghetto-ghettoVCB-offline-bundle.zip: [Errno 2] No such file or directory: '/var/log/vmware/vghetto-ghettoVCB-offline-bundle.zip'\"))",
      },
    },
  },
  {
    command: 'lspci',
    read: (text) => p.parseLspci(text).map((e) => `${e.address} ${e.alias ?? ''}`),
    samples: {
      'lspci-pf.txt': ['0000:02:00.0 vmnic2'],
      'lspci-vf.txt': ['0000:af:00.2 PF_0.175.0_VF_0'],
    },
  },
];

/** The sample files present (those in subfolders, e.g. vm/, as "vm/name.txt"). */
export function sampleFiles(): string[] {
  return fs
    .readdirSync(FIXTURE_DIR, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? fs.readdirSync(path.join(FIXTURE_DIR, e.name)).map((f) => `${e.name}/${f}`)
        : [e.name],
    )
    .filter((f) => f.endsWith('.txt'));
}

export function readSample(file: string): string {
  return fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8');
}
