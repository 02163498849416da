import { z } from 'zod';

// `--ramp 1,2,4,8` or `--ramp exponential`: after the canary, the rollout's window grows step by step
// (Ansible's `serial: [1, 2, 4]`, AWS SSM's exponential rate). Step i allows steps[i] hosts in flight;
// the next step comes only once as many hosts have succeeded since the canary as all steps up to and
// including this one held (1, then 1+2 = 3, then 7, ...). After the last step: --max-parallel.
// Failed hosts do not advance the ramp; the failure budget decides whether the rollout goes on.

/** The ramp as rollout options carry it: the widths of the steps (`exponential` is expanded). */
export const rampSchema = z
  .array(z.number().int().min(1).max(1000))
  .min(1)
  .max(64)
  .refine((steps) => steps.every((s, i) => i === 0 || s >= steps[i - 1]), 'steps must not decrease');
export type Ramp = z.infer<typeof rampSchema>;

export class RampSpecError extends Error {
  override readonly name = 'RampSpecError';
}

/** 1, 2, 4, ... while below maxParallel (the window after the last step is maxParallel anyway). */
export function exponentialRamp(maxParallel: number): Ramp {
  const steps: number[] = [];
  for (let width = 1; width < maxParallel; width *= 2) steps.push(width);
  return steps.length > 0 ? steps : [maxParallel];
}

/** Parses `--ramp`; throws RampSpecError with the reason. */
export function parseRamp(text: string, maxParallel: number): Ramp {
  const t = text.trim();
  if (t.toLowerCase() === 'exponential') return exponentialRamp(maxParallel);
  if (!/^\d+(,\d+)*$/.test(t))
    throw new RampSpecError(`must be "exponential" or widths such as 1,2,4,8 (got ${JSON.stringify(text)})`);
  const steps = t.split(',').map(Number);
  if (steps.some((s) => s < 1)) throw new RampSpecError(`widths must be at least 1 (got ${t})`);
  if (steps.some((s, i) => i > 0 && s < steps[i - 1]))
    throw new RampSpecError(`widths must not decrease (got ${t})`);
  const over = steps.find((s) => s > maxParallel);
  if (over !== undefined)
    throw new RampSpecError(
      `width ${over} is more than --max-parallel (${maxParallel}); the ramp ends at it anyway`,
    );
  const parsed = rampSchema.safeParse(steps);
  if (!parsed.success) throw new RampSpecError(parsed.error.issues[0].message);
  return parsed.data;
}

export interface RampPosition {
  /** Hosts allowed in flight now (never more than maxParallel). */
  width: number;
  /** The step the ramp is at (0-based); steps.length once past the last. */
  step: number;
  /** Successes (since the canary) the next step needs; undefined past the last step. */
  nextStepAfter?: number;
}

/** Where the ramp is after `succeeded` hosts succeeded since the canary; no ramp: maxParallel. */
export function rampPosition(ramp: Ramp | undefined, succeeded: number, maxParallel: number): RampPosition {
  if (!ramp || ramp.length === 0) return { width: maxParallel, step: 0 };
  let needed = 0;
  for (let step = 0; step < ramp.length; step++) {
    needed += ramp[step];
    if (succeeded < needed) return { width: Math.min(ramp[step], maxParallel), step, nextStepAfter: needed };
  }
  return { width: maxParallel, step: ramp.length };
}

/** The window: hosts allowed in flight after `succeeded` successes since the canary. */
export function rampWidth(ramp: Ramp | undefined, succeeded: number, maxParallel: number): number {
  return rampPosition(ramp, succeeded, maxParallel).width;
}

/** "ramp step 2/4: 2 in flight, 4 at 3 succeeded" for the live view and the UI. */
export function rampText(ramp: Ramp | undefined, succeeded: number, maxParallel: number): string | undefined {
  if (!ramp || ramp.length === 0) return undefined;
  const p = rampPosition(ramp, succeeded, maxParallel);
  if (p.nextStepAfter === undefined) return `ramp done: ${maxParallel} in flight`;
  const next = p.step + 1 < ramp.length ? Math.min(ramp[p.step + 1], maxParallel) : maxParallel;
  return `ramp step ${p.step + 1}/${ramp.length}: ${p.width} in flight, ${next} once ${p.nextStepAfter} succeeded (${succeeded} so far)`;
}
