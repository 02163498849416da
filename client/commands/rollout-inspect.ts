import type { WorkflowExecutionInfo } from '@temporalio/client';
import { ROLLOUT_CHECK_INTERVAL_MS } from '../../common/rollout-shards';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId } from '../../common/targets';
import { EXIT_OK, UsageError } from '../cli-error';
import type { CliDeps, TemporalAccess } from '../deps';
import { renderAuditJsonl, renderAuditText } from '../rollout/audit';
import { fetchProcedureReports, fillRunningSteps } from '../rollout/host-reports';
import { parseRolloutIdArg } from '../rollout/rollout-id';
import { ROLLOUT_WORKFLOW_TYPE } from '../rollout/start';
import { shardStatuses } from '../rollout/shards';
import { findRollout, loadRolloutSnapshot, type RolloutSnapshot } from '../rollout/snapshot';
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

/**
 * What only the shards tell about a sharded rollout: shards never started while it waits for them (a
 * start cut short), or shards still running after it ended without closing them (terminated): they
 * notice on their own (shard.ts, SHARD_WATCHES_ROLLOUT_PATCH), `rollout cancel` closes them at once.
 */
async function shardAdvice(temporal: TemporalAccess, id: string, snapshot: RolloutSnapshot): Promise<string> {
  const progress = snapshot.kind === 'running' ? snapshot.progress : undefined;
  const waiting = progress?.shards !== undefined && progress.counts.pending === progress.total;
  if (!waiting && snapshot.kind !== 'closed') return '';
  const statuses = await shardStatuses(temporal, id);
  if (waiting) {
    const missing = statuses.flatMap((s, shard) => (s === undefined ? [shard] : []));
    return missing.length === 0
      ? ''
      : `\n${missing.length} of its ${statuses.length} shard workflows were never started (was the start cut short?): ` +
          `the same \`ibfleet rollout start\` with --id ${id} starts them; \`ibfleet rollout cancel ${id}\` ends the rollout\n`;
  }
  const running = statuses.filter((s) => s === 'RUNNING').length;
  return running === 0
    ? ''
    : `\n${running} of its shard workflows are still running: each notices within ${ROLLOUT_CHECK_INTERVAL_MS / 60_000} ` +
        'minutes that the rollout ended, stops its hosts in flight at their next safe point and closes; ' +
        `\`ibfleet rollout cancel ${id}\` closes them now\n`;
}

export interface StatusFlags {
  json?: boolean;
}

export async function rolloutStatus(idArg: string, flags: StatusFlags, deps: CliDeps): Promise<number> {
  const id = parseRolloutIdArg(idArg);
  return withTemporal(deps, async (temporal) => {
    const snapshot = await loadRolloutSnapshot(temporal, id);
    const status = snapshot.description.status.name;
    const out = deps.stdout;
    if (flags.json) {
      const body =
        snapshot.kind === 'running'
          ? { rolloutId: id, status, progress: snapshot.progress, progressError: snapshot.progressError }
          : snapshot.kind === 'completed'
            ? { rolloutId: id, status, report: snapshot.report }
            : { rolloutId: id, status, failure: snapshot.failure };
      out.write(JSON.stringify(body, null, 2) + '\n');
      return EXIT_OK;
    }
    if (snapshot.kind === 'running') {
      if (snapshot.progress)
        await fillRunningSteps(temporal, snapshot.progress.procedure, snapshot.progress.hosts, 50);
      if (snapshot.progress)
        out.write(
          renderProgressFrame(snapshot.progress, {
            width: (out.columns ?? 120) - 1,
            maxHostLines: 50,
            now: deps.now(),
          }).join('\n') + '\n',
        );
      else
        out.write(
          `Rollout ${id} is RUNNING (started ${snapshot.description.startTime.toISOString()}), ` +
            `but its progress is unavailable (is an ibfleet worker running?): ${snapshot.progressError ?? ''}\n`,
        );
    } else if (snapshot.kind === 'completed') {
      out.write(renderReportSummary(snapshot.report).join('\n') + '\n');
    } else {
      out.write(`Rollout ${id} is ${status} without a report: ${snapshot.failure}\n`);
    }
    out.write(await shardAdvice(temporal, id, snapshot));
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
    const snapshot = await loadRolloutSnapshot(temporal, id, { allHosts: true });
    if (snapshot.kind === 'running')
      throw new UsageError(
        `rollout ${id} is still running; its report exists once it closes (see: ibfleet rollout status ${id})`,
      );
    if (snapshot.kind === 'closed')
      throw new UsageError(`rollout ${id} is ${snapshot.status} and has no report: ${snapshot.failure}`);
    const report = snapshot.report;
    const reports = await fetchProcedureReports(temporal, report.procedure, report.hosts);
    if (format === 'json')
      deps.stdout.write(JSON.stringify({ report, hostReports: Object.fromEntries(reports) }, null, 2) + '\n');
    else if (format === 'text') deps.stdout.write(renderAuditText(report, reports));
    else deps.stdout.write(renderAuditJsonl(report, reports));
    return EXIT_OK;
  });
}
