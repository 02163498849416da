import assert from 'node:assert/strict';
import { esxCommands } from '../../activities/esxi/commands';
import { maintenanceCommands } from '../../activities/esxi/vm-commands';
import { parseRolloutFlags } from '../../client/options/rollout-flags';
import { parseSetParams } from '../../client/options/set-params';
import { formatClock, formatDuration, parseDuration } from '../../client/options/duration';
import { renderDryRun } from '../../client/rollout/dry-run';
import { generateRolloutId, parseRolloutIdArg, rolloutUiLink } from '../../client/rollout/rollout-id';
import { firstFitWaves, simulateSchedule } from '../../client/rollout/schedule';
import { procedurePlan, type PlannedStep } from '../../common/plan';
import {
  firmwareRebootStepOrder,
  maintenanceWindowStepOrder,
  mlxconfigStep,
  moduleReloadStepOrder,
  recoveryCycleStepOrder,
  sriovDisableMlxconfigGroup,
  sriovDisableStepOrder,
  sriovEnableMlxconfigGroups,
  sriovEnableStepOrder,
  switchSmVirtStepOrder,
  validateBandwidthStepOrder,
} from '../../common/procedure-steps';
import { procedureNames, procedures } from '../../common/procedures';
import { rolloutOptionsSchema, type RolloutInput } from '../../common/rollout';
import type { HostRef } from '../../common/targets';
import * as workflows from '../../workflows';
import { harness, tempDir, VALID_INVENTORY } from './harness';

// The dry-run plan (common/plan.ts), the schedule simulation, and the parsing of option values.

/** The maintenance window's steps with the default options (VM policy refuse, no vSAN peers). */
const defaultWindow = maintenanceWindowStepOrder({ policy: 'refuse', vsanPeers: false });
const commandsOf = (plan: PlannedStep[]) => plan.flatMap((s) => s.commands);
const stepsOf = (plan: PlannedStep[]) => plan.map((s) => s.step);
const stepNamed = (plan: PlannedStep[], name: string) => {
  const s = plan.find((p) => p.step === name);
  assert.ok(s, `no step ${name} in ${stepsOf(plan).join(', ')}`);
  return s;
};

describe('client: procedure plans', () => {
  it('recovery-cycle: the guide sequence, with the workflow step names', () => {
    const plan = procedurePlan('recovery-cycle');
    assert.deepEqual(stepsOf(plan), recoveryCycleStepOrder(defaultWindow));
    assert.deepEqual(stepNamed(plan, 'read-state').commands.includes('esxcfg-module -g nmlx5_core'), true);
    assert.deepEqual(
      stepNamed(plan, 'set-mst-recovery-1').commands[1],
      'esxcli system module parameters set -m nmlx5_core -p "<merged options with mst_recovery=1>"',
    );
    assert.ok(
      stepNamed(plan, 'maintenance-on').commands.includes('esxcli system maintenanceMode set -e true -t 600'),
    );
    assert.deepEqual(
      stepNamed(plan, 'reboot-1').commands.at(-1),
      'esxcli system shutdown reboot -r "ibfleet recovery-cycle: mst_recovery=1"',
    );
    assert.deepEqual(stepNamed(plan, 'verify-cards-recovery').commands, ['/opt/mellanox/bin/mst status']);
    assert.match(
      stepNamed(plan, 'restore-options').commands[1],
      /-p "<original options: mst_recovery=0, normal mode>"/,
    );
    assert.deepEqual(stepNamed(plan, 'verify-cards-normal').commands, ['/opt/mellanox/bin/mst status']);
    assert.equal(plan.filter((s) => s.reboot).length, procedures['recovery-cycle'].reboots);
  });

  it('without maintenance mode: no maintenance steps and busybox reboot', () => {
    const plan = procedurePlan('recovery-cycle', {}, { maintenanceMode: false });
    assert.ok(!stepsOf(plan).some((s) => s.startsWith('maintenance')));
    assert.equal(stepNamed(plan, 'reboot-2').commands.at(-1), 'reboot');
  });

  it('sriov-enable: per device the three mlxconfig sets, max_vfs, reboot, verify', () => {
    const plan = procedurePlan('sriov-enable', {
      numVfs: 16,
      maxVfs: 8,
      devices: ['mt4129_pciconf0', 'mt4129_pciconf1'],
    });
    const all = commandsOf(plan);
    for (const dev of ['mt4129_pciconf0', 'mt4129_pciconf1']) {
      assert.deepEqual(
        stepNamed(plan, `mlxconfig-${dev}-advanced-pci`).commands.at(-1),
        `/opt/mellanox/bin/mlxconfig -d ${dev} -y set ADVANCED_PCI_SETTINGS=1`,
      );
      assert.deepEqual(
        stepNamed(plan, `mlxconfig-${dev}-force-eth`).commands.at(-1),
        `/opt/mellanox/bin/mlxconfig -d ${dev} -y set FORCE_ETH_PCI_SUBCLASS=1`,
      );
      assert.deepEqual(
        stepNamed(plan, `mlxconfig-${dev}-sriov`).commands.at(-1),
        `/opt/mellanox/bin/mlxconfig -d ${dev} -y set SRIOV_EN=1 NUM_OF_VFS=16`,
      );
      assert.ok(
        stepNamed(plan, 'verify-firmware').commands.includes(
          `/opt/mellanox/bin/mlxconfig -d ${dev} -e query`,
        ),
      );
    }
    assert.match(stepNamed(plan, 'set-max-vfs').commands[1], /max_vfs=8 for each nmlx5 port/);
    assert.ok(all.includes('esxcli network sriovnic vf list -n <vmnic>'));
    assert.ok(all.includes('esxcli system shutdown reboot -r "ibfleet sriov-enable"'));
    // Step order as the workflow runs it.
    const names = stepsOf(plan);
    assert.ok(names.indexOf('set-max-vfs') < names.indexOf('reboot-1'));
    assert.ok(names.indexOf('reboot-1') < names.indexOf('verify-firmware'));
    assert.ok(names.indexOf('verify-firmware') < names.indexOf('verify-vfs'));
    for (const s of firmwareRebootStepOrder) assert.ok(names.includes(s), s);
  });

  it('sriov-enable without devices uses a placeholder; without cold reboot stops after verify-firmware', () => {
    const plan = procedurePlan('sriov-enable', { allowColdReboot: false });
    assert.ok(stepsOf(plan).includes('mlxconfig-<dev>-sriov'));
    assert.ok(!stepsOf(plan).includes('quick-boot-off'));
    assert.equal(plan.filter((s) => s.reboot).length, 1);
  });

  it('sriov-disable: SRIOV_EN=0 NUM_OF_VFS=0 and max_vfs removed', () => {
    const plan = procedurePlan('sriov-disable', { devices: ['mt4123_pciconf0'] });
    assert.equal(
      stepNamed(plan, 'mlxconfig-mt4123_pciconf0-sriov-off').commands.at(-1),
      '/opt/mellanox/bin/mlxconfig -d mt4123_pciconf0 -y set SRIOV_EN=0 NUM_OF_VFS=0',
    );
    assert.match(stepNamed(plan, 'clear-max-vfs').commands[1], /without max_vfs/);
  });

  it('module-reload: the guide troubleshooting sequence, no reboot', () => {
    const plan = procedurePlan('module-reload');
    assert.deepEqual(stepNamed(plan, 'reload-module').commands.slice(1), [
      'vmkload_mod -u nmlx5_rdma',
      'vmkload_mod -u nmlx5_core',
      'vmkload_mod nmlx5_core mst_recovery=1',
      'ps -c',
      'kill -HUP <vmkdevmgr world id>',
    ]);
    assert.equal(plan.filter((s) => s.reboot).length, 0);
  });

  it('preflight: read-only', () => {
    const all = commandsOf(procedurePlan('preflight'));
    assert.ok(all.includes('esxcli system version get'));
    assert.ok(!all.some((c) => / set |reboot|vmkload_mod -u/.test(c)));
  });

  it('switch-sm-virt: show commands, enable, write, restart only when asked', () => {
    const plan = procedurePlan('switch-sm-virt');
    assert.deepEqual(stepNamed(plan, 'read-state').commands, [
      'enable',
      'show version',
      'show ib sm',
      'show ib sm virt',
    ]);
    const enable = stepNamed(plan, 'enable-sm-virt').commands;
    assert.ok(
      enable.includes('ib sm virt enable') &&
        enable.includes('configuration write') &&
        enable.includes('no ib sm'),
    );
    assert.ok(
      !procedurePlan('switch-sm-virt', { restartSm: false })
        .flatMap((s) => s.commands)
        .includes('no ib sm'),
    );
  });

  it('validate-bandwidth: server and client perftest commands and the pass threshold', () => {
    const plan = procedurePlan('validate-bandwidth', {
      test: 'ib_read_bw',
      bidirectional: true,
      queuePairs: 4,
    });
    const perftest = stepNamed(plan, 'perftest').commands;
    assert.equal(
      perftest[1],
      '[server] ib_read_bw -d <server ibDevice> -a -F --report_gbits -q 4 -p 18515 -b',
    );
    assert.equal(
      perftest[2],
      '[client] ib_read_bw -d <client ibDevice> -a -F --report_gbits -q 4 -p 18515 -b <server dataAddress>',
    );
    assert.match(stepNamed(plan, 'check').note ?? '', />= 760 Gb\/s \(0\.95 x 800\)/);
  });

  it('every procedure has a plan with as many reboot steps as its record says (cold reboots are conditional)', () => {
    for (const p of procedureNames) {
      const plan = procedurePlan(p, {}, {});
      assert.ok(plan.length > 0, p);
      const unconditional = plan.filter((s) => s.reboot && !(s.step === 'reboot-2' && p.startsWith('sriov')));
      assert.equal(unconditional.length, procedures[p].reboots, p);
    }
  });

  it('plans list the steps in the order the workflows run them (common/procedure-steps.ts)', () => {
    const dev = 'mt4129_pciconf0';
    const params = { devices: [dev] };
    assert.deepEqual(
      stepsOf(procedurePlan('sriov-enable', params)),
      sriovEnableStepOrder(
        defaultWindow,
        sriovEnableMlxconfigGroups.map((g) => mlxconfigStep(dev, g)),
      ),
    );
    assert.deepEqual(
      stepsOf(procedurePlan('sriov-disable', params)),
      sriovDisableStepOrder(defaultWindow, [mlxconfigStep(dev, sriovDisableMlxconfigGroup)]),
    );
    assert.deepEqual(stepsOf(procedurePlan('module-reload')), moduleReloadStepOrder);
    assert.deepEqual(stepsOf(procedurePlan('switch-sm-virt')), switchSmVirtStepOrder);
    assert.deepEqual(stepsOf(procedurePlan('validate-bandwidth')), validateBandwidthStepOrder);
  });

  it("every procedure's record names a workflow the worker registers", () => {
    for (const p of procedureNames)
      assert.equal(typeof (workflows as Record<string, unknown>)[procedures[p].workflowType], 'function', p);
  });

  it('uses the exact command strings the ESXi activities run', () => {
    const plan = [
      ...procedurePlan('sriov-enable', { devices: ['mt4129_pciconf0'] }),
      ...procedurePlan('recovery-cycle'),
      ...procedurePlan('module-reload'),
    ];
    const all = new Set(commandsOf(plan));
    for (const c of [
      esxCommands.version,
      esxCommands.vibList,
      esxCommands.loadedModules,
      esxCommands.moduleOptions,
      esxCommands.mstStatus,
      esxCommands.mstStatusVerbose,
      esxCommands.maintenanceGet,
      esxCommands.nicList,
      esxCommands.uptime,
      esxCommands.boots,
      esxCommands.worlds,
      esxCommands.quickBootGet,
      maintenanceCommands.enter(600),
      esxCommands.maintenanceSet(false),
      esxCommands.mlxQuery('mt4129_pciconf0'),
      esxCommands.mlxSet('mt4129_pciconf0', { ADVANCED_PCI_SETTINGS: '1' }),
      esxCommands.mlxSet('mt4129_pciconf0', { SRIOV_EN: '1', NUM_OF_VFS: '16' }),
      esxCommands.quickBootSet(false),
      esxCommands.unloadModule('nmlx5_rdma'),
      esxCommands.loadModule('nmlx5_core', ['mst_recovery=1']),
      esxCommands.reboot('ibfleet sriov-enable'),
    ])
      assert.ok(all.has(c), `plan lacks ${c}`);
  });

  it('refuses invalid params', () => {
    assert.throws(() => procedurePlan('sriov-enable', { numVfs: 500 }));
  });
});

describe('client: schedule simulation', () => {
  const t = (name: string, cluster: string) => ({ name, cluster });
  const hosts = [t('a1', 'a'), t('a2', 'a'), t('a3', 'a'), t('b1', 'b'), t('b2', 'b'), t('c1', 'c')];
  const names = (waves: { name: string }[][]) => waves.map((w) => w.map((x) => x.name));

  it('fills the window first-fit within the per-cluster limit', () => {
    assert.deepEqual(names(firstFitWaves(hosts, 10, 1)), [['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
    assert.deepEqual(names(firstFitWaves(hosts, 2, 1)), [
      ['a1', 'b1'],
      ['a2', 'b2'],
      ['a3', 'c1'],
    ]);
    assert.deepEqual(names(firstFitWaves(hosts, 4, 0)), [
      ['a1', 'a2', 'a3', 'b1'],
      ['b2', 'c1'],
    ]);
  });
  it('runs the canaries alone first', () => {
    const s = simulateSchedule(hosts, { maxParallel: 10, perCluster: 2, canary: 2 });
    assert.deepEqual(names(s.canaryWaves), [['a1', 'a2']]);
    assert.deepEqual(names(s.waves), [['a3', 'b1', 'b2', 'c1']]);
  });
});

describe('client: option values', () => {
  it('parses durations with units and formats them back', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('45m'), 2_700_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    for (const bad of ['30', '', 'm', '1d', '-5s', '5 s']) assert.equal(parseDuration(bad), undefined, bad);
    assert.equal(formatDuration(2_700_000), '45m');
    assert.equal(formatDuration(90_500), '1m30.5s');
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatClock(3_723_000), '1h02m');
    assert.equal(formatClock(65_000), '1m05s');
  });

  it('turns flags into RolloutOptions, defaults for the rest', () => {
    const { options, problems } = parseRolloutFlags({
      maxParallel: '4',
      perCluster: '0',
      canary: '1',
      autoApprove: true,
      maxFailures: '5%',
      maintenanceMode: false,
      bootDeadline: '30m',
      pollInterval: '500ms',
    });
    assert.deepEqual(problems, []);
    const defaults = rolloutOptionsSchema.parse({});
    assert.deepEqual(options, {
      ...defaults,
      maxParallel: 4,
      perCluster: 0,
      canary: 1,
      autoApprove: true,
      maxFailures: { percent: 5 },
      host: {
        maintenanceMode: false,
        timing: { ...defaults.host.timing, bootDeadlineMs: 1_800_000, pollIntervalMs: 500 },
      },
    });
    assert.deepEqual(parseRolloutFlags({ maxFailures: '3' }).options.maxFailures, { count: 3 });
    assert.equal(parseRolloutFlags({ order: 'slowest-first' }).options.order, 'slowest-first');
    const badOrder = parseRolloutFlags({ order: 'fastest' }).problems;
    assert.equal(badOrder.length, 1);
    assert.match(badOrder[0], /^--order: .*inventory.*slowest-first/);
    assert.deepEqual(parseRolloutFlags({}).options, defaults);
  });

  it('says the limit of a count in its own unit, and of a duration as a duration', () => {
    assert.deepEqual(parseRolloutFlags({ maintenanceRetries: '500' }).problems, [
      '--maintenance-retries: must be at most 100 (got 500)',
    ]);
    assert.deepEqual(parseRolloutFlags({ maintenanceTimeout: '300h' }).problems, [
      '--maintenance-timeout: must be at most 168h (got 300h)',
    ]);
  });

  it('coerces --set values by the declared type of each parameter', () => {
    const sriov = parseSetParams('sriov-enable', [
      'numVfs=32',
      'maxVfs=8',
      'devices=mt4129_pciconf0, mt4129_pciconf1',
      'allowColdReboot=no',
    ]);
    assert.deepEqual(sriov, {
      params: {
        numVfs: 32,
        maxVfs: 8,
        devices: ['mt4129_pciconf0', 'mt4129_pciconf1'],
        allowColdReboot: false,
      },
      problems: [],
    });
    const sw = parseSetParams('switch-sm-virt', ['minVersion=3.10']);
    assert.deepEqual(sw.params, { minVersion: '3.10', restartSm: true });
    const bw = parseSetParams('validate-bandwidth', ['threshold=0.9', 'bidirectional=true']);
    assert.equal(bw.params.threshold, 0.9);
    assert.equal(bw.params.bidirectional, true);
    assert.deepEqual(parseSetParams('preflight', []).params, { esxiVersionPrefix: '8.', requireMft: true });
  });

  it('generates and validates rollout IDs, and links the web UI', () => {
    assert.equal(
      generateRolloutId('sriov-enable', new Date('2025-03-04T05:06:07Z'), 'ab12'),
      'sriov-enable-20250304-050607-ab12',
    );
    assert.equal(parseRolloutIdArg('ibfleet/rollout/r-1'), 'r-1');
    assert.throws(() => parseRolloutIdArg('a b'));
    assert.equal(
      rolloutUiLink({}, 'default', 'r-1'),
      'http://localhost:8233/namespaces/default/workflows/ibfleet%2Frollout%2Fr-1',
    );
    assert.equal(
      rolloutUiLink({ IBFLEET_UI_URL: 'https://ui.example/' }, 'prod', 'r'),
      'https://ui.example/namespaces/prod/workflows/ibfleet%2Frollout%2Fr',
    );
  });
});

describe('client: rollout start --dry-run', () => {
  it('prints the plan and never contacts Temporal', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('fleet.yaml', VALID_INVENTORY);
      const h = harness();
      const code = await h.run(
        'rollout',
        'start',
        'sriov-enable',
        '-i',
        file,
        '--dry-run',
        '--canary',
        '1',
        '--max-parallel',
        '3',
        '--set',
        'devices=mt4129_pciconf0',
        '--select',
        'cluster=gpu-a,gpu-b',
      );
      assert.equal(code, 0, h.stderr());
      assert.equal(h.temporalCalls(), 0);
      const out = h.stdout();
      assert.match(out, /^DRY RUN: nothing is started/);
      assert.match(out, /Rollout {4}sriov-enable-20250304-050607-ab12/);
      assert.match(out, /Targets {4}5 ESXi hosts in 2 cluster group\(s\)/);
      assert.match(
        out,
        /canary wave 1 esx-01 \(gpu-a\)\n {2}\(then waits for: ibfleet rollout approve sriov-enable-20250304-050607-ab12\)/,
      );
      assert.match(out, /wave 1 {8}esx-02 \(gpu-a\), esx-11 \(gpu-b\)/);
      assert.match(out, /wave 2 {8}esx-03 \(gpu-a\), esx-12 \(gpu-b\)/);
      assert.match(out, /Reboots {4}1 per target, 5 in total/);
      assert.match(
        out,
        /\$ \/opt\/mellanox\/bin\/mlxconfig -d mt4129_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=16/,
      );
      assert.match(out, /reboot-1 {2}\[REBOOT\]/);
      assert.match(out, /Started by tester@testhost/);
    } finally {
      tmp.cleanup();
    }
  });

  it('renders guest pairs and switches', () => {
    const defaults = rolloutOptionsSchema.parse({});
    const input: RolloutInput = {
      rolloutId: 'r1',
      procedure: 'switch-sm-virt',
      params: {},
      targets: [
        {
          kind: 'switch',
          name: 'sw1',
          address: '10.0.0.2',
          port: 22,
          username: 'admin',
          hostKey: 'x',
          credential: { type: 'agent' },
          tags: [],
        },
      ],
      options: defaults,
      startedBy: 'me@here',
    };
    const out = renderDryRun(input);
    assert.match(out, /1 switch in 1 cluster group/);
    assert.match(out, /wave 1 {8}sw1 \(switch:sw1\)/);
    assert.ok(!out.includes('Hosts      maintenance'));
    const host: HostRef = {
      kind: 'esxi',
      name: 'h',
      cluster: 'c',
      address: 'a',
      port: 22,
      username: 'u',
      hostKey: 'k',
      credential: { type: 'agent' },
      tags: [],
    };
    assert.match(
      renderDryRun({ ...input, procedure: 'preflight', targets: [host] }),
      /Reboots {4}0 per target/,
    );
  });
});
