import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CredentialPolicy } from '../../activities/ssh/credential-policy';
import { createVcenterActivities } from '../../activities/vcenter/activities';
import { checkVcenters } from '../../activities/vcenter/check';
import { Govc } from '../../activities/vcenter/govc';
import { parseInventory } from '../../client/inventory/load';
import { endpointCredentials, type EndpointCredential } from '../../common/credential-check';
import { hostRefSchema } from '../../common/target-schemas';
import type { HostRef } from '../../common/targets';
import type { VcenterRef } from '../../common/vcenter-schemas';
import { tcpProbe } from '../simulator/ssh-helpers';
import { startVcenterFleet, type VcenterFleet } from './vcenter-fleet';

// Issue #14, workflow integration: the vCenter reference travels on each host (validated again by the
// workflows' schema), the worker's credential check logs in to each vCenter before any host is
// touched, and Govc as activities (read, act only if needed, read back).

const THUMBPRINT = Array.from({ length: 32 }, (_v, i) =>
  (i * 5).toString(16).padStart(2, '0').toUpperCase(),
).join(':');
const KEY = 'SHA256:' + 'A'.repeat(43);

/** Whether a TCP socket of this machine is bound to 127.0.0.1:`port` other than a listener (Linux). */
function boundNotListening(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .some(([, address, , state]) => address === local && state !== '0A');
}
const INVENTORY = `version: 1
defaults:
  username: root
  credential: { type: password-env, env: IBFLEET_SSH_PASSWORD }
vcenter:
  url: https://vc.example.com/sdk
  username: administrator@vsphere.local
  credential: { type: password-env, env: IBFLEET_VCENTER_PASSWORD }
  thumbprint: "${THUMBPRINT}"
clusters:
  - name: gpu-a
    hosts:
      - { name: esx-01, address: 10.0.0.1, hostKey: "${KEY}" }
  - name: gpu-b
    vcenter: false
    hosts:
      - { name: esx-02, address: 10.0.0.2, hostKey: "${KEY}" }
`;

describe('vCenter: the reference on each host, as workflows receive it', () => {
  const inv = parseInventory(INVENTORY, '/etc/ibfleet/fleet.yaml');
  const [withVc, withoutVc] = inv.hosts;

  it("carries the cluster's vCenter on its hosts (and none where the cluster opts out)", () => {
    assert.deepEqual(withVc.vcenter, inv.clusters[0].vcenter);
    assert.equal(withVc.vcenter?.thumbprint, THUMBPRINT);
    assert.equal('vcenter' in withoutVc, false);
    assert.deepEqual(hostRefSchema.parse(withVc), withVc);
  });

  it("re-checks it in the workflows' schema, naming the field", () => {
    const bad = { ...withVc, vcenter: { ...withVc.vcenter, thumbprint: 'AB:CD' } };
    const r = hostRefSchema.safeParse(bad);
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0].path, ['vcenter', 'thumbprint']);
    const secret = { ...withVc, vcenter: { ...withVc.vcenter, password: 'x' } };
    assert.equal(hostRefSchema.safeParse(secret).success, false, 'no secret fits the schema');
  });

  it('gives the credential check the vCenter of the hosts that have one, and leaves the others as before', () => {
    const endpoints = endpointCredentials([withVc, withoutVc]);
    assert.deepEqual(endpoints[0].vcenter, withVc.vcenter);
    assert.deepEqual(Object.keys(endpoints[1]).sort(), ['credential', 'endpoint']);
  });
});

describe('vCenter: the worker checks each vCenter before any host is touched', function () {
  this.timeout(180_000);
  let vf: VcenterFleet;
  let policy: CredentialPolicy;
  const env: Record<string, string | undefined> = {};
  const connect = (vcenter: VcenterRef) => Govc.connect(vcenter, env, policy);
  const check = (endpoints: EndpointCredential[]) => checkVcenters(endpoints, connect);
  const endpoint = (name: string, vcenter: VcenterRef): EndpointCredential => ({
    endpoint: name,
    credential: { type: 'password-env', env: 'IBFLEET_SSH_PASSWORD' },
    vcenter,
  });

  before(async () => {
    vf = await startVcenterFleet({
      hosts: 2,
      clusters: 1,
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 11,
      defaults: { cards: [{ model: 'ConnectX-7', ports: 2 }] },
    });
    assert.equal(vf.ref.credential.type, 'password-file');
    policy = {
      envPrefixes: ['IBFLEET_SSH_'],
      envNames: [],
      keyDirs: [dirname(vf.ref.credential.type === 'password-file' ? vf.ref.credential.path : '')],
    };
  });
  after(() => vf?.stop());

  it('finds nothing wrong with the simulator’s own vCenter and hosts', async () => {
    assert.deepEqual(await check([endpoint('esx-01', vf.ref), endpoint('esx-02', vf.ref)]), []);
  });

  it('names a host the vCenter does not know', async () => {
    const problems = await check([endpoint('esx-01', vf.ref), endpoint('esx-99', vf.ref)]);
    assert.deepEqual(
      problems.map((p) => [p.endpoint, p.field]),
      [['esx-99', 'vcenter']],
    );
    assert.match(problems[0].reason, /no host named esx-99/);
  });

  it('refuses a wrong thumbprint, saying what was presented', async () => {
    const problems = await check([endpoint('esx-01', { ...vf.ref, thumbprint: THUMBPRINT })]);
    assert.deepEqual(
      problems.map((p) => [p.endpoint, p.field]),
      [['esx-01', 'vcenter.thumbprint']],
    );
    assert.ok(problems[0].reason.includes(vf.ref.thumbprint), problems[0].reason);
  });

  it('refuses a credential reference that cannot work, and a wrong password, naming the field', async () => {
    const unset = await check([
      endpoint('esx-01', { ...vf.ref, credential: { type: 'password-env', env: 'IBFLEET_VCENTER_UNSET' } }),
    ]);
    assert.deepEqual(
      unset.map((p) => p.field),
      ['vcenter.credential.env'],
    );
    env.IBFLEET_VCENTER_WRONG = 'not-the-password';
    const wrong = await check([
      endpoint('esx-01', { ...vf.ref, credential: { type: 'password-env', env: 'IBFLEET_VCENTER_WRONG' } }),
    ]);
    assert.deepEqual(
      wrong.map((p) => p.field),
      ['vcenter.credential'],
    );
    assert.ok(!wrong[0].reason.includes(vf.password) && !wrong[0].reason.includes('not-the-password'));
  });

  it('refuses an unreachable vCenter', async () => {
    const problems = await check([endpoint('esx-01', { ...vf.ref, url: 'https://127.0.0.1:1/sdk' })]);
    assert.deepEqual(
      problems.map((p) => p.field),
      ['vcenter.url'],
    );
  });

  it('switches TSM-SSH through vCenter only when needed, read back (SSH refused while stopped)', async () => {
    const activities = createVcenterActivities(connect);
    // Only its name and vCenter matter to these activities.
    const host: HostRef = {
      kind: 'esxi',
      name: 'esx-01',
      address: '127.0.0.1',
      port: vf.fleet.host('esx-01').port,
      username: 'root',
      hostKey: '',
      credential: { type: 'password-env', env: 'IBFLEET_SSH_PASSWORD' },
      cluster: 'c1',
      tags: [],
      vcenter: vf.ref,
    };
    assert.deepEqual(await activities.vcenterSetSshRunning({ host, running: false }), {
      before: true,
      changed: true,
    });
    assert.equal(await tcpProbe(host.port), 'ECONNREFUSED');
    // Like port 22 of a real host, the stopped SSH port stays the host's: an outgoing connection that
    // took it (the simulator's ports are ephemeral ones) kept SSH from starting again (the flake).
    assert.ok(boundNotListening(host.port), 'the stopped SSH port is held, not free for any connection');
    assert.deepEqual(await activities.vcenterSetSshRunning({ host, running: false }), {
      before: false,
      changed: false,
    });
    assert.deepEqual(await activities.vcenterSetSshRunning({ host, running: true }), {
      before: false,
      changed: true,
    });
    assert.equal((await activities.vcenterSshState({ host })).running, true);
    const state = await activities.vcenterHostState({ host });
    assert.equal(state.connectionState, 'connected');
    assert.equal(state.inMaintenanceMode, false);
  });

  it('enters maintenance, reboots under the boot-time guard (once) and exits, through vCenter', async () => {
    const activities = createVcenterActivities(connect);
    const host: HostRef = {
      kind: 'esxi',
      name: 'esx-02',
      address: '127.0.0.1',
      port: vf.fleet.host('esx-02').port,
      username: 'root',
      hostKey: '',
      credential: { type: 'password-env', env: 'IBFLEET_SSH_PASSWORD' },
      cluster: 'c1',
      tags: [],
      vcenter: vf.ref,
    };
    const boots = vf.fleet.host('esx-02').bootCount;
    assert.deepEqual(await activities.vcenterEnterMaintenance({ host, timeoutSeconds: 60 }), {
      before: false,
      changed: true,
      entered: true,
      evacuated: [],
    });
    assert.deepEqual(await activities.vcenterEnterMaintenance({ host, timeoutSeconds: 60 }), {
      before: true,
      changed: false,
      entered: true,
      evacuated: [],
    });
    const before = (await activities.vcenterHostState({ host })).bootTime;
    assert.ok(before);
    const stale = await activities.vcenterRebootHost({ host, expectedBootTime: '2000-01-01T00:00:00Z' });
    assert.equal(stale.issued, false, 'a boot time other than the recorded one: no reboot');
    assert.equal((await activities.vcenterRebootHost({ host, expectedBootTime: before })).issued, true);
    const back = await activities.vcenterAwaitReturn({ host, previousBootTime: before, pollMs: 100 });
    assert.equal(back.connectionState, 'connected');
    assert.notEqual(back.bootTime, before);
    assert.equal(
      (await activities.vcenterRebootHost({ host, expectedBootTime: before })).issued,
      false,
      'a retry after the reboot does not reboot again',
    );
    assert.equal(vf.fleet.host('esx-02').bootCount, boots + 1);
    assert.deepEqual(await activities.vcenterExitMaintenance({ host }), { before: true, changed: true });
    assert.equal((await activities.vcenterHostState({ host })).inMaintenanceMode, false);
  });
});
