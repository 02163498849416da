import type { RolloutProgress, RolloutReport } from '../../common/rollout';
import { EXIT_INTERRUPTED, EXIT_NOT_ALL_SUCCEEDED, EXIT_OK } from '../cli-error';
import type { CliDeps, Output, TemporalAccess } from '../deps';
import { fillRunningSteps } from '../rollout/host-reports';
import { errorText, queryProgress, type RolloutRef } from '../rollout/snapshot';
import { progressChanges } from './changes';
import { terminalSafe } from '../terminal-text';
import { clip, renderProgressFrame } from './render';
import { everyHostSucceeded, renderReportSummary } from './summary';

// `rollout watch`: poll the progress query about once a second until the workflow closes, then print
// the summary. Exit code 0 when every host succeeded, 1 otherwise; 130 when interrupted.

export const WATCH_INTERVAL_MS = 1_000;
/** Running hosts whose current step is looked up each refresh (one query each). */
export const STEP_LOOKUPS = 50;

interface View {
  progress(p: RolloutProgress): void;
  notice(text: string): void;
  finish(): void;
}

/** Redraws the frame in place (cursor up + clear to end of screen). */
class TtyView implements View {
  private drawn = 0;
  private lastNotice = '';
  constructor(
    private readonly out: Output,
    private readonly now: () => Date,
  ) {}
  progress(p: RolloutProgress): void {
    const rows = this.out.rows ?? 40;
    const lines = renderProgressFrame(p, {
      width: (this.out.columns ?? 100) - 1,
      maxHostLines: Math.max(3, rows - 14),
      now: this.now(),
    });
    if (this.lastNotice) lines.push('', this.lastNotice);
    this.redraw(lines);
  }
  notice(text: string): void {
    this.lastNotice = text;
    this.redraw([text]);
  }
  finish(): void {
    this.drawn = 0;
  }
  private redraw(lines: string[]): void {
    // Cursor up over the last frame and clear below: our own sequence, the only one written as is.
    if (this.drawn > 0) (this.out.control ?? this.out.write)(`\x1b[${this.drawn}A\r\x1b[0J`);
    // Escaped here already (write() would too) so that each line still fits the width: a wrapped
    // line would break the cursor-up count.
    const width = (this.out.columns ?? 100) - 1;
    this.out.write(lines.map((l) => clip(terminalSafe(l), width)).join('\n') + '\n');
    this.drawn = lines.length;
  }
}

/** One line per change, for logs and pipes. */
class LineView implements View {
  private prev: RolloutProgress | undefined;
  private lastNotice = '';
  constructor(
    private readonly out: Output,
    private readonly now: () => Date,
  ) {}
  progress(p: RolloutProgress): void {
    const lines = progressChanges(this.prev, p, this.now());
    this.prev = p;
    this.lastNotice = '';
    if (lines.length) this.out.write(lines.join('\n') + '\n');
  }
  notice(text: string): void {
    if (text === this.lastNotice) return;
    this.lastNotice = text;
    this.out.write(
      `${this.now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')} ${text}\n`,
    );
  }
  finish(): void {}
}

export function reportExitCode(report: RolloutReport): number {
  return everyHostSucceeded(report) ? EXIT_OK : EXIT_NOT_ALL_SUCCEEDED;
}

export async function watchRollout(
  temporal: TemporalAccess,
  ref: RolloutRef,
  deps: CliDeps,
): Promise<number> {
  const out = deps.stdout;
  const view: View = out.isTTY ? new TtyView(out, deps.now) : new LineView(out, deps.now);
  // Set by the result promise (a holder object, so the loop re-reads it after every await).
  const state: { closed?: { report: RolloutReport } | { error: unknown } } = {};
  const resultPromise = ref.handle.result().then(
    (report) => void (state.closed = { report }),
    (error: unknown) => void (state.closed = { error }),
  );

  while (!state.closed && !deps.interrupt.aborted) {
    try {
      const progress = await queryProgress(temporal, ref.handle);
      await fillRunningSteps(temporal, progress.procedure, progress.hosts, STEP_LOOKUPS);
      if (!state.closed) view.progress(progress);
    } catch (err) {
      if (!state.closed)
        view.notice(`progress unavailable (is an ibfleet worker running?): ${errorText(err)}`);
    }
    if (state.closed) break;
    await Promise.race([resultPromise, deps.sleep(WATCH_INTERVAL_MS, deps.interrupt)]);
  }
  const closed = state.closed;
  // The report is a final progress too: the last transitions show before the summary.
  if (closed && 'report' in closed) view.progress(closed.report);
  view.finish();

  if (!closed) {
    deps.stderr.write(`stopped watching; rollout ${ref.id} goes on (ibfleet rollout watch ${ref.id})\n`);
    return EXIT_INTERRUPTED;
  }
  if ('error' in closed) {
    out.write(`Rollout ${ref.id} did not complete: ${errorText(closed.error)}\n`);
    return EXIT_NOT_ALL_SUCCEEDED;
  }
  out.write('\n' + renderReportSummary(closed.report).join('\n') + '\n');
  return reportExitCode(closed.report);
}
