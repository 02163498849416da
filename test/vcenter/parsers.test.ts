import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError } from '../../activities/esxi/parsers/parse-error';
import {
  classifyDevice,
  parseCollectStream,
  parseGovcFailure,
  parseHosts,
  parseServices,
  parseVms,
} from '../../activities/vcenter/parsers';

// The govc parsers against verbatim govc v0.46.3 outputs (test/fixtures/vcenter/README.md).

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/vcenter', name), 'utf8');
const GOVC = '/work/main/.vcsim/bin/govc';

describe('vCenter: govc output parsers', () => {
  it('reads hosts: connection, maintenance mode, boot time and VM ids', () => {
    const hosts = parseHosts(fixture('object-collect-hosts.json'));
    assert.deepEqual(
      hosts.map((h) => [h.name, h.connectionState, h.powerState, h.inMaintenanceMode]),
      [
        ['esx-01', 'connected', 'poweredOn', false],
        ['esx-02', 'connected', 'poweredOn', true],
      ],
    );
    assert.equal(hosts[0].moref, 'host-18');
    assert.equal(hosts[0].bootTime, '2026-11-11T21:04:39.042Z');
    assert.equal(hosts[0].vms.length, 4);
    assert.deepEqual(hosts[1].vms, []);
  });

  it('reads VMs with their passthrough and SR-IOV devices', () => {
    const vms = parseVms(fixture('object-collect-vms.json'));
    const byName = new Map(vms.map((vm) => [vm.name, vm]));
    assert.deepEqual(byName.get('esx-01-gpu')?.devices, [{ kind: 'passthrough', id: '0000:17:00.0' }]);
    assert.deepEqual(byName.get('esx-01-vf')?.devices, [{ kind: 'sriov', pf: '0000:17:00.0' }]);
    assert.equal(byName.get('esx-01-vf')?.powerState, 'poweredOff');
    assert.deepEqual(byName.get('esx-01-web')?.devices, []);
    assert.equal(byName.get('esx-01-web')?.vmotionable, true);
    assert.equal(byName.get('esx-01-gpu')?.vmotionable, false);
    assert.ok(vms.every((vm) => vm.host === 'host-18'));
  });

  it('tells the passthrough backings apart by their fields', () => {
    const device = (backing: Record<string, unknown>) => classifyDevice({ key: 13000, backing });
    assert.deepEqual(device({ vgpu: 'grid_a100-40c' }), { kind: 'vgpu', profile: 'grid_a100-40c' });
    assert.deepEqual(device({ allowedDevice: [], assignedId: '0000:31:00.0' }), {
      kind: 'dynamic-passthrough',
      id: '0000:31:00.0',
    });
    assert.equal(device({ fileName: '[ds] vm/vm.vmdk', diskMode: 'persistent' }), undefined);
  });

  it('reads the host services', () => {
    assert.deepEqual(
      parseServices(fixture('host-service-ls.json')).find((s) => s.key === 'TSM-SSH'),
      { key: 'TSM-SSH', running: true, policy: 'on' },
    );
  });

  it('classifies govc failures, also the SOAP fault that -json prints instead', () => {
    const failure = (name: string) => parseGovcFailure(fixture(name), GOVC);
    assert.deepEqual(failure('enter-maintenance-timedout.stderr'), {
      kind: 'timedout',
      message: 'Operation timed out.',
    });
    assert.equal(failure('exit-not-in-maintenance.stderr').kind, 'invalid-state');
    assert.deepEqual(failure('login-failure-json.stderr'), { kind: 'login', message: 'Login failure' });
    assert.equal(failure('host-not-found.stderr').kind, 'not-found');
    assert.equal(
      parseGovcFailure(
        `${GOVC}: Post "https://127.0.0.1:1/sdk": dial tcp 127.0.0.1:1: connect: connection refused\n`,
        GOVC,
      ).kind,
      'unreachable',
    );
  });

  it('throws ParseError on what is not govc output, never a wrong answer', () => {
    assert.throws(() => parseCollectStream('govc: not json'), ParseError);
    assert.throws(
      () => parseHosts('{"kind":"enter","obj":{"type":"HostSystem","value":"host-1"},"changeSet":[]}'),
      ParseError,
    );
    assert.throws(() => parseServices('[{"key":"TSM-SSH"}]'), ParseError);
    assert.deepEqual(parseCollectStream(''), []);
  });
});
