import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Timing } from '../common/procedures';
import type { CommandRecord } from '../common/reports';
import type { SshEndpoint } from '../common/targets';
import { UnsafeValueError } from '../common/command-values';
import {
  INVALID_INPUT,
  STEP_COMMAND_FAILED,
  UNEXPECTED_OUTPUT,
  UNSAFE_VALUE,
} from '../common/procedure-failures';
import type { ShellCommand } from './command-line';
import { ModuleOptionsError } from './esxi/parsers/module-options';
import { ParseError } from './esxi/parsers/parse-error';
import { safeFailure } from './failure-boundary';
import {
  redactSecrets,
  safeText,
  SSH_CONNECTION_LOST,
  SshError,
  toActivityFailure,
  type CommandResult,
  type SshRunner,
} from './ssh';

/** Most of a command's output kept in a failure message (histories must stay small). */
const OUTPUT_IN_MESSAGE_BYTES = 1024;
/** Tries of a read-only command whose connection dropped, within one step attempt. */
const READ_TRIES = 8;

/** Cancellation signal of the running activity, if this runs inside one (tests call steps directly too). */
export function activitySignal(): AbortSignal | undefined {
  return currentContext()?.cancellationSignal;
}

/** The last details each running activity heartbeated: periodic heartbeats repeat them, never erase them. */
const lastDetails = new WeakMap<Context, unknown>();

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // not inside an activity (unit tests call steps directly)
  }
}

export function heartbeat(details?: unknown): void {
  const ctx = currentContext();
  // Local activities have no heartbeat: their workflow task is kept alive by the worker instead.
  if (!ctx || ctx.info.isLocal) return;
  if (details !== undefined) lastDetails.set(ctx, details);
  ctx.heartbeat(lastDetails.get(ctx));
}

/**
 * The commands of one step on one endpoint: runs them over the pooled SSH connection with the step's
 * timeouts and cancellation, records each (redacted) for the audit trail, and heartbeats so a dead
 * worker is noticed within the heartbeat timeout.
 */
export class StepCommands {
  readonly commands: CommandRecord[] = [];

  constructor(
    private readonly runner: SshRunner,
    readonly endpoint: SshEndpoint,
    private readonly timing: Timing,
    readonly step: string,
    /**
     * Commands that only read. When the connection drops under one of them it is simply asked again
     * (a lost connection would fail the whole step attempt otherwise). Anything else is never re-sent
     * here: its step is retried, and steps read before they write.
     */
    private readonly isReadOnly: (command: string) => boolean = () => false,
  ) {}

  /** Run a command (made by the command builder only); a non-zero exit is returned, not thrown. */
  async run(
    command: ShellCommand,
    opts: {
      timeoutMs?: number;
      connectTimeoutMs?: number;
      /** false for polls: counted, not listed */
      record?: boolean;
      /** Stops this command early (besides the activity's cancellation), e.g. a server nobody will reach. */
      signal?: AbortSignal;
    } = {},
  ): Promise<CommandResult> {
    heartbeat();
    const at = new Date().toISOString();
    const signals = [activitySignal(), opts.signal].filter((s): s is AbortSignal => s !== undefined);
    const runOptions = {
      timeoutMs: opts.timeoutMs ?? this.timing.commandTimeoutMs,
      connectTimeoutMs: opts.connectTimeoutMs ?? this.timing.connectTimeoutMs,
      signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
    };
    let result: CommandResult;
    for (let tries = 1; ; tries++) {
      try {
        result = await this.runner.run(this.endpoint, command, runOptions);
        break;
      } catch (err) {
        const lost = err instanceof SshError && err.type === SSH_CONNECTION_LOST;
        if (!lost || tries >= READ_TRIES || !this.isReadOnly(command) || runOptions.signal?.aborted)
          throw err;
        heartbeat();
      }
    }
    if (opts.record !== false)
      this.commands.push({
        step: this.step,
        command: redactSecrets(command),
        exitCode: result.code,
        durationMs: result.durationMs,
        at,
      });
    return result;
  }

  /** Run a command that must succeed; a non-zero exit fails the step with the command's own words. */
  async check(command: ShellCommand, opts: { okCodes?: number[]; timeoutMs?: number } = {}): Promise<string> {
    const result = await this.run(command, opts);
    if (!(opts.okCodes ?? [0]).includes(result.code)) {
      throw ApplicationFailure.create({
        type: STEP_COMMAND_FAILED,
        message: `${this.endpoint.name}: \`${redactSecrets(command)}\` exited ${result.code}: ${outputExcerpt(result)}`,
        nonRetryable: true,
      });
    }
    return result.stdout;
  }
}

/** A command's own words for a failure message: stderr, else stdout; bounded, redacted, on one line. */
export function outputExcerpt(result: Pick<CommandResult, 'stdout' | 'stderr'>): string {
  return quoteOutput(result.stderr.trim() || result.stdout.trim() || '(no output)');
}

/** Host output quoted in a message: bounded first, then redacted (safeText), on one line. */
export function quoteOutput(text: string): string {
  return safeText(text, OUTPUT_IN_MESSAGE_BYTES).replace(/\s+/g, ' ');
}

/**
 * Errors that say the same thing on every attempt, as non-retryable failures of their own type: output
 * we cannot parse (a stored option string ibfleet will not edit has a type of its own), a value the
 * command builder refused (UnsafeValue: nothing was run with it) and a refused argument (ibfleet's own
 * checks throw RangeError). Retried, they would only be refused eight times.
 */
function deterministicRefusal(err: unknown): ApplicationFailure | undefined {
  const refuse = (type: string, message: string) =>
    ApplicationFailure.create({ type, message, nonRetryable: true });
  if (err instanceof ModuleOptionsError) return refuse(err.failureType, err.message);
  if (err instanceof ParseError) return refuse(UNEXPECTED_OUTPUT, err.message);
  if (err instanceof UnsafeValueError) return refuse(UNSAFE_VALUE, err.message);
  if (err instanceof RangeError) return refuse(INVALID_INPUT, `refused: ${err.message}`);
  return undefined;
}

/**
 * The boundary of every activity: SSH errors become typed ApplicationFailures, deterministic refusals
 * non-retryable ones (deterministicRefusal), everything else passes through; whatever leaves is bounded
 * and redacted (safeFailure), so no path can put raw host output into a history.
 */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  // A single long command (entering maintenance mode, mlxconfig on real cards) must not look like a dead worker.
  const ctx = currentContext();
  const timeoutMs = ctx?.info.heartbeatTimeoutMs;
  const timer = timeoutMs
    ? setInterval(() => heartbeat(), Math.max(200, Math.floor(timeoutMs / 3)))
    : undefined;
  try {
    return await body();
  } catch (err) {
    throw safeFailure(deterministicRefusal(err) ?? toActivityFailure(err));
  } finally {
    if (timer) clearInterval(timer);
  }
}
