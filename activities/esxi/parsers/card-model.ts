import { MAX_NUM_OF_VFS } from '../../../common/procedures';

// ConnectX models by mst device id. The number in "mt4123" is the PCI device id in decimal
// (4123 = 0x101b), so one table serves mst names, lspci/esxcli ids and `Device type:`.

export interface CardModel {
  /** "mt4123", as in the mst device name mt4123_pciconf0. */
  mstId: string;
  /** PCI device id (vendor 0x15b3). */
  pciDeviceId: number;
  model: string;
  /**
   * Largest NUM_OF_VFS mlxconfig accepts. 127 is mlxconfig's own ceiling for every card here; a
   * firmware may allow fewer, which `mlxconfig set` reports as "larger than maximum allowed N".
   */
  maxNumOfVfs: number;
}

function card(id: number, model: string): CardModel {
  return { mstId: `mt${id}`, pciDeviceId: id, model, maxNumOfVfs: MAX_NUM_OF_VFS };
}

export const CARD_MODELS: readonly CardModel[] = [
  card(4099, 'ConnectX-3'),
  card(4115, 'ConnectX-4'),
  card(4117, 'ConnectX-4 Lx'),
  card(4119, 'ConnectX-5'),
  card(4121, 'ConnectX-5 Ex'),
  card(4123, 'ConnectX-6'),
  card(4125, 'ConnectX-6 Dx'),
  card(4127, 'ConnectX-6 Lx'),
  card(4129, 'ConnectX-7'),
];

/** "mt4123" from "mt4123_pciconf0", "/dev/mst/mt4123_pciconf0.1" or "mt4123"; undefined otherwise. */
export function mstDeviceId(device: string): string | undefined {
  return /(?:^|\/)(mt\d+)(?:_|$)/.exec(device.trim())?.[1];
}

/** The card behind an mst device name; undefined for ids not in CARD_MODELS. */
export function cardModelForMstDevice(device: string): CardModel | undefined {
  const id = mstDeviceId(device);
  return CARD_MODELS.find((c) => c.mstId === id);
}

export function cardModelForPciDeviceId(pciDeviceId: number): CardModel | undefined {
  return CARD_MODELS.find((c) => c.pciDeviceId === pciDeviceId);
}
