import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VcenterHostView } from '../../activities/contract';
import { parseClusters } from '../../activities/vcenter/parsers';
import { describeVcenterView, vcenterDisagreements } from '../../workflows/host/vcenter-preflight';

// Preflight's vCenter view (issue #14): the cluster parser against verbatim govc output
// (test/fixtures/vcenter/README.md) and where vCenter and the host (over SSH) disagree.

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/vcenter', name), 'utf8');

const view = (o: Partial<VcenterHostView> = {}): VcenterHostView => ({
  connectionState: 'connected',
  inMaintenanceMode: false,
  bootTime: '2026-12-04T09:00:00Z',
  vms: [
    { name: 'web', powerState: 'poweredOn' },
    { name: 'gpu', powerState: 'poweredOff' },
  ],
  cluster: {
    name: 'gpu-a',
    drs: { enabled: true, behavior: 'fullyAutomated' },
    ha: false,
    vsan: true,
  },
  vmotionable: ['web'],
  ssh: { running: true, policy: 'off' },
  ...o,
});

describe('vCenter: preflight view', () => {
  it('parses clusters: DRS with its behaviour, unset HA and vSAN flags as off', () => {
    assert.deepEqual(parseClusters(fixture('object-collect-clusters.json')), [
      {
        moref: 'domain-c9',
        name: 'cluster-01',
        hosts: ['host-18', 'host-27'],
        drs: { enabled: true, behavior: 'fullyAutomated' },
        ha: false,
        vsan: false,
      },
    ]);
  });

  it('agrees when maintenance mode and every VM power state match', () => {
    assert.deepEqual(
      vcenterDisagreements(view(), {
        maintenanceMode: false,
        vms: [
          { name: 'gpu', power: 'off' },
          { name: 'web', power: 'on' },
        ],
      }),
      [],
    );
  });

  it('names each disagreement: connection, maintenance mode, power states, VMs on one side only', () => {
    assert.deepEqual(
      vcenterDisagreements(view({ connectionState: 'notResponding' }), {
        maintenanceMode: true,
        vms: [
          { name: 'web', power: 'off' },
          { name: 'local', power: 'on' },
        ],
      }),
      [
        'vCenter shows the host notResponding',
        'maintenance mode: vCenter shows off, the host (esxcli) on',
        'VM web: on in vCenter, off on the host',
        'VM gpu: registered in vCenter, not on the host',
        'VM local: registered on the host, not in vCenter',
      ],
    );
  });

  it('compares no VMs when the host listed none (workflows before the VM policy)', () => {
    assert.deepEqual(vcenterDisagreements(view(), { maintenanceMode: false }), []);
  });

  it('describes the view in one line', () => {
    assert.equal(
      describeVcenterView(view()),
      'cluster gpu-a (DRS fullyAutomated, HA off, vSAN on), connected, not in maintenance mode, 2 VM(s) (1 on, 1 tied to the host), TSM-SSH running (policy off)',
    );
    assert.match(describeVcenterView(view({ cluster: undefined })), /^standalone \(no cluster\), /);
  });
});
