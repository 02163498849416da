import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import * as failureTypes from '../../common/failure-types';
import {
  CommandTimeoutError,
  CredentialUnavailableError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  HostUnreachableError,
  SshAuthFailedError,
  SshChannelFailedError,
  SshConnectionLostError,
  SshHandshakeFailedError,
  toActivityFailure,
  type SshError,
} from '../../activities/ssh/errors';

const ep = { name: 'esx-01', address: '10.0.0.1', port: 22 };
const fpA = `SHA256:${'A'.repeat(43)}`;
const fpB = `SHA256:${'B'.repeat(43)}`;

describe('ssh: errors -> Temporal failures', () => {
  const cases: Array<[SshError, string, boolean]> = [
    [new SshAuthFailedError(ep, 'root', 'password from $PW'), failureTypes.SSH_AUTH_FAILED, true],
    [new HostKeyMismatchError(ep, fpA, fpB, 'ssh-ed25519'), failureTypes.HOST_KEY_MISMATCH, true],
    [new HostKeyUnknownError(ep, '', fpB, 'ssh-ed25519'), failureTypes.HOST_KEY_UNKNOWN, true],
    [new CredentialUnavailableError('no PW', ep), failureTypes.CREDENTIAL_UNAVAILABLE, true],
    [new SshHandshakeFailedError('no common kex', ep), failureTypes.SSH_HANDSHAKE_FAILED, true],
    [new HostUnreachableError(ep, 'EHOSTUNREACH', 'no route'), failureTypes.HOST_UNREACHABLE, false],
    [new SshConnectionLostError(ep, 'reboot', true), failureTypes.SSH_CONNECTION_LOST, false],
    [new SshChannelFailedError('refused', ep), failureTypes.SSH_CHANNEL_FAILED, false],
    [new CommandTimeoutError(ep, 'sleep 99', 100), failureTypes.COMMAND_TIMEOUT, false],
  ];

  for (const [err, type, nonRetryable] of cases) {
    it(`${err.name} -> ${type}, nonRetryable=${nonRetryable}`, () => {
      const failure = toActivityFailure(err);
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, type);
      assert.equal(failure.nonRetryable, nonRetryable);
      assert.equal(failure.message, err.message);
      const details = failure.details?.[0] as Record<string, unknown>;
      assert.equal(details.host, 'esx-01');
      assert.doesNotThrow(() => JSON.stringify(failure.details));
    });
  }

  it('every type constant is covered, and the non-retryable list agrees with the errors', () => {
    assert.deepEqual(new Set(cases.map(([, t]) => t)), new Set(failureTypes.sshFailureTypes));
    for (const [, type, nonRetryable] of cases) {
      assert.equal(
        failureTypes.nonRetryableSshFailureTypes.includes(type as failureTypes.SshFailureType),
        nonRetryable,
        type,
      );
    }
  });

  it('a host key mismatch names the host and both fingerprints', () => {
    const err = new HostKeyMismatchError(ep, fpA, fpB, 'ssh-ed25519');
    assert.match(err.message, /esx-01 \(10\.0\.0\.1:22\)/);
    assert.ok(err.message.includes(fpA) && err.message.includes(fpB));
  });

  it('passes Temporal failures (cancellation) and other errors through', () => {
    const cancelled = new CancelledFailure('cancelled');
    assert.equal(toActivityFailure(cancelled), cancelled);
    const plain = new Error('boom');
    assert.equal(toActivityFailure(plain), plain);
    assert.ok(toActivityFailure('text') instanceof Error);
  });
});
