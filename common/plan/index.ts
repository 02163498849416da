import { procedures, type Procedure, type ProcedureName } from '../procedures/catalog';
import type { PlannedStep, PlanOptions } from './types';

// What a procedure would run on one target, step by step, following the InfiniBand-on-vSphere-8 guide.
// Used by `ibfleet rollout start --dry-run`. Step names are those the procedure workflows report
// (common/procedure-steps.ts, so the plan reads like the live view), and command strings are those of
// activities/esxi/commands.ts (test/client/plan.test.ts checks them; common/ may not import activities).
// Pure and deterministic: values only known on the host (stored module options, cards, vmnic names)
// appear as <placeholders>. Each procedure's plan is in its record (common/procedures/catalog.ts).

export type { PlannedStep, PlanOptions } from './types';

/**
 * The steps and commands of `procedure` with `params` (validated and defaulted here, so `{}` means
 * the defaults). Throws the zod error when params are invalid.
 */
export function procedurePlan(
  procedure: ProcedureName,
  params: Record<string, unknown> = {},
  options: PlanOptions = {},
): PlannedStep[] {
  const p: Procedure = procedures[procedure];
  return p.plan(p.params.parse(params), {
    ...options,
    maintenanceMode: options.maintenanceMode ?? true,
  });
}
