import assert from 'node:assert/strict';
import { findDrift, type PreflightFound } from '../../activities/drift';
import type { DesiredHostState } from '../../common/desired-state';
import { driftRolloutId } from '../../common/drift-check';
import { cronProblem } from '../../common/cron';

// What the drift check reports, from what preflight found (shapes of workflows/host/preflight.ts's
// `found`, with mlxconfig values as mlxconfig prints them: "True(1)", "16").

const card = (
  device: string,
  nics: string[],
  sriov: string,
  numVfs: string,
  nextSriov = sriov,
  nextNum = numVfs,
) => ({
  device,
  nics,
  params: {
    SRIOV_EN: { current: sriov, nextBoot: nextSriov },
    NUM_OF_VFS: { current: numVfs, nextBoot: nextNum },
  },
});
const good: PreflightFound = {
  moduleLoaded: true,
  moduleOptions: 'max_vfs=4,4',
  mstDevices: ['mt4129_pciconf0'],
  maintenanceMode: false,
  cards: [card('mt4129_pciconf0', ['vmnic4', 'vmnic5'], 'True(1)', '16')],
  vfs: { vmnic4: 4, vmnic5: 4 },
};
const sriov: DesiredHostState = { mode: 'sriov', numVfs: 16, maxVfs: 4, versions: {}, vlcmImage: false };
const passthrough: DesiredHostState = { mode: 'passthrough', versions: {}, vlcmImage: false };

describe('ops: drift from a preflight', () => {
  it('a host as declared has no drift', () => {
    assert.deepEqual(findDrift({ outcome: 'succeeded', found: good }, sriov), []);
    assert.deepEqual(
      findDrift({ outcome: 'succeeded', found: { ...good, moduleOptions: 'max_vfs=4' } }, sriov),
      [],
    );
  });

  it('always: preflight failures (cards missing), recovery mode left on, maintenance mode left on', () => {
    assert.deepEqual(
      findDrift({
        outcome: 'failed',
        reason: 'esx-03 is not ready: no card is listed by mst status (see recovery-cycle)',
        found: { ...good, mstDevices: [], cards: undefined },
      }),
      ['preflight failed: esx-03 is not ready: no card is listed by mst status (see recovery-cycle)'],
    );
    assert.deepEqual(
      findDrift({
        outcome: 'succeeded',
        found: { ...good, moduleOptions: 'max_vfs=4,4 mst_recovery=1', maintenanceMode: true },
      }),
      [
        'recovery mode left on: mst_recovery=1 is stored in the nmlx5_core options',
        'maintenance mode left on',
      ],
    );
    // The last occurrence is what the module loader applies.
    assert.deepEqual(
      findDrift({ outcome: 'succeeded', found: { ...good, moduleOptions: 'mst_recovery=1 mst_recovery=0' } }),
      [],
    );
  });

  it('with a desired state: firmware values, max_vfs and VFs', () => {
    const found: PreflightFound = {
      ...good,
      moduleOptions: 'max_vfs=4,2',
      cards: [card('mt4129_pciconf0', ['vmnic4', 'vmnic5'], 'True(1)', '4', 'True(1)', '16')],
      vfs: { vmnic4: 0, vmnic5: 0 },
    };
    assert.deepEqual(findDrift({ outcome: 'succeeded', found }, sriov), [
      'mt4129_pciconf0 NUM_OF_VFS is 4, expected 16 (Next Boot has it: reboot pending)',
      'max_vfs is "4,2", expected 4,4',
      'vmnic4 has 0 VF(s), expected 4',
      'vmnic5 has 0 VF(s), expected 4',
    ]);
    assert.deepEqual(findDrift({ outcome: 'succeeded', found: { ...good, moduleOptions: '' } }, sriov), [
      'max_vfs is not set, expected 4,4',
    ]);
    assert.deepEqual(findDrift({ outcome: 'succeeded', found: good }, passthrough), [
      'mt4129_pciconf0 SRIOV_EN is True(1), expected 0',
      'max_vfs is "4,4", expected none (passthrough)',
      'vmnic4 has 4 VF(s), expected none (passthrough)',
      'vmnic5 has 4 VF(s), expected none (passthrough)',
    ]);
  });

  it('an option string it cannot read is itself a finding', () => {
    assert.match(
      findDrift({ outcome: 'succeeded', found: { ...good, moduleOptions: `max_vfs="4` } })[0],
      /^the stored nmlx5_core options cannot be read: /,
    );
  });

  it('names each run and checks cron lines', () => {
    assert.equal(
      driftRolloutId('nightly', Date.parse('2026-03-04T03:00:00.123Z')),
      'drift-nightly-20260304-030000',
    );
    assert.ok(driftRolloutId('x'.repeat(40), 0).length <= 64);
    for (const ok of ['0 3 * * *', '*/15 0-6 * * mon-fri', '0 3 1,15 * *', '30 2 * jan-mar 0,7', '@daily'])
      assert.equal(cronProblem(ok), undefined, ok);
    assert.match(cronProblem('0 3 * *') ?? '', /must have 5 fields/);
    assert.match(cronProblem('0 24 * * *') ?? '', /^hour "24"/);
    assert.match(cronProblem('0 3 * * funday') ?? '', /^day of week "funday"/);
    assert.match(cronProblem('*/0 3 * * *') ?? '', /^minute/);
    assert.match(cronProblem('@sometimes') ?? '', /unknown shorthand/);
  });
});
