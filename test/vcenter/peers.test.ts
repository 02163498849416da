import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Govc } from '../../activities/vcenter/govc';
import { VcenterError, type GovcRunner } from '../../activities/vcenter/govc-run';
import type { VcenterHost } from '../../activities/vcenter/parsers';
import { createVcenterPeerActivities, peerStateFromVcenter } from '../../activities/vcenter/peers';
import type { HostRef } from '../../common/targets';
import type { VcenterRef } from '../../common/vcenter-schemas';

// The vSAN peer check through vCenter (activities/vcenter/peers.ts) against recorded govc v0.46.3
// output (test/fixtures/vcenter/README.md: esx-01 and esx-02, connected; esx-02 in maintenance mode).

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/vcenter', name), 'utf8');

const vcenter = (url: string): VcenterRef => ({
  url,
  username: 'administrator@vsphere.local',
  credential: { type: 'password-env', env: 'IBFLEET_VCENTER_PASSWORD' },
  thumbprint: Array.from({ length: 32 }, () => 'AB').join(':'),
});
const RECORDED = vcenter('https://127.0.0.1/sdk');
const UNREACHABLE = vcenter('https://127.0.0.2/sdk');

const peer = (name: string, ref?: VcenterRef): HostRef => ({
  kind: 'esxi',
  name,
  address: '127.0.0.1',
  port: 22,
  username: 'root',
  hostKey: '',
  credential: { type: 'password-env', env: 'IBFLEET_SSH_PASSWORD' },
  cluster: 'c1',
  tags: [],
  vsan: true,
  ...(ref ? { vcenter: ref } : {}),
});

const host = (over: Partial<VcenterHost>): VcenterHost => ({
  moref: 'host-1',
  name: 'esx-01',
  connectionState: 'connected',
  powerState: 'poweredOn',
  inMaintenanceMode: false,
  bootTime: null,
  vms: [],
  ...over,
});

describe('vCenter: the vSAN peer check', () => {
  it('reads each peer from one host list per vCenter; in maintenance mode, or unreadable (unknown host, vCenter refused)', async () => {
    const sent: string[][] = [];
    const recorded: GovcRunner = (args) => {
      sent.push(args);
      return args[0] === 'object.collect' && args.includes('h')
        ? Promise.resolve(fixture('object-collect-hosts.json'))
        : Promise.reject(new Error(`unexpected govc ${args.join(' ')}`));
    };
    const refused: GovcRunner = () =>
      Promise.reject(new VcenterError('login', 'ServerFaultCode: Cannot complete login'));
    const acts = createVcenterPeerActivities(
      (ref) => new Govc(ref.url === RECORDED.url ? recorded : refused),
    );
    const r = await acts.vcenterPeerMaintenance({
      peers: [
        peer('esx-01', RECORDED),
        peer('esx-77', RECORDED),
        peer('esx-02', RECORDED),
        peer('esx-09', UNREACHABLE),
      ],
    });
    assert.deepEqual(r, {
      inMaintenance: ['esx-02'],
      unreadable: [
        { name: 'esx-77', reason: 'vCenter has no host of that name' },
        {
          name: 'esx-09',
          reason: 'vCenter https://127.0.0.2/sdk: ServerFaultCode: Cannot complete login',
        },
      ],
      commands: [],
    });
    assert.equal(sent.length, 1, 'one host list for the three peers of that vCenter');
  });

  it('a peer in maintenance mode, or one vCenter cannot reach (its last known state untrusted)', () => {
    assert.deepEqual(peerStateFromVcenter('esx-01', [host({ inMaintenanceMode: true })]), { on: true });
    assert.deepEqual(peerStateFromVcenter('esx-01', [host({})]), { on: false });
    assert.deepEqual(
      peerStateFromVcenter('esx-01', [host({ connectionState: 'notResponding', inMaintenanceMode: false })]),
      { reason: 'vCenter shows it notResponding' },
    );
    assert.deepEqual(peerStateFromVcenter('esx-01', [host({}), host({ moref: 'host-2' })]), {
      reason: 'vCenter has 2 hosts of that name',
    });
  });
});
