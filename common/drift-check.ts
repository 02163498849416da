import { z } from 'zod';
import { desiredClusterSchema } from './desired-state';
import { notifyTargetSchema } from './notify';
import { rolloutInputSchema } from './rollout';

// The input of a scheduled drift check (workflows/drift-check.ts), shared with `ibfleet schedule`.

export const DRIFT_CHECK_PROCEDURE = 'drift-check';
export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

export const driftCheckInputSchema = z.strictObject({
  /** The schedule's name (schedule ID ibfleet-drift-<name>). */
  schedule: z.string().regex(SCHEDULE_NAME, 'must be 1-40 letters, digits, "_" or "-"'),
  /** The preflight rollout to run; its rolloutId is a placeholder (each run gets its own: driftRolloutId). */
  rollout: rolloutInputSchema.refine((r) => r.procedure === 'preflight', {
    message: 'a drift check runs the read-only preflight procedure only',
    path: ['procedure'],
  }),
  /** Desired state per cluster (the inventory's `desired:` blocks); none: the always-on checks only. */
  desired: z.record(z.string(), desiredClusterSchema()).default({}),
  notify: z.array(notifyTargetSchema).max(16).default([]),
});
export type DriftCheckInput = z.input<typeof driftCheckInputSchema>;

/** drift-<schedule>-<yyyymmdd-hhmmss> of the run's start (UTC): at most 62 characters. */
export function driftRolloutId(schedule: string, startMs: number): string {
  const t = new Date(startMs).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `drift-${schedule}-${t}`;
}
