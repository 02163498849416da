import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import {
  COMMAND_TIMEOUT,
  CREDENTIAL_UNAVAILABLE,
  HOST_KEY_MISMATCH,
  HOST_KEY_UNKNOWN,
  HOST_UNREACHABLE,
  SSH_AUTH_FAILED,
  SSH_CHANNEL_FAILED,
  SSH_CONNECTION_LOST,
  SSH_HANDSHAKE_FAILED,
  nonRetryableSshFailureTypes,
  type SshFailureType,
} from '../../common/failure-types';
import { safeText } from './redact';

// Typed errors of the SSH layer. Messages name the endpoint and what went wrong, never a secret:
// commands and stderr are redacted and bounded before they are put in a message or in details.

/** Where an error happened (no credential in here, on purpose). */
export interface EndpointLabel {
  name: string;
  address: string;
  port: number;
}

export function describeEndpoint(e: EndpointLabel): string {
  return `${e.name} (${e.address}:${e.port})`;
}

const COMMAND_TEXT_MAX_BYTES = 512;
const STDERR_MAX_BYTES = 4096;

/** A command as it may appear in messages and histories. */
export function safeCommandText(command: string): string {
  return safeText(command, COMMAND_TEXT_MAX_BYTES);
}

export abstract class SshError extends Error {
  abstract readonly type: SshFailureType;

  /** From the one list of what no retry can fix (common/failure-types.ts). */
  get retryable(): boolean {
    return !nonRetryableSshFailureTypes.includes(this.type);
  }

  constructor(
    message: string,
    readonly endpoint: EndpointLabel,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Serializable facts for ApplicationFailure.details (already safe to store). */
  details(): Record<string, unknown> {
    return { host: this.endpoint.name, address: this.endpoint.address, port: this.endpoint.port };
  }
}

export class SshAuthFailedError extends SshError {
  readonly type = SSH_AUTH_FAILED;
  constructor(
    endpoint: EndpointLabel,
    readonly username: string,
    readonly credentialDescription: string,
  ) {
    super(
      `SSH authentication failed for ${username}@${describeEndpoint(endpoint)} using ${credentialDescription}`,
      endpoint,
    );
  }
  override details(): Record<string, unknown> {
    return { ...super.details(), username: this.username, credential: this.credentialDescription };
  }
}

export class HostKeyMismatchError extends SshError {
  readonly type = HOST_KEY_MISMATCH;
  constructor(
    endpoint: EndpointLabel,
    readonly pinnedFingerprint: string,
    readonly presentedFingerprint: string,
    readonly presentedKeyType: string,
  ) {
    super(
      `Host key mismatch for ${describeEndpoint(endpoint)}: pinned ${pinnedFingerprint}, ` +
        `presented ${presentedFingerprint} (${presentedKeyType}). Refused before authentication; no command was run. ` +
        `If the host was reinstalled, verify the new key out of band and update the pin.`,
      endpoint,
    );
  }
  override details(): Record<string, unknown> {
    return {
      ...super.details(),
      pinned: this.pinnedFingerprint,
      presented: this.presentedFingerprint,
      keyType: this.presentedKeyType,
    };
  }
}

export class HostKeyUnknownError extends SshError {
  readonly type = HOST_KEY_UNKNOWN;
  constructor(
    endpoint: EndpointLabel,
    /** The pin as configured ('' when none), shown so a malformed pin can be spotted. */
    readonly pinned: string,
    readonly presentedFingerprint: string | undefined,
    readonly presentedKeyType: string | undefined,
  ) {
    const what =
      pinned === '' ? 'no host key is pinned' : `the pinned host key "${pinned}" is not a SHA256 fingerprint`;
    const seen = presentedFingerprint
      ? ` The host presented ${presentedFingerprint} (${presentedKeyType ?? 'unknown type'}); verify it out of band before pinning it.`
      : '';
    super(`Refusing to connect to ${describeEndpoint(endpoint)}: ${what}.${seen}`, endpoint);
  }
  override details(): Record<string, unknown> {
    return {
      ...super.details(),
      pinned: this.pinned,
      presented: this.presentedFingerprint ?? null,
      keyType: this.presentedKeyType ?? null,
    };
  }
}

export class CredentialUnavailableError extends SshError {
  readonly type = CREDENTIAL_UNAVAILABLE;
}

export class SshHandshakeFailedError extends SshError {
  readonly type = SSH_HANDSHAKE_FAILED;
}

export class HostUnreachableError extends SshError {
  readonly type = HOST_UNREACHABLE;
  constructor(
    endpoint: EndpointLabel,
    /** ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT, CONNECT_TIMEOUT, CLOSED_BEFORE_READY, ... */
    readonly reason: string,
    detail: string,
  ) {
    super(`Cannot reach ${describeEndpoint(endpoint)} over SSH: ${detail}`, endpoint);
  }
  override details(): Record<string, unknown> {
    return { ...super.details(), reason: this.reason };
  }
}

export class SshConnectionLostError extends SshError {
  readonly type = SSH_CONNECTION_LOST;
  constructor(
    endpoint: EndpointLabel,
    readonly command: string | undefined,
    /** True when the command was sent, so it may have run (fully or partly). */
    readonly commandMayHaveStarted: boolean,
    detail?: string,
  ) {
    super(
      `SSH connection to ${describeEndpoint(endpoint)} was lost` +
        (command === undefined ? '' : ` while running "${safeCommandText(command)}"`) +
        (commandMayHaveStarted ? ' (the command may have run)' : '') +
        (detail ? `: ${safeText(detail, STDERR_MAX_BYTES)}` : ''),
      endpoint,
    );
  }
  override details(): Record<string, unknown> {
    return {
      ...super.details(),
      command: this.command === undefined ? null : safeCommandText(this.command),
      commandMayHaveStarted: this.commandMayHaveStarted,
    };
  }
}

export class SshChannelFailedError extends SshError {
  readonly type = SSH_CHANNEL_FAILED;
}

export class CommandTimeoutError extends SshError {
  readonly type = COMMAND_TIMEOUT;
  constructor(
    endpoint: EndpointLabel,
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Command on ${describeEndpoint(endpoint)} did not finish within ${timeoutMs} ms; its channel was closed: ` +
        `"${safeCommandText(command)}"`,
      endpoint,
    );
  }
  override details(): Record<string, unknown> {
    return { ...super.details(), command: safeCommandText(this.command), timeoutMs: this.timeoutMs };
  }
}

/**
 * What an activity should throw for an error of the SSH layer: an ApplicationFailure with a stable
 * `type` (see common/failure-types.ts) and the right nonRetryable flag. Temporal failures (including
 * cancellation) pass through unchanged, as does anything else (Temporal treats it as retryable).
 */
export function toActivityFailure(err: unknown): Error {
  if (err instanceof SshError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.type,
      nonRetryable: !err.retryable,
      details: [err.details()],
    });
  }
  if (err instanceof TemporalFailure) return err;
  if (err instanceof Error) return err;
  return new Error(safeText(String(err), STDERR_MAX_BYTES));
}
