import { rolloutInputSchema, type RolloutInput } from '../../common/rollout';
import { rolloutWorkflowId } from '../../common/targets';
import { CliFailure } from '../cli-error';
import type { TemporalAccess } from '../deps';

// The input a rollout was started with, read from the first event of its first run (a rollout that
// continued-as-new carries other input in later runs). retry needs its targets and options; report
// needs the options for the audit trail.

async function startedEvent(temporal: TemporalAccess, workflowId: string, runId?: string) {
  const response = await temporal.client.workflowService.getWorkflowExecutionHistory({
    namespace: temporal.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const attrs = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!attrs)
    throw new CliFailure(`workflow ${workflowId}: first history event is not WorkflowExecutionStarted`);
  return attrs;
}

export async function fetchOriginalInput(temporal: TemporalAccess, rolloutId: string): Promise<RolloutInput> {
  const workflowId = rolloutWorkflowId(rolloutId);
  let attrs = await startedEvent(temporal, workflowId);
  const firstRunId = attrs.firstExecutionRunId;
  if (firstRunId && attrs.continuedExecutionRunId)
    attrs = await startedEvent(temporal, workflowId, firstRunId);
  const payload = attrs.input?.payloads?.[0];
  if (!payload) throw new CliFailure(`workflow ${workflowId} was started without input`);
  // History holds payloads as encoded by the client: undo the codecs (e.g. encryption) first, last one first.
  const { payloadConverter, payloadCodecs } = temporal.client.options.loadedDataConverter;
  let payloads = [payload];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  const value: unknown = payloadConverter.fromPayload(payloads[0]);
  const parsed = rolloutInputSchema.safeParse(value);
  if (!parsed.success)
    throw new CliFailure(
      `workflow ${workflowId}: its input is not a rollout input (${parsed.error.issues[0]?.message})`,
    );
  // Checked (every target too) with the schema the rollout workflow checks its input with.
  return parsed.data;
}
