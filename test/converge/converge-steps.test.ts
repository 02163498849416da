import assert from 'node:assert/strict';
import { planConvergence, type PlanFacts } from '../../common/converge-plan';
import { procedurePlan } from '../../common/plan';
import { hostOptionsSchema } from '../../common/procedures';
import { convergeStepNames } from '../../workflows/host/converge-steps';
import { workloadSteps } from '../../workflows/host/maintenance';

// Where converge deals with a host's VMs and maintenance mode: after reading and planning, before its
// first change (nothing half-done when the VMs may not or do not stop), and after its last verification
// (the VMs stopped are powered on again once the host is verified). The same order in the live step
// list of the workflow and in `rollout start converge --dry-run`.

/** A host with hidden cards: recovery mode, reboot, then the rest in a second reboot. */
const HIDDEN: PlanFacts = {
  vibs: [
    { name: 'nmlx5-core', version: '4.23.0.66-2vmw.802.0.0.22380479' },
    { name: 'mft', version: '4.26.1.3-0' },
    { name: 'nmst', version: '4.26.1.3-1OEM.801.0.0.21495797' },
  ],
  moduleLoaded: true,
  moduleOptions: 'trust_state=2',
  moduleOptionValues: { trust_state: '2' },
  mstDevices: [],
  cards: [],
  ports: [],
  vfs: {},
};

describe('converge: the VM policy and maintenance mode in the step list', () => {
  const plan = planConvergence(HIDDEN, {
    mode: 'sriov',
    numVfs: 16,
    maxVfs: 4,
    versions: {},
    vlcmImage: false,
  });

  it('the workflow: VM steps and maintenance mode before the first change, maintenance off and VMs on after the last check', () => {
    const options = hostOptionsSchema.parse({ vms: { policy: 'shutdown' } });
    assert.deepEqual(convergeStepNames(plan, workloadSteps(options)), [
      'read-state',
      'read-cards',
      'plan',
      'vms-read',
      'vms-stop',
      'maintenance-on',
      'set-mst-recovery-1',
      'boot-marker-1',
      'reboot-1',
      'await-return-1',
      'read-state-1',
      'read-cards-1',
      'verify-1',
      'mlxconfig',
      'restore-options',
      'set-max-vfs',
      'quick-boot-off-2',
      'boot-marker-2',
      'reboot-2',
      'await-return-2',
      'read-state-2',
      'read-cards-2',
      'quick-boot-restore-2',
      'verify-2',
      'maintenance-off',
      'vms-start',
    ]);
    const wait = hostOptionsSchema.parse({ vms: { policy: 'wait' } });
    assert.deepEqual(convergeStepNames(plan, workloadSteps(wait)).slice(3, 6), [
      'vms-read',
      'vms-drain',
      'maintenance-on',
    ]);
  });

  it('a converged host: no VM step at all (its VMs are neither read nor touched)', () => {
    const converged = { ...plan, phases: [], reboots: 0 };
    const options = hostOptionsSchema.parse({ vms: { policy: 'shutdown' } });
    assert.deepEqual(convergeStepNames(converged, workloadSteps(options)), [
      'read-state',
      'read-cards',
      'plan',
    ]);
  });

  it('the dry run: the same order, maintenance mode entered with -t before any change', () => {
    for (const policy of ['refuse', 'wait', 'shutdown'] as const) {
      const options = hostOptionsSchema.parse({ vms: { policy } });
      const steps = procedurePlan('converge', {}, { vms: options.vms });
      const names = steps.map((s) => s.step);
      const vm = workloadSteps(options);
      assert.deepEqual(names.slice(2, 2 + vm.before.length), vm.before, `${policy}: before the first change`);
      assert.equal(names[2 + vm.before.length], 'install-mft', policy);
      assert.deepEqual(names.slice(-vm.after.length), vm.after, `${policy}: at the end`);
      const enter = steps.find((s) => s.step === 'maintenance-on');
      assert.ok(
        enter?.commands.includes('esxcli system maintenanceMode set -e true -t 600'),
        `${policy}: entered with a timeout`,
      );
    }
  });
});
