import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import type { SwitchMachine } from '../../simulator/switch';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { expectFailure, expectSuccess, startProcedure } from './host-audit';

// A guest pair's VF link follows the fleet (simulator/fleet-extras.ts): the guests' ESXi hosts must have
// VFs, and the switch's SM must run with virtualization in effect.
const SRIOV_ON = { SRIOV_EN: 1, NUM_OF_VFS: 16, ADVANCED_PCI_SETTINGS: 1, FORCE_ETH_PCI_SUBCLASS: 1 };

describe('procedures: validate-bandwidth', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('validate-bandwidth');
  let tag = 0;
  const run = async (pairIndex: number) => {
    const { client } = await testEnv();
    tag += 1;
    return await startProcedure(
      client,
      taskQueue,
      'validate-bandwidth',
      fleet.inventory.guestPairs[pairIndex],
      { tag: `vb-${tag}` },
    );
  };
  const switchState = () => (fleet.machine(fleet.inventory.switches[0].name) as SwitchMachine).state;
  /** Virtualization on and in effect (as switch-sm-virt leaves it: enabled, then the SM restarted). */
  const virtualizationOn = () => {
    const sw = switchState();
    if (sw.virtualizationActive()) return;
    sw.setSmVirtEnabled(true);
    sw.setSmEnabled(false);
    sw.setSmEnabled(true);
    assert.equal(sw.virtualizationActive(), true);
  };

  before(async () => {
    fleet = await startFleet({
      hosts: 4,
      switches: 1,
      guestPairs: 2,
      namePrefix: 'vb-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: { mlxconfig: SRIOV_ON, nmlx5CoreOptions: 'max_vfs=4' },
      // pair-02's client VM runs on vb-04, which has no SR-IOV (so no VF for the VM).
      hostOverrides: { 'vb-04': { mlxconfig: {}, nmlx5CoreOptions: '' } },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('fails with BandwidthBelowThreshold while OpenSM virtualization is off on the switch', async () => {
    assert.equal(switchState().virtualizationActive(), false);
    const failure = await expectFailure(await run(0), 'BandwidthBelowThreshold');
    assert.match(failure.message, /reached 0\.00 Gb\/s, below 0\.95 × 400 = 380\.00 Gb\/s/);
    assert.match(failure.message, /state is Down/);
    assert.equal(failure.report.outcome, 'needs-attention');
  });

  it('passes at about 99% of the 400 Gb/s line rate once virtualization is in effect', async () => {
    virtualizationOn();
    const handle = await run(0);
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'validate-bandwidth');
    const fraction = report.finalState.fraction as number;
    assert.ok(fraction >= 0.98 && fraction <= 1, `fraction ${fraction}`);
    assert.equal(report.finalState.lineRateGbps, 400);
    assert.equal(report.finalState.queuePairs, 4);
  });

  it("fails with BandwidthBelowThreshold when the client VM's host has no VFs", async () => {
    virtualizationOn();
    const failure = await expectFailure(await run(1), 'BandwidthBelowThreshold');
    assert.match(failure.message, /reached 0\.00 Gb\/s/);
    assert.match(failure.message, /Did not detect devices/);
  });
});
