import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  HostProgress,
  ProgressRequest,
  RolloutInput,
  RolloutPhase,
  RolloutReport,
} from '../../common/rollout';
import { IbPhase } from '../../common/search-attributes';
import { vsanClusters } from '../../common/rollout-vsan';
import { targetCluster } from '../../common/targets';
import {
  approveUpdate,
  cancelUpdate,
  hostFinishedSignal,
  pauseUpdate,
  resumeUpdate,
  rolloutProgressQuery,
} from '../messages';
import { checkGates } from '../gates';
import { leaseGrantedSignal } from '../lease-messages';
import { fromLegacyCarried, type LegacyCarried } from './carried';
import { currentDetails } from './details';
import { DirectHosts } from './direct';
import { validateRolloutInput } from './input';
import { rolloutProgress } from './progress';
import { RolloutNotifier } from './notifications';
import { rolloutReport } from './report';
import { SHARDED_SETTLES_TO_CONTINUE_PATCH, ShardedHosts } from './sharded';
import { shardNewsSignal, shardReadySignal } from './shard-messages';
import type { HostStarter } from './starter';
import { Rollout, type RolloutCarried } from './state';

/** What a rollout carries across continue-as-new: its state, and (starting hosts itself) each host's detail. */
export interface CarriedState {
  rollout: RolloutCarried;
  hosts?: HostProgress[];
}

/**
 * One rollout of one procedure across many targets: a sliding window (a host starts as soon as a slot
 * frees) limited per rollout and per cluster, a canary gate, a failure budget over the whole rollout,
 * pause / resume / cancel at safe points, and continue-as-new. The rules live in Rollout (state.ts,
 * start-rules.ts); hosts are started by the rollout itself or, for more than MAX_INLINE_TARGETS
 * targets, by its shard workflows (sharded.ts, shard.ts). This function wires them to the messages
 * and to continue-as-new.
 */
export async function rolloutWorkflow(
  input: RolloutInput,
  carriedIn?: CarriedState | LegacyCarried,
): Promise<RolloutReport> {
  validateRolloutInput(input);
  const { options } = input;
  const carried = carriedIn && 'startedAtMs' in carriedIn ? fromLegacyCarried(carriedIn, input) : carriedIn;
  const rollout = new Rollout(
    input,
    carried?.rollout ??
      Rollout.initialCarried(
        options,
        input.inventory ? input.inventory.targets : input.targets.map(targetCluster),
        input.startedBy,
        new Date(),
        vsanClusters(input.targets),
      ),
    () => new Date(),
  );
  const sharded = input.inventory ? new ShardedHosts(input, rollout, carried !== undefined) : undefined;
  const hosts: HostStarter = sharded ?? new DirectHosts(input, rollout, carried?.hosts);
  let lastUpsertedPhase: RolloutPhase | undefined;
  const notifier = new RolloutNotifier(options.ops?.notify);

  // --- messages ------------------------------------------------------------------------------
  setHandler(rolloutProgressQuery, (request?: ProgressRequest) => progress(request));
  setHandler(hostFinishedSignal, (f) => hosts.hostFinished(f));
  if (hosts.leaseGranted) setHandler(leaseGrantedSignal, (g) => hosts.leaseGranted?.(g));
  setHandler(approveUpdate, (reason) => Promise.resolve(rollout.approve(reason)), {
    validator: refuseWith(() => rollout.endedRefusal() ?? rollout.approveRefusal()),
  });
  setHandler(pauseUpdate, (reason) => Promise.resolve(rollout.pause(reason)), {
    validator: refuseWith(() => rollout.endedRefusal() ?? rollout.pauseRefusal()),
  });
  setHandler(resumeUpdate, (reason) => Promise.resolve(rollout.resume(reason)), {
    validator: refuseWith(() => rollout.endedRefusal() ?? rollout.resumeRefusal()),
  });
  setHandler(
    cancelUpdate,
    (reason) => {
      cancel(reason || 'cancelled by operator');
      return Promise.resolve(rollout.phase());
    },
    { validator: refuseWith(() => rollout.cancelRefusal()) },
  );
  if (sharded) {
    setHandler(shardReadySignal, (r) => sharded.shardReady(r));
    setHandler(shardNewsSignal, (n) => sharded.shardNews(n));
  }

  // --- the window ----------------------------------------------------------------------------
  if (!carried) {
    if (sharded) publish();
    await hosts.prepare();
  }
  try {
    await CancellationScope.cancellable(async () => {
      if (!carried && options.order === 'slowest-first') await hosts.orderSlowestFirst();
      for (;;) {
        hosts.stopUntilLater(rollout.ops.windowClosedStops(), 'the maintenance window closed');
        if (rollout.ops.gatesDue()) {
          publish();
          rollout.ops.gatesChecked(await checkGates(input.rolloutId, options.ops?.gates ?? []));
        }
        hosts.start(rollout.hostsToStart());
        publish();
        if (rollout.done()) break;
        if (rollout.canContinueAsNew() && historyIsLong() && (hosts.settled() || settlesToContinue())) {
          await condition(() => hosts.settled() && allHandlersFinished() && notifier.settled());
          const state = rollout.continuedAsNew(workflowInfo().historyLength);
          await continueAsNew<typeof rolloutWorkflow>(input, { rollout: state, hosts: hosts.carried() });
        }
        await nextChange();
      }
    });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled from the Temporal UI/CLI: same as `ibfleet rollout cancel`, hosts in flight finish.
    cancel('workflow cancellation requested');
    await CancellationScope.nonCancellable(async () => {
      while (rollout.count('running') > 0) {
        publish();
        await nextChange();
      }
    });
  }

  const skipReason = rollout.skipReason();
  rollout.close();
  await CancellationScope.nonCancellable(() => hosts.close(skipReason));
  publish();
  await condition(() => allHandlersFinished() && notifier.settled());
  return rolloutReport(rollout, input, hosts.reportHosts(), hosts.shards);

  // --- wiring helpers --------------------------------------------------------------------------
  function cancel(reason: string): void {
    hosts.stop(rollout.requestCancel(reason), reason);
  }

  function progress(request?: ProgressRequest) {
    const { hosts: listed, listed: which } = hosts.listHosts(request);
    return rolloutProgress(rollout, listed, which, hosts.shards);
  }

  /** Keep the Temporal UI current (IbPhase, written when it changes, and the current details); send the notifications due. */
  function publish(): void {
    notifier.send(rollout.ops.takeNotifications());
    const phase = rollout.phase();
    if (phase !== lastUpsertedPhase) {
      upsertSearchAttributes([{ key: IbPhase, value: phase }]);
      lastUpsertedPhase = phase;
    }
    setCurrentDetails(currentDetails(rollout, progress({ hosts: 'active' })));
  }

  /** Waits for the next change, or (a durable timer) until a maintenance window opens. */
  async function nextChange(): Promise<void> {
    const seen = rollout.changes;
    const wakeAtMs = rollout.ops.wakeAtMs();
    if (wakeAtMs === undefined) await condition(() => rollout.changes !== seen);
    else await condition(() => rollout.changes !== seen, Math.max(1, wakeAtMs - Date.now()));
  }

  /**
   * A busy sharded rollout sends grants on nearly every pass (each shard's news frees slots), so its
   * signals were rarely all delivered when it checked: at 10,000 hosts its history grew to 19,562 events
   * with no continue-as-new (bench scenario 5). Since SHARDED_SETTLES_TO_CONTINUE_PATCH it stops granting
   * once its history is long, waits for its signals in flight (moments), and continues as new.
   */
  function settlesToContinue(): boolean {
    return sharded !== undefined && patched(SHARDED_SETTLES_TO_CONTINUE_PATCH);
  }

  function historyIsLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > options.continueAsNewAfterEvents;
  }
}

/** An update validator that refuses with the reason `refusal` gives (an Error: the update is rejected, not the workflow). */
function refuseWith(refusal: () => string | undefined): (reason: string) => void {
  return () => {
    const why = refusal();
    if (why !== undefined) throw new Error(why);
  };
}
