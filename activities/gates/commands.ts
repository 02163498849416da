import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';
import type { CmdGate, GateResult } from '../../common/gates';
import { describeGate } from '../../common/gates';
import { realPathOf } from '../ssh/credential-policy';
import { safeText } from '../ssh/redact';
import type { Environment } from '../url-ref';

// `cmd` gates run on the worker. Whoever can start a workflow on the task queue chooses a rollout's
// gates, so the worker runs only executables its operator listed in IBFLEET_GATE_COMMANDS (absolute
// paths, comma-separated; symlinks resolved on both sides); none by default. The command runs without a
// shell (argv as given), with a small fixed environment (none of the worker's secrets), in /, killed
// after GATE_COMMAND_TIMEOUT_MS; exit status 0 passes.

export const GATE_COMMANDS_ENV = 'IBFLEET_GATE_COMMANDS';
export const GATE_COMMAND_TIMEOUT_MS = 30_000;
const OUTPUT_BYTES = 64 * 1024;
const DETAIL_BYTES = 300;
const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The executables this worker allows as cmd gates (real paths). */
export function allowedGateCommands(env: Environment): string[] {
  return (env[GATE_COMMANDS_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && isAbsolute(s))
    .map((s) => realPathOf(s));
}

/** Why this worker will not run the gate's executable, or undefined (with the path to run). */
export function commandRefusal(argv0: string, env: Environment): { refusal?: string; realPath: string } {
  const realPath = realPathOf(argv0);
  const allowed = allowedGateCommands(env);
  if (allowed.includes(realPath)) return { realPath };
  return {
    realPath,
    refusal:
      allowed.length === 0
        ? `cmd gates are off on this worker (its ${GATE_COMMANDS_ENV} lists no executable)`
        : `${argv0} is not among the executables this worker's ${GATE_COMMANDS_ENV} allows`,
  };
}

export function runCmdGate(
  gate: CmdGate,
  context: { rolloutId: string; env: Environment; signal?: AbortSignal },
): Promise<GateResult> {
  const name = describeGate(gate);
  const { refusal, realPath } = commandRefusal(gate.argv[0], context.env);
  if (refusal) return Promise.resolve({ gate: name, ok: false, detail: refusal, misconfigured: true });
  return new Promise((resolve) => {
    execFile(
      realPath,
      gate.argv.slice(1),
      {
        shell: false,
        cwd: '/',
        env: { PATH: SAFE_PATH, LANG: 'C.UTF-8', IBFLEET_ROLLOUT_ID: context.rolloutId },
        timeout: GATE_COMMAND_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: OUTPUT_BYTES,
        signal: context.signal,
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        const output = safeText(`${stdout}${stderr}`.trim(), DETAIL_BYTES).replace(/\s+/g, ' ');
        if (!err) return resolve({ gate: name, ok: true, detail: `exit 0${output ? `: ${output}` : ''}` });
        const e = err as {
          code?: string | number | null;
          killed?: boolean;
          signal?: string | null;
          name: string;
        };
        const why =
          e.killed && e.signal === 'SIGKILL'
            ? `no exit within ${GATE_COMMAND_TIMEOUT_MS / 1000}s`
            : typeof e.code === 'number'
              ? `exit ${e.code}`
              : e.signal
                ? `killed by ${e.signal}`
                : `cannot run (${String(e.code ?? e.name)})`;
        resolve({
          gate: name,
          ok: false,
          detail: `${why}${output ? `: ${output}` : ''}`,
          misconfigured: e.code === 'ENOENT' || e.code === 'EACCES',
        });
      },
    );
  });
}
