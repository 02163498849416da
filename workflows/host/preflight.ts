import type { ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { patched } from '@temporalio/workflow';
import type { VmListing } from '../../activities/contract';
import { preflightStepOrder, preflightSteps as steps } from '../../common/procedure-steps';
import { hostActivities } from './activity-proxies';
import { VM_POLICY_PATCH } from './maintenance';
import { runProcedure } from './run-procedure';
import { preconditionFailed } from './failures';
import { validateProcedureInput } from './validate';
import {
  readVcenterView,
  refuseWithSshDisabled,
  VCENTER_READ_STEP,
  vcenterDisagreements,
} from './vcenter-preflight';

/**
 * Preflight: is the host ready for the other procedures? ESXi version, nmlx5 VIBs, MFT/NMST, nmlx5_core
 * loaded, cards in `mst status`, mlxconfig values and stored module options. Changes nothing.
 */
export async function preflightWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const { target: host, params, options } = validateProcedureInput<'preflight', HostRef>(input, 'preflight');
  const acts = hostActivities(options.timing);
  const base = { host, timing: options.timing };

  return await runProcedure(input, preflightStepOrder, async (run) => {
    // Hosts with a vCenter (workflows since its patch): vCenter's view first; with SSH off, only that.
    const vcenter = await readVcenterView(run, host);
    if (vcenter) {
      run.plan([VCENTER_READ_STEP, ...preflightStepOrder]);
      run.report.found = { vcenter };
      if (!vcenter.ssh.running) refuseWithSshDisabled(run, host, vcenter);
    }
    const facts = await run.call(
      steps.readState,
      'read ESXi version, VIBs, modules, options, cards',
      acts.steps.readHostFacts,
      base,
      (f) =>
        `ESXi ${f.esxiVersion} (${f.esxiBuild}), ${f.vibs.length} nmlx/MFT VIB(s), ${f.mstDevices.length} card(s)`,
    );
    const cards =
      facts.mstDevices.length > 0
        ? await run.call(
            steps.readCards,
            'read mlxconfig values and VFs',
            acts.steps.readCards,
            base,
            (s) => `${s.cards.length} card(s), ${s.ports.length} port(s)`,
          )
        : undefined;
    if (!cards) run.skip(steps.readCards, 'no card listed by mst status');
    // The VMs a rebooting procedure would meet, and which are tied to the cards (workflows since the VM policy).
    const vms = patched(VM_POLICY_PATCH)
      ? await run.call(
          steps.readVms,
          'read the VMs, their power state and passed-through devices',
          acts.steps.listVms,
          { ...base, devices: true },
          describeVms,
        )
      : undefined;

    const vib = (name: string) => facts.vibs.find((v) => v.name === name);
    const problems: string[] = [];
    // Section 1: the native nmlx5 driver; section 2: MFT/NMST; section 2.4 / troubleshooting: the cards.
    if (!facts.esxiVersion.startsWith(params.esxiVersionPrefix))
      problems.push(`ESXi ${facts.esxiVersion} does not match ${params.esxiVersionPrefix}*`);
    for (const name of ['nmlx5-core', 'nmlx5-rdma'])
      if (!vib(name)) problems.push(`VIB ${name} is not installed`);
    if (params.requireMft)
      for (const name of ['mft', 'nmst'])
        if (!vib(name)) problems.push(`VIB ${name} (NVIDIA MFT/NMST) is not installed`);
    if (!facts.moduleLoaded) problems.push('nmlx5_core is not loaded (see module-reload)');
    if (facts.mstDevices.length === 0) problems.push('no card is listed by mst status (see recovery-cycle)');
    const disagreements = vcenter
      ? vcenterDisagreements(vcenter, { maintenanceMode: facts.maintenanceMode, vms: vms?.vms })
      : [];
    problems.push(...disagreements);

    run.report.found = {
      esxiVersion: facts.esxiVersion,
      esxiBuild: facts.esxiBuild,
      vibs: facts.vibs,
      moduleLoaded: facts.moduleLoaded,
      moduleOptions: facts.moduleOptions,
      mstDevices: facts.mstDevices,
      maintenanceMode: facts.maintenanceMode,
      cards: cards?.cards,
      vfs: cards?.vfs,
      ...(vms ? { vms: vms.vms } : {}),
      ...(vcenter ? { vcenter: { ...vcenter, agrees: disagreements.length === 0, disagreements } } : {}),
    };
    await run.step(
      steps.check,
      () => Promise.resolve({}),
      () => (problems.length === 0 ? 'ready' : problems.join('; ')),
    );
    if (problems.length > 0) throw preconditionFailed(`${host.name} is not ready: ${problems.join('; ')}`);
    return run.report.found;
  });
}

/** "3 VM(s), 2 powered on: gpu-a (on, passthrough 00000:023:00.0), web (on), old (off, SR-IOV of …)". */
function describeVms(l: VmListing): string {
  const on = l.vms.filter((v) => v.power === 'on').length;
  const device = (d: NonNullable<VmListing['vms'][number]['devices']>[number]) =>
    d.kind === 'sriov' ? `SR-IOV VF of ${d.pf ?? '?'}` : `passthrough ${d.id ?? '?'}`;
  const vm = (v: VmListing['vms'][number]) =>
    `${v.name} (${[v.power, ...(v.devices ?? []).map(device), ...(v.devicesUnknown ? ['devices unknown'] : [])].join(', ')})`;
  return l.vms.length === 0
    ? 'no VM registered'
    : `${l.vms.length} VM(s), ${on} powered on: ${l.vms.map(vm).join(', ')}`;
}
