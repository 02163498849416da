import assert from 'node:assert/strict';
import { isReadOnlyCommand } from '../../activities/esxi/commands';
import { maintenanceCommands, vmCommands } from '../../activities/esxi/vm-commands';
import { loadInventory } from '../../client/inventory/load';
import { auditRecords, renderAuditText } from '../../client/rollout/audit';
import type { ProcedureReport } from '../../common/reports';
import type { RolloutReport } from '../../common/rollout';
import { parseRolloutFlags } from '../../client/options/rollout-flags';
import { procedurePlan } from '../../common/plan';
import { hostOptionsSchema } from '../../common/procedures';
import { UnsafeValueError } from '../../common/command-values';
import { workloadOptionsSchema } from '../../common/workloads';
import { recoveryCycleStepsFor } from '../../workflows/host/recovery-cycle';
import { harness, tempDir, VALID_INVENTORY } from '../client/harness';

// The VM-policy flags (exit 2 naming the flag, before Temporal is contacted), the dry-run plan of the VM
// steps (the workflow's step names, the activities' commands), the VM commands' shapes, and vsan: true.

async function run(
  args: string[],
  inventory = VALID_INVENTORY,
): Promise<{ code: number; out: string; err: string; calls: number }> {
  const tmp = tempDir();
  try {
    const file = tmp.write('fleet.yaml', inventory);
    const h = harness();
    const code = await h.run(...args.map((a) => (a === '$FILE' ? file : a)));
    return { code, out: h.stdout(), err: h.stderr(), calls: h.temporalCalls() };
  } finally {
    tmp.cleanup();
  }
}

describe('workloads: flags, plan, commands', () => {
  it('parses the VM-policy flags into the host options', () => {
    const { options, problems } = parseRolloutFlags({
      vmPolicy: 'shutdown',
      guestShutdownTimeout: '2m',
      forcePowerOff: true,
      maintenanceTimeout: '15m',
      maintenanceRetries: '4',
      maintenanceRetryDelay: '1m',
      vsanMode: 'evacuateAllData',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(options.host.vms, {
      policy: 'shutdown',
      drainDeadlineMs: 3_600_000,
      guestShutdownTimeoutMs: 120_000,
      forcePowerOff: true,
      maintenanceTimeoutMs: 900_000,
      maintenanceRetries: 4,
      maintenanceRetryDelayMs: 60_000,
      vsanMode: 'evacuateAllData',
    });
    assert.equal(
      parseRolloutFlags({}).options.host.vms,
      undefined,
      'no flag: the defaults apply on the host',
    );
  });

  it('refuses bad or conflicting VM-policy flags with exit 2, naming each flag, Temporal never contacted', async () => {
    const cases: [string[], RegExp][] = [
      [['--vm-policy', 'drain'], /--vm-policy: .*refuse.*wait.*shutdown/],
      [['--vm-policy', 'wait', '--drain-deadline', '10'], /--drain-deadline: must be a duration with a unit/],
      [['--force-power-off'], /--force-power-off: only with --vm-policy shutdown/],
      [
        ['--vm-policy', 'wait', '--guest-shutdown-timeout', '1m'],
        /--guest-shutdown-timeout: only with --vm-policy shutdown/,
      ],
      [['--vm-policy', 'shutdown', '--drain-deadline', '1h'], /--drain-deadline: only with --vm-policy wait/],
      [['--maintenance-timeout', '0s'], /--maintenance-timeout: must be at least 1s/],
      [['--maintenance-retries', 'many'], /--maintenance-retries: must be a whole number/],
      [['--vsan-mode', 'fast'], /--vsan-mode: .*ensureObjectAccessibility/],
      [
        ['--no-maintenance-mode', '--maintenance-timeout', '5m'],
        /--maintenance-timeout: not with --no-maintenance-mode/,
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await run(['rollout', 'start', 'recovery-cycle', '-i', '$FILE', ...flags]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.err}`);
      assert.match(r.err, message, flags.join(' '));
      assert.equal(r.calls, 0);
    }
    const preflight = await run(['rollout', 'start', 'preflight', '-i', '$FILE', '--vm-policy', 'shutdown']);
    assert.equal(preflight.code, 2);
    assert.match(preflight.err, /--vm-policy: preflight reboots no host/);
  });

  it('the dry run states the policy, says VMs are read at run time, and lists the VM steps', async () => {
    const r = await run([
      'rollout',
      'start',
      'recovery-cycle',
      '-i',
      '$FILE',
      '--dry-run',
      '--vm-policy',
      'shutdown',
      '--guest-shutdown-timeout',
      '90s',
      '--maintenance-timeout',
      '20m',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.calls, 0);
    assert.match(
      r.out,
      /VMs {8}shutdown \(guest shutdown, up to 1m30s, never a hard power-off; powered on again afterwards\); maintenance mode -t 1200s/,
    );
    assert.match(r.out, /VMs are read at run time/);
    for (const step of [
      'vms-read',
      'vms-stop',
      'maintenance-on',
      'set-mst-recovery-1',
      'maintenance-off',
      'vms-start',
    ])
      assert.match(r.out, new RegExp(`\\d+\\. ${step}\\b`));
    assert.ok(r.out.indexOf('. vms-stop') < r.out.indexOf('. maintenance-on'));
    assert.ok(
      r.out.indexOf('. maintenance-on') < r.out.indexOf('. set-mst-recovery-1'),
      'maintenance mode before the first change',
    );
    assert.match(r.out, /\$ esxcli system maintenanceMode set -e true -t 1200\n/);
  });

  it('plans exactly the steps the workflow reports, with the commands the activities build', () => {
    for (const policy of ['refuse', 'wait', 'shutdown'] as const) {
      const options = hostOptionsSchema.parse({ vms: { policy } });
      const plan = procedurePlan('recovery-cycle', {}, { vms: options.vms });
      assert.deepEqual(
        plan.map((s) => s.step),
        recoveryCycleStepsFor(options),
        policy,
      );
    }
    const vms = workloadOptionsSchema.parse({
      policy: 'shutdown',
      forcePowerOff: true,
      maintenanceTimeoutMs: 90_500,
    });
    const plan = procedurePlan('sriov-enable', {}, { vms });
    const commands = plan.flatMap((s) => s.commands);
    for (const c of [
      vmCommands.getAllVms,
      vmCommands.processList,
      maintenanceCommands.enter(91),
      maintenanceCommands.exit,
      vmCommands.guestShutdown(1).replace(' 1', ' <vmid>'),
      vmCommands.powerOff(1).replace(' 1', ' <vmid>'),
      vmCommands.powerOn(1).replace(' 1', ' <vmid>'),
      vmCommands.powerState(1).replace(' 1', ' <vmid>'),
    ])
      assert.ok(commands.includes(c), `the plan runs ${c}`);
  });

  it('builds VM commands from checked values only; the read-only ones are on the allow-list', () => {
    assert.equal(
      vmCommands.readVmx('/vmfs/volumes/datastore1 (4)/gpu vm/gpu vm.vmx'),
      'cat "/vmfs/volumes/datastore1 (4)/gpu vm/gpu vm.vmx"',
    );
    assert.equal(
      maintenanceCommands.enter(600, 'noAction'),
      'esxcli system maintenanceMode set -e true -t 600 -m noAction',
    );
    for (const bad of [
      () => vmCommands.powerOn(0),
      () => vmCommands.powerOn('1;reboot' as unknown as number),
      () => vmCommands.readVmx('/vmfs/volumes/ds/../../etc/shadow.vmx'),
      () => vmCommands.readVmx('/vmfs/volumes/ds/x.vmx\nreboot'),
      () => vmCommands.readVmx('relative/x.vmx'),
      () => maintenanceCommands.enter(0),
      () => maintenanceCommands.enter(600, 'noAction; reboot'),
    ])
      assert.throws(bad, UnsafeValueError);
    for (const c of [
      vmCommands.getAllVms,
      vmCommands.processList,
      vmCommands.powerState(12),
      vmCommands.readVmx('/vmfs/volumes/ds/a b/a b.vmx'),
    ])
      assert.ok(isReadOnlyCommand(c), c);
    for (const c of [
      vmCommands.powerOn(12),
      vmCommands.guestShutdown(12),
      vmCommands.powerOff(12),
      maintenanceCommands.enter(5),
      'vim-cmd vmsvc/power.getstate 12; reboot',
      'cat /vmfs/volumes/ds/x.vmx /etc/shadow',
    ])
      assert.ok(!isReadOnlyCommand(c), c);
  });

  it('an inventory cluster with vsan: true marks its hosts', () => {
    const tmp = tempDir();
    try {
      const file = tmp.write(
        'fleet.yaml',
        VALID_INVENTORY.replace('  - name: gpu-b\n', '  - name: gpu-b\n    vsan: true\n'),
      );
      const inv = loadInventory(file);
      assert.deepEqual(
        inv.hosts.map((h) => `${h.name}:${h.vsan === true}`),
        ['esx-01:false', 'esx-02:false', 'esx-03:false', 'esx-11:true', 'esx-12:true'],
      );
    } finally {
      tmp.cleanup();
    }
  });
});

describe('workloads: the audit trail', () => {
  it('has a vm record per VM stopped: how, when, and when it was powered on again', () => {
    const host: ProcedureReport = {
      target: 'esx-01',
      procedure: 'recovery-cycle',
      outcome: 'succeeded',
      found: {},
      changes: [],
      reboots: 2,
      steps: [],
      commands: [],
      finalState: {},
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:10:00.000Z',
      vms: {
        policy: 'shutdown',
        found: [
          { vmid: 1, name: 'gpu', power: 'on' },
          { vmid: 2, name: 'old', power: 'off' },
          { vmid: 3, name: 'db', power: 'on' },
        ],
        stopped: [
          {
            vmid: 1,
            name: 'gpu',
            how: 'guest-shutdown',
            shutdownRequestedAt: '2026-01-01T00:00:05.000Z',
            stoppedAt: '2026-01-01T00:00:09.000Z',
            restarted: 'powered-on',
            restartedAt: '2026-01-01T00:09:59.000Z',
          },
          {
            vmid: 3,
            name: 'db',
            how: 'hard-off',
            stoppedAt: '2026-01-01T00:05:05.000Z',
            restarted: 'failed',
            restartError: 'no VF',
          },
        ],
      },
    };
    const rollout = {
      rolloutId: 'r1',
      procedure: 'recovery-cycle',
      phase: 'succeeded',
      counts: {},
      total: 1,
      hosts: [{ name: 'esx-01', cluster: 'c1', phase: 'succeeded' }],
      problems: [],
      events: [],
      params: {},
      options: {},
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:10:00.000Z',
      startedBy: 'tester',
      elapsedMs: 1,
      continueAsNewCount: 0,
      budget: { allowed: 0, used: 0, exceeded: false },
    } as unknown as RolloutReport;
    const records = auditRecords(rollout, new Map([['esx-01', host]]));
    assert.deepEqual(
      records.filter((r) => r.type === 'vm'),
      [
        {
          type: 'vm',
          rolloutId: 'r1',
          host: 'esx-01',
          vm: 'gpu',
          vmid: 1,
          stopped: 'guest-shutdown',
          shutdownRequestedAt: '2026-01-01T00:00:05.000Z',
          stoppedAt: '2026-01-01T00:00:09.000Z',
          restarted: 'powered-on',
          restartedAt: '2026-01-01T00:09:59.000Z',
        },
        {
          type: 'vm',
          rolloutId: 'r1',
          host: 'esx-01',
          vm: 'db',
          vmid: 3,
          stopped: 'hard-off',
          stoppedAt: '2026-01-01T00:05:05.000Z',
          restarted: 'failed',
          restartError: 'no VF',
        },
      ],
    );
    const hostRecord = records.find((r) => r.type === 'host');
    assert.deepEqual([hostRecord?.vmPolicy, hostRecord?.vmsPoweredOn], ['shutdown', ['gpu', 'db']]);
    assert.match(
      renderAuditText(rollout, new Map([['esx-01', host]])),
      /vm db: hard-off at 2026-01-01T00:05:05.000Z, failed \(no VF\)/,
    );
  });
});
