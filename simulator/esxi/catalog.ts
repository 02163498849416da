// Static facts about the simulated hardware and software, shared by every host (kept out of the
// per-host state so 1,000 hosts stay small). Tags as in command-outputs.md: values marked [R] are
// plausible reconstructions.

export const cardModels = ['ConnectX-5', 'ConnectX-5 Ex', 'ConnectX-6', 'ConnectX-7'] as const;
export type CardModel = (typeof cardModels)[number];

export interface CardModelInfo {
  /** mst device prefix (PCI device id in decimal): mt4119_pciconf0. */
  mstPrefix: string;
  /** mlxconfig "Device type:" and mst -vv DEVICE_TYPE stem. */
  deviceType: string;
  pciDeviceId: number;
  vfDeviceId: number;
  /** lspci / esxcli name: "MT2910 Family [ConnectX-7]". */
  pciName: string;
  vfPciName: string;
  firmware: string;
  firmwareDate: string;
  psid: string;
  /** Part number and description for 1- and 2-port cards. */
  parts: Record<1 | 2, { partNumber: string; description: string; psid: string }>;
  speedMbps: number;
  defaultPorts: 1 | 2;
}

export const cardCatalog: Record<CardModel, CardModelInfo> = {
  'ConnectX-5': {
    mstPrefix: 'mt4119',
    deviceType: 'ConnectX5',
    pciDeviceId: 0x1017,
    vfDeviceId: 0x1018,
    pciName: 'MT27800 Family [ConnectX-5]',
    vfPciName: 'MT27800 Family [ConnectX-5 Virtual Function]',
    firmware: '16.35.2000',
    firmwareDate: '12.12.2022',
    psid: 'MT_0000000008',
    parts: {
      1: {
        partNumber: 'MCX555A-ECA_Ax',
        description:
          'ConnectX-5 VPI adapter card; EDR IB (100Gb/s) and 100GbE; single-port QSFP28; PCIe3.0 x16; tall bracket; ROHS R6',
        psid: 'MT_0000000010',
      },
      2: {
        partNumber: 'MCX556A-ECA_Ax',
        description:
          'ConnectX-5 VPI adapter card; EDR IB (100Gb/s) and 100GbE; dual-port QSFP28; PCIe3.0 x16; tall bracket; ROHS R6',
        psid: 'MT_0000000008',
      },
    },
    speedMbps: 100000,
    defaultPorts: 2,
  },
  'ConnectX-5 Ex': {
    mstPrefix: 'mt4121',
    deviceType: 'ConnectX5',
    pciDeviceId: 0x1019,
    vfDeviceId: 0x101a,
    pciName: 'MT28800 Family [ConnectX-5 Ex]',
    vfPciName: 'MT28800 Family [ConnectX-5 Ex Virtual Function]',
    firmware: '16.35.2000',
    firmwareDate: '12.12.2022',
    psid: 'MT_0000000091',
    parts: {
      1: {
        partNumber: 'MCX545B-ECA_Ax',
        description:
          'ConnectX-5 Ex VPI adapter card; EDR IB (100Gb/s) and 100GbE; single-port QSFP28; PCIe4.0 x16; tall bracket; ROHS R6',
        psid: 'MT_0000000094',
      },
      2: {
        partNumber: 'MCX556A-EDA_Ax',
        description:
          'ConnectX-5 Ex VPI adapter card; EDR IB (100Gb/s) and 100GbE; dual-port QSFP28; PCIe4.0 x16; tall bracket; ROHS R6',
        psid: 'MT_0000000091',
      },
    },
    speedMbps: 100000,
    defaultPorts: 2,
  },
  'ConnectX-6': {
    mstPrefix: 'mt4123',
    deviceType: 'ConnectX6',
    pciDeviceId: 0x101b,
    vfDeviceId: 0x101c,
    pciName: 'MT28908 Family [ConnectX-6]',
    vfPciName: 'MT28908 Family [ConnectX-6 Virtual Function]',
    firmware: '20.35.1012',
    firmwareDate: '28.10.2022',
    psid: 'MT_0000000228',
    parts: {
      1: {
        partNumber: 'MCX653105A-HDA_Ax',
        description:
          'ConnectX-6 VPI adapter card; HDR IB (200Gb/s) and 200GbE; single-port QSFP56; PCIe4.0 x16; tall bracket; ROHS R6',
        psid: 'MT_0000000223',
      },
      2: {
        partNumber: 'MCX653106A-HDA_Ax',
        description:
          'ConnectX-6 VPI adapter card; HDR IB (200Gb/s) and 200GbE; dual-port QSFP56; PCIe4.0 x16; tall bracket; ROHS R6',
        psid: 'MT_0000000228',
      },
    },
    speedMbps: 200000,
    defaultPorts: 2,
  },
  'ConnectX-7': {
    mstPrefix: 'mt4129',
    deviceType: 'ConnectX7',
    pciDeviceId: 0x1021,
    vfDeviceId: 0x101e,
    pciName: 'MT2910 Family [ConnectX-7]',
    vfPciName: 'ConnectX Family mlx5Gen Virtual Function',
    firmware: '28.39.1002',
    firmwareDate: '30.10.2023',
    psid: 'MT_0000000834',
    parts: {
      1: {
        partNumber: 'MCX75310AAS-NEA_Ax',
        description:
          'NVIDIA ConnectX-7 HHHL adapter card; 400Gb/s NDR IB; single-port OSFP; PCIe 5.0 x16; secure boot; no crypto; tall bracket',
        psid: 'MT_0000000834',
      },
      2: {
        partNumber: 'MCX755106AS-HEA_Ax',
        description:
          'NVIDIA ConnectX-7 HHHL adapter card; 200GbE / NDR200 IB; dual-port QSFP112; PCIe 5.0 x16; secure boot; no crypto; tall bracket',
        psid: 'MT_0000000838',
      },
    },
    speedMbps: 400000,
    defaultPorts: 1,
  },
};

export function parseCardModel(text: string): CardModel | undefined {
  const norm = text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const aliases: Record<string, CardModel> = {
    cx5: 'ConnectX-5',
    connectx5: 'ConnectX-5',
    cx5ex: 'ConnectX-5 Ex',
    connectx5ex: 'ConnectX-5 Ex',
    cx6: 'ConnectX-6',
    connectx6: 'ConnectX-6',
    cx7: 'ConnectX-7',
    connectx7: 'ConnectX-7',
  };
  return aliases[norm];
}

/** ESXi 8 releases the simulator knows (build numbers are the public GA builds). */
export const esxiReleases: Record<
  string,
  { build: string; update: number; nmlx5Version: string; vibDate: string }
> = {
  '8.0.0': {
    build: '20513097',
    update: 0,
    nmlx5Version: '4.23.0.36-8vmw.800.1.0.20513097',
    vibDate: '2022-10-11',
  },
  '8.0.1': {
    build: '21495797',
    update: 1,
    nmlx5Version: '4.23.0.36-14vmw.801.0.0.21495797',
    vibDate: '2023-04-29',
  },
  '8.0.2': {
    build: '22380479',
    update: 2,
    nmlx5Version: '4.23.0.66-2vmw.802.0.0.22380479',
    vibDate: '2024-05-14',
  },
  '8.0.3': {
    build: '24022510',
    update: 3,
    nmlx5Version: '4.23.0.66-2vmw.803.0.0.24022510',
    vibDate: '2024-07-02',
  },
};

export interface VibRow {
  name: string;
  version: string;
  vendor: string;
  acceptance: string;
  installDate: string;
}

/** The VIBs every simulated host has, apart from the Mellanox ones (a representative subset). [R] */
export function baseVibs(version: string): VibRow[] {
  const rel = esxiReleases[version] ?? esxiReleases['8.0.2'];
  const tag = `${version.replace(/\./g, '')}.0.0.${rel.build}`;
  const v = (ver: string) => `${ver}-1vmw.${tag}`;
  return [
    {
      name: 'esx-base',
      version: `${version}-0.0.${rel.build}`,
      vendor: 'VMware',
      acceptance: 'VMwareCertified',
      installDate: rel.vibDate,
    },
    {
      name: 'esx-update',
      version: `${version}-0.0.${rel.build}`,
      vendor: 'VMware',
      acceptance: 'VMwareCertified',
      installDate: rel.vibDate,
    },
    {
      name: 'i40en',
      version: v('2.1.5.0'),
      vendor: 'VMW',
      acceptance: 'VMwareCertified',
      installDate: rel.vibDate,
    },
    {
      name: 'lpfc',
      version: v('14.0.635.3'),
      vendor: 'VMW',
      acceptance: 'VMwareCertified',
      installDate: rel.vibDate,
    },
    {
      name: 'nvme-pcie',
      version: v('1.2.4.11'),
      vendor: 'VMW',
      acceptance: 'VMwareCertified',
      installDate: rel.vibDate,
    },
    {
      name: 'vmkusb',
      version: v('0.1-8'),
      vendor: 'VMW',
      acceptance: 'VMwareCertified',
      installDate: rel.vibDate,
    },
    {
      name: 'vmware-esx-esxcli-nvme-plugin',
      version: v('1.2.0.52'),
      vendor: 'VMware',
      acceptance: 'VMwareCertified',
      installDate: rel.vibDate,
    },
  ];
}

export function mellanoxVibs(version: string, optional: { mft: boolean; nmst: boolean }): VibRow[] {
  const rel = esxiReleases[version] ?? esxiReleases['8.0.2'];
  const rows: VibRow[] = ['nmlx5-cc', 'nmlx5-core', 'nmlx5-rdma'].map((name) => ({
    name,
    version: rel.nmlx5Version,
    vendor: 'VMW',
    acceptance: 'VMwareCertified',
    installDate: rel.vibDate,
  }));
  if (optional.mft)
    rows.push({
      name: 'mft',
      version: '4.26.1.3-0',
      vendor: 'MEL',
      acceptance: 'PartnerSupported',
      installDate: '2024-06-03',
    });
  if (optional.nmst) {
    rows.push({
      name: 'nmst',
      version: '4.26.1.3-1OEM.801.0.0.21495797',
      vendor: 'MEL',
      acceptance: 'PartnerSupported',
      installDate: '2024-06-03',
    });
  }
  return rows;
}

/** Kernel modules (name -> VIB). nmlx5_rdma depends on nmlx5_core. */
export const moduleCatalog: Record<string, { vib: string; sizeKb: number; dependsOn?: string }> = {
  i40en: { vib: 'i40en', sizeKb: 612 },
  lpfc: { vib: 'lpfc', sizeKb: 2844 },
  nmlx5_core: { vib: 'nmlx5-core', sizeKb: 1480 },
  nmlx5_rdma: { vib: 'nmlx5-rdma', sizeKb: 412, dependsOn: 'nmlx5_core' },
  nmst: { vib: 'nmst', sizeKb: 96 },
  nvme_pcie: { vib: 'nvme-pcie', sizeKb: 232 },
  vmkapi_v2_9_0_0_vmkernel_shim: { vib: 'esx-base', sizeKb: 8 },
  vmkusb: { vib: 'vmkusb', sizeKb: 1104 },
};

/** nmlx5_core module parameters: type and description (the max_vfs one is verbatim). */
export const nmlx5CoreParams: { name: string; type: string; description: string }[] = [
  {
    name: 'DRSS',
    type: 'int',
    description:
      'Number of hardware queues for Default Queue (DEFQ) RSS.\nNote: This parameter is not supported on ConnectX-4 adapter cards.\nWhen this value is != 0, DEFQ RSS is enabled with 1 RSS Uplink queue that manages the "DRSS" hardware queues.\nValues: 2-16\nDefault: 0 - disabled',
  },
  {
    name: 'DYN_RSS',
    type: 'int',
    description: 'Enable dynamic RSS\nValues: 0 - disabled, 1 - enabled\nDefault: 1',
  },
  {
    name: 'GEN_RSS',
    type: 'int',
    description: 'Generic RSS mode\nValues: 0 - disabled, 1 - enabled\nDefault: 2',
  },
  {
    name: 'RSS',
    type: 'int',
    description: 'Number of hardware queues for NetQ RSS.\nValues: 2-8\nDefault: 0 - disabled',
  },
  {
    name: 'ecn',
    type: 'int',
    description:
      'Enable the ECN (Explicit Congestion Notification) feature\nValues: 1 - enabled, 0 - disabled\nDefault: 0',
  },
  {
    name: 'enable_nmlx_debug',
    type: 'int',
    description: 'Enable debug prints for nmlx_log\nValues: 1 - enabled, 0 - disabled\nDefault: 0',
  },
  {
    name: 'geneve_offload_enable',
    type: 'int',
    description: 'Enable GENEVE offloads\nValues: 1 - enabled, 0 - disabled\nDefault: 0',
  },
  {
    name: 'max_vfs',
    type: 'array of uint',
    description:
      "Number of PCI VFs to initialize\nValues : Array of 'uint' of range 0-128, May be limited by device, 0 - disabled\nDefault: 0",
  },
  {
    name: 'mst_recovery',
    type: 'int',
    description:
      'Enable recovery mode (only NMST module is loaded)\nValues: 1 - enabled, 0 - disabled\nDefault: 0',
  },
  {
    name: 'pfcrx',
    type: 'int',
    description: 'Priority based Flow Control policy on RX.\nValues: 0-255\nDefault: 0',
  },
  {
    name: 'pfctx',
    type: 'int',
    description: 'Priority based Flow Control policy on TX.\nValues: 0-255\nDefault: 0',
  },
  {
    name: 'supported_num_ports',
    type: 'int',
    description: 'Supported number of ports\nValues: 1-8\nDefault: 4',
  },
  {
    name: 'trust_state',
    type: 'int',
    description:
      'Port policy to calculate the switch priority and packet color based on incoming packet\nValues: 1 - TRUST_PCP, 2 - TRUST_DSCP\nDefault: 1',
  },
  {
    name: 'vxlan_filter_en',
    type: 'int',
    description: 'Enable VXLAN filtering\nValues: 1 - enabled, 0 - disabled\nDefault: 1',
  },
];

export const MODULE_DIR = '/usr/lib/vmware/vmkmod';
