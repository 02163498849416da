import assert from 'node:assert/strict';
import { harness, tempDir } from '../client/harness';

// Issue #14 at the CLI: a rebooting rollout over vSAN hosts with a vCenter enters maintenance mode
// through vCenter, where govc can send no vSAN mode: any --vsan-mode but vCenter's default is exit 2
// naming the flag and the hosts, before Temporal (or any host) is contacted.

const KEY = 'SHA256:' + 'A'.repeat(43);
const THUMBPRINT = Array.from({ length: 32 }, (_v, i) =>
  (i * 7).toString(16).padStart(2, '0').toUpperCase(),
).join(':');

describe('vCenter: rollout start refuses a --vsan-mode govc cannot send', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const env = { IBFLEET_SSH_PASSWORD: 'pw' };
  const inventory = tmp.write(
    'fleet.yaml',
    `version: 1
defaults:
  username: root
  credential: { type: password-env, env: IBFLEET_SSH_PASSWORD }
vcenter:
  url: https://vc.example.com/sdk
  username: administrator@vsphere.local
  credential: { type: password-file, path: ./vc-password }
  thumbprint: "${THUMBPRINT}"
clusters:
  - name: vsan-vc
    vsan: true
    hosts:
      - { name: esx-01, address: 10.0.0.1, hostKey: "${KEY}" }
      - { name: esx-02, address: 10.0.0.2, hostKey: "${KEY}" }
  - name: vsan-ssh
    vsan: true
    vcenter: false
    hosts:
      - { name: esx-03, address: 10.0.0.3, hostKey: "${KEY}" }
  - name: plain-vc
    hosts:
      - { name: esx-04, address: 10.0.0.4, hostKey: "${KEY}" }
`,
  );

  async function start(...args: string[]): Promise<{ code: number; err: string; temporal: number }> {
    const h = harness({ env });
    const code = await h.run('rollout', 'start', ...args, '-i', inventory, '--dry-run');
    return { code, err: h.stderr(), temporal: h.temporalCalls() };
  }

  it('exit 2 naming the flag and the vSAN hosts that go through their vCenter', async () => {
    const r = await start('recovery-cycle', '--vsan-mode', 'evacuateAllData');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--vsan-mode evacuateAllData: cannot be sent through vCenter/);
    assert.match(r.err, /vSAN host\(s\) esx-01, esx-02 go through their vCenter/);
    assert.match(r.err, /use --vsan-mode ensureObjectAccessibility/);
    assert.equal(r.temporal, 0);
  });

  it('accepts it for vSAN hosts over SSH, hosts without vSAN, and the default', async () => {
    for (const args of [
      ['recovery-cycle', '--vsan-mode', 'evacuateAllData', '--select', 'cluster=vsan-ssh'],
      ['recovery-cycle', '--vsan-mode', 'noAction', '--select', 'cluster=plain-vc'],
      ['recovery-cycle', '--vsan-mode', 'ensureObjectAccessibility'],
    ]) {
      const r = await start(...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    }
  });
});
