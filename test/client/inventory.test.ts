import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loadInventory, parseInventory } from '../../client/inventory/load';
import { InventoryError } from '../../client/inventory/problems';
import { selectTargets } from '../../client/inventory/select';
import { isPinned } from '../../client/inventory/types';
import { harness, KEY_A, tempDir, VALID_INVENTORY } from './harness';

// Malformed inventories and option sets are rejected with a message naming the field and the reason,
// with exit code 2 and without contacting Temporal; valid inventories load with defaults; selection.

const ROOT = resolve(__dirname, '../..');

function replaced(from: string, to: string, text = VALID_INVENTORY): string {
  assert.ok(text.includes(from), `fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

interface BadCase {
  name: string;
  /** Inventory text; the valid one when absent. */
  yaml?: string;
  /** CLI arguments after `-i FILE` is appended (FILE substituted for "$FILE" if present). */
  argv?: string[];
  /** Each must appear in stderr. */
  expect: (string | RegExp)[];
}

const START = ['rollout', 'start', 'sriov-enable'];

const inventoryCases: BadCase[] = [
  {
    name: 'wrong version',
    yaml: replaced('version: 1', 'version: 2'),
    expect: [':2:10: version: must be 1', '(got 2)'],
  },
  {
    name: 'missing version',
    yaml: replaced('version: 1\n', ''),
    expect: ['version: is required: must be 1'],
  },
  {
    name: 'unknown top-level key',
    yaml: VALID_INVENTORY + 'extras: 1\n',
    expect: ['extras: unknown key (allowed: version, defaults'],
  },
  {
    name: 'unknown host key (typo)',
    yaml: replaced('        port: 2222', '        prot: 2222'),
    expect: [
      /:15:9: clusters\[0\]\.hosts\[1\]\.prot: unknown key \(allowed: name, address, port, username, hostKey, credential, tags\)/,
    ],
  },
  {
    name: 'port too big',
    yaml: replaced('port: 2222', 'port: 70000'),
    expect: ['clusters[0].hosts[1].port: must be at most 65535 (got 70000)'],
  },
  {
    name: 'port zero',
    yaml: replaced('port: 2222', 'port: 0'),
    expect: ['clusters[0].hosts[1].port: must be at least 1 (got 0)'],
  },
  {
    name: 'port not an integer',
    yaml: replaced('port: 2222', 'port: 22.5'),
    expect: ['clusters[0].hosts[1].port: must be an integer from 1 to 65535 (got 22.5)'],
  },
  {
    name: 'port as a string',
    yaml: replaced('port: 2222', 'port: "22"'),
    expect: ['clusters[0].hosts[1].port: must be a number (got "22")'],
  },
  {
    name: 'missing address',
    yaml: replaced('        address: 10.0.0.13\n', ''),
    expect: ['clusters[0].hosts[2].address: is required'],
  },
  {
    name: 'address not an address',
    yaml: replaced('address: 10.0.0.13', 'address: "not an address"'),
    expect: [
      'clusters[0].hosts[2].address: must be an IPv4/IPv6 address or a DNS name (RFC 1123',
      '(got "not an address")',
    ],
  },
  {
    name: 'duplicate host name across clusters',
    yaml: replaced('name: esx-11', 'name: esx-01'),
    expect: ['clusters[1].hosts[0].name: duplicate name "esx-01" (also at clusters[0].hosts[0])'],
  },
  {
    name: 'host named like the switch',
    yaml: replaced('name: esx-12', 'name: ibsw-a'),
    expect: ['switches[0].name: duplicate name "ibsw-a" (also at clusters[1].hosts[1])'],
  },
  {
    name: 'guest named like a host',
    yaml: replaced('name: vm-a2', 'name: esx-03'),
    expect: ['guestPairs[0].client.name: duplicate name "esx-03" (also at clusters[0].hosts[2])'],
  },
  {
    name: 'duplicate address:port',
    yaml: replaced('address: 10.0.0.13', 'address: 10.0.0.11'),
    expect: [
      'clusters[0].hosts[2].address: duplicate endpoint 10.0.0.11:22 (also esx-01 at clusters[0].hosts[0])',
    ],
  },
  {
    name: 'missing hostKey without allowUnpinnedHostKeys',
    yaml: replaced(`        address: 10.0.0.13\n        hostKey: ${KEY_A}\n`, '        address: 10.0.0.13\n'),
    expect: ['clusters[0].hosts[2].hostKey: is required', 'scan-keys -i', 'allowUnpinnedHostKeys: true'],
  },
  {
    name: 'hostKey too short',
    yaml: replaced(
      `address: 10.0.0.13\n        hostKey: ${KEY_A}`,
      'address: 10.0.0.13\n        hostKey: SHA256:abc',
    ),
    expect: [
      'clusters[0].hosts[2].hostKey: must be an OpenSSH SHA256 fingerprint: "SHA256:" and 43 base64 characters (got "SHA256:abc")',
    ],
  },
  {
    name: 'hostKey in MD5 form',
    yaml: replaced(
      `address: 10.0.0.13\n        hostKey: ${KEY_A}`,
      'address: 10.0.0.13\n        hostKey: "aa:bb:cc:dd"',
    ),
    expect: ['clusters[0].hosts[2].hostKey: must be an OpenSSH SHA256 fingerprint'],
  },
  {
    name: 'unknown credential type',
    yaml: replaced('{ type: password-env, env: IBFLEET_SSH_ESX02_PASSWORD }', '{ type: kerberos }'),
    expect: ['clusters[0].hosts[1].credential.type: must be one of "private-key", "agent", "password-env"'],
  },
  {
    name: 'private-key credential without path',
    yaml: replaced(
      'credential: { type: private-key, path: /etc/ibfleet/keys/id_ed25519 }',
      'credential: { type: private-key }',
    ),
    expect: ['defaults.credential.path: is required'],
  },
  {
    name: 'password-env with a bad variable name',
    yaml: replaced('env: IBFLEET_SSH_ESX02_PASSWORD', 'env: 1-BAD'),
    expect: ['clusters[0].hosts[1].credential.env: must be an environment variable name'],
  },
  {
    name: 'credential with a key of another kind',
    yaml: replaced('{ type: password-env, env: IBFLEET_SSH_ESX02_PASSWORD }', '{ type: agent, path: /x }'),
    expect: ['clusters[0].hosts[1].credential.path: unknown key (allowed: type, socketEnv)'],
  },
  {
    name: 'username neither on the host nor in defaults',
    yaml: replaced('  username: root\n', ''),
    expect: ['clusters[0].hosts[0].username: is required (set it here or in defaults.username)'],
  },
  {
    name: 'credential neither on the host nor in defaults',
    yaml: replaced('  credential: { type: private-key, path: /etc/ibfleet/keys/id_ed25519 }\n', ''),
    expect: ['clusters[0].hosts[0].credential: is required (set it here or in defaults.credential)'],
  },
  {
    name: 'name unusable in a workflow ID',
    yaml: replaced('name: esx-03', 'name: "esx 03/x"'),
    expect: ['clusters[0].hosts[2].name: must start with a letter or digit and contain only letters, digits'],
  },
  {
    name: 'name too long',
    yaml: replaced('name: esx-03', `name: ${'e'.repeat(64)}`),
    expect: ['clusters[0].hosts[2].name: must be at most 63 characters'],
  },
  {
    name: 'duplicate cluster name',
    yaml: replaced('  - name: gpu-b', '  - name: gpu-a'),
    expect: ['clusters[1].name: duplicate cluster name "gpu-a" (also at clusters[0])'],
  },
  {
    name: 'cluster without hosts',
    yaml: VALID_INVENTORY.replace('switches:', '  - name: gpu-c\n    hosts: []\nswitches:'),
    expect: ['clusters[2].hosts: must list at least one host'],
  },
  {
    name: 'guest without dataAddress',
    yaml: replaced('dataAddress: 192.168.130.10, ', ''),
    expect: ['guestPairs[0].server.dataAddress: is required'],
  },
  {
    name: 'guest pair in an unknown cluster',
    yaml: replaced('    cluster: gpu-a\n', '    cluster: gpu-z\n'),
    expect: ['guestPairs[0].cluster: names no cluster of this inventory: "gpu-z" (clusters: gpu-a, gpu-b)'],
  },
  {
    name: 'YAML syntax error',
    yaml: VALID_INVENTORY + 'switches: [unclosed\n',
    expect: [/:\d+:\d+: YAML syntax error/],
  },
  {
    name: 'duplicate YAML key',
    yaml: replaced('        port: 2222\n', '        port: 2222\n        port: 2223\n'),
    expect: [/:16:9: YAML syntax error: Map keys must be unique/],
  },
  { name: 'empty file', yaml: '', expect: ['is empty: expected a mapping starting with "version: 1"'] },
  { name: 'a list instead of a mapping', yaml: '- a\n- b\n', expect: ['is not a mapping'] },
  {
    name: 'tags not a list',
    yaml: replaced('tags: [cx6]', 'tags: cx6'),
    expect: ['clusters[1].hosts[0].tags: must be a list (got "cx6")'],
  },
  {
    name: 'bad tag',
    yaml: replaced('tags: [cx6]', 'tags: ["cx 6"]'),
    expect: ['clusters[1].hosts[0].tags[0]: must be a tag'],
  },
  {
    name: 'unknown defaults key',
    yaml: replaced('  username: root', '  user: root'),
    expect: ['defaults.user: unknown key (allowed: username, port, credential)'],
  },
  {
    name: 'allowUnpinnedHostKeys not a boolean',
    yaml: VALID_INVENTORY + 'allowUnpinnedHostKeys: "yes"\n',
    expect: ['allowUnpinnedHostKeys: must be true or false (got "yes")'],
  },
  {
    name: 'clusters not a list',
    yaml: replaced('clusters:\n', 'clusters: 3\nx:\n'),
    expect: ['clusters: must be a list (got 3)'],
  },
  {
    name: 'nothing to act on',
    yaml: 'version: 1\n',
    expect: ['lists no ESXi hosts, switches or guest pairs'],
  },
  {
    name: 'ibDevice with a space',
    yaml: replaced('ibDevice: mlx5_0, hostKey', 'ibDevice: "mlx5 0", hostKey'),
    expect: ['guestPairs[0].server.ibDevice: must be an RDMA device name'],
  },
];

const optionCases: BadCase[] = [
  {
    name: '--max-parallel 0',
    argv: ['--max-parallel', '0'],
    expect: ['--max-parallel: must be at least 1 (got 0)'],
  },
  {
    name: '--max-parallel not a number',
    argv: ['--max-parallel', 'lots'],
    expect: ['--max-parallel: must be a whole number (got "lots")'],
  },
  {
    name: '--max-parallel too big',
    argv: ['--max-parallel', '5000'],
    expect: ['--max-parallel: must be at most 1000 (got 5000)'],
  },
  {
    name: '--per-cluster negative',
    argv: ['--per-cluster=-1'],
    expect: ['--per-cluster: must be a whole number (got "-1")'],
  },
  {
    name: '--canary more than the targets',
    argv: ['--canary', '9'],
    expect: ['--canary: 9 canary hosts but only 5 target(s) selected'],
  },
  {
    name: '--max-failures over 100%',
    argv: ['--max-failures', '150%'],
    expect: ['--max-failures: must be at most 100 (got 150)'],
  },
  {
    name: '--max-failures gibberish',
    argv: ['--max-failures', 'some'],
    expect: ['--max-failures: must be a number of hosts (3) or a percentage (5%)'],
  },
  {
    name: 'duration without unit',
    argv: ['--boot-deadline', '30'],
    expect: ['--boot-deadline: must be a duration with a unit'],
  },
  {
    name: 'duration with an unknown unit',
    argv: ['--command-timeout', '3d'],
    expect: ['--command-timeout: must be a duration with a unit'],
  },
  {
    name: 'duration too long',
    argv: ['--boot-deadline', '25h'],
    expect: ['--boot-deadline: must be at most 24h (got 25h)'],
  },
  {
    name: 'duration too short',
    argv: ['--poll-interval', '10ms'],
    expect: ['--poll-interval: must be at least 50ms (got 10ms)'],
  },
  {
    name: 'poll interval above its maximum',
    argv: ['--poll-interval', '5s', '--max-poll-interval', '1s'],
    expect: ['--poll-interval: must not exceed --max-poll-interval (5s > 1s)'],
  },
  {
    name: '--set numVfs too big',
    argv: ['--set', 'numVfs=200'],
    expect: ['--set numVfs: must be at most 127 (got 200)'],
  },
  {
    name: '--set numVfs not a number',
    argv: ['--set', 'numVfs=many'],
    expect: ['--set numVfs: must be a number (got "many")'],
  },
  {
    name: '--set unknown key',
    argv: ['--set', 'numvfs=8'],
    expect: [
      '--set numvfs: unknown parameter of sriov-enable (parameters: numVfs, maxVfs, devices, allowColdReboot)',
    ],
  },
  {
    name: '--set numVfs below maxVfs + 1',
    argv: ['--set', 'numVfs=8', '--set', 'maxVfs=8'],
    expect: [
      '--set numVfs: numVfs (NUM_OF_VFS) must be greater than the VFs maxVfs (8) creates',
      'at least 9 for a single-port card',
      '(got 8)',
    ],
  },
  {
    name: '--set bad device',
    argv: ['--set', 'devices=mt4129_pciconf0,eth0'],
    expect: ['--set devices[1]: must be an mst device name such as mt4129_pciconf0 (got "eth0")'],
  },
  {
    name: '--set empty list',
    argv: ['--set', 'devices='],
    expect: ['--set devices: expected a comma-separated list without empty items'],
  },
  {
    name: '--set boolean gibberish',
    argv: ['--set', 'allowColdReboot=maybe'],
    expect: ['--set allowColdReboot: must be true or false (got "maybe")'],
  },
  {
    name: '--set the same key twice',
    argv: ['--set', 'numVfs=16', '--set', 'numVfs=17'],
    expect: ['--set numVfs: given more than once'],
  },
  { name: '--set without =', argv: ['--set', 'numVfs'], expect: ['--set "numVfs": expected KEY=VALUE'] },
  { name: '--id with a space', argv: ['--id', 'my rollout'], expect: ['--id: must be 1-64 letters, digits'] },
  { name: '--id too long', argv: ['--id', 'x'.repeat(65)], expect: ['--id: must be 1-64 letters'] },
  {
    name: '--select unknown key',
    argv: ['--select', 'rack=4'],
    expect: ['--select "rack=4": unknown key "rack" for ESXi hosts (keys: name, cluster, tag, address)'],
  },
  {
    name: '--select typo in a value',
    argv: ['--select', 'cluster=gpu-a,gpu-bb'],
    expect: [
      '--select "cluster=gpu-a,gpu-bb": no ESXi host has cluster matching "gpu-bb" (cluster values: gpu-a, gpu-b)',
    ],
  },
  {
    name: '--select matching nothing',
    argv: ['--select', 'cluster=gpu-b+tag=cx7'],
    expect: ['--select "cluster=gpu-b+tag=cx7" selects none of the 5 ESXi hosts'],
  },
  {
    name: '--select not KEY=VALUE',
    argv: ['--select', 'gpu-a'],
    expect: ['"gpu-a" is not KEY=VALUE[,VALUE...] or KEY!=VALUE[,VALUE...]'],
  },
  { name: '--select empty', argv: ['--select', ' '], expect: ['--select " ": empty expression'] },
  {
    name: '--select empty value',
    argv: ['--select', 'name=esx-01,'],
    expect: ['"name=esx-01," has an empty value'],
  },
];

function runBad(c: BadCase, procedureArgv = START): () => Promise<void> {
  return async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', c.yaml ?? VALID_INVENTORY);
      const h = harness();
      const code = await h.run(
        ...(c.argv ? [...procedureArgv, '-i', file, ...c.argv] : ['inventory', 'check', '-i', file]),
      );
      const err = h.stderr();
      assert.equal(code, 2, `exit code (stderr: ${err})`);
      assert.equal(h.temporalCalls(), 0, 'Temporal was contacted');
      if (!c.argv) assert.ok(err.includes(file), `stderr names the file: ${err}`);
      for (const e of c.expect) {
        if (typeof e === 'string')
          assert.ok(err.includes(e), `stderr should contain ${JSON.stringify(e)}:\n${err}`);
        else assert.match(err, e);
      }
      assert.equal(h.stdout(), '', 'nothing printed on stdout');
    } finally {
      tmp.cleanup();
    }
  };
}

describe('client: malformed inventories (inventory check)', () => {
  for (const c of inventoryCases) it(`rejects: ${c.name}`, runBad(c));
});

describe('client: malformed rollout options (rollout start)', () => {
  for (const c of optionCases) it(`rejects: ${c.name}`, runBad(c));

  it('rejects a malformed inventory at rollout start too, naming file:line:col and path', async () => {
    await runBad({
      name: 'port',
      yaml: replaced('port: 2222', 'port: 70000'),
      argv: [],
      expect: [/fleet\.yaml:15:15: clusters\[0\]\.hosts\[1\]\.port: must be at most 65535/],
    })();
  });

  it('reports every problem at once (inventory, options and params together)', async () => {
    await runBad({
      name: 'all at once',
      yaml: replaced('port: 2222', 'port: 70000'),
      argv: ['--max-parallel', '0', '--set', 'numVfs=999', '--boot-deadline', 'soon', '--id', 'a b'],
      expect: [
        '5 problems, nothing was started',
        '--max-parallel',
        '--set numVfs',
        '--boot-deadline',
        '--id',
        'clusters[0].hosts[1].port',
      ],
    })();
  });

  it('rejects --set for a procedure without parameters', async () => {
    await runBad(
      { name: 'no params', argv: ['--set', 'x=1'], expect: ['--set x: recovery-cycle takes no parameters'] },
      ['rollout', 'start', 'recovery-cycle'],
    )();
  });

  it('rejects a bad enum and a threshold above 1 for validate-bandwidth', async () => {
    await runBad(
      {
        name: 'bw',
        argv: ['--set', 'test=ib_foo_bw', '--set', 'threshold=1.5'],
        expect: [
          '--set test: must be one of "ib_send_bw", "ib_write_bw", "ib_read_bw"',
          '--set threshold: must be at most 1 (got 1.5)',
        ],
      },
      ['rollout', 'start', 'validate-bandwidth'],
    )();
  });

  it('rejects --no-maintenance-mode for switches and a selection key switches do not have', async () => {
    await runBad(
      {
        name: 'switch',
        argv: ['--no-maintenance-mode', '--select', 'cluster=gpu-a'],
        expect: [
          '--no-maintenance-mode: applies to ESXi hosts only',
          'unknown key "cluster" for switches (keys: name, tag, address)',
        ],
      },
      ['rollout', 'start', 'switch-sm-virt'],
    )();
  });

  it('refuses selected targets whose host key is not pinned', async () => {
    const yaml =
      replaced(`        address: 10.0.0.13\n        hostKey: ${KEY_A}\n`, '        address: 10.0.0.13\n') +
      'allowUnpinnedHostKeys: true\n';
    await runBad({
      name: 'unpinned',
      yaml,
      argv: [],
      expect: ['clusters[0].hosts[2].hostKey: esx-03 has no pinned host key', 'scan-keys'],
    })();
  });

  it('exits 2 on commander usage errors without contacting Temporal', async () => {
    for (const argv of [
      ['rollout', 'start', 'nope', '-i', 'x.yaml'],
      ['rollout', 'start', 'preflight'],
      ['rollout', 'start', 'preflight', '-i', 'x.yaml', '--bogus'],
      ['rollout', 'frobnicate'],
      ['rollout', 'status'],
      ['rollout', 'report', 'r1', '--format', 'xml'],
    ]) {
      const h = harness();
      assert.equal(await h.run(...argv), 2, `${argv.join(' ')}: ${h.stderr()}`);
      assert.equal(h.temporalCalls(), 0);
    }
  });

  it('exits 2 on a bad rollout ID argument or --limit before connecting', async () => {
    for (const argv of [
      ['rollout', 'status', 'bad id'],
      ['rollout', 'approve', 'a/b'],
      ['rollout', 'list', '--limit', '0'],
    ]) {
      const h = harness();
      assert.equal(await h.run(...argv), 2, h.stderr());
      assert.equal(h.temporalCalls(), 0);
    }
  });

  it('--help exits 0 and shows the selection grammar and examples', async () => {
    const h = harness();
    assert.equal(await h.run('rollout', 'start', '--help'), 0);
    assert.match(h.stdout(), /KEY!=V1,V2/);
    assert.match(h.stdout(), /Examples:\n {2}ibfleet rollout start preflight/);
    assert.match(h.stdout(), /numVfs=16 \(number\)/);
  });
});

describe('client: valid inventories', () => {
  it('loads the example inventory with defaults applied and key paths resolved', () => {
    const file = join(ROOT, 'examples/inventory.example.yaml');
    const inv = loadInventory(file);
    assert.equal(inv.hosts.length, 2);
    const [h1, h2] = inv.hosts;
    assert.deepEqual(h1, {
      kind: 'esxi',
      name: 'esx-01',
      address: '10.0.0.11',
      port: 22,
      username: 'root',
      hostKey: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
      credential: { type: 'private-key', path: '/etc/ibfleet/keys/id_ed25519' },
      cluster: 'gpu-a',
      tags: ['cx7', 'rack-4'],
    });
    assert.equal(h2.port, 2222);
    assert.deepEqual(h2.credential, { type: 'password-env', env: 'IBFLEET_SSH_ESX02_PASSWORD' });
    assert.equal(inv.switches[0].username, 'admin');
    const pair = inv.guestPairs[0];
    assert.equal(pair.kind, 'guest-pair');
    assert.equal(pair.cluster, 'gpu-a');
    assert.equal(pair.server.dataAddress, '192.168.130.10');
    assert.equal(pair.client.username, 'ubuntu');
    assert.equal(inv.targetPaths.get('esx-02'), 'clusters[0].hosts[1]');
  });

  it('expands ~ and keeps absolute key paths', () => {
    const text = replaced(
      'credential: { type: private-key, path: /etc/ibfleet/keys/id_ed25519 }',
      'credential: { type: private-key, path: ~/.ssh/id_ed25519, passphraseEnv: KEY_PASS }',
    );
    const inv = parseInventory(
      text.replace(
        '{ type: password-env, env: IBFLEET_SSH_ESX02_PASSWORD }',
        '{ type: private-key, path: /etc/ibfleet/key }',
      ),
      '/inv/fleet.yaml',
      {
        homeDir: '/home/op',
      },
    );
    assert.deepEqual(inv.hosts[0].credential, {
      type: 'private-key',
      path: '/home/op/.ssh/id_ed25519',
      passphraseEnv: 'KEY_PASS',
    });
    assert.deepEqual(inv.hosts[1].credential, { type: 'private-key', path: '/etc/ibfleet/key' });
    const rel = parseInventory(
      replaced('path: /etc/ibfleet/keys/id_ed25519', 'path: keys/id_ed25519'),
      '/inv/sub/fleet.yaml',
    );
    assert.deepEqual(rel.hosts[0].credential, { type: 'private-key', path: '/inv/sub/keys/id_ed25519' });
  });

  it('loads unpinned endpoints only when allowed, and marks them', () => {
    const text = replaced(
      `        address: 10.0.0.13\n        hostKey: ${KEY_A}\n`,
      '        address: 10.0.0.13\n',
    );
    assert.throws(
      () => parseInventory(text, 'f.yaml'),
      (e: unknown) => e instanceof InventoryError && e.problems.length === 1,
    );
    const inv = parseInventory(text + 'allowUnpinnedHostKeys: true\n', 'f.yaml');
    assert.equal(isPinned(inv.hosts[2]), false);
    assert.equal(inv.hosts[2].hostKey, '');
    assert.equal(parseInventory(text, 'f.yaml', { allowUnpinnedHostKeys: true }).allowUnpinnedHostKeys, true);
  });

  it('accepts the same address on different ports, and IPv6 addresses', () => {
    const text = replaced('address: 10.0.0.13', 'address: 10.0.0.12').replace(
      'address: 10.0.0.21',
      'address: "fd00::21"',
    );
    const inv = parseInventory(text, 'f.yaml');
    assert.equal(inv.hosts[2].address, '10.0.0.12');
    assert.equal(inv.hosts[3].address, 'fd00::21');
  });

  it('inventory check prints a summary and exits 0', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', VALID_INVENTORY);
      const h = harness();
      assert.equal(await h.run('inventory', 'check', '-i', file), 0, h.stderr());
      const out = h.stdout();
      assert.match(out, /valid \(version 1\), 8 SSH endpoint\(s\)/);
      assert.match(out, /clusters: 2, ESXi hosts: 5/);
      assert.match(out, /gpu-a {2}3 host\(s\) {2}tags: cx7\(2\) rack-4\(1\)/);
      assert.match(out, /switches: 1 \(ibsw-a\)/);
      assert.match(out, /pair-a: vm-a1 \(server, 192\.168\.130\.10\) <- vm-a2, cluster gpu-a/);
      assert.match(out, /credentials: private-key 7, password-env 1/);
      assert.match(out, /host keys: all pinned/);
      assert.equal(h.temporalCalls(), 0);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('client: selection', () => {
  const inv = parseInventory(VALID_INVENTORY, '/inv/fleet.yaml');
  const names = (exprs: string[], kind: 'esxi' | 'switch' | 'guest-pair' = 'esxi') =>
    selectTargets(inv, kind, exprs).map((t) => t.name);

  it('selects everything of the kind without --select, in inventory order', () => {
    assert.deepEqual(names([]), ['esx-01', 'esx-02', 'esx-03', 'esx-11', 'esx-12']);
    assert.deepEqual(names([], 'switch'), ['ibsw-a']);
    assert.deepEqual(names([], 'guest-pair'), ['pair-a']);
  });
  it('matches keys, globs, OR within a key and AND across terms', () => {
    assert.deepEqual(names(['cluster=gpu-b']), ['esx-11', 'esx-12']);
    assert.deepEqual(names(['tag=cx7']), ['esx-01', 'esx-02']);
    assert.deepEqual(names(['name=esx-0*']), ['esx-01', 'esx-02', 'esx-03']);
    assert.deepEqual(names(['name=esx-?1']), ['esx-01', 'esx-11']);
    assert.deepEqual(names(['name=esx-01,esx-12']), ['esx-01', 'esx-12']);
    assert.deepEqual(names(['cluster=gpu-a tag=cx7']), ['esx-01', 'esx-02']);
    assert.deepEqual(names(['cluster=gpu-a+tag=rack-4']), ['esx-01']);
    assert.deepEqual(names(['address=10.0.0.1*']), ['esx-01', 'esx-02', 'esx-03']);
  });
  it('supports != and unions of repeated expressions, keeping inventory order', () => {
    assert.deepEqual(names(['cluster=gpu-a+tag!=cx7']), ['esx-03']);
    assert.deepEqual(names(['name=esx-12', 'name=esx-01']), ['esx-01', 'esx-12']);
    assert.deepEqual(names(['guest=vm-a2'], 'guest-pair'), ['pair-a']);
  });
});

describe('client: the CLI as a process', function () {
  this.timeout(60_000);
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--require', 'tsx/cjs', 'client/main.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });

  it('exits 2 on usage errors', () => {
    const r = cli('rollout', 'start', 'preflight');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /required option '-i, --inventory <file>' not specified/);
    const u = cli('rollout', 'bogus');
    assert.equal(u.status, 2, u.stderr);
  });

  it('exits 2 on a bad option value and 0 on a dry run (no Temporal reachable at 127.0.0.1:1)', () => {
    const inv = join(ROOT, 'examples/inventory.example.yaml');
    const bad = cli('rollout', 'start', 'recovery-cycle', '-i', inv, '--max-parallel', 'x');
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--max-parallel: must be a whole number/);
    const dry = spawnSync(
      join(ROOT, 'bin/ibfleet'),
      ['rollout', 'start', 'recovery-cycle', '-i', inv, '--dry-run'],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /DRY RUN/);
  });
});
