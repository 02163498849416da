import { describeAction, type HostConvergePlan, type RebootKind } from '../../common/converge-plan';
import type { PlanVm } from '../../common/converge-vms';
import { gateGbps, gateLine, type DeclaredGate, type SwitchPlan } from './fabric-plan';
import type { HostPlanResult } from './read-plans';

// How `ibfleet plan` shows what differs from the declared state, per host and in total: the differences
// (current → wanted), the steps with their reboots, blockers and notes; `--json` the same as data.

export type HostPlanStatus = 'converged' | 'changes' | 'blocked' | 'unreadable';

export interface PlanTotals {
  hosts: number;
  converged: number;
  changes: number;
  blocked: number;
  unreadable: number;
  reboots: number;
  coldReboots: number;
  /** Reboots that are cold only if the firmware values read after an earlier reboot still differ. */
  maybeColdReboots: number;
  /** Powered-on VMs apply would stop (--vm-policy shutdown) and power on again. */
  vmsToStop: number;
}

export function hostPlanStatus(r: HostPlanResult): HostPlanStatus {
  if (!r.plan) return 'unreadable';
  if (r.plan.blockers.length > 0) return 'blocked';
  return r.plan.phases.length > 0 ? 'changes' : 'converged';
}

export function planTotals(results: readonly HostPlanResult[]): PlanTotals {
  const t: PlanTotals = {
    hosts: results.length,
    converged: 0,
    changes: 0,
    blocked: 0,
    unreadable: 0,
    reboots: 0,
    coldReboots: 0,
    maybeColdReboots: 0,
    vmsToStop: 0,
  };
  for (const r of results) {
    t[hostPlanStatus(r)] += 1;
    if (!r.plan) continue;
    t.reboots += r.plan.reboots;
    t.coldReboots += r.plan.coldReboots;
    t.maybeColdReboots += r.plan.maybeColdReboots;
    if (r.plan.vms?.policy === 'shutdown') t.vmsToStop += r.plan.vms.poweredOn.length;
  }
  return t;
}

const REBOOT_WORDS: Record<RebootKind, string> = {
  warm: 'warm',
  cold: 'cold: firmware values change, Quick Boot is turned off for it',
  'cold-if-firmware-changes': 'cold if the firmware values read then differ',
};

export function rebootSummary(
  plan: Pick<HostConvergePlan, 'reboots' | 'coldReboots' | 'maybeColdReboots'>,
): string {
  const cold = [
    plan.coldReboots > 0 ? `${plan.coldReboots} cold` : '',
    plan.maybeColdReboots > 0 ? `${plan.maybeColdReboots} cold if firmware values change` : '',
  ].filter((s) => s !== '');
  return `${plan.reboots} reboot${plan.reboots === 1 ? '' : 's'}${cold.length > 0 ? ` (${cold.join(', ')})` : ''}`;
}

/** "gpu (passthrough 0000:17:00.0)", "vf (SR-IOV VF of 0000:17:00.0)", "web". */
function vmText(vm: PlanVm): string {
  const devices = vm.devices.map((d) =>
    d.kind === 'sriov' ? `SR-IOV VF of ${d.pf ?? '?'}` : `passthrough ${d.id ?? '?'}`,
  );
  return devices.length > 0 ? `${vm.name} (${devices.join(', ')})` : vm.name;
}

function hostLines(r: HostPlanResult): string[] {
  const head = `${r.host} (${r.cluster})`;
  if (!r.plan) return [`${head}: could not be read: ${r.error ?? 'unknown'}`];
  const p = r.plan;
  const lines: string[] = [];
  const status = hostPlanStatus(r);
  lines.push(
    status === 'converged'
      ? `${head}: converged, nothing to do`
      : status === 'blocked'
        ? `${head}: BLOCKED, nothing will be changed`
        : `${head}: ${p.differences.length} difference(s), ${rebootSummary(p)}`,
  );
  if (p.differences.length > 0) {
    lines.push('  differs:');
    const width = Math.max(...p.differences.map((d) => d.item.length));
    for (const d of p.differences) lines.push(`    ${d.item.padEnd(width)}  ${d.current} → ${d.wanted}`);
  }
  if (p.vms) {
    lines.push(`  VMs powered on (--vm-policy ${p.vms.policy}): ${p.vms.poweredOn.map(vmText).join(', ')}`);
    lines.push(`    ${p.vms.effect}`);
  }
  for (const b of p.blockers) lines.push(`  blocked: ${b}`);
  if (p.phases.length > 0) {
    lines.push('  steps:');
    const vms = p.vms?.poweredOn.map((v) => v.name).join(', ');
    if (p.vms?.policy === 'shutdown') lines.push(`    - stop the VMs: ${vms ?? ''}`);
    if (p.vms?.policy === 'wait') lines.push(`    - wait for their owners to power off: ${vms ?? ''}`);
    p.phases.forEach((phase, i) => {
      for (const a of phase.actions) lines.push(`    - ${describeAction(a)}`);
      lines.push(`    → reboot ${i + 1} (${REBOOT_WORDS[phase.reboot.kind]})`);
      if (phase.expect.length > 0) lines.push(`      then: ${phase.expect.join(', ')}`);
    });
    lines.push('    - verify the declared state (mlxconfig Current, max_vfs, VFs per port, cards listed)');
    if (p.vms?.policy === 'shutdown') lines.push(`    - power the VMs on again: ${vms ?? ''}`);
  }
  for (const n of p.notes) lines.push(`  note: ${n}`);
  return lines;
}

/** The switches and gates of the plan (absent: the selected clusters declare none). */
export interface FabricPlan {
  switches: SwitchPlan[];
  gates: DeclaredGate[];
}

export interface SwitchTotals {
  switches: number;
  converged: number;
  changes: number;
  blocked: number;
  unreadable: number;
}

export function switchTotals(switches: readonly SwitchPlan[]): SwitchTotals {
  const t: SwitchTotals = { switches: switches.length, converged: 0, changes: 0, blocked: 0, unreadable: 0 };
  for (const s of switches) t[s.status] += 1;
  return t;
}

function switchLines(s: SwitchPlan): string[] {
  const head = `switch ${s.switch} (serves ${s.clusters.join(', ')})`;
  if (s.status === 'unreadable') return [`${head}: could not be read: ${s.error ?? 'unknown'}`];
  const state = `MLNX-OS ${s.release ?? '?'}, SM ${s.smEnabled ? 'enabled' : 'disabled'}, virtualization ${s.smVirtEnabled ? 'enabled' : 'disabled'}`;
  const lines = [
    s.status === 'converged'
      ? `${head}: converged, nothing to do (${state})`
      : s.status === 'blocked'
        ? `${head}: BLOCKED, nothing will be changed (${state})`
        : `${head}: ${s.differences.length} difference(s), no reboot`,
  ];
  if (s.differences.length > 0) {
    lines.push('  differs:');
    const width = Math.max(...s.differences.map((d) => d.item.length));
    for (const d of s.differences) lines.push(`    ${d.item.padEnd(width)}  ${d.current} → ${d.wanted}`);
  }
  for (const b of s.blockers) lines.push(`  blocked: ${b}`);
  if (s.status === 'changes')
    lines.push(
      `  steps (switch-sm-virt, after the hosts of its clusters converged): ib sm virt enable, configuration write${s.restartSm ? ', SM restart' : ''}`,
    );
  return lines;
}

function fabricLines(fabric: FabricPlan): string[] {
  const lines: string[] = [];
  for (const s of fabric.switches) lines.push(...switchLines(s), '');
  if (fabric.gates.length > 0) {
    lines.push('Bandwidth gate (validate-bandwidth, run by apply once the hosts and switches converged):');
    for (const g of fabric.gates) lines.push(`  ${gateLine(g)}`);
    lines.push('');
  }
  return lines;
}

export function renderPlanText(
  results: readonly HostPlanResult[],
  fabric: FabricPlan,
  ctx: { inventoryFile: string; planId: string },
): string {
  const t = planTotals(results);
  const st = switchTotals(fabric.switches);
  const lines = [
    `Plan ${ctx.planId}: ${t.hosts} ESXi host(s)${st.switches > 0 ? `, ${st.switches} switch(es)` : ''} from ${ctx.inventoryFile} (read only; nothing was changed)`,
    '',
  ];
  for (const r of results) lines.push(...hostLines(r), '');
  lines.push(...fabricLines(fabric));
  if (lines[lines.length - 1] !== '') lines.push('');
  lines.push(
    `Total: ${t.changes} to change, ${t.converged} converged, ${t.blocked} blocked, ${t.unreadable} not readable; ` +
      `${rebootSummary(t)} in all${t.vmsToStop > 0 ? `; ${t.vmsToStop} VM(s) stopped and powered on again` : ''}`,
  );
  if (st.switches > 0)
    lines.push(
      `Switches: ${st.changes} to change, ${st.converged} converged, ${st.blocked} blocked, ${st.unreadable} not readable`,
    );
  if (t.changes > 0 || st.changes > 0)
    lines.push(`Apply: ibfleet apply -i ${ctx.inventoryFile} --watch (every rollout option applies)`);
  return lines.join('\n') + '\n';
}

export function planJson(results: readonly HostPlanResult[], fabric: FabricPlan, planId: string): unknown {
  return {
    planId,
    hosts: results.map((r) => ({
      host: r.host,
      cluster: r.cluster,
      status: hostPlanStatus(r),
      ...(r.plan ?? {}),
      ...(r.error ? { error: r.error } : {}),
    })),
    switches: fabric.switches,
    gates: fabric.gates.map((g) => ({
      cluster: g.cluster,
      pairs: g.pairs.map((p) => p.name),
      ...g.params,
      requiredGbps: gateGbps(g.params),
    })),
    totals: planTotals(results),
    switchTotals: switchTotals(fabric.switches),
  };
}
