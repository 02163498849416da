import {
  HostUnreachableError,
  SshAuthFailedError,
  SshHandshakeFailedError,
  type EndpointLabel,
  type SshError,
} from './errors';
import { safeText } from './redact';

// Turns the untyped errors ssh2 emits before a connection is ready into the typed errors of errors.ts.
// ssh2 tags them with `level` (client-socket, client-timeout, handshake, client-authentication, ...).

interface Ssh2ErrorShape {
  message: string;
  level?: string;
  code?: string | number;
}

/** SSH_MSG_DISCONNECT reasons that mean "your credentials are not accepted". */
const AUTH_DISCONNECT_REASONS = new Set<number>([
  14 /* NO_MORE_AUTH_METHODS_AVAILABLE */, 15 /* ILLEGAL_USER_NAME */,
]);

export interface ConnectErrorContext {
  username?: string;
  credentialDescription?: string;
}

export function classifyConnectError(
  err: unknown,
  endpoint: EndpointLabel,
  ctx: ConnectErrorContext = {},
): SshError {
  const e: Ssh2ErrorShape = err instanceof Error ? err : { message: String(err) };
  const detail = safeText(e.message, 1024); // may quote the server (a disconnect's description)
  const authFailed = () =>
    new SshAuthFailedError(
      endpoint,
      ctx.username ?? '?',
      ctx.credentialDescription ?? 'the configured credential',
    );
  switch (e.level) {
    case 'client-authentication':
      return authFailed();
    case 'client-timeout':
      return new HostUnreachableError(
        endpoint,
        'CONNECT_TIMEOUT',
        `timed out before the session was ready (${detail})`,
      );
    case 'client-socket':
    case 'client-dns':
      return new HostUnreachableError(endpoint, typeof e.code === 'string' ? e.code : 'SOCKET_ERROR', detail);
    case 'protocol':
      return new HostUnreachableError(endpoint, 'CLOSED_BEFORE_HANDSHAKE', detail);
    case 'handshake':
      return new SshHandshakeFailedError(`SSH handshake with ${endpoint.name} failed: ${detail}`, endpoint);
    default:
      break;
  }
  // Server-sent SSH_MSG_DISCONNECT carries a numeric reason code and no level.
  if (typeof e.code === 'number') {
    if (AUTH_DISCONNECT_REASONS.has(e.code)) return authFailed();
    return new HostUnreachableError(endpoint, 'DISCONNECTED', `server disconnected: ${detail}`);
  }
  return new HostUnreachableError(endpoint, 'CONNECT_FAILED', detail);
}
