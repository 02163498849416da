import {
  isGrpcDeadlineError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { RolloutPhase } from '../../common/rollout';
import { approveUpdate, cancelUpdate, pauseUpdate, resumeUpdate } from '../../workflows/messages';
import { CliFailure, EXIT_OK, UsageError } from '../cli-error';
import type { CliDeps } from '../deps';
import { parseRolloutIdArg } from '../rollout/rollout-id';
import { closeLeftoverShards } from '../rollout/shards';
import { errorText, findRollout } from '../rollout/snapshot';
import { withTemporal } from './with-temporal';

// approve / pause / resume / cancel: Temporal updates, so the operator learns at once whether the
// rollout accepted the request (and in which phase it is now) instead of firing a signal blindly. Cancel
// of a sharded rollout that ended without closing its shards (terminated) closes them.

export const CONTROL_UPDATES = {
  approve: approveUpdate,
  pause: pauseUpdate,
  resume: resumeUpdate,
  cancel: cancelUpdate,
} as const;
export type ControlAction = keyof typeof CONTROL_UPDATES;

/** How long to wait for a worker to run the update before giving up (it may still apply later). */
export const UPDATE_DEADLINE_MS = 60_000;

export interface ControlFlags {
  reason?: string;
}

export async function rolloutControl(
  action: ControlAction,
  idArg: string,
  flags: ControlFlags,
  deps: CliDeps,
): Promise<number> {
  const id = parseRolloutIdArg(idArg);
  if (flags.reason !== undefined && flags.reason.trim() === '')
    throw new UsageError('--reason: must not be empty');
  // Who asked is part of the audit trail, like startedBy.
  const reason = flags.reason ? `${flags.reason} (by ${deps.identity()})` : `by ${deps.identity()}`;
  return withTemporal(deps, async (temporal) => {
    const ref = await findRollout(temporal, id);
    const status = ref.description.status.name;
    if (status !== 'RUNNING') {
      // Terminated from outside (or failed), a sharded rollout could not close its shards: cancel does.
      const closed =
        action === 'cancel'
          ? await closeLeftoverShards(temporal, id, `rollout ${status.toLowerCase()}, cancelled ${reason}`)
          : 0;
      if (closed === 0) throw new UsageError(`rollout ${id} is ${status}: there is nothing to ${action}`);
      deps.stdout.write(
        `rollout ${id} is ${status}; closed its ${closed} shard workflow(s) still running ` +
          '(hosts in flight stop at their next safe point, hosts not started are skipped)\n',
      );
      return EXIT_OK;
    }
    let phase: RolloutPhase;
    try {
      phase = await temporal.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
        ref.handle.executeUpdate(CONTROL_UPDATES[action], { args: [reason] }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new UsageError(`rollout ${id} refused to ${action}: ${err.cause?.message ?? err.message}`);
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err))
        throw new CliFailure(
          `no worker ran the ${action} request within ${UPDATE_DEADLINE_MS / 1000}s (is an ibfleet worker running?); ` +
            'it may still be applied when one does',
        );
      throw new CliFailure(`${action} failed: ${errorText(err)}`);
    }
    deps.stdout.write(`rollout ${id}: ${action} accepted; phase is now ${phase}\n`);
    return EXIT_OK;
  });
}
