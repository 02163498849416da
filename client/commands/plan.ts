import type { HostRef } from '../../common/targets';
import { EXIT_CHANGES_PENDING, EXIT_NOT_ALL_SUCCEEDED, EXIT_OK, UsageError } from '../cli-error';
import { readHostPlans } from '../converge/read-plans';
import { declaredFabric, type DeclaredFabric } from '../converge/fabric-plan';
import { readSwitchPlans } from '../converge/read-switches';
import { planJson, planTotals, renderPlanText, switchTotals } from '../converge/render-plan';
import { missingDesiredProblems } from '../converge/targets';
import type { CliDeps } from '../deps';
import { convergeParamsFor } from '../inventory/desired';
import { loadInventory } from '../inventory/load';
import { formatInventoryProblem, InventoryError } from '../inventory/problems';
import { selectTargets } from '../inventory/select';
import { parseRolloutFlags, type RolloutFlags } from '../options/rollout-flags';
import { unpinnedTargetProblems } from '../rollout/prepare';
import { generateRolloutId } from '../rollout/rollout-id';
import { withTemporal } from './with-temporal';

// `ibfleet plan -i FILE [--select ...] [--json]`: what apply would change on every host, read only.
// Exit codes: 0 nothing to do, 4 changes pending, 1 some host blocked or not readable, 2 bad input,
// 3 operational error.

export interface PlanFlags extends RolloutFlags {
  inventory: string;
  select?: string[];
  json?: boolean;
  concurrency?: string;
}

export const DEFAULT_CONCURRENCY = 20;

export async function planCommand(flags: PlanFlags, deps: CliDeps): Promise<number> {
  const problems: string[] = [];
  const opts = parseRolloutFlags(flags);
  problems.push(...opts.problems);
  const concurrency = flags.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 500)
    problems.push(
      `--concurrency: must be a whole number from 1 to 500 (got ${JSON.stringify(flags.concurrency)})`,
    );
  let hosts: HostRef[] = [];
  let inventory;
  let declared: DeclaredFabric = { switches: [], gates: [] };
  try {
    inventory = loadInventory(flags.inventory);
    hosts = selectTargets(inventory, 'esxi', flags.select ?? []) as HostRef[];
    problems.push(...missingDesiredProblems(inventory, flags.inventory, hosts));
    problems.push(...unpinnedTargetProblems(hosts, inventory, flags.inventory));
    // The fabric of the selected hosts' clusters: their switches are read too (read only), their gates listed.
    declared = declaredFabric(inventory, new Set(hosts.map((h) => h.cluster)));
    problems.push(
      ...unpinnedTargetProblems(
        declared.switches.map((s) => s.ref),
        inventory,
        flags.inventory,
      ),
    );
  } catch (err) {
    if (err instanceof InventoryError) problems.push(...err.problems.map(formatInventoryProblem));
    else if (err instanceof UsageError) problems.push(err.message);
    else throw err;
  }
  if (problems.length > 0 || !inventory) throw new UsageError(problems.join('\n'));

  const planId = generateRolloutId('converge', deps.now(), deps.randomSuffix()).replace(
    /^converge-/,
    'plan-',
  );
  const params = convergeParamsFor(inventory.clusters, hosts, true);
  const [results, switches] = await withTemporal(deps, (temporal) =>
    Promise.all([
      readHostPlans(temporal, { planId, hosts, params, options: opts.options.host, concurrency }),
      readSwitchPlans(temporal, {
        planId,
        switches: declared.switches,
        timing: opts.options.host.timing,
        concurrency,
      }),
    ]),
  );
  const fabric = { switches, gates: declared.gates };
  if (flags.json) deps.stdout.write(JSON.stringify(planJson(results, fabric, planId), null, 2) + '\n');
  else deps.stdout.write(renderPlanText(results, fabric, { inventoryFile: flags.inventory, planId }));
  const t = planTotals(results);
  const st = switchTotals(switches);
  if (t.blocked + t.unreadable + st.blocked + st.unreadable > 0) return EXIT_NOT_ALL_SUCCEEDED;
  return t.changes + st.changes > 0 ? EXIT_CHANGES_PENDING : EXIT_OK;
}
