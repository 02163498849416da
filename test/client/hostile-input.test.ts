import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliFailure } from '../../client/cli-error';
import { parseInventory } from '../../client/inventory/load';
import { InventoryError } from '../../client/inventory/problems';
import { formatBytes, TEMPORAL_BLOB_SIZE_LIMIT } from '../../client/rollout/input-size';
import { startRolloutWorkflow } from '../../client/rollout/start';
import { addressProblem, isHostName, isIPv4, isIPv6 } from '../../common/addresses';
import { procedures } from '../../common/procedures';
import { rolloutInputSchema, rolloutOptionsSchema, type RolloutInput } from '../../common/rollout';
import { targetRefSchema } from '../../common/target-schemas';
import type { HostRef } from '../../common/targets';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { harness, KEY_A, KEY_B, tempDir, VALID_INVENTORY } from './harness';

// Input that must never start a rollout (issues 12 and 18): addresses that are neither an IP address
// nor a host name, usernames with newlines or `$(...)`, YAML alias bombs, conflicting flags, VF counts
// that break the guide's rule, rollouts too large for one Temporal payload. Each is refused with exit 2,
// naming the field, the flag or the limit, before Temporal is contacted.

function replaced(from: string, to: string, text = VALID_INVENTORY): string {
  assert.ok(text.includes(from), `fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Runs the CLI on an inventory; expects exit 2, every `expect` in stderr, and no Temporal. */
async function refused(yaml: string, argv: string[], expect: (string | RegExp)[]): Promise<string> {
  const tmp = tempDir();
  try {
    const file = tmp.write('fleet.yaml', yaml);
    const h = harness();
    const code = await h.run(...argv.map((a) => (a === '$FILE' ? file : a)));
    const err = h.stderr();
    assert.equal(code, 2, `exit code (stderr: ${err})`);
    assert.equal(h.temporalCalls(), 0, 'Temporal was contacted');
    for (const e of expect) {
      if (typeof e === 'string')
        assert.ok(err.includes(e), `stderr should contain ${JSON.stringify(e)}:\n${err}`);
      else assert.match(err, e);
    }
    assert.equal(h.stdout(), '', 'nothing printed on stdout');
    return err;
  } finally {
    tmp.cleanup();
  }
}

const CHECK = ['inventory', 'check', '-i', '$FILE'];

describe('client: addresses (IPv4, IPv6, RFC 1123 names)', () => {
  it('accepts IP addresses and host names', () => {
    for (const a of ['10.0.0.1', '0.0.0.0', '255.255.255.255', '192.168.130.10']) assert.ok(isIPv4(a), a);
    for (const a of [
      '::1',
      '::',
      'fd00::21',
      '2001:db8::10',
      '1:2:3:4:5:6:7:8',
      '::ffff:10.0.0.1',
      '1:2:3:4:5:6:1.2.3.4',
      'fe80::1%ib0',
    ])
      assert.ok(isIPv6(a), a);
    for (const a of [
      'esx-01',
      'esx-12.example.net',
      'ESX01.LAB',
      'a',
      '1e100.net',
      '3com.com',
      `${'a'.repeat(63)}.example`,
    ])
      assert.ok(isHostName(a), a);
    for (const a of ['10.0.0.1', 'fd00::21', 'esx-12.example.net'])
      assert.equal(addressProblem(a), undefined, a);
  });

  it('refuses what is neither: out-of-range or short dotted numbers, bad IPv6, bad labels', () => {
    for (const a of [
      '999.1.1.1',
      '10.0.0.300',
      '1.2.3',
      '1.2.3.4.5',
      '010.0.0.1',
      '256.0.0.1',
      '10.0.0.1.',
      '1.2.3.4e',
    ])
      assert.ok(!isIPv4(a), a);
    for (const a of [
      '1::2::3',
      ':1::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::1',
      '1.2.3.4::',
      '::1.2.3',
      'fe80::1%ib0;reboot',
      'g::1',
    ])
      assert.ok(!isIPv6(a), a);
    for (const a of [
      '999.1.1.1',
      '10.0.0.300',
      'host.123',
      '-esx',
      'esx-',
      'esx_01',
      'a..b',
      'esx 01',
      'x;reboot',
      '$(reboot)',
      '',
      `${'a'.repeat(64)}.example`,
      `${'a.'.repeat(127)}a`,
    ])
      assert.ok(!isHostName(a), a);
    assert.match(
      addressProblem('999.1.1.1') ?? '',
      /not an IPv4 address \(four numbers from 0 to 255, no leading zeros\), and a name whose last label is all digits is not a host name/,
    );
    assert.match(addressProblem('1::2::3') ?? '', /not a valid IPv6 address/);
    assert.match(addressProblem('esx_01') ?? '', /RFC 1123/);
  });

  for (const [where, from, to, path] of [
    ['a host address', 'address: 10.0.0.13', 'address: 999.1.1.1', 'clusters[0].hosts[2].address'],
    ['a host address', 'address: 10.0.0.13', 'address: 10.0.0.300', 'clusters[0].hosts[2].address'],
    ['a switch address', 'address: 10.0.0.2\n', 'address: "10.0.0.2;reboot"\n', 'switches[0].address'],
    ['a guest address', 'address: 10.0.1.21,', 'address: 10.0.1.256,', 'guestPairs[0].server.address'],
    [
      'a guest dataAddress',
      'dataAddress: 192.168.130.11',
      'dataAddress: 192.168.130.999',
      'guestPairs[0].client.dataAddress',
    ],
    [
      'a guest dataAddress',
      'dataAddress: 192.168.130.10',
      'dataAddress: "192.168.130.10 -d mlx5_1"',
      'guestPairs[0].server.dataAddress',
    ],
  ] as const) {
    it(`refuses ${where} that is neither an IP address nor a host name (${to})`, async () => {
      const err = await refused(replaced(from, to), CHECK, [
        `${path}: must be an IPv4/IPv6 address or a DNS name`,
      ]);
      assert.match(err, /fleet\.yaml:\d+:\d+: /, 'names file:line:col');
    });
  }

  it('refuses it at rollout start too (exit 2, nothing started)', async () => {
    await refused(
      replaced('address: 10.0.0.13', 'address: 999.1.1.1'),
      ['rollout', 'start', 'preflight', '-i', '$FILE', '--dry-run'],
      ['clusters[0].hosts[2].address: must be an IPv4/IPv6 address or a DNS name'],
    );
  });

  it('loads host names and the IPv6 forms', () => {
    const text = replaced('address: 10.0.0.13', 'address: "::ffff:10.0.0.13"')
      .replace('address: 10.0.0.21', 'address: esx-11.lab.example.com')
      .replace('dataAddress: 192.168.130.10', 'dataAddress: "fe80::10%ib0"');
    const inv = parseInventory(text, 'f.yaml');
    assert.equal(inv.hosts[2].address, '::ffff:10.0.0.13');
    assert.equal(inv.hosts[3].address, 'esx-11.lab.example.com');
    assert.equal(inv.guestPairs[0].server.dataAddress, 'fe80::10%ib0');
  });
});

describe('client: usernames and credential paths', () => {
  for (const bad of ['"root\\nx"', '"$(reboot)"', '"root; reboot"', '"`id`"', '"-oProxyCommand=x"', '""']) {
    it(`refuses the username ${bad}`, async () => {
      await refused(replaced('  username: root', `  username: ${bad}`), CHECK, [
        'defaults.username: must be a user name: 1-64 letters, digits, ".", "_", "-" or "@"',
      ]);
    });
  }

  it('accepts POSIX and ESXi user names and directory users', () => {
    for (const name of ['root', 'svc-ibfleet', 'svc_ibfleet.2', 'svc@corp.example', '_ibfleet']) {
      const inv = parseInventory(replaced('  username: root', `  username: ${name}`), 'f.yaml');
      assert.equal(inv.hosts[0].username, name);
    }
  });

  it('refuses a key path with a control character', async () => {
    await refused(
      replaced('path: /etc/ibfleet/keys/id_ed25519 }', 'path: "/etc/ibfleet/keys/id\\nrm -rf" }'),
      CHECK,
      ['defaults.credential.path: must be a file path without control characters'],
    );
  });
});

describe('client: the shared target schema (what workflows check their input with)', () => {
  const host: HostRef = {
    kind: 'esxi',
    name: 'esx-01',
    address: '10.0.0.11',
    port: 22,
    username: 'root',
    hostKey: KEY_A,
    credential: { type: 'private-key', path: '/etc/ibfleet/keys/id_ed25519' },
    cluster: 'gpu-a',
    tags: ['cx7'],
  };
  const guest = {
    name: 'vm-a1',
    address: '10.0.1.21',
    port: 22,
    username: 'ubuntu',
    hostKey: KEY_B,
    credential: { type: 'agent' as const },
    dataAddress: '192.168.130.10',
    ibDevice: 'mlx5_0',
  };
  const pair = {
    kind: 'guest-pair' as const,
    name: 'pair-a',
    tags: [],
    server: guest,
    client: { ...guest, name: 'vm-a2' },
  };

  it('accepts the targets the CLI resolves and refuses hostile fields, naming each', () => {
    assert.ok(targetRefSchema.safeParse(host).success);
    assert.ok(targetRefSchema.safeParse(pair).success);
    const bad = (target: unknown) => {
      const r = targetRefSchema.safeParse(target);
      assert.ok(!r.success, JSON.stringify(target));
      return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    assert.match(
      bad({ ...host, address: '999.1.1.1' }),
      /^address: must be an IPv4\/IPv6 address or a DNS name/,
    );
    assert.match(bad({ ...host, username: 'root\n' }), /^username: must be a user name/);
    assert.match(bad({ ...host, name: '../x' }), /^name: must start with a letter or digit/);
    assert.match(bad({ ...host, port: 0 }), /^port:/);
    assert.match(bad({ ...host, tags: ['a b'] }), /^tags\.0: must be a tag/);
    assert.match(bad({ ...host, extra: 1 }), /Unrecognized key/);
    assert.match(
      bad({ ...host, credential: { type: 'password-env', env: 'X;reboot' } }),
      /^credential\.env: must be an environment variable name/,
    );
    assert.match(
      bad({ ...pair, server: { ...guest, ibDevice: 'mlx5_0;reboot' } }),
      /^server\.ibDevice: must be an RDMA device name/,
    );
    assert.match(
      bad({ ...pair, client: { ...guest, dataAddress: '10.0.0.300' } }),
      /^client\.dataAddress: must be an IPv4\/IPv6 address/,
    );
    assert.match(bad({ ...host, hostKey: 'SHA256:x\n' }), /^hostKey: must not contain control characters/);
  });

  it('is the rollout input schema: a rollout input with a hostile target is refused', () => {
    const input: RolloutInput = {
      rolloutId: 'r1',
      procedure: 'validate-bandwidth',
      params: {},
      targets: [{ ...pair, server: { ...guest, ibDevice: 'mlx5_0;reboot' } }],
      options: rolloutOptionsSchema.parse({}),
      startedBy: 'me@here',
    };
    const r = rolloutInputSchema.safeParse(input);
    assert.ok(!r.success);
    assert.deepEqual(
      r.error.issues.map((i) => i.path.join('.')),
      ['targets.0.server.ibDevice'],
    );
  });
});

describe('client: YAML alias bombs', () => {
  const bomb = [
    'version: 1',
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
    'g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]',
    'h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]',
    'i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]',
    '',
  ].join('\n');

  it('refuses a billion-laughs inventory with exit 2, naming the file', async () => {
    const err = await refused(bomb, CHECK, [
      /fleet\.yaml: YAML aliases expand too much \(over 10000 expansions/,
      'resource-exhaustion',
    ]);
    assert.ok(!err.includes('ReferenceError'));
    await refused(bomb, ['rollout', 'start', 'preflight', '-i', '$FILE'], ['YAML aliases expand too much']);
  });

  it('still loads an anchored credential used by every host', () => {
    const text = replaced(
      '  credential: { type: private-key, path: /etc/ibfleet/keys/id_ed25519 }',
      '  credential: &key { type: private-key, path: /etc/ibfleet/keys/id_ed25519 }',
    ).replace('        address: 10.0.0.11\n', '        address: 10.0.0.11\n        credential: *key\n');
    assert.equal(parseInventory(text, 'f.yaml').hosts[0].credential.type, 'private-key');
    assert.throws(
      () => parseInventory(bomb, 'f.yaml'),
      (e: unknown) => e instanceof InventoryError && e.problems[0].path === '',
    );
  });
});

describe('client: conflicting flags', () => {
  it('refuses --dry-run with --watch (start and retry), naming both flags', async () => {
    await refused(
      VALID_INVENTORY,
      ['rollout', 'start', 'preflight', '-i', '$FILE', '--dry-run', '--watch'],
      ["option '--dry-run' cannot be used with option '--watch'"],
    );
    await refused(
      VALID_INVENTORY,
      ['rollout', 'retry', 'r1', '--watch', '--dry-run'],
      [/option '--(dry-run|watch)' cannot be used with option '--(watch|dry-run)'/],
    );
  });

  it('refuses --auto-approve without canary targets', async () => {
    for (const extra of [[], ['--canary', '0']]) {
      await refused(
        VALID_INVENTORY,
        ['rollout', 'start', 'preflight', '-i', '$FILE', '--auto-approve', ...extra],
        ['--auto-approve: needs --canary N (N ≥ 1)'],
      );
    }
  });

  it('accepts --auto-approve with --canary', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', VALID_INVENTORY);
      const h = harness();
      assert.equal(
        await h.run(
          'rollout',
          'start',
          'preflight',
          '-i',
          file,
          '--canary',
          '1',
          '--auto-approve',
          '--dry-run',
        ),
        0,
        h.stderr(),
      );
      assert.match(h.stdout(), /canary 1 \(then continues \(auto-approve\)\)/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('client: the guide VF rule (NUM_OF_VFS > VFs of max_vfs on a card) before anything starts', () => {
  const start = ['rollout', 'start', 'sriov-enable', '-i', '$FILE'];

  it('refuses maxVfs that leaves no VF for the physical function, with or without --dry-run, naming both params', async () => {
    for (const extra of [[], ['--dry-run']]) {
      await refused(
        VALID_INVENTORY,
        [...start, '--set', 'maxVfs=16', ...extra],
        [
          "--set numVfs: numVfs (NUM_OF_VFS) must be greater than the VFs maxVfs (16) creates on all of a card's ports",
          'at least 17 for a single-port card, 33 for a dual-port card',
        ],
      );
    }
  });

  it('the schema refuses it wherever it is used (CLI, dry run, workflow input)', () => {
    const r = procedures['sriov-enable'].params.safeParse({ numVfs: 8, maxVfs: 8 });
    assert.ok(!r.success);
    assert.deepEqual(r.error.issues[0].path, ['numVfs']);
    assert.ok(procedures['sriov-enable'].params.safeParse({ numVfs: 9, maxVfs: 8 }).success);
  });

  it('the dry run says which cards the values fit', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', VALID_INVENTORY);
      const h = harness();
      assert.equal(
        await h.run(
          'rollout',
          'start',
          'sriov-enable',
          '-i',
          file,
          '--set',
          'numVfs=16',
          '--set',
          'maxVfs=8',
          '--dry-run',
        ),
        0,
        h.stderr(),
      );
      assert.match(
        h.stdout(),
        /VF rule per card, NUM_OF_VFS > maxVfs × ports: numVfs 16 with maxVfs 8 fits cards with up to 1 port\(s\); a card with more stops its host before any change/,
      );
    } finally {
      tmp.cleanup();
    }
  });
});

/** An inventory of `n` pinned ESXi hosts in clusters of 100, each with `tags` long tags (to make targets large). */
function largeInventory(n: number, tags = 0): string {
  const tagList = ['cx7', ...Array.from({ length: tags }, (_, t) => `rack-${t}/`.padEnd(60, 'x'))].join(', ');
  const lines = [
    'version: 1',
    'defaults:',
    '  username: root',
    '  credential: { type: private-key, path: /etc/ibfleet/keys/id_ed25519 }',
    'clusters:',
  ];
  for (let c = 0; c * 100 < n; c++) {
    lines.push(`  - name: rack-${String(c).padStart(3, '0')}`, '    hosts:');
    for (let i = c * 100; i < Math.min(n, (c + 1) * 100); i++)
      lines.push(
        `      - { name: esx-${String(i).padStart(5, '0')}.gpu.example.com, address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, hostKey: ${KEY_A}, tags: [${tagList}] }`,
      );
  }
  return lines.join('\n') + '\n';
}

describe('client: a rollout too large for one Temporal payload', function () {
  this.timeout(120_000);

  it('plans (and would start) 3,000 targets: beyond 1,000 they go to shard workflows of 500', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', largeInventory(3_000));
      const h = harness();
      assert.equal(
        await h.run('rollout', 'start', 'recovery-cycle', '-i', file, '--max-parallel', '100', '--dry-run'),
        0,
        h.stderr(),
      );
      assert.match(h.stdout(), /Targets {4}3000 ESXi hosts/);
      assert.match(h.stdout(), /Shards {5}6 shard workflows of up to 500 targets each start the hosts/);
    } finally {
      tmp.cleanup();
    }
  });

  it('is refused before it starts (dry run or not) when its targets are too large: the limit, the sizes and what to do', async () => {
    for (const extra of [['--dry-run'], []]) {
      const err = await refused(
        largeInventory(1_000, 40),
        ['rollout', 'start', 'recovery-cycle', '-i', '$FILE', '--max-parallel', '100', ...extra],
        [
          /rollout too large for Temporal: its input \(1000 targets\) is \d\.\d\d MB, and with each target's progress, which the rollout carries across continue-as-new and into its report, about \d\.\d\d MB; Temporal refuses a payload over 2\.00 MB \(the server's blob size limit, limit\.blobSize\.error\)\. Nothing was started\./,
          /Split it into rollouts of at most about \d+ targets each with --select \(e\.g\. one per cluster: --select cluster=NAME/,
        ],
      );
      const fits = Number(/at most about (\d+) targets/.exec(err)?.[1]);
      assert.ok(fits > 300 && fits < 1000, `a sensible part size (${fits})`);
    }
    await refused(
      largeInventory(1_200, 80),
      ['rollout', 'start', 'recovery-cycle', '-i', '$FILE', '--dry-run'],
      [
        /rollout too large for Temporal: its 1200 targets go to shard workflows of 500, and one shard's input with its hosts' progress \(what it carries\) is about \d\.\d\d MB; Temporal refuses a payload over 2\.00 MB/,
      ],
    );
  });

  it("maps the Temporal server's own refusal to the same message (exit 2)", async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('too-large');
    const targets: HostRef[] = Array.from({ length: 1_000 }, (_, i) => ({
      kind: 'esxi',
      name: `esx-${String(i).padStart(5, '0')}.gpu.example.com`,
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      port: 22,
      username: 'root',
      hostKey: KEY_A,
      credential: { type: 'private-key', path: '/etc/ibfleet/keys/id_ed25519' },
      cluster: `rack-${Math.floor(i / 100)}`,
      tags: Array.from({ length: 40 }, (_, t) => `rack-${t}/`.padEnd(60, 'x')),
    }));
    const input: RolloutInput = {
      rolloutId: taskQueue.slice(-60),
      procedure: 'preflight',
      params: {},
      targets,
      options: rolloutOptionsSchema.parse({}),
      startedBy: 'test',
    };
    const previousQueue = process.env.IBFLEET_TASK_QUEUE;
    process.env.IBFLEET_TASK_QUEUE = taskQueue; // no worker polls it: nothing could run
    try {
      await assert.rejects(
        startRolloutWorkflow(
          { client: env.client, namespace: env.namespace ?? 'default', close: () => Promise.resolve() },
          input,
        ),
        (err: Error) => {
          assert.ok(err instanceof CliFailure, `${err.name}: ${err.message}`);
          assert.equal(err.exitCode, 2);
          assert.match(
            err.message,
            /^rollout too large for Temporal: its input \(1000 targets\) is \d\.\d\d MB/,
          );
          assert.match(
            err.message,
            new RegExp(
              `over ${formatBytes(TEMPORAL_BLOB_SIZE_LIMIT).replace('.', '\\.')} .*; the server said: .*(blob data size exceeds limit|larger than max)`,
              'i',
            ),
          );
          assert.match(err.message, /Split it into rollouts of at most about \d+ targets each with --select/);
          return true;
        },
      );
    } finally {
      if (previousQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
      else process.env.IBFLEET_TASK_QUEUE = previousQueue;
    }
  });
});

describe('client: scan-keys --write writes through a private temporary folder', () => {
  it('does not follow a symlink planted at a predictable temporary name, and leaves nothing behind', async () => {
    const tmp = tempDir();
    try {
      const unpinned = VALID_INVENTORY.replace(
        `        address: 10.0.0.11\n        hostKey: ${KEY_A}`,
        '        address: 10.0.0.11',
      );
      const file = tmp.write('fleet.yaml', unpinned);
      const victim = tmp.write('victim.txt', 'precious\n');
      // What the old code wrote to: `.<file>.ibfleet-<pid>.tmp` next to the inventory.
      symlinkSync(victim, join(tmp.dir, `.fleet.yaml.ibfleet-${process.pid}.tmp`));
      writeFileSync(join(tmp.dir, '.fleet.yaml.ibfleet-0.tmp'), 'x');
      const h = harness({
        scanHostKey: ({ address }) =>
          Promise.resolve({
            fingerprint: address === '10.0.0.2' || address.startsWith('10.0.1.') ? KEY_B : KEY_A,
            keyType: 'ssh-ed25519',
            publicKey: '',
          }),
      });
      assert.equal(await h.run('inventory', 'scan-keys', '-i', file, '--write'), 0, h.stdout() + h.stderr());
      assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the symlink target was not written');
      assert.ok(!lstatSync(file).isSymbolicLink(), 'the inventory is a regular file');
      assert.equal(parseInventory(readFileSync(file, 'utf8'), file).hosts[0].hostKey, KEY_A);
      assert.deepEqual(
        readdirSync(tmp.dir).filter(
          (f) =>
            ![
              'fleet.yaml',
              'victim.txt',
              `.fleet.yaml.ibfleet-${process.pid}.tmp`,
              '.fleet.yaml.ibfleet-0.tmp',
            ].includes(f),
        ),
        [],
        'no temporary folder left',
      );
    } finally {
      tmp.cleanup();
    }
  });
});
