import assert from 'node:assert/strict';
import type { FakeEsxiHost } from '../fixtures/mocked-esxi-host';
import { startMockedWorker, stepList, type MockedWorker } from '../fixtures/mocked-worker';

// SR-IOV enable and disable (workflows/host/sriov-*.ts, firmware-reboot.ts) on the real workflows with
// mocked activities: the already-done, normal, cold-reboot and verification branches in seconds.
// End to end on simulated hosts: test/procedures/sriov-*.test.ts.

const CARD = 'mt4129_pciconf0';
const OTHER = 'mt4129_pciconf1';
const ENABLED = { ADVANCED_PCI_SETTINGS: '1', FORCE_ETH_PCI_SUBCLASS: '1', SRIOV_EN: '1', NUM_OF_VFS: '16' };

const firmwareSteps = (device: string) =>
  ['advanced-pci', 'force-eth', 'sriov'].map((s) => `mlxconfig-${device}-${s}:done`);

describe('sriov-enable and sriov-disable with mocked activities', function () {
  this.timeout(60_000);
  let w: MockedWorker;

  before(async () => {
    w = await startMockedWorker('sriov-mocked');
  });
  after(async () => {
    await w?.stop();
  });

  const twoPorts = (h: FakeEsxiHost) => h.withOptions('pfctx=0x08').withCard(CARD, ['vmnic4', 'vmnic5']);

  describe('sriov-enable', () => {
    it('already configured: nothing changed, no reboot, no maintenance mode', async () => {
      const { fake, ref } = w.host('en-done', (h) =>
        h.withOptions('max_vfs=4,4').withCard(CARD, ['vmnic4', 'vmnic5'], ENABLED),
      );
      const r = await w.run('sriov-enable', ref, { numVfs: 16, maxVfs: 4 });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 0);
      assert.deepEqual(r.changes, []);
      assert.equal(r.finalState.alreadyConfigured, true);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'readCards']);
    });

    it('normal path: three mlxconfig sets per card, max_vfs merged, one reboot, no cold reboot', async () => {
      const { fake, ref } = w.host('en-normal', twoPorts);
      const r = await w.run('sriov-enable', ref, { numVfs: 16, maxVfs: 4 });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 1);
      assert.deepEqual(stepList(r), [
        'read-state:done',
        'read-cards:done',
        'vms-read:done',
        'maintenance-on:done',
        ...firmwareSteps(CARD),
        'set-max-vfs:done',
        'boot-marker-1:done',
        'reboot-1:done',
        'await-return-1:done',
        'verify-firmware:done',
        'quick-boot-off:skipped',
        'boot-marker-2:skipped',
        'reboot-2:skipped',
        'await-return-2:skipped',
        'verify-firmware-cold:skipped',
        'quick-boot-restore:skipped',
        'verify-vfs:done',
        'maintenance-off:done',
      ]);
      assert.equal(fake.moduleOptions, 'pfctx=0x08 max_vfs=4,4');
      assert.deepEqual(fake.vfs(), { vmnic4: 4, vmnic5: 4 });
      assert.deepEqual(fake.stepsOf('setQuickBoot'), []);
      assert.deepEqual(r.finalState.vfs, { vmnic4: 4, vmnic5: 4 });
    });

    it('firmware still pending after the warm reboot: one cold reboot with Quick Boot off, then restored', async () => {
      const { fake, ref } = w.host('en-cold', (h) => {
        twoPorts(h).warmRebootSkipsFirmware = true;
      });
      const r = await w.run('sriov-enable', ref, { numVfs: 16, maxVfs: 4 });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 2);
      assert.deepEqual(fake.stepsOf('setQuickBoot'), ['quick-boot-off', 'quick-boot-restore']);
      assert.deepEqual(fake.stepsOf('rebootAndAwaitReturn'), ['reboot-1', 'reboot-2']);
      assert.match(r.steps.find((s) => s.name === 'verify-firmware')?.detail ?? '', /^pending: /);
      assert.equal(fake.quickBoot, true);
      assert.ok(r.changes.includes('Quick Boot disabled for a cold reboot'));
      assert.ok(r.changes.includes('Quick Boot restored'));
    });

    it('firmware pending and allowColdReboot false: needs-attention after one reboot, saying so', async () => {
      const { fake, ref } = w.host('en-no-cold', (h) => {
        twoPorts(h).warmRebootSkipsFirmware = true;
      });
      const r = await w.run('sriov-enable', ref, { numVfs: 16, maxVfs: 4, allowColdReboot: false });
      assert.equal(r.outcome, 'needs-attention');
      assert.equal(r.failureType, 'VerificationFailed');
      assert.equal(r.stoppedInStep, 'verify-firmware');
      assert.equal(r.leftMidCycle, true);
      assert.equal(r.reboots, 1);
      assert.match(r.reason ?? '', /still only "Next Boot" after a warm \(Quick Boot\) reboot/);
      assert.deepEqual(fake.stepsOf('setQuickBoot'), []);
    });

    it('NUM_OF_VFS too small for the ports of a card: fails before any change', async () => {
      const { fake, ref } = w.host('en-too-small', twoPorts);
      const r = await w.run('sriov-enable', ref, { numVfs: 16, maxVfs: 8 });
      assert.equal(r.outcome, 'failed');
      assert.equal(r.failureType, 'PreconditionFailed');
      assert.match(r.reason ?? '', /numVfs 16 < maxVfs 8 × 2 port\(s\) \+ 1 = 17/);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'readCards']);
    });

    it('VFs not as intended after the reboot: needs-attention in verify-vfs', async () => {
      const { ref } = w.host('en-vfs-wrong', (h) => {
        twoPorts(h).vfsOverride = 2;
      });
      const r = await w.run('sriov-enable', ref, { numVfs: 16, maxVfs: 4 });
      assert.equal(r.outcome, 'needs-attention');
      assert.equal(r.stoppedInStep, 'verify-vfs');
      assert.match(r.reason ?? '', /vmnic4: 2 VFs, wanted 4; vmnic5: 2 VFs, wanted 4/);
      assert.equal(r.reboots, 1);
    });

    it('a requested device the host does not have: fails naming it, nothing changed', async () => {
      const { fake, ref } = w.host('en-missing-device', twoPorts);
      const r = await w.run('sriov-enable', ref, { devices: [OTHER] });
      assert.equal(r.outcome, 'failed');
      assert.match(r.reason ?? '', /device\(s\) not found on the host: mt4129_pciconf1 \(found: none\)/);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'readCards']);
    });
  });

  describe('sriov-disable', () => {
    it('already disabled: nothing changed, no reboot', async () => {
      const { fake, ref } = w.host('dis-done', twoPorts);
      const r = await w.run('sriov-disable', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 0);
      assert.equal(r.finalState.alreadyDisabled, true);
      assert.deepEqual(fake.activities(), ['readHostFacts', 'readCards']);
    });

    it('one of two cards: SR-IOV off on it, its max_vfs zeroed and the other card kept, one reboot', async () => {
      const { fake, ref } = w.host('dis-one-card', (h) =>
        h
          .withOptions('max_vfs=4,4,4,4 pfctx=0x08')
          .withCard(CARD, ['vmnic4', 'vmnic5'], ENABLED)
          .withCard(OTHER, ['vmnic6', 'vmnic7'], ENABLED),
      );
      const r = await w.run('sriov-disable', ref, { devices: [CARD] });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 1);
      assert.deepEqual(fake.stepsOf('setMlxconfig'), [`mlxconfig-${CARD}-sriov-off`]);
      assert.equal(fake.moduleOptions, 'max_vfs=0,0,4,4 pfctx=0x08');
      assert.deepEqual(fake.vfs(), { vmnic4: 0, vmnic5: 0, vmnic6: 4, vmnic7: 4 });
      assert.equal(fake.cards[1].params.SRIOV_EN.current, '1');
    });

    it('every card: max_vfs removed from the stored options, every other option kept', async () => {
      const { fake, ref } = w.host('dis-all', (h) =>
        h.withOptions('pfctx=0x08 max_vfs=4,4').withCard(CARD, ['vmnic4', 'vmnic5'], ENABLED),
      );
      const r = await w.run('sriov-disable', ref);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.equal(r.reboots, 1);
      assert.equal(fake.moduleOptions, 'pfctx=0x08');
      assert.deepEqual(fake.stepsOf('setModuleOption'), ['clear-max-vfs']);
    });
  });
});
