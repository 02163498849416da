import assert from 'node:assert/strict';
import { prepareRollout } from '../../client/rollout/prepare';
import { prepareDriftSchedule } from '../../client/commands/schedule';
import { harness, tempDir, VALID_INVENTORY } from '../client/harness';

// The flags of issue #16 on the command line: every bad value refused with exit 2 naming its flag,
// before Temporal is contacted; good values land in the rollout options (options.ops) / the schedule.

describe('ops: rollout start flags (windows, notify, gates, ramp, fleet-wide)', () => {
  const tmp = tempDir();
  const file = tmp.write('fleet.yaml', VALID_INVENTORY);
  const limited = tmp.write(
    'limited.yaml',
    VALID_INVENTORY.replace(
      '  - name: gpu-b\n    hosts:',
      '  - name: gpu-b\n    maxUnavailable: 2\n    hosts:',
    ),
  );
  after(() => tmp.cleanup());
  const deps = harness().deps;

  it('refuses every bad value at once, naming its flag, and contacts nothing', async () => {
    const h = harness();
    const code = await h.run(
      'rollout',
      'start',
      'preflight',
      '-i',
      file,
      '--window',
      'Mon-Fri 25:00-06:00 Europe/Berlin',
      '--window',
      'Funday 22:00-06:00 UTC',
      '--window-end',
      'later',
      '--notify',
      'https://hooks.slack.com/services/T0/B0/s3cr3t',
      '--notify',
      'env:HOME',
      '--gate',
      'cmd check-alerts',
      '--gate',
      'cmd /bin/check-alerts | grep ok',
      '--gate-timeout',
      'soon',
      '--ramp',
      '4,2',
    );
    assert.equal(code, 2);
    assert.equal(h.temporalCalls(), 0);
    const err = h.stderr();
    for (const line of [
      '--window: "25:00": must be HH:MM (00:00-23:59)',
      '--window: "Funday" is not a day',
      '--window-end: must be continue or stop (got "later")',
      '--notify: the URL to hooks.slack.com is a Slack webhook, whose path is its secret; pass it as env:NAME instead',
      '--notify: environment variable HOME is not allowed to hold a URL',
      '--gate: the executable must be an absolute path',
      '--gate: "|": cmd gates run without a shell',
      '--gate-timeout: must be a duration with a unit',
      '--ramp: widths must not decrease (got 4,2)',
    ])
      assert.ok(err.includes(line), `missing: ${line}\n${err}`);
    assert.ok(!err.includes('s3cr3t'), 'the secret URL is not printed');
  });

  it('refuses flags that need another', async () => {
    const h = harness();
    assert.equal(
      await h.run(
        'rollout',
        'start',
        'preflight',
        '-i',
        file,
        '--window-end',
        'stop',
        '--gate-interval',
        '10s',
      ),
      2,
    );
    assert.match(h.stderr(), /--window-end: needs --window/);
    assert.match(h.stderr(), /--gate-interval: needs --gate/);
  });

  it('puts good values into options.ops', () => {
    const { input } = prepareRollout(
      'recovery-cycle',
      {
        inventory: file,
        maxParallel: '8',
        window: ['Mon-Fri 22:00-06:00 Europe/Berlin', 'Sat,Sun 00:00-24:00 UTC'],
        windowEnd: 'stop',
        notify: ['http://127.0.0.1:9000/hook', 'slack+env:IBFLEET_NOTIFY_SLACK'],
        gate: ['http GET http://127.0.0.1:9090/healthy expect 200', "cmd /usr/local/bin/no-alerts 'gpu a'"],
        gateInterval: '10s',
        gateTimeout: '0',
        ramp: 'exponential',
        fleetWide: true,
      },
      deps,
    );
    assert.deepEqual(input.options.ops, {
      windows: [
        {
          days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
          start: '22:00',
          end: '06:00',
          timeZone: 'Europe/Berlin',
        },
        { days: ['Sat', 'Sun'], start: '00:00', end: '24:00', timeZone: 'UTC' },
      ],
      windowEnd: 'stop',
      notify: [
        { url: 'http://127.0.0.1:9000/hook', format: 'auto' },
        { env: 'IBFLEET_NOTIFY_SLACK', format: 'slack' },
      ],
      gates: [
        { kind: 'http', method: 'GET', target: { url: 'http://127.0.0.1:9090/healthy' }, expect: ['200'] },
        { kind: 'cmd', argv: ['/usr/local/bin/no-alerts', 'gpu a'] },
      ],
      gateTiming: { pollIntervalMs: 10_000, timeoutMs: 0 },
      ramp: [1, 2, 4],
      fleetWide: true,
    });
  });

  it("without the flags there is no ops block; the inventory's maxUnavailable becomes the lease limit of its cluster", () => {
    assert.equal(prepareRollout('recovery-cycle', { inventory: file }, deps).input.options.ops, undefined);
    const { input } = prepareRollout('recovery-cycle', { inventory: limited }, deps);
    assert.deepEqual(input.options.ops?.clusterLimits, { 'gpu-b': 2 });
    const onlyA = prepareRollout('recovery-cycle', { inventory: limited, select: ['cluster=gpu-a'] }, deps);
    assert.equal(onlyA.input.options.ops, undefined);
  });

  it('--dry-run shows the ramp after the canary, and one host at a time of a vSAN cluster', async () => {
    const h = harness();
    const common = ['--dry-run', '--max-parallel', '4', '--per-cluster', '0'];
    assert.equal(
      await h.run(
        'rollout',
        'start',
        'recovery-cycle',
        '-i',
        file,
        ...common,
        '--canary',
        '1',
        '--ramp',
        '1,2',
      ),
      0,
      h.stderr(),
    );
    const waves = (out: string) => out.split('\n').filter((l) => /^\s+(canary )?wave \d/.test(l));
    assert.deepEqual(
      waves(h.stdout()).map((l) => l.trim().replace(/\s+/g, ' ')),
      [
        'canary wave 1 esx-01 (gpu-a)',
        'wave 1 esx-02 (gpu-a)',
        'wave 2 esx-03 (gpu-a), esx-11 (gpu-b)',
        'wave 3 esx-12 (gpu-b)',
      ],
    );
    const vsan = tmp.write(
      'vsan.yaml',
      VALID_INVENTORY.replace('  - name: gpu-a\n', '  - name: gpu-a\n    vsan: true\n'),
    );
    const v = harness();
    assert.equal(await v.run('rollout', 'start', 'recovery-cycle', '-i', vsan, ...common), 0, v.stderr());
    for (const line of waves(v.stdout()))
      assert.ok((line.match(/\(gpu-a\)/g) ?? []).length <= 1, `one host of vSAN gpu-a per wave: ${line}`);
    assert.equal(waves(v.stdout()).length, 3);
  });

  it('--help shows the flags and their examples', async () => {
    const h = harness();
    assert.equal(await h.run('rollout', 'start', '--help'), 0);
    for (const flag of [
      '--window',
      '--window-end',
      '--notify',
      '--gate',
      '--gate-timeout',
      '--ramp',
      '--fleet-wide',
    ])
      assert.ok(h.stdout().includes(`${flag} `), flag);
    assert.match(h.stdout(), /Operations \(issue #16\):/);
  });
});

describe('ops: schedule create flags', () => {
  const tmp = tempDir();
  const file = tmp.write('fleet.yaml', VALID_INVENTORY);
  after(() => tmp.cleanup());

  it('refuses bad values with exit 2 naming the flag, contacting nothing', async () => {
    const h = harness();
    const code = await h.run(
      'schedule',
      'create',
      'preflight',
      '-i',
      file,
      '--cron',
      '61 * * * *',
      '--time-zone',
      'Mars/Olympus',
      '--notify',
      'env:TEMPORAL_API_KEY',
      '--id',
      'bad id',
      '--max-parallel',
      'many',
    );
    assert.equal(code, 2);
    assert.equal(h.temporalCalls(), 0);
    for (const line of [
      '--cron: minute "61": must be *, a value 0-59',
      '--time-zone: "Mars/Olympus" is not an IANA time zone',
      "--notify: TEMPORAL_API_KEY is one of the worker's own settings",
      '--id: must be 1-40 letters, digits',
      '--max-parallel: must be a whole number',
    ])
      assert.ok(h.stderr().includes(line), `missing: ${line}\n${h.stderr()}`);
    const other = harness();
    assert.equal(await other.run('schedule', 'create', 'recovery-cycle', '-i', file, '--cron', '@daily'), 2);
    assert.match(other.stderr(), /value 'recovery-cycle' is invalid for argument 'procedure'/);
    const missing = harness();
    assert.equal(await missing.run('schedule', 'create', 'preflight', '-i', file), 2);
    assert.match(missing.stderr(), /required option '--cron <expr>' not specified/);
  });

  it('builds the drift check: every host checked, the budget open, the desired state per cluster', () => {
    const { name, input, cron } = prepareDriftSchedule(
      'preflight',
      {
        inventory: file,
        cron: '0 3 * * 1-5',
        select: ['cluster=gpu-a'],
        notify: ['http://127.0.0.1:9000/hook'],
        id: 'nightly',
      },
      harness().deps,
    );
    assert.equal(name, 'nightly');
    assert.equal(cron, '0 3 * * 1-5');
    assert.equal(input.rollout.procedure, 'preflight');
    assert.deepEqual(
      input.rollout.targets.map((t) => t.name),
      ['esx-01', 'esx-02', 'esx-03'],
    );
    assert.deepEqual(input.rollout.options.maxFailures, { percent: 100 });
    assert.equal(input.rollout.rolloutId, 'drift-check-template');
    assert.deepEqual(input.notify, [{ url: 'http://127.0.0.1:9000/hook', format: 'auto' }]);
    assert.deepEqual(input.desired, {});
  });
});
