// Failure types raised by ibfleet's procedure steps (beyond the SSH ones in failure-types.ts), and how
// a procedure's outcome follows from a failure type. Pure constants: workflows import them.

import { nonRetryableSshFailureTypes } from './failure-types';

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
 * A value bound for a command (a device or vmnic name a host printed, an inventory or parameter value)
 * does not have the exact shape it must have (common/command-values.ts). Nothing was run with it; a
 * host printing such names may be compromised, so an operator must look.
 */
export const UNSAFE_VALUE = 'UnsafeValue';
/**
 * The stored module option string is not one ibfleet can edit byte for byte (an unbalanced quote, a
 * quoted blank, a non-ASCII byte…: the driver might read an appended option differently from ibfleet).
 * Refused before anything is written; an operator fixes the string by hand.
 */
export const MODULE_OPTIONS_UNSUPPORTED = 'ModuleOptionsUnsupported';

/** Powered-on VMs kept the host from being touched (--vm-policy refuse, or wait past its deadline). */
export const VMS_RUNNING = 'VmsRunning';
/** Guest shutdowns did not finish in time and a hard power-off was not allowed (--vm-policy shutdown). */
export const VMS_DID_NOT_STOP = 'VmsDidNotStop';
/** Maintenance mode was not entered (timeout, refused) after every try; the host was not changed. */
export const MAINTENANCE_NOT_ENTERED = 'MaintenanceNotEntered';
/** Maintenance mode could not be left after the procedure, after every try. */
export const MAINTENANCE_NOT_EXITED = 'MaintenanceNotExited';
/** VMs ibfleet stopped could not be powered on again. */
export const VMS_NOT_RESTARTED = 'VmsNotRestarted';
/** Another host of the host's vSAN cluster is in maintenance mode (or could not be read). */
export const VSAN_PEER_IN_MAINTENANCE = 'VsanPeerInMaintenance';

/** The workload failures: each stops a host before it is changed, or leaves VMs for an operator. */
export const workloadFailureTypes: readonly string[] = [
  VMS_RUNNING,
  VMS_DID_NOT_STOP,
  MAINTENANCE_NOT_ENTERED,
  MAINTENANCE_NOT_EXITED,
  VMS_NOT_RESTARTED,
  VSAN_PEER_IN_MAINTENANCE,
];

/**
 * Hosts that may be in a changed or unknown state need an operator: they did not come back, came back
 * wrong, or printed what they never should (output that does not parse, names that are not names: the
 * host may be compromised). Everything else that stops a procedure is a plain failure (nothing, or
 * nothing harmful, changed).
 */
export const needsAttentionTypes: readonly string[] = [
  HOST_NOT_RETURNED,
  REBOOT_DID_NOT_START,
  VERIFICATION_FAILED,
  BANDWIDTH_BELOW_THRESHOLD,
  UNEXPECTED_OUTPUT,
  UNSAFE_VALUE,
  MODULE_OPTIONS_UNSUPPORTED,
  // Running VMs, VMs left off, a host stuck in or out of maintenance mode: an operator decides.
  ...workloadFailureTypes,
];

/**
 * The failure types no retry can fix: the one declaration the retry policies of every procedure step
 * use (workflows/host/activity-proxies.ts). The SSH failures that say the same on every attempt, and the
 * steps' own (the activities raise these non-retryable too; listed here, a failure re-wrapped on its
 * way out of an activity is not retried either).
 */
export const nonRetryableStepFailureTypes: readonly string[] = [
  ...nonRetryableSshFailureTypes,
  HOST_NOT_RETURNED,
  REBOOT_DID_NOT_START,
  REBOOT_REFUSED,
  VERIFICATION_FAILED,
  PRECONDITION_FAILED,
  MLXCONFIG_REJECTED,
  INVALID_INPUT,
  UNEXPECTED_OUTPUT,
  UNSAFE_VALUE,
  MODULE_OPTIONS_UNSUPPORTED,
];
