import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FleetActivities } from '../../activities/contract';
import { endpointCredentials, summarizeCredentialProblems } from '../../common/credential-check';
import type { HostProgress } from '../../common/rollout';
import {
  ROLLOUT_CHECK_INTERVAL_MS,
  type ShardInput,
  type ShardNews,
  type ShardReady,
  type ShardReport,
} from '../../common/rollout-shards';
import { IbPhase } from '../../common/search-attributes';
import { vsanClusters, vsanHostsByCluster, vsanLimitApplies } from '../../common/rollout-vsan';
import { rolloutWorkflowId, targetCluster, type HostRef } from '../../common/targets';
import { classify, invalidInput } from '../host/failures';
import { hostFinishedSignal, type HostFinished } from '../messages';
import { leaseGrantedSignal } from '../lease-messages';
import { awaitHostResults, launchHost, stopHosts, type HostLaunch } from './hosts';
import { ClusterLeases } from './leases';
import { shardInputProblems } from './input';
import { readRebootDurations } from './order';
import { ShardHosts } from './shard-hosts';
import {
  shardCloseSignal,
  shardNewsSignal,
  shardReadySignal,
  shardStartSignal,
  shardStopHostsSignal,
  shardStopSignal,
} from './shard-messages';

const { checkCredentials } = proxyActivities<FleetActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
  summary: "check on the worker that every credential reference of the shard's targets can be used",
});

/**
 * Since this patch a shard notices on its own that its rollout ended without closing it (terminated
 * from outside): a signal to the rollout fails, or (idle) a check every ROLLOUT_CHECK_INTERVAL_MS
 * finds it gone. It then asks its hosts in flight to stop at their next safe point, skips those never
 * started, and closes. Before it, a shard only skipped its pending hosts when a signal failed, and an
 * idle one waited for `ibfleet rollout cancel`.
 */
export const SHARD_WATCHES_ROLLOUT_PATCH = 'ibfleet-shard-watches-rollout';

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
    openChildren: 0,
    ...(vsanLimitApplies(input.procedure) ? { vsanHosts: shardVsanHosts(input) } : {}),
    ...(input.leaseLimits && Object.keys(input.leaseLimits).length > 0
      ? {
          leases: new ClusterLeases(
            input.rolloutId,
            workflowInfo().workflowId,
            input.leaseLimits,
            () => (changes += 1),
          ),
        }
      : {}),
  };
  let stopReason = carried?.stopReason;
  let closing = carried?.closing;
  // The loop's wake-up: bumped by every message and every host start or end, and the loop waits until
  // it moves. A counter rather than a flag, so that a change arriving while a pass runs (or awaits the
  // rollout's signal) is never lost by clearing the flag after it.
  let changes = 0;
  const toStart: number[] = [];
  let news: ShardNews = { shard: input.shard, started: [], ended: [] };
  // SHARD_WATCHES_ROLLOUT_PATCH: whether the rollout showed it still runs (a signal either way) since
  // the last check, and whether it was found gone.
  const watchesRollout = patched(SHARD_WATCHES_ROLLOUT_PATCH);
  let heardFromRollout = false;
  let rolloutGone = false;

  const ended = (f: HostFinished) => {
    const e = hosts.recordEnd(f);
    if (e) {
      launch.leases?.release(hosts.target(e.index));
      news.ended.push(e);
    }
    changes += 1;
  };
  setHandler(hostFinishedSignal, ended);
  setHandler(leaseGrantedSignal, (g) => launch.leases?.grant(g));
  setHandler(shardStartSignal, (indices) => {
    heardFromRollout = true;
    toStart.push(...indices.filter((i) => hosts.has(i)));
    changes += 1;
  });
  setHandler(shardStopSignal, (reason) => {
    heardFromRollout = true;
    stopInFlight(reason);
  });
  setHandler(shardStopHostsSignal, ({ indices, reason }) => {
    heardFromRollout = true;
    const targets = (Array.isArray(indices) ? indices : [])
      .filter((i) => hosts.has(i) && hosts.host(i).phase === 'running')
      .map((i) => hosts.target(i));
    for (const t of targets) launch.leases?.abandon(t, `not started: ${reason}`);
    stopHosts(targets, reason);
    changes += 1;
  });
  setHandler(shardCloseSignal, (reason) => {
    heardFromRollout = true;
    closing ??= reason;
    changes += 1;
  });

  if (watchesRollout)
    void watchRollout(input.rolloutCheckIntervalMs ?? ROLLOUT_CHECK_INTERVAL_MS).catch((err: unknown) => {
      if (!isCancellation(err)) throw err;
    });
  if (!carried) {
    const ready = await prepare(input, hosts);
    await rollout.signal(shardReadySignal, ready).then(
      () => void (heardFromRollout = true),
      (err: unknown) => unreachable(err),
    );
  }

  for (;;) {
    // Taken first: what happens while this pass waits on the rollout (tellRollout) wakes the next one.
    const seen = changes;
    for (const i of toStart.splice(0)) {
      // Pending, or stopped when a maintenance window closed (the rollout starts it again).
      if (!['pending', 'cancelled'].includes(hosts.host(i).phase)) continue;
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
    if (
      closing !== undefined &&
      toStart.length === 0 &&
      hosts.running().length === 0 &&
      (launch.leases?.settled() ?? true)
    )
      break;
    const info = workflowInfo();
    if (
      (info.continueAsNewSuggested || info.historyLength > input.continueAsNewAfterEvents) &&
      hosts.allAcknowledged() &&
      (launch.leases?.settled() ?? true) &&
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
  await awaitHostResults(launch);
  upsertSearchAttributes([{ key: IbPhase, value: 'closed' }]);
  publish();
  return { rolloutId: input.rolloutId, shard: input.shard, offset: input.offset, hosts: hosts.hosts };

  /** Sends what started and ended since last time; a rollout that cannot be reached closes the shard. */
  async function tellRollout(): Promise<void> {
    if (news.started.length === 0 && news.ended.length === 0) return;
    const batch = news;
    news = { shard: input.shard, started: [], ended: [] };
    if (rolloutGone) return; // nobody to tell: the shard is closing
    try {
      await rollout.signal(shardNewsSignal, batch);
      heardFromRollout = true;
    } catch (err) {
      unreachable(err);
    }
  }

  /** A signal to the rollout failed: it ended (a closed workflow cannot be signalled). */
  function unreachable(err: unknown): void {
    const why = classify(err).message;
    log.warn('could not reach the rollout', { rolloutId: input.rolloutId, error: why });
    if (!watchesRollout) {
      closing ??= `not started: the rollout could not be reached (${why})`;
      return;
    }
    rolloutGone = true;
    if (closing !== undefined) return; // closed by the rollout already
    const reason = `rollout ${input.rolloutId} ended without closing its shards (terminated?): ${why}`;
    closing = `not started: ${reason}`;
    stopInFlight(reason);
  }

  /** Hosts in flight stop at their next safe point (or finish); hosts granted later are not started. */
  function stopInFlight(reason: string): void {
    stopReason ??= reason;
    const running = hosts.running().map((i) => hosts.target(i));
    for (const t of running) launch.leases?.abandon(t, `not started: ${reason}`);
    stopHosts(running, reason);
    changes += 1;
  }

  /**
   * Every `everyMs` while the shard runs: if nothing showed the rollout still runs since the last
   * time, an empty news signal asks (the rollout does nothing with it). Fails when the rollout ended.
   */
  async function watchRollout(everyMs: number): Promise<void> {
    while (!rolloutGone && closing === undefined) {
      await sleep(everyMs);
      if (heardFromRollout || closing !== undefined) heardFromRollout = false;
      else
        await rollout.signal(shardNewsSignal, { shard: input.shard, started: [], ended: [] }).then(
          () => undefined,
          (err: unknown) => unreachable(err),
        );
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

/** The shard's own vSAN hosts and those of its clusters in other shards, by cluster. */
function shardVsanHosts(input: ShardInput): Map<string, HostRef[]> {
  const byCluster = vsanHostsByCluster(input.targets);
  for (const [cluster, others] of Object.entries(input.vsanPeers ?? {}))
    if (byCluster.has(cluster)) byCluster.set(cluster, [...byCluster.get(cluster)!, ...others]);
  return byCluster;
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
    vsanClusters: vsanClusters(input.targets),
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
