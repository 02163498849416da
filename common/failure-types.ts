// The `type` strings of the ApplicationFailures that ibfleet's activities raise. Workflows match on
// these (err.cause.type) and retry policies may list them, so they are pure, stable constants.

/** Authentication was refused (wrong key, password or user). Non-retryable. */
export const SSH_AUTH_FAILED = 'SshAuthFailed';
/** The host presented a key other than the pinned one (possible MITM or a reinstalled host). Non-retryable. */
export const HOST_KEY_MISMATCH = 'HostKeyMismatch';
/** No (valid) host key is pinned for the endpoint; nothing is trusted by default. Non-retryable. */
export const HOST_KEY_UNKNOWN = 'HostKeyUnknown';
/** The credential reference could not be resolved on the worker (missing file or variable). Non-retryable. */
export const CREDENTIAL_UNAVAILABLE = 'CredentialUnavailable';
/** The SSH handshake failed for a reason other than the host key (no common algorithm, bad signature). Non-retryable. */
export const SSH_HANDSHAKE_FAILED = 'SshHandshakeFailed';
/** TCP connect refused / unreachable / timed out, or the connection died before authentication. Retryable. */
export const HOST_UNREACHABLE = 'HostUnreachable';
/** The connection closed while a command was running: the command may or may not have run. Retryable. */
export const SSH_CONNECTION_LOST = 'SshConnectionLost';
/** The server refused to open a channel or start the command on a live connection. Retryable. */
export const SSH_CHANNEL_FAILED = 'SshChannelFailed';
/** The command did not finish within its timeout; its channel was closed. Retryable. */
export const COMMAND_TIMEOUT = 'CommandTimeout';

export const sshFailureTypes = [
  SSH_AUTH_FAILED,
  HOST_KEY_MISMATCH,
  HOST_KEY_UNKNOWN,
  CREDENTIAL_UNAVAILABLE,
  SSH_HANDSHAKE_FAILED,
  HOST_UNREACHABLE,
  SSH_CONNECTION_LOST,
  SSH_CHANNEL_FAILED,
  COMMAND_TIMEOUT,
] as const;
export type SshFailureType = (typeof sshFailureTypes)[number];

/** Types no retry can fix: suitable for RetryPolicy.nonRetryableErrorTypes. */
export const nonRetryableSshFailureTypes: readonly SshFailureType[] = [
  SSH_AUTH_FAILED,
  HOST_KEY_MISMATCH,
  HOST_KEY_UNKNOWN,
  CREDENTIAL_UNAVAILABLE,
  SSH_HANDSHAKE_FAILED,
];
