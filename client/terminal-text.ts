import type { CliDeps, Output } from './deps';

// What the CLI prints comes partly from hosts: failure reasons quote their stderr, reports list step
// details and commands, progress names steps. A host printing escape sequences (OSC 52 writes the
// operator's clipboard, CSI sequences clear the screen or move the cursor, bidi overrides reorder what
// is read) must not reach the operator's terminal as such. So every byte the CLI writes passes
// terminalSafe (runCli wraps stdout and stderr once); only the live view's own cursor moves go through
// Output.control.

/**
 * C0 controls except \t and \n (ESC starts every escape sequence; CR and BS overwrite what was
 * printed), DEL, C1 controls (U+009B is a one-character CSI), and the invisible characters that
 * reorder text (bidi marks, embeddings, overrides and isolates; line and paragraph separators).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * `text` with every character a terminal would act on instead of showing written as `\uXXXX`, which
 * reads as what it is and, inside a JSON string, is the same JSON value.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const safeOutputs = new WeakSet<Output>();

/** `out`, writing terminalSafe text; `control` writes the caller's own sequences unchanged. */
export function terminalOutput(out: Output): Output {
  if (safeOutputs.has(out)) return out;
  const control = out.control ?? out.write;
  const safe: Output = {
    write: (text) => out.write(terminalSafe(text)),
    control: (sequence) => control(sequence),
    get isTTY() {
      return out.isTTY;
    },
    get columns() {
      return out.columns;
    },
    get rows() {
      return out.rows;
    },
  };
  safeOutputs.add(safe);
  return safe;
}

/** `deps` whose stdout and stderr are terminalOutput. */
export function withTerminalSafeOutput(deps: CliDeps): CliDeps {
  return { ...deps, stdout: terminalOutput(deps.stdout), stderr: terminalOutput(deps.stderr) };
}
