// Deterministic InfiniBand identities of a guest's VF, derived from the guest name so that runs repeat.

export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface IbIdentity {
  /** Base LID assigned by the SM when the port is Active. */
  lid: number;
  smLid: number;
  /** "0x005056fffeacc71f": a VMware-assigned VF GUID (OUI 00:50:56), as in the guide. */
  portGuid: string;
  nodeGuid: string;
  systemImageGuid: string;
  caType: string;
  firmwareVersion: string;
  capabilityMask: string;
}

export function identityFor(name: string, overrides: Partial<IbIdentity> = {}): IbIdentity {
  const h = hash32(name);
  const guidTail = (h & 0xffffff).toString(16).padStart(6, '0');
  const portGuid = `0x005056fffe${guidTail}`;
  return {
    lid: 2 + (h % 1000),
    smLid: 1,
    portGuid,
    nodeGuid: portGuid,
    systemImageGuid: `0xa088c2030015${((h >>> 8) & 0xffff).toString(16).padStart(4, '0')}`,
    caType: 'MT4126',
    firmwareVersion: '28.39.1002',
    capabilityMask: '0xa751ec48',
    ...overrides,
  };
}
