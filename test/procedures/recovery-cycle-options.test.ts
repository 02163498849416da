import assert from 'node:assert/strict';
import type { HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { fastHostOptions, fastTiming, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  bootsSince,
  changingCommands,
  commandsSince,
  expectFailure,
  expectSuccess,
  markHost,
  mstDevices,
  startProcedure,
  storedOptions,
  fleetHost,
} from './host-audit';

// Issue 18 item 6, on the simulated fleet: the stored nmlx5_core option string comes back byte for byte
// after a recovery cycle — with an explicit mst_recovery=00, and with an original mst_recovery=0 when
// the cycle is finished by a new run after an interrupted one — and a string ibfleet cannot edit
// exactly (an unbalanced quote) is refused before anything is written.

// esxcli checks parameter names, not values: `-p` stores this without --force (so does the simulator).
const UNBALANCED = "pfctx=0x08 trust_state=it's";
const DOUBLE_ZERO = 'pfctx=0x08 mst_recovery=00 trust_state=2';
const EXPLICIT_ZERO = 'pfctx=0x08 mst_recovery=0';

const set = (options: string) => `esxcli system module parameters set -m nmlx5_core -p "${options}"`;

describe('procedures: recovery-cycle keeps the stored option string byte for byte', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('recovery-cycle-options');
  const host = (name: string): HostRef => fleetHost(fleet, name);

  before(async () => {
    fleet = await startFleet({
      hosts: 3,
      namePrefix: 'rco-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: { hiddenCards: true },
      hostOverrides: {
        'rco-01': { nmlx5CoreOptions: UNBALANCED },
        'rco-02': { nmlx5CoreOptions: DOUBLE_ZERO },
        'rco-03': { nmlx5CoreOptions: EXPLICIT_ZERO, faults: { neverReturn: true } },
      },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it("refuses an option string with an unbalanced quote (trust_state=it's) before writing anything: needs attention", async () => {
    const { client } = await testEnv();
    const h = host('rco-01');
    const mark = await markHost(h);
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'recovery-cycle', h),
      'ModuleOptionsUnsupported',
    );
    assert.match(failure.message, /word 2 "trust_state=it's" has an unbalanced ' quote/);
    assert.match(failure.message, /fix the stored options by hand/);
    assert.equal(failure.report.outcome, 'needs-attention');
    assert.equal(failure.report.stoppedInStep, 'read-state');
    assert.notEqual(failure.report.leftMidCycle, true, 'nothing was changed, so nothing is left mid-cycle');
    assert.deepEqual(changingCommands(await commandsSince(mark)), [], 'shell.log: nothing written');
    assert.equal(await bootsSince(mark), 0);
    assert.equal(await storedOptions(h), UNBALANCED);
  });

  it('restores an explicit mst_recovery=00 exactly', async () => {
    const { client } = await testEnv();
    const h = host('rco-02');
    const mark = await markHost(h);
    const report = await expectSuccess(await startProcedure(client, taskQueue, 'recovery-cycle', h));
    assert.equal(report.reboots, 2);
    const sets = changingCommands(await commandsSince(mark)).filter((c) =>
      c.startsWith('esxcli system module'),
    );
    assert.deepEqual(sets, [set(`${DOUBLE_ZERO} mst_recovery=1`), set(DOUBLE_ZERO)]);
    assert.equal(await storedOptions(h), DOUBLE_ZERO);
    assert.equal(report.finalState.moduleOptions, DOUBLE_ZERO);
  });

  it('a new run after an interrupted one restores an original mst_recovery=0 exactly, and writes once', async () => {
    const { client } = await testEnv();
    const h = host('rco-03');
    const mark = await markHost(h);
    // The first run stores the override, reboots, and the host does not come back in time.
    const options = { ...fastHostOptions, timing: { ...fastTiming, bootDeadlineMs: 3_000 } };
    const first = await expectFailure(
      await startProcedure(client, taskQueue, 'recovery-cycle', h, { options }),
      'HostNotReturned',
    );
    assert.equal(first.report.leftMidCycle, true);
    fleet.setFaults(h.name, {});
    await fleet.host(h.name).waitFor('up', { timeoutMs: 10_000 });
    assert.equal(await storedOptions(h), `${EXPLICIT_ZERO} mst_recovery=1`);

    // A new workflow records the overridden string as its "original"; it still restores the real one.
    const second = await expectSuccess(await startProcedure(client, taskQueue, 'recovery-cycle', h));
    assert.equal(second.found.moduleOptions, `${EXPLICIT_ZERO} mst_recovery=1`);
    const sets = changingCommands(await commandsSince(mark)).filter((c) =>
      c.startsWith('esxcli system module'),
    );
    assert.deepEqual(sets, [set(`${EXPLICIT_ZERO} mst_recovery=1`), set(EXPLICIT_ZERO)]);
    assert.equal(await storedOptions(h), EXPLICIT_ZERO);
    assert.deepEqual(await mstDevices(h), ['mt4129_pciconf0']);
  });
});
