import { procedureNames, procedureNameSchema, procedures, type ProcedureName } from '../../common/procedures';
import { rolloutInputSchema, type RolloutInput, type RolloutOptions } from '../../common/rollout';
import { endpointCredentials } from '../../common/credential-check';
import type { TargetRef } from '../../common/targets';
import { GOVC_VSAN_MODE } from '../../common/vcenter-schemas';
import { workloadOptions } from '../../common/workloads';
import { UsageError } from '../cli-error';
import type { CliDeps } from '../deps';
import {
  checkCredentialsHere,
  cliCredentialPolicy,
  credentialInventoryProblems,
} from '../inventory/credential-checks';
import { loadInventory } from '../inventory/load';
import { formatInventoryProblem, InventoryError } from '../inventory/problems';
import { kindWords, selectTargets } from '../inventory/select';
import { isPinned, type Inventory } from '../inventory/types';
import {
  optionProblemsForTargets,
  parseRolloutFlags,
  workloadFlagProblems,
  type RolloutFlags,
} from '../options/rollout-flags';
import { parseOpsFlags, withOpsOptions, type OpsFlags } from '../options/ops-flags';
import { parseSetParams } from '../options/set-params';
import { generateRolloutId, rolloutIdProblem } from './rollout-id';

// Everything `rollout start` checks before it may talk to Temporal. All problems are collected and
// reported together (one per line); nothing here performs I/O beyond reading the inventory file and
// the key files it names.

export interface StartFlags extends RolloutFlags, OpsFlags {
  inventory: string;
  select?: string[];
  set?: string[];
  id?: string;
  dryRun?: boolean;
  watch?: boolean;
}

export interface PreparedRollout {
  input: RolloutInput;
  inventory: Inventory;
}

/** How a command other than `rollout start` fills in what `--set` cannot say. */
export interface PrepareOptions {
  /** The procedure's params from the inventory (`ibfleet apply`: each cluster's declared state). */
  paramsFromInventory?: (inventory: Inventory, targets: TargetRef[]) => Record<string, unknown>;
}

/**
 * `converge` converges hosts to the state their clusters declare in the inventory: `--set` cannot carry
 * that, so without it a rollout would have nothing to converge to. `ibfleet apply` passes it.
 */
function declaredStateProblem(procedure: ProcedureName, file: string, options: PrepareOptions): string[] {
  if (procedure !== 'converge' || options.paramsFromInventory) return [];
  return [
    "converge: converges each host to its cluster's declared state (clusters[].desired in the inventory), " +
      `which \`rollout start\` does not pass; run \`ibfleet plan -i ${file}\` to see the changes and ` +
      `\`ibfleet apply -i ${file}\` to make them (every rollout option applies)`,
  ];
}

export function parseProcedure(arg: string): ProcedureName {
  const parsed = procedureNameSchema.safeParse(arg);
  if (!parsed.success)
    throw new UsageError(`unknown procedure "${arg}" (procedures: ${procedureNames.join(', ')})`);
  return parsed.data;
}

/** Targets whose host key is not pinned (rollouts refuse them: the worker would refuse to connect). */
export function unpinnedTargetProblems(
  targets: readonly TargetRef[],
  inv: Inventory,
  file: string,
): string[] {
  const problems: string[] = [];
  for (const t of targets) {
    const endpoints = t.kind === 'guest-pair' ? [t.server, t.client] : [t];
    for (const e of endpoints)
      if (!isPinned(e))
        problems.push(
          `${file}: ${inv.targetPaths.get(e.name) ?? e.name}.hostKey: ${e.name} has no pinned host key ` +
            `(run \`ibfleet inventory scan-keys -i ${file} --write\`)`,
        );
  }
  return problems;
}

/**
 * A rebooting procedure takes vSAN hosts with a vCenter into maintenance mode through it, where govc
 * can send no vSAN mode (the workflow refuses too: workflows/host/vcenter-path.ts). Refused here first.
 */
export function vcenterVsanModeProblems(
  procedure: ProcedureName,
  options: RolloutOptions,
  targets: readonly TargetRef[],
): string[] {
  const mode = workloadOptions(options.host.vms).vsanMode;
  if (procedures[procedure].reboots === 0 || mode === GOVC_VSAN_MODE) return [];
  const hosts = targets.filter((t) => t.kind === 'esxi' && t.vsan === true && t.vcenter !== undefined);
  if (hosts.length === 0) return [];
  const names = hosts.slice(0, 3).map((h) => h.name);
  if (hosts.length > 3) names.push(`${hosts.length - 3} more`);
  return [
    `--vsan-mode ${mode}: cannot be sent through vCenter (govc v0.46.3 sends no vSAN mode: vCenter applies ` +
      `${GOVC_VSAN_MODE}), and vSAN host(s) ${names.join(', ')} go through their vCenter; ` +
      `use --vsan-mode ${GOVC_VSAN_MODE}, or \`vcenter: false\` on their cluster`,
  ];
}

/**
 * Credentials of the targets that cannot work, as far as this machine can tell (the worker checks
 * them again, definitively, before the rollout starts: see launchRollout).
 */
function localCredentialProblems(
  targets: readonly TargetRef[],
  inv: Inventory,
  file: string,
  env: CliDeps['env'],
): string[] {
  let policy;
  try {
    policy = cliCredentialPolicy(env);
  } catch (err) {
    if (err instanceof UsageError) return [err.message];
    throw err;
  }
  const { problems } = checkCredentialsHere(endpointCredentials(targets), env, policy);
  return credentialInventoryProblems(problems, file, inv.targetPaths).map(formatInventoryProblem);
}

export function prepareRollout(
  procedureArg: string,
  flags: StartFlags,
  deps: Pick<CliDeps, 'now' | 'randomSuffix' | 'identity' | 'env'>,
  options: PrepareOptions = {},
): PreparedRollout {
  const procedure = parseProcedure(procedureArg);
  const problems: string[] = declaredStateProblem(procedure, flags.inventory, options);

  const opts = parseRolloutFlags(flags);
  problems.push(...opts.problems);
  const ops = parseOpsFlags(flags, opts.options.maxParallel, deps.env);
  problems.push(...ops.problems);
  const params = parseSetParams(procedure, flags.set ?? []);
  problems.push(...params.problems);
  if (flags.id !== undefined) {
    const p = rolloutIdProblem(flags.id);
    if (p) problems.push(p);
  }

  let inventory: Inventory | undefined;
  let targets: TargetRef[] = [];
  try {
    inventory = loadInventory(flags.inventory);
  } catch (err) {
    if (!(err instanceof InventoryError)) throw err;
    problems.push(...err.problems.map(formatInventoryProblem));
  }
  if (inventory) {
    const kind = procedures[procedure].target;
    try {
      targets = selectTargets(inventory, kind, flags.select ?? []);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(err.message);
    }
    if (targets.length > 0) {
      problems.push(...unpinnedTargetProblems(targets, inventory, flags.inventory));
      problems.push(...localCredentialProblems(targets, inventory, flags.inventory, deps.env));
      if (opts.problems.length === 0)
        problems.push(
          ...optionProblemsForTargets(opts.options, targets.length),
          ...vcenterVsanModeProblems(procedure, opts.options, targets),
        );
    }
    if (kind !== 'esxi' && flags.maintenanceMode === false)
      problems.push(
        `--no-maintenance-mode: applies to ESXi hosts only; ${procedure} acts on ${kindWords(kind, 2)}`,
      );
    problems.push(...workloadFlagProblems(procedure, flags));
  }

  if (problems.length > 0 || !inventory) throw new UsageError(problems.join('\n'));

  const input: RolloutInput = {
    rolloutId: flags.id ?? generateRolloutId(procedure, deps.now(), deps.randomSuffix()),
    procedure,
    params: options.paramsFromInventory?.(inventory, targets) ?? params.params,
    targets,
    options: withOpsOptions(opts.options, ops.ops, inventory.clusters, targets),
    startedBy: deps.identity(),
  };
  // The workflow validates its input again; checking here too turns a mismatch into exit 2, not a failed workflow.
  const check = rolloutInputSchema.safeParse(input);
  if (!check.success)
    throw new UsageError(
      check.error.issues.map((i) => `rollout input ${i.path.join('.')}: ${i.message}`).join('\n'),
    );
  return { input, inventory };
}
