// Failure types raised by ibfleet's procedure steps (beyond the SSH ones in failure-types.ts), and how
// a procedure's outcome follows from a failure type. Pure constants: workflows import them.

/** The host did not answer with a new boot marker before the boot deadline. */
export const HOST_NOT_RETURNED = 'HostNotReturned';
/** A reboot was issued but the host kept its boot marker and never went down. */
export const REBOOT_DID_NOT_START = 'RebootDidNotStart';
/** ESXi refused the reboot (e.g. not in maintenance mode). */
export const REBOOT_REFUSED = 'RebootRefused';
/** A check after a change failed: cards not listed, values not applied, VFs missing. */
export const VERIFICATION_FAILED = 'VerificationFailed';
/** The host is not fit for the procedure (missing VIBs, unknown devices, VF counts above a card's maximum). */
export const PRECONDITION_FAILED = 'PreconditionFailed';
/** mlxconfig rejected a value or could not open the device. */
export const MLXCONFIG_REJECTED = 'MlxconfigRejected';
/** The input did not validate. */
export const INVALID_INPUT = 'InvalidInput';
/** Output of a command could not be parsed: the host runs something we do not know. */
export const UNEXPECTED_OUTPUT = 'UnexpectedOutput';
/** The bandwidth test ran but stayed below the threshold. */
export const BANDWIDTH_BELOW_THRESHOLD = 'BandwidthBelowThreshold';
/** A command the procedure needs failed (exit code and stderr in the message). */
export const STEP_COMMAND_FAILED = 'StepCommandFailed';

/**
 * Hosts that may be in a changed or unknown state need an operator: they did not come back, or came
 * back wrong. Everything else that stops a procedure is a plain failure (nothing, or nothing harmful, changed).
 */
export const needsAttentionTypes: readonly string[] = [
  HOST_NOT_RETURNED,
  REBOOT_DID_NOT_START,
  VERIFICATION_FAILED,
  BANDWIDTH_BELOW_THRESHOLD,
];
