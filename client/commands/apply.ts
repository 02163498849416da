import type { HostConvergePlan } from '../../common/converge-plan';
import { procedureParamsSchemas } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { UsageError } from '../cli-error';
import { fabricFollowUps } from '../converge/render-plan';
import { missingDesiredProblems } from '../converge/targets';
import type { CliDeps, TemporalAccess } from '../deps';
import { convergeParamsFor } from '../inventory/desired';
import { loadInventory } from '../inventory/load';
import { selectTargets } from '../inventory/select';
import { fetchProcedureReports } from '../rollout/host-reports';
import { payloadEncodingFromEnv, refuseOversizedRollout } from '../rollout/input-size';
import { prepareRollout, type StartFlags } from '../rollout/prepare';
import { loadRolloutState } from '../rollout/state';
import { launchRollout } from './rollout-start';
import { withTemporal } from './with-temporal';

// `ibfleet apply -i FILE [rollout options]`: converge every selected host to its cluster's declared state,
// as a rollout of the `converge` procedure (each host one workflow, fewest reboots; every rollout option
// applies). The desired state travels once per cluster in the rollout's parameters. With --watch, the
// end says per host what changed and how many reboots it took. The switch's OpenSM virtualization and
// the bandwidth gate, which apply does not change, are printed as the steps that follow.

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
    prepared = prepareRollout('converge', { ...flags, set: [] }, deps);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.message.split('\n'));
  }
  if (problems.length > 0 || !prepared) throw new UsageError(problems.join('\n'));
  const { input, inventory } = prepared;
  input.params = convergeParamsFor(inventory.clusters, input.targets as HostRef[]);
  const check = procedureParamsSchemas.converge.safeParse(input.params);
  if (!check.success)
    throw new UsageError(
      check.error.issues.map((i) => `desired state ${i.path.join('.')}: ${i.message}`).join('\n'),
    );
  await refuseOversizedRollout(input, payloadEncodingFromEnv(deps.env));
  const source = { file: flags.inventory, targetPaths: inventory.targetPaths };
  return withTemporal(deps, async (temporal) => {
    const code = await launchRollout(temporal, input, flags.watch === true, deps, source);
    if (flags.watch === true) await printConvergence(temporal, input.rolloutId, deps);
    const selected = new Set((input.targets as HostRef[]).map((h) => h.cluster));
    const next = fabricFollowUps(
      inventory.clusters.filter((c) => selected.has(c.name)),
      flags.inventory,
    );
    if (next.length > 0)
      deps.stdout.write(
        [
          '',
          'Not done by apply: once the hosts have converged, the switch and the guests are checked by their own procedures:',
          ...next,
        ].join('\n') + '\n',
      );
    return code;
  });
}

/** Per host: what converge changed and how many reboots it took (from the host workflows' reports). */
async function printConvergence(temporal: TemporalAccess, rolloutId: string, deps: CliDeps): Promise<void> {
  const state = await loadRolloutState(temporal, rolloutId).catch(() => undefined);
  if (state?.kind !== 'completed') return;
  const reports = await fetchProcedureReports(temporal, 'converge', state.report.hosts);
  const lines = ['', 'Convergence per host:'];
  for (const h of state.report.hosts) lines.push(...convergenceLines(h.name, reports.get(h.name), h.reason));
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
