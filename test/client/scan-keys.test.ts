import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { HostKeyScanner } from '../../client/deps';
import { rewriteHostKeys } from '../../client/inventory/host-keys';
import { loadInventory } from '../../client/inventory/load';
import { harness, KEY_A, KEY_B, tempDir, VALID_INVENTORY } from './harness';

// `inventory scan-keys`: comparison with pinned keys, and pinning them in the YAML without disturbing it.

const KEY_C = 'SHA256:Zx0c9v8b7n6m5l4k3j2h1g0f9d8s7a6p5o4i3u2y1t0';

describe('client: host key rewriting', () => {
  const text = `# fleet
version: 1
clusters:
  - name: a      # the A cluster
    hosts:
      - name: h1   # first host
        address: 1.2.3.4    # mgmt
        tags: [x]
      - { name: h2, address: 1.2.3.5 }
      - name: h3
        address: 1.2.3.6
        hostKey: ${KEY_A}   # old pin
`;

  it('inserts into block and flow mappings and replaces pins, keeping comments and layout', () => {
    const out = rewriteHostKeys(text, [
      { yamlPath: ['clusters', 0, 'hosts', 0], hostKey: KEY_B },
      { yamlPath: ['clusters', 0, 'hosts', 1], hostKey: KEY_C },
      { yamlPath: ['clusters', 0, 'hosts', 2], hostKey: KEY_C },
    ]);
    assert.equal(
      out,
      `# fleet
version: 1
clusters:
  - name: a      # the A cluster
    hosts:
      - name: h1   # first host
        address: 1.2.3.4    # mgmt
        hostKey: ${KEY_B}
        tags: [x]
      - { name: h2, address: 1.2.3.5, hostKey: ${KEY_C} }
      - name: h3
        address: 1.2.3.6
        hostKey: ${KEY_C}   # old pin
`,
    );
  });

  it('refuses a path that is not a mapping', () => {
    assert.throws(() => rewriteHostKeys(text, [{ yamlPath: ['clusters', 5], hostKey: KEY_B }]), /no mapping/);
  });
});

describe('client: inventory scan-keys', () => {
  // esx-01 answers with its pinned key, esx-02 with another one, esx-03 is down, the rest are unpinned.
  const unpinned = VALID_INVENTORY.replace(
    `        address: 10.0.0.11\n        hostKey: ${KEY_A}`,
    '        address: 10.0.0.11',
  )
    .replace(`address: 10.0.0.21\n        hostKey: ${KEY_A}`, 'address: 10.0.0.21')
    .replace(
      `address: 10.0.0.12\n        port: 2222\n        hostKey: ${KEY_A}`,
      `address: 10.0.0.12\n        port: 2222\n        hostKey: ${KEY_A}`,
    );
  const presented: Record<string, string | Error> = {
    '10.0.0.11:22': KEY_A,
    '10.0.0.12:2222': KEY_B,
    '10.0.0.13:22': new Error('connect ECONNREFUSED 10.0.0.13:22'),
    '10.0.0.21:22': KEY_C,
  };
  const scanner: HostKeyScanner = ({ address, port }) => {
    const k = presented[`${address}:${port}`] ?? KEY_B;
    return k instanceof Error
      ? Promise.reject(k)
      : Promise.resolve({ fingerprint: k, keyType: 'ssh-ed25519', publicKey: 'ssh-ed25519 AAAA' });
  };

  it('reports match / new / changed / unreachable and writes only with --write', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', unpinned);
      const h = harness({ scanHostKey: scanner });
      assert.equal(await h.run('inventory', 'scan-keys', '-i', file), 1, h.stderr());
      const out = h.stdout();
      assert.match(out, /esx-01 +10\.0\.0\.11:22 +ssh-ed25519 +SHA256:47DEQ\S+ +not pinned yet/);
      assert.match(
        out,
        /esx-02 +10\.0\.0\.12:2222 +ssh-ed25519 +SHA256:2b8Q\S+ +CHANGED: pinned SHA256:47DEQ/,
      );
      assert.match(out, /esx-03 +10\.0\.0\.13:22 +- +- +no key: connect ECONNREFUSED/);
      assert.match(out, /esx-11 .* not pinned yet/);
      assert.match(out, /run again with --write to pin the 2 new key\(s\)/);
      assert.match(h.stderr(), /WARNING: a changed host key/);
      assert.equal(readFileSync(file, 'utf8'), unpinned, 'file untouched without --write');
      assert.equal(h.temporalCalls(), 0);
    } finally {
      tmp.cleanup();
    }
  });

  it('--write pins new keys in place; changed keys only with --accept-changed', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', unpinned);
      const h = harness({ scanHostKey: scanner });
      assert.equal(await h.run('inventory', 'scan-keys', '-i', file, '--write'), 1, h.stderr());
      assert.match(h.stdout(), /pinned 2 host key\(s\)/);
      const inv = loadInventory(file);
      assert.equal(inv.hosts[0].hostKey, KEY_A);
      assert.equal(inv.hosts[1].hostKey, KEY_A, 'changed key kept');
      assert.equal(inv.hosts[3].hostKey, KEY_C);
      const written = readFileSync(file, 'utf8');
      assert.ok(written.startsWith('# test fleet\n'), 'comment kept');
      assert.equal(
        written.split('\n').length,
        unpinned.split('\n').length + 2,
        'two lines added, nothing else',
      );

      const again = harness({ scanHostKey: scanner });
      assert.equal(
        await again.run('inventory', 'scan-keys', '-i', file, '--write', '--accept-changed'),
        1,
        'esx-03 still unreachable',
      );
      assert.equal(loadInventory(file).hosts[1].hostKey, KEY_B);
    } finally {
      tmp.cleanup();
    }
  });

  it('exits 0 when every endpoint matches its pin', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', VALID_INVENTORY);
      const h = harness({
        scanHostKey: ({ address }) =>
          Promise.resolve({
            fingerprint: address === '10.0.0.2' || address.startsWith('10.0.1.') ? KEY_B : KEY_A,
            keyType: 'ssh-ed25519',
            publicKey: '',
          }),
      });
      assert.equal(await h.run('inventory', 'scan-keys', '-i', file), 0, h.stdout() + h.stderr());
      assert.match(h.stdout(), /8 match, 0 not pinned, 0 changed, 0 unreachable/);
    } finally {
      tmp.cleanup();
    }
  });

  it('rejects bad flags with exit 2 before scanning', async () => {
    const h = harness();
    assert.equal(
      await h.run('inventory', 'scan-keys', '-i', 'x.yaml', '--timeout', 'soon', '--accept-changed'),
      2,
    );
    assert.match(h.stderr(), /--timeout: must be a duration/);
    assert.match(h.stderr(), /--accept-changed: only meaningful with --write/);
  });
});
