// The state of a guest's InfiniBand VF port, as the rest of the simulated fleet decides it.
//
// In the guide's setup a VM gets an SR-IOV virtual function (VF) of the host's ConnectX card, and the VF
// port only becomes Active when the subnet manager runs with virtualization ("VF links stay down until
// OpenSM virtualization is enabled on the switch"). The guest asks `linkState()` every time a command
// looks at the port (ibstat, perftest), so the answer follows the fleet as it changes.

/** IB port states as ibstat prints them. */
export type IbPortState = 'Down' | 'Initializing' | 'Armed' | 'Active';

export interface GuestLinkState {
  /** The VF is passed through to the VM at all (false: no IB device in the guest). Default true. */
  devicePresent?: boolean;
  /** Port state Active (true) or not (false). */
  up: boolean;
  /** Overrides the state shown when not up; default "Down". */
  portState?: IbPortState;
  /** Why the link is down or degraded, for operators and test messages. */
  reason?: string;
  /** Fraction (0..1] of the achievable bandwidth while up; default 1. */
  factor?: number;
}

/**
 * What the guest's `linkState` option returns: a full state, or just a bandwidth factor
 * (0 or less = down, otherwise up with that factor).
 */
export type GuestLinkInput = GuestLinkState | number;

export interface NormalizedLink {
  devicePresent: boolean;
  up: boolean;
  portState: IbPortState;
  reason?: string;
  factor: number;
}

export function normalizeLink(input: GuestLinkInput): NormalizedLink {
  if (typeof input === 'number') {
    const up = input > 0;
    return {
      devicePresent: true,
      up,
      portState: up ? 'Active' : 'Down',
      factor: up ? Math.min(1, input) : 0,
    };
  }
  const devicePresent = input.devicePresent ?? true;
  const up = devicePresent && input.up;
  const factor = up ? Math.min(1, Math.max(0, input.factor ?? 1)) : 0;
  return {
    devicePresent,
    up: up && factor > 0,
    portState: up ? 'Active' : (input.portState ?? 'Down'),
    reason: input.reason,
    factor,
  };
}

/** The parts of a simulated switch the link depends on (SwitchState satisfies it). */
export interface SubnetManagerView {
  smRunning(): boolean;
  virtualizationActive(): boolean;
}

/**
 * The link the fleet launcher should give a guest: computed from the ESXi host model (does it have VFs
 * for the VM?) and the switch's subnet manager. Call it inside the guest's `linkState` closure so it is
 * re-evaluated each time.
 */
export function guestLinkFromTopology(input: {
  /** The host runs SR-IOV with VFs (NUM_OF_VFS/max_vfs applied and the VF assigned to the VM). */
  hostHasVfs: boolean;
  /** The switch whose SM manages the fabric; undefined = no switch = no SM. */
  subnetManager?: SubnetManagerView;
}): GuestLinkState {
  if (!input.hostHasVfs) {
    return {
      devicePresent: false,
      up: false,
      reason: 'the ESXi host has no SR-IOV virtual functions for this VM',
    };
  }
  const sm = input.subnetManager;
  if (!sm || !sm.smRunning()) {
    return { up: false, portState: 'Initializing', reason: 'no subnet manager is running on the fabric' };
  }
  if (!sm.virtualizationActive()) {
    return { up: false, reason: 'OpenSM virtualization is not active on the switch (VF ports stay Down)' };
  }
  return { up: true };
}
