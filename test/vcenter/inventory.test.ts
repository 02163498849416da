import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInventory } from '../../client/inventory/load';
import { InventoryError } from '../../client/inventory/problems';
import { readVcenterPassword, VcenterError } from '../../activities/vcenter/govc-run';
import type { CredentialPolicy } from '../../activities/ssh/credential-policy';
import { renderInventoryYaml } from '../../simulator/inventory-yaml';
import type { FleetInventory } from '../../simulator/fleet';

// The inventory's vCenter (global or per cluster): validated with clear field errors, resolved per
// cluster; the simulator writes it; the worker reads the password the reference names.

const THUMBPRINT = Array.from({ length: 32 }, (_v, i) =>
  (i * 7).toString(16).padStart(2, '0').toUpperCase(),
).join(':');
const KEY = 'SHA256:' + 'A'.repeat(43);

function inventory(vcenter: string, clusterExtra = ''): string {
  return `version: 1
defaults:
  username: root
  credential: { type: password-env, env: IBFLEET_SSH_PASSWORD }
${vcenter}
clusters:
  - name: gpu-a
    hosts:
      - { name: esx-01, address: 10.0.0.1, hostKey: "${KEY}" }
  - name: gpu-b
${clusterExtra}    hosts:
      - { name: esx-02, address: 10.0.0.2, hostKey: "${KEY}" }
`;
}

const GLOBAL = `vcenter:
  url: https://vc.example.com/sdk
  username: administrator@vsphere.local
  credential: { type: password-file, path: ./secrets/vc-password }
  thumbprint: "${THUMBPRINT.toLowerCase()}"`;

function problems(text: string): string {
  try {
    parseInventory(text, '/etc/ibfleet/fleet.yaml');
  } catch (err) {
    assert.ok(err instanceof InventoryError, String(err));
    return err.message;
  }
  assert.fail('the inventory loaded');
}

describe('vCenter: the inventory section', () => {
  it('applies the global vCenter to every cluster unless a cluster names its own or opts out', () => {
    const inv = parseInventory(inventory(GLOBAL), '/etc/ibfleet/fleet.yaml');
    const a = inv.clusters[0].vcenter;
    assert.equal(a?.thumbprint, THUMBPRINT, 'normalised to upper case, as govc prints it');
    assert.deepEqual(a?.credential, { type: 'password-file', path: '/etc/ibfleet/secrets/vc-password' });
    assert.deepEqual(inv.clusters[1].vcenter, a);
    const optedOut = parseInventory(inventory(GLOBAL, '    vcenter: false\n'), '/etc/ibfleet/fleet.yaml');
    assert.equal(optedOut.clusters[1].vcenter, undefined);
    const own = `    vcenter: { url: "https://10.1.1.1/sdk", username: svc, credential: { type: password-env, env: IBFLEET_VCENTER_B }, thumbprint: "${THUMBPRINT}" }\n`;
    const perCluster = parseInventory(inventory('', own), '/etc/ibfleet/fleet.yaml');
    assert.equal(perCluster.clusters[0].vcenter, undefined);
    assert.equal(perCluster.clusters[1].vcenter?.url, 'https://10.1.1.1/sdk');
  });

  it('refuses bad vCenter fields, naming the field and the reason', () => {
    const bad = (from: string, to: string) => inventory(GLOBAL.replace(from, to));
    assert.match(
      problems(bad(`"${THUMBPRINT.toLowerCase()}"`, 'SHA256:abc')),
      /vcenter\.thumbprint: must be the certificate's SHA-256 thumbprint/,
    );
    assert.match(
      problems(bad('https://vc.example.com/sdk', 'http://vc.example.com/sdk')),
      /vcenter\.url: must use https/,
    );
    assert.match(
      problems(bad('https://vc.example.com/sdk', 'https://admin:pw@vc.example.com/sdk')),
      /vcenter\.url: must not carry a user or password/,
    );
    assert.match(
      problems(
        bad(
          '{ type: password-file, path: ./secrets/vc-password }',
          '{ type: password-env, env: TEMPORAL_API_KEY }',
        ),
      ),
      /vcenter\.credential\.env: must be an environment variable named IBFLEET_VCENTER_/,
    );
    assert.match(
      problems(bad('  username: administrator@vsphere.local\n', '')),
      /vcenter\.username: is required/,
    );
  });

  it('is written by the simulator and loads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibfleet-vc-inv-'));
    const file = join(dir, 'inventory.yaml');
    const fleet: FleetInventory = {
      hosts: [
        {
          kind: 'esxi',
          name: 'esx-01',
          address: '127.0.0.1',
          port: 2222,
          username: 'root',
          hostKey: KEY,
          credential: { type: 'private-key', path: join(dir, 'keys/id_ed25519') },
          cluster: 'cluster-01',
          tags: [],
        },
      ],
      switches: [],
      guestPairs: [],
    };
    const vcenter = {
      url: 'https://127.0.0.1:8989/sdk',
      username: 'administrator@vsphere.local',
      credential: { type: 'password-file' as const, path: join(dir, 'keys/vcenter-password') },
      thumbprint: THUMBPRINT,
    };
    const inv = parseInventory(renderInventoryYaml(fleet, file, { vcenter }), file);
    assert.deepEqual(inv.clusters[0].vcenter, vcenter);
    // The demo's: the vCenter named for one cluster only, the other reached over SSH only.
    const two: FleetInventory = {
      ...fleet,
      hosts: [...fleet.hosts, { ...fleet.hosts[0], name: 'esx-02', port: 2223, cluster: 'cluster-02' }],
    };
    const one = parseInventory(
      renderInventoryYaml(two, file, { vcenter, vcenterClusters: ['cluster-02'] }),
      file,
    );
    assert.equal(one.clusters[0].vcenter, undefined);
    assert.deepEqual(one.clusters[1].vcenter, vcenter);
    assert.deepEqual(
      one.hosts.map((h) => [h.name, h.vcenter?.url]),
      [
        ['esx-01', undefined],
        ['esx-02', vcenter.url],
      ],
    );
  });

  it('reads the password on the worker under its credential policy, never naming the secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibfleet-vc-pw-'));
    const file = join(dir, 'vc-password');
    writeFileSync(file, 's3cret\n', { mode: 0o600 });
    const policy: CredentialPolicy = { envPrefixes: ['IBFLEET_SSH_'], envNames: [], keyDirs: [dir] };
    assert.equal(readVcenterPassword({ type: 'password-file', path: file }, {}, policy), 's3cret');
    assert.equal(
      readVcenterPassword(
        { type: 'password-env', env: 'IBFLEET_VCENTER_PW' },
        { IBFLEET_VCENTER_PW: 'x' },
        policy,
      ),
      'x',
    );
    const refused = (f: () => unknown, field: string) =>
      assert.throws(
        f,
        (e: unknown) =>
          e instanceof VcenterError &&
          e.kind === 'credential' &&
          e.field === field &&
          !e.message.includes('s3cret'),
      );
    refused(
      () => readVcenterPassword({ type: 'password-env', env: 'IBFLEET_VCENTER_PW' }, {}, policy),
      'vcenter.credential.env',
    );
    refused(
      () =>
        readVcenterPassword(
          { type: 'password-file', path: file },
          {},
          { ...policy, keyDirs: ['/etc/ibfleet/keys'] },
        ),
      'vcenter.credential.path',
    );
    refused(
      () => readVcenterPassword({ type: 'password-file', path: join(dir, 'missing') }, {}, policy),
      'vcenter.credential.path',
    );
  });
});
