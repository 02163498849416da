// Workflows for the lease tests: the lease itself, a rollout-like holder and a host stand-in.
import { condition, defineQuery, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LeaseSettings } from '../../common/lease';
import { acquireLease, releaseLease } from '../../workflows/lease-holder';
import { leaseGrantedSignal } from '../../workflows/lease-messages';

export { leaseWorkflow } from '../../workflows/lease';

export const finishSignal = defineSignal('finish');
export const holderStateQuery = defineQuery<'queued' | 'granted' | 'released'>('holderState');

/** Like a rollout with one host: takes a slot (waiting for the grant), holds it until `finish`, releases. */
export async function leaseHolderWorkflow(args: {
  cluster: string;
  host: string;
  hostWorkflowId: string;
  limit: number;
  settings: Partial<LeaseSettings>;
}): Promise<string[]> {
  let state: 'queued' | 'granted' | 'released' = 'queued';
  let finished = false;
  const log: string[] = [];
  setHandler(holderStateQuery, () => state);
  setHandler(finishSignal, () => void (finished = true));
  setHandler(leaseGrantedSignal, (g) => {
    log.push(`signalled ${g.cluster} ${g.host}`);
    state = 'granted';
  });
  const holder = {
    rolloutId: workflowInfo()
      .workflowId.replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(-64),
    rolloutWorkflowId: workflowInfo().workflowId,
    host: args.host,
    hostWorkflowId: args.hostWorkflowId,
  };
  const first = await acquireLease(args.cluster, holder, args.limit, args.settings);
  log.push(first.granted ? 'granted at once' : `queued at ${first.position}`);
  if (first.granted) state = 'granted';
  await condition(() => state === 'granted');
  await condition(() => finished);
  await releaseLease(args.cluster, holder);
  state = 'released';
  return log;
}

/** A host workflow stand-in: runs until `finish`. */
export async function fakeHostWorkflow(): Promise<void> {
  let finished = false;
  setHandler(finishSignal, () => void (finished = true));
  await condition(() => finished);
}
