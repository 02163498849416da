import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FleetActivities } from '../../activities/contract';
import { endpointCredentials, summarizeCredentialProblems } from '../../common/credential-check';
import type { HostProgress } from '../../common/rollout';
import type { ShardInput, ShardNews, ShardReady, ShardReport } from '../../common/rollout-shards';
import { IbPhase } from '../../common/search-attributes';
import { rolloutWorkflowId, targetCluster } from '../../common/targets';
import { classify, invalidInput } from '../host/procedure-run';
import { hostFinishedSignal, type HostFinished } from '../messages';
import { launchHost, stopHosts, type HostLaunch } from './hosts';
import { shardInputProblems } from './input';
import { readRebootDurations } from './order';
import { ShardHosts } from './shard-hosts';
import {
  shardCloseSignal,
  shardNewsSignal,
  shardReadySignal,
  shardStartSignal,
  shardStopSignal,
} from './shard-messages';

const { checkCredentials } = proxyActivities<FleetActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
  summary: "check on the worker that every credential reference of the shard's targets can be used",
});

/** What a shard carries across continue-as-new (its input is passed again unchanged). */
export interface ShardCarried {
  hosts: HostProgress[];
  stopReason?: string;
  closing?: string;
}

/**
 * One shard of a large rollout (rollout-shards.ts), started by the client after the rollout: it holds
 * a slice of the targets, checks their credentials, reports ready to the rollout (which refuses to
 * start any host until every shard did), starts their host workflows when the rollout says so, and
 * tells the rollout which started and how each ended. It decides nothing: every rule is the rollout's. It ends when the rollout
 * closes it, with each host's detail as its result (the audit trail reads it).
 */
export async function rolloutShardWorkflow(input: ShardInput, carried?: ShardCarried): Promise<ShardReport> {
  const problems = shardInputProblems(input);
  if (problems.length > 0) throw invalidInput(`invalid shard input: ${problems.join('; ')}`);
  const hosts = new ShardHosts(
    input.offset,
    input.targets,
    carried?.hosts ?? ShardHosts.initial(input.offset, input.targets, input.canaries),
  );
  const rollout = getExternalWorkflowHandle(rolloutWorkflowId(input.rolloutId));
  const launch: HostLaunch = {
    rolloutId: input.rolloutId,
    procedure: input.procedure,
    params: input.params,
    hostOptions: input.hostOptions,
  };
  let stopReason = carried?.stopReason;
  let closing = carried?.closing;
  let changes = 0;
  const toStart: number[] = [];
  let news: ShardNews = { shard: input.shard, started: [], ended: [] };

  const ended = (f: HostFinished) => {
    const e = hosts.recordEnd(f);
    if (e) news.ended.push(e);
    changes += 1;
  };
  setHandler(hostFinishedSignal, ended);
  setHandler(shardStartSignal, (indices) => {
    toStart.push(...indices.filter((i) => hosts.has(i)));
    changes += 1;
  });
  setHandler(shardStopSignal, (reason) => {
    stopReason ??= reason;
    stopHosts(
      hosts.running().map((i) => hosts.target(i)),
      reason,
    );
    changes += 1;
  });
  setHandler(shardCloseSignal, (reason) => {
    closing ??= reason;
    changes += 1;
  });

  if (!carried) {
    const ready = await prepare(input, hosts);
    await rollout.signal(shardReadySignal, ready).catch((err: unknown) => {
      closing ??= `not started: the rollout could not be reached (${classify(err).message})`;
    });
  }

  for (;;) {
    // Taken first: what happens while this pass waits on the rollout (tellRollout) wakes the next one.
    const seen = changes;
    for (const i of toStart.splice(0)) {
      if (hosts.host(i).phase !== 'pending') continue;
      const at = new Date().toISOString();
      news.started.push(hosts.markStarted(i, at));
      if (stopReason !== undefined) {
        // The rollout was cancelled while this start was on its way: the host is not touched.
        ended({
          ...notStarted(hosts.host(i).name, at),
          reason: `not started: rollout cancelled (${stopReason})`,
        });
        continue;
      }
      launchHost(launch, hosts.target(i), hosts.host(i), {
        started: (runId) => {
          hosts.acknowledged(i, runId);
          changes += 1;
        },
        finished: ended,
      });
    }
    await tellRollout();
    publish();
    if (closing !== undefined && toStart.length === 0 && hosts.running().length === 0) break;
    const info = workflowInfo();
    if (
      (info.continueAsNewSuggested || info.historyLength > input.continueAsNewAfterEvents) &&
      hosts.allAcknowledged() &&
      toStart.length === 0 &&
      news.started.length === 0 &&
      news.ended.length === 0
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof rolloutShardWorkflow>(input, { hosts: hosts.hosts, stopReason, closing });
    }
    await condition(() => changes !== seen);
  }
  hosts.skipPending(closing ?? 'not started');
  upsertSearchAttributes([{ key: IbPhase, value: 'closed' }]);
  publish();
  return { rolloutId: input.rolloutId, shard: input.shard, offset: input.offset, hosts: hosts.hosts };

  /** Sends what started and ended since last time; a rollout that cannot be reached closes the shard. */
  async function tellRollout(): Promise<void> {
    if (news.started.length === 0 && news.ended.length === 0) return;
    const batch = news;
    news = { shard: input.shard, started: [], ended: [] };
    try {
      await rollout.signal(shardNewsSignal, batch);
    } catch (err) {
      const why = classify(err).message;
      log.warn('could not reach the rollout', { rolloutId: input.rolloutId, error: why });
      closing ??= `not started: the rollout could not be reached (${why})`;
    }
  }

  function publish(): void {
    const count = (phase: string) => hosts.hosts.filter((h) => h.phase === phase).length;
    setCurrentDetails(
      `Shard ${input.shard} of rollout \`${input.rolloutId}\`: ${hosts.hosts.length} targets from #${input.offset} — ` +
        `pending ${count('pending')}, running ${count('running')}, succeeded ${count('succeeded')}, ` +
        `failed ${count('failed')}, needs attention ${count('needs-attention')}` +
        (closing !== undefined ? `, closing (${closing})` : ''),
    );
  }
}

function notStarted(name: string, at: string): HostFinished {
  return { name, runId: '', outcome: 'cancelled', reboots: 0, startedAt: at, finishedAt: at };
}

/** The shard's credentials checked on the worker, and (slowest-first) each host's last reboot duration. */
async function prepare(input: ShardInput, hosts: ShardHosts): Promise<ShardReady> {
  const ready: ShardReady = {
    shard: input.shard,
    offset: input.offset,
    clusters: input.targets.map(targetCluster),
    credentialProblems: [],
  };
  try {
    const { problems } = await checkCredentials({ endpoints: endpointCredentials(input.targets) });
    ready.credentialProblems = summarizeCredentialProblems(problems);
  } catch (err) {
    ready.credentialProblems = [`the credential check on the worker failed: ${classify(err).message}`];
  }
  if (input.readRebootDurations && ready.credentialProblems.length === 0) {
    const read = await readRebootDurations(input.targets, input.hostOptions.timing);
    if (read && 'error' in read) ready.durationsError = read.error;
    else if (read) {
      hosts.setRebootDurations(read.durationsMs);
      ready.rebootDurationsMs = {};
      for (const [name, ms] of Object.entries(read.durationsMs)) {
        const i = hosts.indexOf(name);
        if (i !== undefined) ready.rebootDurationsMs[i] = ms;
      }
      ready.unknownDurations = read.unknown;
    }
  }
  return ready;
}
