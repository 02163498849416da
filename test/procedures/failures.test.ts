import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { generateKeyPair } from '../../simulator/host-keys';
import type { HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { fastHostOptions, fastTiming, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  bootsSince,
  changingCommands,
  commandsAfter,
  commandsSince,
  expectFailure,
  expectSuccess,
  markHost,
  rebootCommands,
  startProcedure,
  fleetHost,
} from './host-audit';

const ORIGINAL = 'pfctx=0x08 trust_state=2';
const WRONG_PASSWORD_ENV = 'IBFLEET_SSH_TEST_FAILURES_WRONG_PASSWORD';

/**
 * Nothing ran on the host after the workflow closed (shell.log timestamps after its close time). Call it
 * before any audit read other than shell.log's, which are not told apart from the procedure's.
 */
async function assertQuietAfterClose(handle: WorkflowHandle, host: HostRef): Promise<void> {
  const closed = (await handle.describe()).closeTime;
  assert.ok(closed, 'the workflow is closed');
  assert.deepEqual(
    await commandsAfter(host, closed.getTime()),
    [],
    'nothing ran on the host after the failure',
  );
}

describe('procedures: failure reasons', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  let keyDir: string;
  const taskQueue = uniqueTaskQueue('failures');
  const host = (name: string): HostRef => fleetHost(fleet, name);

  before(async () => {
    fleet = await startFleet({
      hosts: 8,
      namePrefix: 'fl-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
      hostOverrides: {
        'fl-04': { faults: { neverReturn: true } },
        'fl-05': { faults: { mlxconfigFail: true } },
        'fl-07': {
          cards: ['ConnectX-6'],
          mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 16 },
          nmlx5CoreOptions: `${ORIGINAL} max_vfs=4,4`,
        },
      },
    });
    // The worker runs in this process: a password-env credential reads this process's environment.
    process.env[WRONG_PASSWORD_ENV] = 'not-the-password';
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-failures-'));
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    delete process.env[WRONG_PASSWORD_ENV];
    await worker?.stop();
    await fleet?.stop();
    if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
  });

  it('a wrong pinned host key: HostKeyMismatch naming the host and both fingerprints, and nothing ran', async () => {
    const { client } = await testEnv();
    const h = host('fl-01');
    const wrongPin = host('fl-02').hostKey;
    const mark = await markHost(h);
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', { ...h, hostKey: wrongPin });
    const failure = await expectFailure(handle, 'HostKeyMismatch');
    assert.ok(failure.message.includes('fl-01'), failure.message);
    assert.ok(failure.message.includes(`pinned ${wrongPin}`), failure.message);
    assert.ok(failure.message.includes(`presented ${h.hostKey}`), failure.message);
    assert.equal(failure.report.outcome, 'failed');
    assert.deepEqual(await commandsSince(mark), [], 'not a single command ran');
  });

  it('a wrong password (password-env) and a key the host does not accept: SshAuthFailed, nothing ran', async () => {
    const { client } = await testEnv();
    const h = host('fl-03');
    const mark = await markHost(h);
    const byPassword = await startProcedure(client, taskQueue, 'preflight', {
      ...h,
      credential: { type: 'password-env', env: WRONG_PASSWORD_ENV },
    });
    const pw = await expectFailure(byPassword, 'SshAuthFailed');
    assert.match(pw.message, /fl-03/);
    assert.ok(!pw.message.includes('not-the-password'), 'the secret stays out of the message');

    const keyPath = path.join(keyDir, 'id_ed25519');
    // A valid key the host does not know (generateKeyPair redraws ssh2's ~1-in-256 unparseable keys).
    fs.writeFileSync(keyPath, generateKeyPair().privateKey, { mode: 0o600 });
    const byKey = await startProcedure(client, taskQueue, 'preflight', {
      ...h,
      credential: { type: 'private-key', path: keyPath },
    });
    await expectFailure(byKey, 'SshAuthFailed');
    assert.deepEqual(await commandsSince(mark), []);
  });

  it('a host that never returns: HostNotReturned at the boot deadline, needs attention, left mid-cycle', async () => {
    const { client } = await testEnv();
    const h = host('fl-04');
    const mark = await markHost(h);
    const options = { ...fastHostOptions, timing: { ...fastTiming, bootDeadlineMs: 3_000 } };
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', h, { options });
    const failure = await expectFailure(handle, 'HostNotReturned');
    assert.match(failure.message, /fl-04 did not return within the boot deadline of 3s/);
    assert.equal(failure.report.outcome, 'needs-attention');
    assert.equal(failure.report.leftMidCycle, true);
    assert.equal(failure.report.stoppedInStep, 'await-return-1');

    // Let it boot, then audit: the reboot was the last thing ibfleet did.
    fleet.setFaults(h.name, {});
    await fleet.host(h.name).waitFor('up', { timeoutMs: 10_000 });
    const commands = await commandsSince(mark);
    assert.deepEqual(changingCommands(commands), [
      'esxcli system maintenanceMode set -e true -t 600',
      `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL} mst_recovery=1"`,
      'esxcli system shutdown reboot -r "ibfleet recovery-cycle: mst_recovery=1"',
    ]);
    const afterReboot = commands.slice(
      commands.lastIndexOf('esxcli system shutdown reboot -r "ibfleet recovery-cycle: mst_recovery=1"') + 1,
    );
    assert.deepEqual(
      [...new Set(afterReboot)].sort(),
      ['esxcli system stats uptime get', 'grep booted /var/log/vmksummary.log'],
      'then only boot-marker polls',
    );
    await assertQuietAfterClose(handle, h);
  });

  it("a card that rejects mlxconfig: MlxconfigRejected with mlxconfig's own message, before any change", async () => {
    const { client } = await testEnv();
    const h = host('fl-05');
    const mark = await markHost(h);
    const handle = await startProcedure(client, taskQueue, 'sriov-enable', h);
    const failure = await expectFailure(handle, 'MlxconfigRejected');
    assert.match(failure.message, /mlxconfig -d mt4129_pciconf0 failed: .*Failed to open the device/);
    assert.equal(failure.report.outcome, 'failed');
    assert.deepEqual(changingCommands(await commandsSince(mark)), []);
    await assertQuietAfterClose(handle, h);
  });

  it('a host that returns without its cards: VerificationFailed, needs attention (recovery-cycle and sriov-disable)', async () => {
    const { client } = await testEnv();
    const h = host('fl-06');
    const mark = await markHost(h);
    fleet.setFaults(h.name, { cardsMissingAfterBoot: true }); // the cards are there until the next boot
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', h);
    const failure = await expectFailure(handle, 'VerificationFailed');
    assert.match(failure.message, /mst status lists no ConnectX card/);
    assert.equal(failure.report.outcome, 'needs-attention');
    assert.equal(failure.report.leftMidCycle, true);
    assert.equal(failure.report.stoppedInStep, 'verify-cards-recovery');
    assert.equal(rebootCommands(await commandsSince(mark)).length, 1);
    await assertQuietAfterClose(handle, h);
    assert.equal(await bootsSince(mark), 1);

    // With no card to look at after the reboot, "SR-IOV is off and no VF is left" must not pass.
    const h7 = host('fl-07');
    const mark7 = await markHost(h7);
    fleet.setFaults(h7.name, { cardsMissingAfterBoot: true });
    const disable = await startProcedure(client, taskQueue, 'sriov-disable', h7);
    const f7 = await expectFailure(disable, 'VerificationFailed');
    assert.match(f7.message, /came back without card\(s\) mt4123_pciconf0/);
    assert.equal(f7.report.outcome, 'needs-attention');
    assert.equal(rebootCommands(await commandsSince(mark7)).length, 1);
    await assertQuietAfterClose(disable, h7);
  });

  it('refuses a second procedure on a busy host (same workflow ID) while the first waits for a boot', async () => {
    const { client } = await testEnv();
    const h = host('fl-08');
    const mark = await markHost(h);
    fleet.setFaults(h.name, { neverReturn: true }); // holds the host down until cleared
    const first = await startProcedure(client, taskQueue, 'recovery-cycle', h);
    await fleet.host(h.name).waitFor('down', { timeoutMs: 20_000 });
    await assert.rejects(
      startProcedure(client, taskQueue, 'sriov-enable', h),
      WorkflowExecutionAlreadyStartedError,
    );
    await assert.rejects(
      startProcedure(client, taskQueue, 'recovery-cycle', h),
      WorkflowExecutionAlreadyStartedError,
    );

    fleet.setFaults(h.name, {});
    const report = await expectSuccess(first);
    assert.equal(report.reboots, 2);
    assert.equal(rebootCommands(await commandsSince(mark)).length, 2, 'only the first procedure ran');
  });
});
