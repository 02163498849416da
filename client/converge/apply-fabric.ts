import type { RolloutInput } from '../../common/rollout';
import { EXIT_NOT_ALL_SUCCEEDED, EXIT_OK, UsageError } from '../cli-error';
import { launchRollout, type TargetSource } from '../commands/rollout-start';
import type { CliDeps, TemporalAccess } from '../deps';
import type { Inventory } from '../inventory/types';
import { prepareRollout, type StartFlags } from '../rollout/prepare';
import { loadRolloutSnapshot } from '../rollout/snapshot';
import { declaredFabric, gateLine, type DeclaredFabric, type DeclaredGate } from './fabric-plan';
import { readSwitchPlans } from './read-switches';

// The fabric phases of `ibfleet apply`, after the hosts' converge rollout: switch-sm-virt on the
// declared switches that differ, then validate-bandwidth on each cluster's gate pairs. Each is an
// ordinary rollout (every target its own workflow, reports, `rollout watch`), prepared together with the
// hosts' rollout so that a bad switch or pair (unpinned key, unusable credential) is exit 2 before
// anything runs.
//
// Order (guide: sections 3, then 4, then the performance test): the hosts first, then the switch, then
// the gate. The hosts' changes (mlxconfig, max_vfs, recovery mode) do not depend on the subnet manager:
// it matters only once VFs are given to VMs, where without OpenSM virtualization a VF gets no vGUID and
// its link stays Down (4.2). Enabling it after the hosts is safe because switch-sm-virt restarts the SM,
// which sweeps the fabric again and configures the VFs that exist by then; and a host rollout that stops
// halfway has then not changed the fabric (an SM restart disturbs every running job on it) for nothing.
// The gate needs both, so it runs last, and only for a cluster whose hosts and switches converged.

/** Switches read at once before switch-sm-virt (as many as `plan` reads by default). */
const SWITCH_READ_CONCURRENCY = 20;

/** The fabric rollouts' flags: the inventory and the SSH timeouts of the apply (no host/VM options). */
function fabricFlags(flags: StartFlags, id: string, select: string): StartFlags {
  return {
    inventory: flags.inventory,
    select: [select],
    set: [],
    id,
    watch: true,
    commandTimeout: flags.commandTimeout,
    connectTimeout: flags.connectTimeout,
    heartbeatTimeout: flags.heartbeatTimeout,
  };
}

/** `<apply id>-<suffix>`, within the 64 characters of a rollout ID. */
function fabricRolloutId(applyId: string, suffix: string): string {
  return `${applyId.slice(0, 64 - suffix.length - 1)}-${suffix}`;
}

export interface PreparedFabric {
  declared: DeclaredFabric;
  /** switch-sm-virt over every declared switch, one rollout per distinct parameters (filtered when run). */
  switchRollouts: RolloutInput[];
  gateRollouts: { gate: DeclaredGate; input: RolloutInput }[];
}

/** Every fabric rollout of the apply, checked now (UsageError listing every problem). */
export function prepareFabric(
  flags: StartFlags,
  deps: CliDeps,
  inventory: Inventory,
  applyId: string,
  selectedClusters: ReadonlySet<string>,
): PreparedFabric {
  const declared = declaredFabric(inventory, selectedClusters);
  const problems: string[] = [];
  const prepare = (procedure: string, id: string, names: string[], params: Record<string, unknown>) => {
    try {
      return prepareRollout(procedure, fabricFlags(flags, id, `name=${names.join(',')}`), deps, {
        paramsFromInventory: () => params,
      }).input;
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.message.split('\n'));
      return undefined;
    }
  };
  const groups = new Map<string, { params: Record<string, unknown>; names: string[] }>();
  for (const s of declared.switches.filter((x) => x.smVirtualization)) {
    const key = JSON.stringify(s.params);
    const group = groups.get(key) ?? { params: { ...s.params }, names: [] as string[] };
    group.names.push(s.ref.name);
    groups.set(key, group);
  }
  const switchRollouts = [...groups.values()].flatMap((g, i) => {
    const input = prepare('switch-sm-virt', fabricRolloutId(applyId, `sm${i + 1}`), g.names, g.params);
    return input ? [input] : [];
  });
  const gateRollouts = declared.gates.flatMap((gate) => {
    const names = gate.pairs.map((p) => p.name);
    const input = prepare('validate-bandwidth', fabricRolloutId(applyId, `bw-${gate.cluster}`), names, {
      ...gate.params,
    });
    return input ? [{ gate, input }] : [];
  });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { declared, switchRollouts, gateRollouts };
}

/** The clusters whose every host succeeded in the hosts' rollout (the fabric follows only those). */
async function convergedClusters(temporal: TemporalAccess, rolloutId: string): Promise<Set<string>> {
  const snapshot = await loadRolloutSnapshot(temporal, rolloutId, { allHosts: true }).catch(() => undefined);
  if (snapshot?.kind !== 'completed') return new Set();
  const failed = new Set(snapshot.report.hosts.filter((h) => h.phase !== 'succeeded').map((h) => h.cluster));
  return new Set(snapshot.report.hosts.map((h) => h.cluster).filter((c) => !failed.has(c)));
}

/**
 * Runs the fabric phases after the hosts' rollout `applyId` ended (watched); the exit code is the
 * first non-zero one of the fabric rollouts (a failed gate: 1, as any rollout with a failed target).
 */
export async function applyFabric(
  temporal: TemporalAccess,
  fabric: PreparedFabric,
  applyId: string,
  deps: CliDeps,
  source: TargetSource,
): Promise<number> {
  const { declared } = fabric;
  if (declared.switches.length === 0 && declared.gates.length === 0) return EXIT_OK;
  const say = (...lines: string[]) => deps.stdout.write(['', ...lines].join('\n') + '\n');
  const converged = await convergedClusters(temporal, applyId);
  const waiting = (clusters: readonly string[]) => clusters.filter((c) => !converged.has(c));
  let code = EXIT_OK;
  /** Switches whose SM runs as declared: read so, or made so by switch-sm-virt. */
  const switchesOk = new Set(declared.switches.filter((s) => !s.smVirtualization).map((s) => s.ref.name));

  // The switches: read each (as plan does), switch-sm-virt only where they differ.
  const serving = declared.switches.filter((s) => s.smVirtualization && waiting(s.clusters).length === 0);
  for (const s of declared.switches.filter((x) => !serving.includes(x) && x.smVirtualization))
    say(
      `Switch ${s.ref.name}: not configured: its cluster(s) ${waiting(s.clusters).join(', ')} did not converge`,
    );
  const timing = fabric.switchRollouts[0]?.options.host.timing;
  const plans =
    serving.length > 0 && timing
      ? await readSwitchPlans(temporal, {
          planId: fabricRolloutId(applyId, 'switches'),
          switches: serving,
          timing,
          concurrency: SWITCH_READ_CONCURRENCY,
        })
      : [];
  for (const p of plans.filter((x) => x.status === 'converged')) {
    switchesOk.add(p.switch);
    say(
      `Switch ${p.switch}: OpenSM virtualization already enabled (MLNX-OS ${p.release ?? '?'}), nothing to do`,
    );
  }
  const toChange = new Set(plans.filter((p) => p.status !== 'converged').map((p) => p.switch));
  for (const input of fabric.switchRollouts) {
    const targets = input.targets.filter((t) => toChange.has(t.name));
    if (targets.length === 0) continue;
    say(`Switches (guide 4.2): OpenSM virtualization on ${targets.map((t) => t.name).join(', ')}`);
    const result = await launchRollout(temporal, { ...input, targets }, true, deps, source);
    if (result === EXIT_OK) for (const t of targets) switchesOk.add(t.name);
    else if (code === EXIT_OK) code = result;
  }

  // The gates: a cluster whose hosts and switches converged.
  for (const { gate, input } of fabric.gateRollouts) {
    const notReady = declared.switches
      .filter((s) => s.clusters.includes(gate.cluster) && !switchesOk.has(s.ref.name))
      .map((s) => s.ref.name);
    if (!converged.has(gate.cluster) || notReady.length > 0) {
      say(
        `Bandwidth gate of ${gate.cluster}: not run: ` +
          (converged.has(gate.cluster)
            ? `OpenSM virtualization is not enabled on switch(es) ${notReady.join(', ')}`
            : 'its hosts did not converge'),
      );
      if (code === EXIT_OK) code = EXIT_NOT_ALL_SUCCEEDED;
      continue;
    }
    say(`Bandwidth gate: ${gateLine(gate)}`);
    const result = await launchRollout(temporal, input, true, deps, source);
    if (result !== EXIT_OK && code === EXIT_OK) code = result;
  }
  return code;
}

/** Without --watch apply does not wait for the hosts, so the switches and the gate (which follow them) do not run. */
export function fabricNotRunText(declared: DeclaredFabric, inventoryFile: string): string {
  const switches = declared.switches.filter((s) => s.smVirtualization).map((s) => s.ref.name);
  if (switches.length === 0 && declared.gates.length === 0) return '';
  return (
    [
      '',
      'Not run without --watch: the switches and the bandwidth gate follow the hosts once they converged:',
      ...(switches.length > 0
        ? [`  switch-sm-virt on ${switches.join(', ')} (where virtualization is off)`]
        : []),
      ...declared.gates.map((g) => `  validate-bandwidth: ${gateLine(g)}`),
      `  run \`ibfleet apply -i ${inventoryFile} --watch\` (idempotent: converged hosts are not touched again)`,
    ].join('\n') + '\n'
  );
}
