import { procedures, type ProcedureName, type ProcedureParams } from '../procedures/catalog';
import { convergePlan } from './converge';
import { switchSmVirtPlan, validateBandwidthPlan } from './fabric';
import { moduleReloadPlan, preflightPlan, recoveryCyclePlan } from './host-procedures';
import { sriovDisablePlan, sriovEnablePlan } from './sriov';
import type { PlannedStep, PlanOptions, ResolvedPlanOptions } from './types';

// What a procedure would run on one target, step by step, following the InfiniBand-on-vSphere-8 guide.
// Used by `ibfleet rollout start --dry-run`. Step names are those the procedure workflows report
// (common/procedure-steps.ts, so the plan reads like the live view), and command strings are those of
// activities/esxi/commands.ts (test/client/plan.test.ts checks them; common/ may not import activities).
// Pure and deterministic: values only known on the host (stored module options, cards, vmnic names)
// appear as <placeholders>. Not in the procedures' records (common/procedures/catalog.ts), which every
// workflow imports: no workflow runs a plan (issue #15, each workflow keeps its own module instances).

export type { PlannedStep, PlanOptions } from './types';

/** What each procedure would run on one target, step by step; params are parsed. */
const plans: {
  [P in ProcedureName]: (params: ProcedureParams[P], options: ResolvedPlanOptions) => PlannedStep[];
} = {
  preflight: preflightPlan,
  'recovery-cycle': (_p, o) => recoveryCyclePlan(o),
  'sriov-enable': sriovEnablePlan,
  'sriov-disable': sriovDisablePlan,
  'module-reload': moduleReloadPlan,
  'switch-sm-virt': switchSmVirtPlan,
  'validate-bandwidth': validateBandwidthPlan,
  converge: (_p, o) => convergePlan(o),
};

/**
 * The steps and commands of `procedure` with `params` (validated and defaulted here, so `{}` means
 * the defaults). Throws the zod error when params are invalid.
 */
export function procedurePlan(
  procedure: ProcedureName,
  params: Record<string, unknown> = {},
  options: PlanOptions = {},
): PlannedStep[] {
  // The params schema and the plan of the same procedure: parse's output is that plan's params.
  const plan = plans[procedure] as (params: unknown, options: ResolvedPlanOptions) => PlannedStep[];
  return plan(procedures[procedure].params.parse(params), {
    ...options,
    maintenanceMode: options.maintenanceMode ?? true,
  });
}
