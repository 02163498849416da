import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { gateSchema, type GateResult } from '../../common/gates';
import { formatIssues } from '../../common/zod-issues';
import { activitySignal, asActivity } from '../step-context';
import type { Environment } from '../url-ref';
import { runCmdGate } from './commands';
import { runHttpGate } from './http';

export { GATE_COMMANDS_ENV, allowedGateCommands, commandRefusal } from './commands';

export const evaluateGatesInputSchema = z.strictObject({
  rolloutId: z.string().min(1).max(64),
  gates: z.array(gateSchema).min(1).max(16),
});
export type EvaluateGatesInput = z.infer<typeof evaluateGatesInputSchema>;

export interface GateActivities {
  /** Every gate once, at the same time; a failing gate is a result (ok: false), not an error. */
  evaluateGates(input: EvaluateGatesInput): Promise<{ results: GateResult[] }>;
}

export interface GateDeps {
  env: Environment;
  fetch?: typeof fetch;
}

export function createGateActivities(deps: GateDeps): GateActivities {
  return {
    evaluateGates: (raw) =>
      asActivity(async () => {
        const parsed = evaluateGatesInputSchema.safeParse(raw);
        if (!parsed.success)
          throw ApplicationFailure.nonRetryable(
            `invalid gates: ${formatIssues(parsed.error).join('; ')}`,
            'InvalidInput',
          );
        const { rolloutId, gates } = parsed.data;
        const signal = activitySignal();
        const results = await Promise.all(
          gates.map((g) =>
            g.kind === 'http'
              ? runHttpGate(g, { env: deps.env, signal, fetch: deps.fetch })
              : runCmdGate(g, { rolloutId, env: deps.env, signal }),
          ),
        );
        return { results };
      }),
  };
}
