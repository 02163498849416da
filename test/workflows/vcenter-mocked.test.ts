import assert from 'node:assert/strict';
import { VSAN_PEER_IN_MAINTENANCE } from '../../common/procedure-failures';
import type { HostRef } from '../../common/targets';
import type { VcenterRef } from '../../common/vcenter-schemas';
import type { FakeEsxiHost } from '../fixtures/mocked-esxi-host';
import { startMockedWorker, stepList, type MockedWorker } from '../fixtures/mocked-worker';

// Issue #14's no-reboot paths on the real workflows with mocked activities (fake hosts whose TSM-SSH can
// be stopped, and a fake vCenter showing them): module-reload opens SSH through vCenter only while it
// runs, and the vSAN peer check reads peers that have a vCenter through it. On the simulated fleet and
// vCenter: test/vcenter/vcenter-reload-and-vsan.test.ts.

const CARD = 'mt4129_pciconf0';
const VCENTER: VcenterRef = {
  url: 'https://127.0.0.1/sdk',
  username: 'administrator@vsphere.local',
  credential: { type: 'password-env', env: 'IBFLEET_VCENTER_PASSWORD' },
  thumbprint: Array.from({ length: 32 }, () => 'AB').join(':'),
};

describe('vCenter no-reboot paths with mocked activities', function () {
  this.timeout(60_000);
  let w: MockedWorker;

  before(async () => {
    w = await startMockedWorker('vcenter-mocked');
  });
  after(async () => {
    await w?.stop();
  });

  describe('module-reload on a host with a vCenter', () => {
    it('SSH stopped: started through vCenter for the steps, stopped again at the end', async () => {
      const { fake, ref } = w.host('mrv-off', (h) => {
        h.withCard(CARD, ['vmnic4']).moduleLoaded = false;
        h.sshRunning = false;
      });
      const r = await w.run('module-reload', { ...ref, vcenter: VCENTER });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(stepList(r), [
        'ssh-read:done',
        'ssh-on:done',
        'read-state:done',
        'reload-module:done',
        'verify-cards:done',
        'ssh-off:done',
      ]);
      assert.deepEqual(fake.activities(), [
        'vcenterSshState',
        'vcenterSetSshRunning',
        'readHostFacts',
        'reloadNmlx5Module',
        'listMstDevices',
        'vcenterSetSshRunning',
      ]);
      assert.equal(fake.sshRunning, false, 'SSH stopped as it was found');
      assert.equal(fake.maintenanceMode, false, 'no maintenance mode');
      assert.equal(r.reboots, 0);
      assert.deepEqual(r.finalState.mstDevices, [CARD]);
    });

    it('SSH stopped even when the reload fails', async () => {
      const { fake, ref } = w.host('mrv-fails', (h) => {
        h.withCard(CARD, ['vmnic4']).moduleLoaded = false;
        h.reloadLeavesNoCard = true;
        h.sshRunning = false;
      });
      const r = await w.run('module-reload', { ...ref, vcenter: VCENTER });
      assert.equal(r.outcome, 'needs-attention');
      assert.equal(r.steps.at(-1)?.name, 'ssh-off');
      assert.equal(fake.sshRunning, false);
    });

    it('SSH running: left running (never stopped by ibfleet)', async () => {
      const { fake, ref } = w.host('mrv-on', (h) => h.withCard(CARD, ['vmnic4']));
      const r = await w.run('module-reload', { ...ref, vcenter: VCENTER });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(stepList(r), [
        'ssh-read:done',
        'read-state:done',
        'reload-module:skipped',
        'verify-cards:skipped',
      ]);
      assert.deepEqual(fake.activities(), ['vcenterSshState', 'readHostFacts']);
      assert.equal(fake.sshRunning, true);
    });
  });

  describe('the vSAN peer check', () => {
    interface PeerSetup {
      /** Default: true. */
      vcenter?: boolean;
      setup?: (h: FakeEsxiHost) => void;
    }

    /** A vSAN host (reached over SSH) and its peers, each with TSM-SSH stopped unless `setup` says otherwise. */
    function vsanHosts(label: string, peerSetups: PeerSetup[]) {
      const target = w.host(`${label}-t`, (h) => h.withCard(CARD, ['vmnic4']));
      const peers = peerSetups.map((p, i) =>
        w.host(`${label}-p${i + 1}`, (h) => {
          h.sshRunning = false;
          p.setup?.(h);
        }),
      );
      const refs: HostRef[] = peers.map((p, i) => ({
        ...p.ref,
        vsan: true,
        ...(peerSetups[i].vcenter === false ? {} : { vcenter: VCENTER }),
      }));
      return { target: { ...target.ref, vsan: true }, fake: target.fake, peers, refs };
    }

    it('peers with SSH disabled are read through their vCenter: the check passes', async () => {
      const { target, fake, peers, refs } = vsanHosts('vp-pass', [{}, {}]);
      const r = await w.run('recovery-cycle', target, {}, {}, { vsanPeers: refs });
      const check = r.steps.find((s) => s.name === 'vsan-peers');
      assert.equal(check?.status, 'done', JSON.stringify(r.steps));
      assert.match(check.detail, /no peer of mocked in maintenance mode/);
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.ok(!fake.activities().includes('readPeerMaintenance'), 'no peer read over SSH');
      for (const p of peers) assert.deepEqual(p.fake.activities(), ['vcenterPeerMaintenance']);
    });

    it('a peer vCenter shows in maintenance mode, or not responding, keeps the host out: nothing changed', async () => {
      const { target, fake, refs } = vsanHosts('vp-block', [
        { setup: (h) => (h.maintenanceMode = true) },
        { setup: (h) => (h.vcenterConnection = 'notResponding') },
      ]);
      const r = await w.run('recovery-cycle', target, {}, {}, { vsanPeers: refs });
      assert.equal(r.failureType, VSAN_PEER_IN_MAINTENANCE);
      assert.match(r.reason ?? '', new RegExp(`${refs[0].name} in maintenance mode`));
      assert.match(
        r.reason ?? '',
        new RegExp(`${refs[1].name} could not be read \\(vCenter shows it notResponding\\)`),
      );
      assert.equal(fake.maintenanceMode, false);
      assert.ok(!fake.activities().includes('enterMaintenance'), fake.activities().join(' '));
      assert.ok(!fake.activities().includes('setModuleOption'), 'nothing changed');
    });

    it('peers without a vCenter are still read over SSH, in the same step', async () => {
      const { target, fake, peers, refs } = vsanHosts('vp-mixed', [
        {},
        { vcenter: false, setup: (h) => (h.sshRunning = true) },
      ]);
      const r = await w.run('recovery-cycle', target, {}, {}, { vsanPeers: refs });
      assert.equal(r.outcome, 'succeeded', r.reason);
      assert.deepEqual(fake.stepsOf('readPeerMaintenance'), ['vsan-peers']);
      assert.deepEqual(peers[0].fake.activities(), ['vcenterPeerMaintenance']);
    });
  });
});
