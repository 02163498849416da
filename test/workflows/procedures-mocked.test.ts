import assert from 'node:assert/strict';
import { startMockedWorker, stepList, type MockedWorker } from '../fixtures/mocked-worker';

// The branches of module-reload, preflight, converge, switch-sm-virt and validate-bandwidth on the real
// workflows with mocked activities (recovery-cycle and SR-IOV have files of their own). End to end on
// the simulated fleet: test/procedures/*.test.ts and test/converge/*.test.ts.

const CARD = 'mt4129_pciconf0';
const SRIOV_ON = { ADVANCED_PCI_SETTINGS: '1', FORCE_ETH_PCI_SUBCLASS: '1', SRIOV_EN: '1', NUM_OF_VFS: '16' };

describe('procedures with mocked activities', function () {
  this.timeout(60_000);
  let w: MockedWorker;

  before(async () => {
    w = await startMockedWorker('procedures-mocked');
  });
  after(async () => {
    await w?.stop();
  });

  describe('module-reload', () => {
    it('module loaded and cards listed: nothing to recover, nothing done', async () => {
      const { fake, ref } = w.host('mr-loaded', (h) => h.withCard(CARD, ['vmnic4']));
      const r = await w.run('module-reload', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(stepList(r), ['read-state:done', 'reload-module:skipped', 'verify-cards:skipped']);
      assert.deepEqual(fake.activities(), ['readHostFacts']);
    });

    it('module not loaded: reloaded, cards verified, no reboot', async () => {
      const { fake, ref } = w.host('mr-unloaded', (h) => {
        h.withCard(CARD, ['vmnic4']).moduleLoaded = false;
      });
      const r = await w.run('module-reload', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 0);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'reloadNmlx5Module', 'listMstDevices']);
      assert.deepEqual(r.finalState.mstDevices, [CARD]);
      assert.deepEqual(r.changes, [
        'unloaded nmlx5_rdma',
        'loaded nmlx5_core mst_recovery=1',
        'HUP vmkdevmgr',
      ]);
    });

    it('still no card after the reload: needs-attention', async () => {
      const { ref } = w.host('mr-no-card', (h) => {
        h.withCard(CARD, ['vmnic4']).moduleLoaded = false;
        h.reloadLeavesNoCard = true;
      });
      const r = await w.run('module-reload', ref);
      assert.equal(r.outcome, 'needs-attention');
      assert.equal(r.stoppedInStep, 'verify-cards');
      assert.match(r.reason ?? '', /nmlx5_core reloaded but mst status still lists no card/);
    });

    it('force: reloads a loaded module', async () => {
      const { fake, ref } = w.host('mr-force', (h) => h.withCard(CARD, ['vmnic4']));
      const r = await w.run('module-reload', ref, { force: true });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(fake.stepsOf('reloadNmlx5Module'), ['reload-module']);
    });
  });

  describe('preflight', () => {
    it('a ready host: succeeded, nothing changed, VMs listed', async () => {
      const { fake, ref } = w.host('pf-ready', (h) => {
        h.withCard(CARD, ['vmnic4']);
        h.vms = [{ vmid: 1, name: 'train-01', power: 'on' }];
      });
      const r = await w.run('preflight', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(stepList(r), ['read-state:done', 'read-cards:done', 'read-vms:done', 'check:done']);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'readCards', 'listVms']);
      assert.equal(r.steps.at(-1)?.detail, 'ready');
      assert.deepEqual(r.changes, []);
    });

    it('no card, no MFT, an old ESXi: failed naming every problem; read-cards skipped', async () => {
      const { fake, ref } = w.host('pf-not-ready', (h) => {
        h.esxiVersion = '7.0.3';
        h.vibs = h.vibs.filter((v) => v.name !== 'mft');
      });
      const r = await w.run('preflight', ref);
      assert.equal(r.outcome, 'failed');
      assert.equal(r.failureType, 'PreconditionFailed');
      assert.equal(r.steps.find((s) => s.name === 'read-cards')?.status, 'skipped');
      assert.match(
        r.reason ?? '',
        /ESXi 7\.0\.3 does not match 8\.\*; VIB mft \(NVIDIA MFT\/NMST\) is not installed; no card is listed by mst status/,
      );
      assert.deepEqual(fake.activities(), ['readHostFacts', 'listVms']);
    });
  });

  describe('converge', () => {
    const desired = (mode: 'sriov' | 'passthrough', dryRun = false) => ({
      clusters: { mocked: { mode, numVfs: 16, maxVfs: 4 } },
      dryRun,
    });

    it('a converged host: planned, nothing to do, no reboot', async () => {
      const { fake, ref } = w.host('cv-converged', (h) =>
        h.withOptions('max_vfs=4').withCard(CARD, ['vmnic4'], SRIOV_ON),
      );
      const r = await w.run('converge', ref, desired('sriov'));
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 0);
      assert.deepEqual(stepList(r), ['read-state:done', 'read-cards:done', 'plan:done']);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'readCards']);
    });

    it('SR-IOV to enable: one cold reboot (Quick Boot off and restored), the declared state verified', async () => {
      const { fake, ref } = w.host('cv-sriov', (h) => h.withCard(CARD, ['vmnic4']));
      const r = await w.run('converge', ref, desired('sriov'));
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 1);
      assert.equal((r.found as { plannedReboots: number }).plannedReboots, 1);
      assert.deepEqual(fake.stepsOf('setQuickBoot'), ['quick-boot-off-1', 'quick-boot-restore-1']);
      assert.deepEqual(fake.stepsOf('rebootAndAwaitReturn'), ['reboot-1']);
      assert.ok(r.steps.some((s) => s.name === 'verify-1' && s.detail === 'declared state reached'));
      assert.deepEqual(fake.vfs(), { vmnic4: 4 });
      assert.equal(fake.quickBoot, true);
    });

    it('hidden cards: recovery mode first, then SR-IOV; two reboots, as planned', async () => {
      const { fake, ref } = w.host('cv-hidden', (h) => {
        h.withCard(CARD, ['vmnic4']).cardVisibility = 'until-recovery-boot';
      });
      const r = await w.run('converge', ref, desired('sriov'));
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal((r.found as { plannedReboots: number }).plannedReboots, 2);
      assert.equal(r.reboots, 2);
      assert.deepEqual(fake.stepsOf('rebootAndAwaitReturn'), ['reboot-1', 'reboot-2']);
      assert.deepEqual(fake.vfs(), { vmnic4: 4 });
      assert.equal(fake.optionValues().mst_recovery, undefined);
    });

    it('dry run: the plan only, nothing changed', async () => {
      const { fake, ref } = w.host('cv-dry', (h) => h.withCard(CARD, ['vmnic4']));
      const r = await w.run('converge', ref, desired('sriov', true));
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.finalState.dryRun, true);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'readCards', 'listVms']);
      assert.equal(fake.boots, 1);
    });
  });

  describe('switch-sm-virt', () => {
    it('already enabled: nothing done', async () => {
      const { fake, ref } = w.switch('sw-done', (s) => {
        s.smVirtEnabled = true;
      });
      const r = await w.run('switch-sm-virt', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(stepList(r), [
        'read-state:done',
        'check-version:done',
        'enable-sm-virt:skipped',
        'verify:skipped',
      ]);
      assert.deepEqual(
        fake.calls.map((c) => c.activity),
        ['readSwitchState'],
      );
    });

    it('virtualization off: enabled and verified', async () => {
      const { fake, ref } = w.switch('sw-enable');
      const r = await w.run('switch-sm-virt', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(
        fake.calls.map((c) => `${c.activity}:${c.step}`),
        ['readSwitchState:read-state', 'enableSmVirt:enable-sm-virt', 'readSwitchState:verify'],
      );
      assert.deepEqual(r.changes, ['ib sm virt enable', 'configuration write']);
    });

    it('a release older than the minimum: failed before any change', async () => {
      const { fake, ref } = w.switch('sw-old', (s) => {
        s.release = '3.9.3124';
      });
      const r = await w.run('switch-sm-virt', ref);
      assert.equal(r.outcome, 'failed');
      assert.match(r.reason ?? '', /MLNX-OS 3\.9\.3124 is older than 3\.10\.4000/);
      assert.equal(fake.calls.length, 1);
    });

    it('still not enabled after enabling: needs-attention', async () => {
      const { ref } = w.switch('sw-ignored', (s) => {
        s.enableIgnored = true;
      });
      const r = await w.run('switch-sm-virt', ref);
      assert.equal(r.outcome, 'needs-attention');
      assert.equal(r.stoppedInStep, 'verify');
    });
  });

  describe('validate-bandwidth', () => {
    it('at line rate: passes', async () => {
      const { ref } = w.pair('bw-pass');
      const r = await w.run('validate-bandwidth', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.match(r.steps.find((s) => s.name === 'check')?.detail ?? '', /390\.00 >= 380\.00 Gb\/s: pass/);
    });

    it('below the threshold: needs-attention with the numbers; bidirectional expects twice the line rate', async () => {
      const { ref } = w.pair('bw-fail');
      const r = await w.run('validate-bandwidth', ref, { bidirectional: true });
      assert.equal(r.outcome, 'needs-attention');
      assert.equal(r.failureType, 'BandwidthBelowThreshold');
      assert.match(r.reason ?? '', /reached 390\.00 Gb\/s, below 0\.95 × 800 = 760\.00 Gb\/s/);
    });
  });
});
