// Exit codes of ibfleet, and the errors that carry them to main.

export const EXIT_OK = 0;
/** Some host failed, needs attention or was cancelled; or the rollout itself failed. */
export const EXIT_NOT_ALL_SUCCEEDED = 1;
/** Bad input or usage: nothing was started. */
export const EXIT_USAGE = 2;
/** Could not do it for an operational reason (Temporal unreachable, I/O error). */
export const EXIT_OPERATIONAL = 3;
/** `ibfleet plan`: changes are pending (the declared state is not reached), like terraform -detailed-exitcode. */
export const EXIT_CHANGES_PENDING = 4;
/** Interrupted (Ctrl-C) while watching; the rollout itself goes on. */
export const EXIT_INTERRUPTED = 130;

/** Bad input: printed as is (each line a problem), exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT_USAGE;
}

/** An operational failure with a message for the operator; exit code 3 unless given. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_OPERATIONAL,
  ) {
    super(message);
  }
}
