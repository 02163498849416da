import type { RolloutReport } from '../../common/rollout';
import { formatClock } from '../options/duration';
import { countsLine } from './render';

// The final summary of a closed rollout: outcome, counts, and every host that did not succeed with why.

export function everyHostSucceeded(report: Pick<RolloutReport, 'counts' | 'total'>): boolean {
  return report.total > 0 && (report.counts.succeeded ?? 0) === report.total;
}

export function renderReportSummary(report: RolloutReport): string[] {
  const ok = everyHostSucceeded(report);
  const lines: string[] = [];
  const started = Date.parse(report.startedAt);
  const finished = Date.parse(report.finishedAt);
  const took =
    Number.isNaN(started) || Number.isNaN(finished)
      ? formatClock(report.elapsedMs)
      : formatClock(finished - started);
  lines.push(
    `Rollout ${report.rolloutId} (${report.procedure}) ${report.phase.toUpperCase()} after ${took}, started by ${report.startedBy}`,
  );
  lines.push(`  ${report.total} target(s): ${countsLine(report.counts)}`);
  lines.push(
    `  failure budget: ${report.budget.used} of ${report.budget.allowed} used${report.budget.exceeded ? ' (exceeded: remaining hosts were not started)' : ''}`,
  );
  const midCycle = new Set(report.hosts.filter((h) => h.leftMidCycle).map((h) => h.name));
  if (report.problems.length > 0) {
    lines.push('Problems:');
    const nameW = Math.min(24, Math.max(...report.problems.map((p) => p.name.length)));
    for (const p of report.problems) {
      const where = p.stoppedInStep ? ` (in step ${p.stoppedInStep})` : '';
      const mid = midCycle.has(p.name) ? ' [left between the two reboots: mst_recovery is still 1]' : '';
      lines.push(`  ${p.name.padEnd(nameW)}  ${p.outcome.padEnd(15)}  ${p.reason}${where}${mid}`);
    }
  }
  if (report.problemsOmitted)
    lines.push(
      `  ... and ${report.problemsOmitted} more that did not succeed (failed beyond the first listed, or skipped): ` +
        `see ibfleet rollout report ${report.rolloutId}`,
    );
  if (!ok) {
    lines.push(
      `Next: ibfleet rollout retry ${report.rolloutId}    (runs the hosts that did not succeed again)`,
    );
  }
  lines.push(`Audit trail: ibfleet rollout report ${report.rolloutId} --format jsonl`);
  return lines;
}
