import { Context } from '@temporalio/activity';
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  leaseWorkflowId,
  type AcquireRequest,
  type AcquireResult,
  type LeaseHolder,
  type LeaseSettings,
} from '../../common/lease';
import { IbCluster, IbRolloutId } from '../../common/search-attributes';
import { asActivity } from '../step-context';
import { acquireUpdate, releaseUpdate } from '../../workflows/lease-messages';

// The lease workflow's callers and its liveness check, as activities: workflow code can neither start
// another workflow with an update nor describe one, so these use the worker's own Temporal client.

export const LEASE_WORKFLOW_TYPE = 'leaseWorkflow';

export interface AcquireLeaseInput {
  cluster: string;
  request: AcquireRequest;
  /** Used only if this call starts the lease workflow (tests shorten the liveness interval). */
  settings?: Partial<LeaseSettings>;
}

export interface LeaseHoldersAliveResult {
  /** Per holder: its rollout runs, or its host workflow runs a run of this rollout. */
  alive: boolean[];
  /** Why not, per holder ('' when alive). */
  why: string[];
}

export interface LeaseActivities {
  /** Take or queue for a slot (update-with-start of ibfleet/lease/<cluster>). Idempotent. */
  acquireClusterLease(input: AcquireLeaseInput): Promise<AcquireResult>;
  /** Give a slot back or stop waiting. Idempotent; no lease workflow means nothing was held. */
  releaseClusterLease(input: { cluster: string; holderId: string }): Promise<{ released: boolean }>;
  leaseHoldersAlive(input: { holders: LeaseHolder[] }): Promise<LeaseHoldersAliveResult>;
}

function client(): { client: Client; taskQueue: string } {
  const ctx = Context.current();
  return { client: ctx.client, taskQueue: ctx.info.taskQueue };
}

/** A rejected update (its validator refused the request) is deterministic: not retried. */
function refusedUpdate(err: unknown): never {
  if (err instanceof WorkflowUpdateFailedError)
    throw ApplicationFailure.nonRetryable(
      `the lease refused: ${err.cause?.message ?? err.message}`,
      'LeaseRefused',
    );
  throw err;
}

async function acquireClusterLease(input: AcquireLeaseInput): Promise<AcquireResult> {
  const { client: c, taskQueue } = client();
  const workflowId = leaseWorkflowId(input.cluster);
  try {
    return await c.workflow.executeUpdateWithStart(acquireUpdate, {
      args: [input.request],
      startWorkflowOperation: new WithStartWorkflowOperation(LEASE_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [{ cluster: input.cluster, ...(input.settings ? { settings: input.settings } : {}) }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `fleet-wide limit of cluster ${input.cluster}`,
        typedSearchAttributes: [{ key: IbCluster, value: input.cluster }],
      }),
    });
  } catch (err) {
    return refusedUpdate(err);
  }
}

async function releaseClusterLease(input: {
  cluster: string;
  holderId: string;
}): Promise<{ released: boolean }> {
  const { client: c } = client();
  try {
    return await c.workflow
      .getHandle(leaseWorkflowId(input.cluster))
      .executeUpdate(releaseUpdate, { args: [input.holderId] });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { released: false };
    // A lease that ended (idle) holds nothing.
    if (err instanceof Error && /already completed|not found/i.test(err.message)) return { released: false };
    return refusedUpdate(err);
  }
}

type Described = { running: boolean; rolloutId?: string } | undefined;

async function describe(c: Client, workflowId: string): Promise<Described> {
  try {
    const d = await c.workflow.getHandle(workflowId).describe();
    return { running: d.status.name === 'RUNNING', rolloutId: d.typedSearchAttributes.get(IbRolloutId) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

async function leaseHoldersAlive(input: { holders: LeaseHolder[] }): Promise<LeaseHoldersAliveResult> {
  const { client: c } = client();
  const alive: boolean[] = [];
  const why: string[] = [];
  for (const h of input.holders) {
    Context.current().heartbeat();
    const rollout = await describe(c, h.rolloutWorkflowId);
    if (rollout?.running) {
      alive.push(true);
      why.push('');
      continue;
    }
    const host = await describe(c, h.hostWorkflowId);
    const hostRuns = host?.running === true && host.rolloutId === h.rolloutId;
    alive.push(hostRuns);
    why.push(
      hostRuns
        ? ''
        : `rollout ${h.rolloutId} ${rollout ? 'ended' : 'not found'} and host ${h.host} is not running for it`,
    );
  }
  return { alive, why };
}

export function createLeaseActivities(): LeaseActivities {
  return {
    acquireClusterLease: (input) => asActivity(() => acquireClusterLease(input)),
    releaseClusterLease: (input) => asActivity(() => releaseClusterLease(input)),
    leaseHoldersAlive: (input) => asActivity(() => leaseHoldersAlive(input)),
  };
}
