import type { HostConvergePlan } from '../../common/converge-plan';
import { procedures } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { EXIT_OK, UsageError } from '../cli-error';
import { applyFabric, fabricNotRunText, prepareFabric, type PreparedFabric } from '../converge/apply-fabric';
import { missingDesiredProblems } from '../converge/targets';
import type { CliDeps, TemporalAccess } from '../deps';
import { convergeParamsFor } from '../inventory/desired';
import { loadInventory } from '../inventory/load';
import { selectTargets } from '../inventory/select';
import { fetchProcedureReports } from '../rollout/host-reports';
import { payloadEncodingFromEnv, refuseOversizedRollout } from '../rollout/input-size';
import { prepareRollout, type StartFlags } from '../rollout/prepare';
import { loadRolloutSnapshot } from '../rollout/snapshot';
import { launchRollout } from './rollout-start';
import { withTemporal } from './with-temporal';

// `ibfleet apply -i FILE [rollout options]`: converge every selected host to its cluster's declared state,
// as a rollout of the `converge` procedure (each host one workflow, fewest reboots; every rollout option
// applies). The desired state travels once per cluster in the rollout's parameters. With --watch, the
// end says per host what changed and how many reboots it took; then the fabric the clusters declare
// follows (client/converge/apply-fabric.ts): switch-sm-virt where a switch differs, then the bandwidth
// gate of the guest pairs.

export type ApplyFlags = Omit<StartFlags, 'dryRun'>;

/** Hosts whose cluster has no desired state, found before the rollout's own checks (all reported at once). */
function desiredProblems(flags: ApplyFlags): string[] {
  try {
    const inventory = loadInventory(flags.inventory);
    const hosts = selectTargets(inventory, 'esxi', flags.select ?? []) as HostRef[];
    return missingDesiredProblems(inventory, flags.inventory, hosts);
  } catch {
    return []; // the inventory's own problems are reported by prepareRollout
  }
}

export async function applyCommand(flags: ApplyFlags, deps: CliDeps): Promise<number> {
  const problems: string[] = [];
  if ((flags.set ?? []).length > 0)
    problems.push('--set: apply takes the declared state from the inventory (clusters[].desired), not --set');
  problems.push(...desiredProblems(flags));
  let prepared;
  try {
    prepared = prepareRollout('converge', { ...flags, set: [] }, deps, {
      paramsFromInventory: (inventory, targets) =>
        convergeParamsFor(inventory.clusters, targets as HostRef[]),
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.message.split('\n'));
  }
  let fabric: PreparedFabric | undefined;
  if (prepared)
    try {
      const clusters = new Set((prepared.input.targets as HostRef[]).map((h) => h.cluster));
      fabric = prepareFabric(flags, deps, prepared.inventory, prepared.input.rolloutId, clusters);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.message.split('\n'));
    }
  if (problems.length > 0 || !prepared || !fabric) throw new UsageError(problems.join('\n'));
  const { input, inventory } = prepared;
  const fabricPhases = fabric;
  const check = procedures.converge.params.safeParse(input.params);
  if (!check.success)
    throw new UsageError(
      check.error.issues.map((i) => `desired state ${i.path.join('.')}: ${i.message}`).join('\n'),
    );
  await refuseOversizedRollout(input, payloadEncodingFromEnv(deps.env));
  const source = { file: flags.inventory, targetPaths: inventory.targetPaths };
  return withTemporal(deps, async (temporal) => {
    const code = await launchRollout(temporal, input, flags.watch === true, deps, source);
    if (flags.watch !== true) {
      deps.stdout.write(fabricNotRunText(fabricPhases.declared, flags.inventory));
      return code;
    }
    await printConvergence(temporal, input.rolloutId, deps);
    const fabricCode = await applyFabric(temporal, fabricPhases, input.rolloutId, deps, source);
    return code !== EXIT_OK ? code : fabricCode;
  });
}

/** Per host: what converge changed and how many reboots it took (from the host workflows' reports). */
async function printConvergence(temporal: TemporalAccess, rolloutId: string, deps: CliDeps): Promise<void> {
  const snapshot = await loadRolloutSnapshot(temporal, rolloutId).catch(() => undefined);
  if (snapshot?.kind !== 'completed') return;
  const reports = await fetchProcedureReports(temporal, 'converge', snapshot.report.hosts);
  const lines = ['', 'Convergence per host:'];
  for (const h of snapshot.report.hosts)
    lines.push(...convergenceLines(h.name, reports.get(h.name), h.reason));
  deps.stdout.write(lines.join('\n') + '\n');
}

export function convergenceLines(
  host: string,
  report: ProcedureReport | undefined,
  reason?: string,
): string[] {
  if (!report) return [`  ${host}: did not run${reason ? ` (${reason})` : ''}`];
  const planned =
    (report.finalState.plan as HostConvergePlan | undefined)?.reboots ??
    (typeof report.found.plannedReboots === 'number' ? report.found.plannedReboots : undefined);
  const reboots = `${report.reboots} reboot(s)${planned !== undefined ? ` (planned ${planned})` : ''}`;
  if (report.outcome !== 'succeeded')
    return [`  ${host}: ${report.outcome} after ${reboots}: ${report.reason ?? ''}`.trimEnd()];
  if (report.changes.length === 0) return [`  ${host}: converged already, nothing changed, ${reboots}`];
  return [`  ${host}: converged, ${reboots}:`, ...report.changes.map((c) => `      ${c}`)];
}
