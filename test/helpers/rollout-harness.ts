import type { Client, WorkflowHandle } from '@temporalio/client';
import { parseShellLog } from '../../activities/esxi/parsers';
import type { ProcedureName } from '../../common/procedures';
import {
  rolloutOptionsSchema,
  type RolloutInput,
  type RolloutOptions,
  type RolloutProgress,
} from '../../common/rollout';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId, type HostRef, type TargetRef } from '../../common/targets';
import { rolloutProgressQuery } from '../../workflows/messages';
import { fastHostOptions, sshRead } from './ibfleet-harness';

let rolloutCounter = 0;

export async function startRollout(
  client: Client,
  taskQueue: string,
  procedure: ProcedureName,
  targets: TargetRef[],
  options: Partial<RolloutOptions> = {},
  params: Record<string, unknown> = {},
): Promise<WorkflowHandle> {
  rolloutCounter += 1;
  const rolloutId = `t${process.pid}-${rolloutCounter}`;
  const input: RolloutInput = {
    rolloutId,
    procedure,
    params,
    targets,
    options: rolloutOptionsSchema.parse({ host: fastHostOptions, ...options }),
    startedBy: 'test',
  };
  return await client.workflow.start('rolloutWorkflow', {
    taskQueue,
    workflowId: rolloutWorkflowId(rolloutId),
    args: [input],
    typedSearchAttributes: [
      { key: IbRolloutId, value: rolloutId },
      { key: IbProcedure, value: procedure },
      { key: IbPhase, value: 'running' },
    ],
  });
}

/** Poll the rollout's progress query until `predicate` holds (bounded). */
export async function waitForProgress(
  handle: WorkflowHandle,
  predicate: (p: RolloutProgress) => boolean,
  timeoutMs = 60_000,
): Promise<RolloutProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query(rolloutProgressQuery);
    if (predicate(p)) return p;
    if (Date.now() > deadline)
      throw new Error(`rollout progress never matched; last: ${JSON.stringify(p.counts)} ${p.phase}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Interval {
  host: string;
  cluster: string;
  start: number;
  end: number;
}

/** When each host was worked on, from its own shell.log (first to last command since `sinceMs`). */
export async function workIntervals(hosts: HostRef[], sinceMs: number): Promise<Interval[]> {
  const out: Interval[] = [];
  for (const h of hosts) {
    const entries = parseShellLog(await sshRead(h, 'cat /var/log/shell.log')).filter(
      (e) => (e.epochMs ?? 0) >= sinceMs && e.command !== 'cat /var/log/shell.log',
    );
    if (entries.length === 0) continue;
    out.push({
      host: h.name,
      cluster: h.cluster,
      start: entries[0].epochMs ?? 0,
      end: entries[entries.length - 1].epochMs ?? 0,
    });
  }
  return out;
}

/** The largest number of intervals open at once (optionally only those matching `filter`). */
export function maxOverlap(intervals: Interval[], filter: (i: Interval) => boolean = () => true): number {
  const events = intervals
    .filter(filter)
    .flatMap((i) => [
      { t: i.start, d: 1 },
      { t: i.end, d: -1 },
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}
