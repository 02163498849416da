import type { StepRecord } from '../../common/reports';

export interface RunView {
  procedure: string;
  target: string;
  currentStep: string;
  /** A live line about the current step. */
  detail?: string;
  reboots: number;
  stopRequest?: string;
  plannedSteps: readonly string[];
  steps: readonly StepRecord[];
}

const mark = { done: '✔', skipped: '–', failed: '✘' } as const;

/** The compact view the Temporal UI shows as a procedure's "current details": a table of the planned steps. */
export function currentDetails(v: RunView): string {
  const done = new Map(v.steps.map((s) => [s.name, s]));
  const rows = v.plannedSteps.map((name) => {
    const s = done.get(name);
    const state = s ? mark[s.status] : name === v.currentStep ? '▶' : ' ';
    return `| ${state} | ${name} | ${s ? `${s.detail.replace(/\|/g, '/')} (${Math.round(s.durationMs / 100) / 10}s)` : ''} |`;
  });
  const now = v.detail !== undefined ? ` (${v.detail})` : '';
  const header = `**${v.procedure}** on \`${v.target}\` — step: **${v.currentStep}**${now}, reboots: ${v.reboots}`;
  const stop = v.stopRequest !== undefined ? `\n\nStop requested: ${v.stopRequest}` : '';
  return `${header}${stop}\n\n| | step | result |\n|---|---|---|\n${rows.join('\n')}`;
}
