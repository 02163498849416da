import type { ProcedureReport } from '../../common/reports';
import type { RolloutReport } from '../../common/rollout';
import { rolloutWorkflowId } from '../../common/targets';
import { formatClock } from '../options/duration';
import { everyHostSucceeded, renderReportSummary } from '../watch/summary';

// The audit trail of a closed rollout: one `rollout` record, then for each target one `host` record
// followed by a `vm` record per VM its VM policy stopped (how, when, restarted when), then its `step`
// and `command` records. JSON Lines for machines, text for people.

export type AuditRecord = Record<string, unknown> & { type: 'rollout' | 'host' | 'vm' | 'step' | 'command' };

function durationBetween(start?: string, end?: string): number | undefined {
  if (!start || !end) return undefined;
  const d = Date.parse(end) - Date.parse(start);
  return Number.isNaN(d) ? undefined : d;
}

/** Records without undefined fields, in a stable key order. */
function record(fields: AuditRecord): AuditRecord {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as AuditRecord;
}

/** `reports`: the hosts' ProcedureReports (see fetchProcedureReports), by target name. */
export function auditRecords(
  report: RolloutReport,
  reports: ReadonlyMap<string, ProcedureReport>,
): AuditRecord[] {
  const rolloutId = report.rolloutId;
  const out: AuditRecord[] = [
    record({
      type: 'rollout',
      rolloutId,
      workflowId: rolloutWorkflowId(rolloutId),
      procedure: report.procedure,
      startedBy: report.startedBy,
      retryOf: report.retryOf,
      params: report.params,
      options: report.options,
      targets: report.total,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      durationMs: durationBetween(report.startedAt, report.finishedAt) ?? report.elapsedMs,
      phase: report.phase,
      outcome: everyHostSucceeded(report) ? 'succeeded' : 'not-all-succeeded',
      counts: report.counts,
      budget: report.budget,
      continueAsNewCount: report.continueAsNewCount,
      events: report.events,
    }),
  ];
  const problems = new Map(report.problems.map((p) => [p.name, p]));
  for (const h of report.hosts) {
    const r = reports.get(h.name);
    const problem = problems.get(h.name);
    out.push(
      record({
        type: 'host',
        rolloutId,
        host: h.name,
        cluster: h.cluster,
        canary: h.canary,
        outcome: r?.outcome ?? h.phase,
        reason: r?.reason ?? problem?.reason ?? h.reason,
        failureType: r?.failureType ?? h.failureType,
        reboots: r?.reboots ?? h.reboots ?? 0,
        startedAt: r?.startedAt ?? h.startedAt,
        finishedAt: r?.finishedAt ?? h.finishedAt,
        durationMs: durationBetween(r?.startedAt ?? h.startedAt, r?.finishedAt ?? h.finishedAt),
        stoppedInStep: r?.stoppedInStep ?? problem?.stoppedInStep ?? h.stoppedInStep,
        leftMidCycle: r?.leftMidCycle ?? h.leftMidCycle,
        workflowRunId: h.runId || undefined,
        changes: r?.changes,
        vmPolicy: r?.vms?.policy,
        vmsPoweredOn: r?.vms ? r.vms.found.filter((v) => v.power === 'on').map((v) => v.name) : undefined,
        vmsWaitedFor: r?.vms?.waited,
      }),
    );
    for (const vm of r?.vms?.stopped ?? [])
      out.push(
        record({
          type: 'vm',
          rolloutId,
          host: h.name,
          vm: vm.name,
          vmid: vm.vmid,
          stopped: vm.how ?? 'not-stopped',
          shutdownRequestedAt: vm.shutdownRequestedAt,
          stoppedAt: vm.stoppedAt,
          detail: vm.detail,
          restarted: vm.restarted ?? 'no',
          restartedAt: vm.restartedAt,
          restartError: vm.restartError,
        }),
      );
    for (const s of r?.steps ?? [])
      out.push(
        record({
          type: 'step',
          rolloutId,
          host: h.name,
          step: s.name,
          status: s.status,
          detail: s.detail,
          startedAt: s.startedAt,
          durationMs: s.durationMs,
        }),
      );
    for (const c of r?.commands ?? [])
      out.push(
        record({
          type: 'command',
          rolloutId,
          host: h.name,
          step: c.step,
          command: c.command,
          exitCode: c.exitCode,
          durationMs: c.durationMs,
          at: c.at,
        }),
      );
  }
  return out;
}

export function renderAuditJsonl(
  report: RolloutReport,
  reports: ReadonlyMap<string, ProcedureReport>,
): string {
  return auditRecords(report, reports)
    .map((r) => JSON.stringify(r))
    .join('\n')
    .concat('\n');
}

export function renderAuditText(
  report: RolloutReport,
  reports: ReadonlyMap<string, ProcedureReport>,
): string {
  const lines = renderReportSummary(report);
  if (report.retryOf) lines.splice(1, 0, `  retry of ${report.retryOf}`);
  lines.push(`  params: ${JSON.stringify(report.params)}`);
  for (const e of report.events) lines.push(`  ${e.at}  ${e.action}${e.reason ? `: ${e.reason}` : ''}`);
  for (const h of report.hosts) {
    const r = reports.get(h.name);
    const took = durationBetween(r?.startedAt ?? h.startedAt, r?.finishedAt ?? h.finishedAt);
    lines.push(
      '',
      `${h.name} (${h.cluster}): ${r?.outcome ?? h.phase}` +
        (took !== undefined ? ` in ${formatClock(took)}` : '') +
        `, ${r?.reboots ?? h.reboots ?? 0} reboot(s)` +
        ((r?.reason ?? h.reason) ? ` - ${r?.reason ?? h.reason}` : ''),
    );
    for (const change of r?.changes ?? []) lines.push(`  changed: ${change}`);
    for (const vm of r?.vms?.stopped ?? [])
      lines.push(
        `  vm ${vm.name}: ${vm.how ?? 'not stopped'}${vm.stoppedAt ? ` at ${vm.stoppedAt}` : ''}` +
          (vm.restarted
            ? `, ${vm.restarted}${vm.restartedAt ? ` at ${vm.restartedAt}` : ''}${vm.restartError ? ` (${vm.restartError})` : ''}`
            : ', not powered on again'),
      );
    const stepNames = new Set((r?.steps ?? []).map((s) => s.name));
    const commandLine = (c: { command: string; exitCode: number; durationMs: number }) =>
      `            $ ${c.command}  -> exit ${c.exitCode}, ${c.durationMs}ms`;
    for (const s of r?.steps ?? []) {
      lines.push(`  ${s.status.padEnd(7)} ${s.name}  (${formatClock(s.durationMs)})  ${s.detail}`);
      for (const c of (r?.commands ?? []).filter((c) => c.step === s.name)) lines.push(commandLine(c));
    }
    const loose = (r?.commands ?? []).filter((c) => !stepNames.has(c.step));
    if (loose.length) lines.push('  other commands:', ...loose.map(commandLine));
  }
  return lines.join('\n') + '\n';
}
