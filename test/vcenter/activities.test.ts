import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createVcenterActivities, VCENTER_REFUSED } from '../../activities/vcenter/activities';
import { Govc } from '../../activities/vcenter/govc';
import { VcenterError, type GovcRunner } from '../../activities/vcenter/govc-run';
import type { HostRef } from '../../common/targets';

// The vCenter activities of maintenance mode against recorded govc v0.46.3 outputs
// (test/fixtures/vcenter/README.md): a vSAN mode govc cannot send is refused before anything is sent,
// and a timed-out entry names the VMs still powered on on the host (what DRS could not move).

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/vcenter', name), 'utf8');

const HOST: HostRef = {
  kind: 'esxi',
  name: 'esx-01',
  address: '127.0.0.1',
  port: 22,
  username: 'root',
  hostKey: '',
  credential: { type: 'password-env', env: 'IBFLEET_SSH_PASSWORD' },
  cluster: 'c1',
  tags: [],
  vsan: true,
  vcenter: {
    url: 'https://vc.example.com/sdk',
    username: 'administrator@vsphere.local',
    credential: { type: 'password-env', env: 'IBFLEET_VCENTER_PASSWORD' },
    thumbprint: Array.from({ length: 32 }, () => 'AB').join(':'),
  },
};

/** govc as recorded: the fixture fleet's hosts and VMs; entering maintenance mode times out. */
function recordedGovc(sent: string[][]): Govc {
  const run: GovcRunner = (args) => {
    sent.push(args);
    if (args[0] === 'object.collect')
      return Promise.resolve(
        fixture(args.includes('h') ? 'object-collect-hosts.json' : 'object-collect-vms.json'),
      );
    if (args[0] === 'host.maintenance.enter')
      return Promise.reject(
        new VcenterError(
          'timedout',
          `govc host.maintenance.enter: ${fixture('enter-maintenance-timedout.stderr').trim()}`,
        ),
      );
    return Promise.reject(new Error(`unexpected govc ${args.join(' ')}`));
  };
  return new Govc(run);
}

describe('vCenter: maintenance-mode activities', () => {
  it('refuses a vSAN mode govc cannot send, before sending anything that acts', async () => {
    const sent: string[][] = [];
    const acts = createVcenterActivities(() => recordedGovc(sent));
    await assert.rejects(
      acts.vcenterEnterMaintenance({ host: HOST, timeoutSeconds: 60, vsanMode: 'evacuateAllData' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === VCENTER_REFUSED &&
        err.nonRetryable &&
        /evacuateAllData/.test(err.message),
    );
    assert.deepEqual(
      sent.filter((a) => a[0] !== 'object.collect'),
      [],
      'only reads were sent',
    );
  });

  it('reports a timed-out entry with the VMs still powered on on the host', async () => {
    const sent: string[][] = [];
    const acts = createVcenterActivities(() => recordedGovc(sent));
    assert.deepEqual(
      await acts.vcenterEnterMaintenance({
        host: HOST,
        timeoutSeconds: 5,
        vsanMode: 'ensureObjectAccessibility',
      }),
      {
        before: false,
        changed: false,
        entered: false,
        failure: 'timed-out',
        blockedBy: ['esx-01-gpu', 'esx-01-web', 'esx-02-vm1'],
      },
    );
    assert.ok(sent.some((a) => a[0] === 'host.maintenance.enter' && a.includes('5')));
  });
});
