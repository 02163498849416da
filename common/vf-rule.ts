// The guide's VF numbers (section 3.1), shared by the procedures' parameters and the declared state
// (kept apart from procedures.ts so common/desired-state.ts can use them without an import cycle).

/** NUM_OF_VFS above this is refused by every ConnectX card (mlxconfig: "maximum allowed 127"). */
export const MAX_NUM_OF_VFS = 127;
/** max_vfs per port accepted by nmlx5_core ("range 0-128, May be limited by device"). */
export const MAX_VFS_PER_PORT = 128;

/**
 * The guide's VF rule (section 3.1): NUM_OF_VFS must be at least one more than the VFs max_vfs creates
 * on a card's ports. The most ports per card that `numVfs` and `maxVfs` (per port) allow.
 */
export function vfPortsFit(numVfs: number, maxVfs: number): number {
  return maxVfs > 0 ? Math.floor((numVfs - 1) / maxVfs) : Infinity;
}

/** The message of a numVfs/maxVfs pair that fits no card (vfPortsFit < 1). */
export function vfRuleMessage(maxVfs: number): string {
  return (
    `numVfs (NUM_OF_VFS) must be greater than the VFs maxVfs (${maxVfs}) creates on ` +
    `all of a card's ports, as one VF is reserved for the physical function (guide 3.1): at least ` +
    `${maxVfs + 1} for a single-port card, ${2 * maxVfs + 1} for a dual-port card`
  );
}
