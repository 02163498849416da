import type { WorkflowExecutionInfo } from '@temporalio/client';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId } from '../../common/targets';
import { EXIT_OK, UsageError } from '../cli-error';
import type { CliDeps } from '../deps';
import { renderAuditJsonl, renderAuditText } from '../rollout/audit';
import { fetchProcedureReports, fillRunningSteps } from '../rollout/host-reports';
import { parseRolloutIdArg } from '../rollout/rollout-id';
import { ROLLOUT_WORKFLOW_TYPE } from '../rollout/start';
import { findRollout, loadRolloutState } from '../rollout/state';
import { renderProgressFrame } from '../watch/render';
import { renderReportSummary } from '../watch/summary';
import { watchRollout } from '../watch/watch';
import { table, withTemporal } from './with-temporal';

// Read-only rollout commands: watch, status, list, report.

export async function rolloutWatch(idArg: string, deps: CliDeps): Promise<number> {
  const id = parseRolloutIdArg(idArg);
  return withTemporal(deps, async (temporal) =>
    watchRollout(temporal, await findRollout(temporal, id), deps),
  );
}

export interface StatusFlags {
  json?: boolean;
}

export async function rolloutStatus(idArg: string, flags: StatusFlags, deps: CliDeps): Promise<number> {
  const id = parseRolloutIdArg(idArg);
  return withTemporal(deps, async (temporal) => {
    const state = await loadRolloutState(temporal, id);
    const status = state.description.status.name;
    const out = deps.stdout;
    if (flags.json) {
      const body =
        state.kind === 'running'
          ? { rolloutId: id, status, progress: state.progress, progressError: state.progressError }
          : state.kind === 'completed'
            ? { rolloutId: id, status, report: state.report }
            : { rolloutId: id, status, failure: state.failure };
      out.write(JSON.stringify(body, null, 2) + '\n');
      return EXIT_OK;
    }
    if (state.kind === 'running') {
      if (state.progress)
        await fillRunningSteps(temporal, state.progress.procedure, state.progress.hosts, 50);
      if (state.progress)
        out.write(
          renderProgressFrame(state.progress, {
            width: (out.columns ?? 120) - 1,
            maxHostLines: 50,
            now: deps.now(),
          }).join('\n') + '\n',
        );
      else
        out.write(
          `Rollout ${id} is RUNNING (started ${state.description.startTime.toISOString()}), ` +
            `but its progress is unavailable (is an ibfleet worker running?): ${state.progressError ?? ''}\n`,
        );
    } else if (state.kind === 'completed') {
      out.write(renderReportSummary(state.report).join('\n') + '\n');
    } else {
      out.write(`Rollout ${id} is ${status} without a report: ${state.failure}\n`);
    }
    return EXIT_OK;
  });
}

export interface ListFlags {
  json?: boolean;
  limit?: string;
}

interface ListedRollout {
  rolloutId: string;
  procedure: string;
  status: string;
  phase: string;
  startTime: string;
  closeTime?: string;
}

function listed(info: WorkflowExecutionInfo): ListedRollout {
  const prefix = rolloutWorkflowId('');
  const sa = info.typedSearchAttributes;
  return {
    rolloutId:
      sa.get(IbRolloutId) ??
      (info.workflowId.startsWith(prefix) ? info.workflowId.slice(prefix.length) : info.workflowId),
    procedure: sa.get(IbProcedure) ?? '?',
    status: info.status.name,
    phase: sa.get(IbPhase) ?? '',
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
  };
}

export async function rolloutList(flags: ListFlags, deps: CliDeps): Promise<number> {
  const limitText = flags.limit ?? '50';
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 10_000))
    throw new UsageError(
      `--limit: must be a whole number from 1 to 10000 (got ${JSON.stringify(flags.limit)})`,
    );
  return withTemporal(deps, async (temporal) => {
    const rows: ListedRollout[] = [];
    const seen = new Set<string>();
    for await (const info of temporal.client.workflow.list({
      query: `WorkflowType='${ROLLOUT_WORKFLOW_TYPE}'`,
    })) {
      // A rollout that continued-as-new has one closed run per continuation: list the rollout once.
      if (info.status.name === 'CONTINUED_AS_NEW' || seen.has(info.workflowId)) continue;
      seen.add(info.workflowId);
      rows.push(listed(info));
      if (rows.length >= limit) break;
    }
    rows.sort((a, b) => b.startTime.localeCompare(a.startTime));
    if (flags.json) {
      deps.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return EXIT_OK;
    }
    if (rows.length === 0) {
      deps.stdout.write(`no rollouts in namespace ${temporal.namespace}\n`);
      return EXIT_OK;
    }
    deps.stdout.write(
      table([
        ['ID', 'PROCEDURE', 'STATUS', 'PHASE', 'STARTED', 'CLOSED'],
        ...rows.map((r) => [
          r.rolloutId,
          r.procedure,
          r.status,
          r.phase || '-',
          r.startTime,
          r.closeTime ?? '-',
        ]),
      ]).join('\n') + '\n',
    );
    return EXIT_OK;
  });
}

export const REPORT_FORMATS = ['jsonl', 'json', 'text'] as const;

export interface ReportFlags {
  format?: string;
}

export async function rolloutReport(idArg: string, flags: ReportFlags, deps: CliDeps): Promise<number> {
  const id = parseRolloutIdArg(idArg);
  const format = flags.format ?? 'jsonl';
  if (!(REPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(
      `--format: must be one of ${REPORT_FORMATS.join(', ')} (got ${JSON.stringify(format)})`,
    );
  return withTemporal(deps, async (temporal) => {
    const state = await loadRolloutState(temporal, id, { allHosts: true });
    if (state.kind === 'running')
      throw new UsageError(
        `rollout ${id} is still running; its report exists once it closes (see: ibfleet rollout status ${id})`,
      );
    if (state.kind === 'closed')
      throw new UsageError(`rollout ${id} is ${state.status} and has no report: ${state.failure}`);
    const report = state.report;
    const reports = await fetchProcedureReports(temporal, report.procedure, report.hosts);
    if (format === 'json')
      deps.stdout.write(JSON.stringify({ report, hostReports: Object.fromEntries(reports) }, null, 2) + '\n');
    else if (format === 'text') deps.stdout.write(renderAuditText(report, reports));
    else deps.stdout.write(renderAuditJsonl(report, reports));
    return EXIT_OK;
  });
}
