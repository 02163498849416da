import assert from 'node:assert/strict';
import { startMockedWorker, stepList, vmOptions, type MockedWorker } from '../fixtures/mocked-worker';

// The recovery-mode cycle's branches (workflows/host/recovery-cycle.ts) on the real workflow with mocked
// activities: seconds per case instead of a simulated fleet. What the cycle does on real SSH and a
// simulated host is tested in test/procedures/recovery-cycle*.test.ts.

describe('recovery-cycle with mocked activities', function () {
  this.timeout(60_000);
  let w: MockedWorker;

  before(async () => {
    w = await startMockedWorker('recovery-cycle-mocked');
  });
  after(async () => {
    await w?.stop();
  });

  it('normal path: recovery mode, two reboots, options restored byte for byte, maintenance entered and left', async () => {
    const { fake, ref } = w.host('rc-normal', (h) =>
      h.withOptions('pfctx=0x08 desc=x').withCard('mt4129_pciconf0', ['vmnic4', 'vmnic5']),
    );
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.equal(r.reboots, 2);
    assert.deepEqual(stepList(r), [
      'read-state:done',
      'vms-read:done',
      'maintenance-on:done',
      'set-mst-recovery-1:done',
      'boot-marker-1:done',
      'reboot-1:done',
      'await-return-1:done',
      'verify-cards-recovery:done',
      'restore-options:done',
      'boot-marker-2:done',
      'reboot-2:done',
      'await-return-2:done',
      'verify-cards-normal:done',
      'maintenance-off:done',
    ]);
    // Since the ibfleet-reads-alongside patch the boot marker is read by the write before the reboot and
    // the cards by the reboot activity with the stability window's last read, not by steps of their own
    // (test/durability/reads-alongside.test.ts).
    assert.deepEqual(fake.activities(), [
      'readHostFacts',
      'listVms',
      'enterMaintenance',
      'setModuleOption',
      'rebootAndAwaitReturn',
      'restoreModuleOptions',
      'rebootAndAwaitReturn',
      'exitMaintenance',
    ]);
    assert.deepEqual(
      r.steps.filter((s) => s.name.startsWith('boot-marker')).map((s) => s.detail),
      ['boot #1, up 60s', 'boot #2, up 60s'],
      'the boot-marker steps record the markers the writes read',
    );
    const verifyCommands = r.commands.filter((c) => c.step.startsWith('verify-cards'));
    assert.deepEqual(
      verifyCommands.map((c) => `${c.step}: ${c.command}`),
      [
        'verify-cards-recovery: /opt/mellanox/bin/mst status',
        'verify-cards-normal: /opt/mellanox/bin/mst status',
      ],
      'the audit trail lists the cards read under the verify steps',
    );
    assert.equal(fake.boots, 3);
    assert.equal(fake.moduleOptions, 'pfctx=0x08 desc=x');
    assert.equal(fake.maintenanceMode, false);
    assert.deepEqual(r.changes, [
      'entered maintenance mode',
      "nmlx5_core options 'pfctx=0x08 desc=x' → 'pfctx=0x08 desc=x mst_recovery=1'",
      "nmlx5_core options 'pfctx=0x08 desc=x mst_recovery=1' → 'pfctx=0x08 desc=x'",
      'exited maintenance mode',
    ]);
    assert.deepEqual(r.finalState, {
      moduleOptions: 'pfctx=0x08 desc=x',
      mstDevices: ['mt4129_pciconf0'],
      maintenanceMode: false,
    });
  });

  it('hidden cards: listed after the recovery boot and still after the normal one', async () => {
    const { fake, ref } = w.host('rc-hidden', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']).cardVisibility = 'until-recovery-boot';
    });
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.equal(r.reboots, 2);
    assert.deepEqual(r.found.mstDevices, []);
    assert.deepEqual(r.finalState.mstDevices, ['mt4129_pciconf0']);
    assert.equal(fake.moduleOptions, '');
  });

  it('resumed mid-cycle: recovery mode stored and cards listed → straight to normal mode, one reboot', async () => {
    const { fake, ref } = w.host('rc-resumed', (h) =>
      h.withOptions('pfctx=0x08 mst_recovery=1').withCard('mt4129_pciconf0', ['vmnic4']),
    );
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.equal(r.reboots, 1);
    const skipped = r.steps.filter((s) => s.status === 'skipped').map((s) => s.name);
    assert.deepEqual(skipped, [
      'set-mst-recovery-1',
      'boot-marker-1',
      'reboot-1',
      'await-return-1',
      'verify-cards-recovery',
    ]);
    assert.deepEqual(fake.stepsOf('rebootAndAwaitReturn'), ['reboot-2']);
    assert.deepEqual(fake.stepsOf('setModuleOption'), []);
    assert.equal(fake.moduleOptions, 'pfctx=0x08');
  });

  it('cards not listed after the recovery boot: needs-attention, left mid-cycle, one reboot, nothing restored', async () => {
    const { fake, ref } = w.host('rc-no-cards', (h) => {
      h.withOptions('pfctx=0x08').withCard('mt4129_pciconf0', ['vmnic4']).cardVisibility = 'never';
    });
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'needs-attention');
    assert.equal(r.failureType, 'VerificationFailed');
    assert.equal(r.stoppedInStep, 'verify-cards-recovery');
    assert.equal(r.leftMidCycle, true);
    assert.equal(r.reboots, 1);
    assert.match(
      r.reason ?? '',
      /mst status lists no card — host left mid-change: nmlx5_core mst_recovery=1 stored/,
    );
    assert.deepEqual(fake.stepsOf('restoreModuleOptions'), []);
    // The reboot activity's read listed no card: the verify step reads again on its own and fails.
    assert.deepEqual(fake.stepsOf('listMstDevices'), ['verify-cards-recovery']);
    assert.equal(fake.moduleOptions, 'pfctx=0x08 mst_recovery=1');
    assert.equal(
      fake.maintenanceMode,
      true,
      'after a reboot the host stays in maintenance mode for an operator',
    );
  });

  it('an mst_recovery value it does not know: fails before any change (no maintenance mode, no reboot)', async () => {
    const { fake, ref } = w.host('rc-unknown-value', (h) =>
      h.withOptions('mst_recovery=2').withCard('mt4129_pciconf0', ['vmnic4']),
    );
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'failed');
    assert.equal(r.failureType, 'PreconditionFailed');
    assert.match(r.reason ?? '', /mst_recovery=2; recovery-cycle knows only/);
    assert.equal(r.reboots, 0);
    assert.deepEqual(fake.activities(), ['readHostFacts']);
  });

  it('a host already in maintenance mode is left in it', async () => {
    const { fake, ref } = w.host('rc-in-mm', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']).maintenanceMode = true;
    });
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'succeeded', r.reason);
    const off = r.steps.find((s) => s.name === 'maintenance-off');
    assert.deepEqual(
      [off?.status, off?.detail],
      ['skipped', 'host was in maintenance mode before: left in it'],
    );
    assert.equal(fake.maintenanceMode, true);
    assert.deepEqual(fake.stepsOf('exitMaintenance'), []);
  });

  it('--vm-policy refuse with a running VM: needs-attention naming it, nothing changed', async () => {
    const { fake, ref } = w.host('rc-vm-refuse', (h) => {
      h.withOptions('pfctx=0x08').withCard('mt4129_pciconf0', ['vmnic4']);
      h.vms = [{ vmid: 1, name: 'train-01', power: 'on' }];
    });
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'needs-attention');
    assert.equal(r.failureType, 'VmsRunning');
    assert.equal(r.stoppedInStep, 'vms-read');
    assert.match(r.reason ?? '', /1 VM\(s\) powered on: train-01; --vm-policy refuse/);
    assert.deepEqual(fake.activities(), ['readHostFacts', 'listVms']);
    assert.deepEqual([fake.moduleOptions, fake.maintenanceMode, fake.boots], ['pfctx=0x08', false, 1]);
  });

  it('--vm-policy shutdown: the running VMs stopped before the first change, powered on again after maintenance mode', async () => {
    const { fake, ref } = w.host('rc-vm-shutdown', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']);
      h.vms = [
        { vmid: 1, name: 'train-01', power: 'on' },
        { vmid: 2, name: 'idle', power: 'off' },
        { vmid: 3, name: 'train-02', power: 'on' },
      ];
    });
    const r = await w.run('recovery-cycle', ref, {}, { vms: vmOptions('shutdown') });
    assert.equal(r.outcome, 'succeeded', r.reason);
    const names = r.steps.map((s) => s.name);
    assert.deepEqual(names.slice(0, 5), [
      'read-state',
      'vms-read',
      'vms-stop',
      'maintenance-on',
      'set-mst-recovery-1',
    ]);
    assert.deepEqual(names.slice(-2), ['maintenance-off', 'vms-start']);
    assert.deepEqual(
      fake.vms.map((v) => [v.name, v.power]),
      [
        ['train-01', 'on'],
        ['idle', 'off'],
        ['train-02', 'on'],
      ],
    );
    assert.deepEqual(
      r.vms?.stopped.map((v) => [v.name, v.how, v.restarted]),
      [
        ['train-01', 'guest-shutdown', 'powered-on'],
        ['train-02', 'guest-shutdown', 'powered-on'],
      ],
    );
  });

  it('--vm-policy shutdown, a guest that does not stop: host restored (VMs back on, out of maintenance), no change', async () => {
    const { fake, ref } = w.host('rc-vm-hangs', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']);
      h.vms = [
        { vmid: 1, name: 'ok', power: 'on' },
        { vmid: 2, name: 'hung', power: 'on', hangsOnShutdown: true },
      ];
    });
    const r = await w.run('recovery-cycle', ref, {}, { vms: vmOptions('shutdown') });
    assert.equal(r.outcome, 'needs-attention');
    assert.equal(r.failureType, 'VmsDidNotStop');
    assert.equal(r.reboots, 0);
    assert.deepEqual(fake.stepsOf('setModuleOption'), []);
    assert.deepEqual(fake.stepsOf('enterMaintenance'), []);
    assert.deepEqual(fake.stepsOf('startVms'), ['vms-start']);
    assert.deepEqual(
      fake.vms.map((v) => v.power),
      ['on', 'on'],
    );
  });

  it('--vm-policy wait: waits while the owners power their VMs off, then goes on', async () => {
    const { fake, ref } = w.host('rc-vm-wait', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']);
      h.vms = [{ vmid: 1, name: 'train-01', power: 'on' }];
      h.ownersPowerOffAfterPolls = 2;
    });
    const r = await w.run('recovery-cycle', ref, {}, { vms: vmOptions('wait') });
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.deepEqual(fake.stepsOf('listVms'), ['vms-read', 'vms-drain', 'vms-drain']);
    assert.deepEqual(fake.stepsOf('stopVms'), []);
    assert.equal(r.vms?.waited?.outcome, 'drained');
    assert.equal(r.reboots, 2);
  });

  it('--vm-policy wait: VMs still running at the drain deadline → needs-attention, nothing changed', async () => {
    const { fake, ref } = w.host('rc-vm-deadline', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']);
      h.vms = [{ vmid: 1, name: 'train-01', power: 'on' }];
    });
    const r = await w.run('recovery-cycle', ref, {}, { vms: vmOptions('wait', { drainDeadlineMs: 1_000 }) });
    assert.equal(r.outcome, 'needs-attention');
    assert.equal(r.failureType, 'VmsRunning');
    assert.match(
      r.reason ?? '',
      /still powered on after the drain deadline \(1s\): train-01; nothing was changed/,
    );
    assert.equal(r.vms?.waited?.outcome, 'deadline');
    assert.deepEqual(fake.stepsOf('setModuleOption'), []);
    assert.deepEqual([fake.maintenanceMode, fake.boots], [false, 1]);
  });

  it('maintenance mode refused on every try: retried, then the host is put back as it was (VMs on again)', async () => {
    const { fake, ref } = w.host('rc-mm-refused', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']);
      h.maintenanceRefusal = 'A general system error occurred';
      h.vms = [{ vmid: 1, name: 'train-01', power: 'on' }];
    });
    const r = await w.run(
      'recovery-cycle',
      ref,
      {},
      { vms: vmOptions('shutdown', { maintenanceRetries: 1 }) },
    );
    assert.equal(r.outcome, 'needs-attention');
    assert.equal(r.failureType, 'MaintenanceNotEntered');
    assert.deepEqual(fake.stepsOf('enterMaintenance'), ['maintenance-on', 'maintenance-on-2']);
    assert.match(r.reason ?? '', /not entered after 2 tries: refused: A general system error occurred/);
    assert.deepEqual(fake.stepsOf('setModuleOption'), []);
    assert.equal(fake.vms[0].power, 'on');
    assert.equal(r.reboots, 0);
  });

  it('maintenance entry attempts lost to dropped connections or dead workers are retried like any step', async () => {
    // Four lost attempts in a row: more than the 3 attempts entering maintenance mode once had in all
    // (the chaos test failed a healthy host that way, test/durability/chaos.test.ts).
    const { fake, ref } = w.host('rc-mm-lost', (h) => {
      h.withCard('mt4129_pciconf0', ['vmnic4']);
      h.lostAttempts.enterMaintenance = 4;
    });
    const r = await w.run('recovery-cycle', ref);
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.deepEqual(fake.stepsOf('enterMaintenance'), Array(5).fill('maintenance-on'));
    assert.equal(r.reboots, 2);
    assert.equal(fake.maintenanceMode, false);
  });
});
