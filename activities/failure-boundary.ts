import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { safeText } from './ssh/redact';

// Failures leave the worker into workflow histories, where their messages and stack traces are stored
// as they are. Whatever an activity throws passes here (asActivity) on its way out: every message,
// stack and string in the details is bounded and redacted, whichever path built it from host output.

/** Most of a failure message kept (head and tail). */
export const FAILURE_MESSAGE_BYTES = 4096;
/** Most of one string in a failure's details. */
const DETAIL_STRING_BYTES = 4096;
/** Nesting kept in details and causes; deeper parts are dropped. */
const MAX_DEPTH = 8;

/** `err` with its message, stack, details and causes bounded and redacted (same type and retryability). */
export function safeFailure(err: unknown, depth = 0): Error {
  if (err instanceof ApplicationFailure) {
    const safe = ApplicationFailure.create({
      message: safeText(err.message, FAILURE_MESSAGE_BYTES),
      type: err.type ?? undefined,
      nonRetryable: err.nonRetryable ?? false,
      details: err.details?.map((d) => safeValue(d, depth + 1)),
      nextRetryDelay: err.nextRetryDelay ?? undefined,
      category: err.category ?? undefined,
      cause: safeCause(err.cause, depth),
    });
    safe.stack = withFramesOf(err, safe);
    return safe;
  }
  // Cancellation and the SDK's own failures carry no host text.
  if (err instanceof TemporalFailure) return err;
  if (err instanceof Error) {
    const safe = new Error(safeText(err.message, FAILURE_MESSAGE_BYTES), {
      cause: safeCause(err.cause, depth),
    });
    safe.name = err.name; // Temporal reports a plain error's name as the failure type
    safe.stack = withFramesOf(err, safe);
    return safe;
  }
  return new Error(safeText(String(err), FAILURE_MESSAGE_BYTES));
}

function safeCause(cause: unknown, depth: number): Error | undefined {
  return cause !== undefined && depth < MAX_DEPTH ? safeFailure(cause, depth + 1) : undefined;
}

/** The safe error's header with the original's stack frames (the original header quotes the message). */
function withFramesOf(original: Error, safe: Error): string | undefined {
  const header = `${original.name}: ${original.message}`;
  const stack = original.stack ?? '';
  if (!stack.startsWith(header)) return safe.stack;
  return `${safe.name}: ${safe.message}${stack.slice(header.length)}`;
}

function safeValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return safeText(value, DETAIL_STRING_BYTES);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((v) => safeValue(v, depth + 1));
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  // Other objects are stored as JSON: their own enumerable fields, each made safe.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeValue(v, depth + 1)]));
}
