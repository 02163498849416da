import assert from 'node:assert/strict';
import { formatDuration } from '../../client/options/duration';
import { procedureNames, procedures } from '../../common/procedures';
import { rolloutOptionsSchema } from '../../common/rollout';
import { workloadOptionsSchema } from '../../common/workloads';
import { harness } from './harness';

// --help is read from the declarations: the procedure list from the procedures' records
// (common/procedures/catalog.ts), the rollout flags and their defaults from one table
// (client/options/rollout-flag-declarations.ts) whose defaults are the options schemas'.

/** The help text with commander's line wrapping undone. */
async function help(...command: string[]): Promise<string> {
  return (await rawHelp(...command)).replace(/\s+/g, ' ');
}

async function rawHelp(...command: string[]): Promise<string> {
  const h = harness();
  assert.equal(await h.run(...command, '--help'), 0);
  return h.stdout();
}

/** What the help says of one option: its lines up to the next option, unwrapped. */
function optionHelp(raw: string, flag: string): string {
  const lines = raw.split('\n');
  const from = lines.findIndex((l) => l.trimStart().startsWith(flag));
  assert.ok(from >= 0, `${flag} not in the help`);
  const to = lines.findIndex((l, i) => i > from && /^\s{2}-/.test(l));
  return lines.slice(from, to).join(' ').replace(/\s+/g, ' ').trim();
}

const rollout = rolloutOptionsSchema.parse({});
const vms = workloadOptionsSchema.parse({});

describe('client: --help from the declarations', () => {
  it('rollout start lists every procedure with its target kind and summary', async () => {
    const text = await help('rollout', 'start');
    const kinds = { esxi: 'ESXi hosts', switch: 'switches', 'guest-pair': 'guest pairs' };
    for (const p of procedureNames)
      assert.ok(
        text.includes(`${p} on ${kinds[procedures[p].target]}: ${procedures[p].summary}`),
        `${p} missing from the procedure list`,
      );
  });

  it('rollout start shows the schema defaults of the rollout flags', async () => {
    const text = await rawHelp('rollout', 'start');
    for (const [flag, shown] of [
      ['--max-parallel <n>', `(default ${rollout.maxParallel})`],
      ['--per-cluster <n>', `(default ${rollout.perCluster})`],
      ['--canary <n>', `(default ${rollout.canary})`],
      ['--order <order>', `(default ${rollout.order})`],
      ['--vm-policy <policy>', `(default ${vms.policy})`],
      ['--maintenance-retries <n>', `(default ${vms.maintenanceRetries})`],
      ['--vsan-mode <mode>', `(esxcli -m; default ${vms.vsanMode})`],
      ['--drain-deadline <duration>', `(default ${formatDuration(vms.drainDeadlineMs)})`],
      [
        '--maintenance-timeout <duration>',
        `(esxcli -t, whole seconds; default ${formatDuration(vms.maintenanceTimeoutMs)})`,
      ],
    ]) {
      const said = optionHelp(text, flag);
      assert.ok(said.endsWith(shown), `${flag}: ${said}`);
    }
    assert.ok(!text.includes('--continue-as-new-after'), 'hidden');
  });

  it('plan, apply and schedule create declare the flags they share with rollout start alike', async () => {
    const start = await help('rollout', 'start');
    const apply = await help('apply');
    assert.ok(apply.includes(start.slice(start.indexOf('--max-parallel'), start.indexOf(' --set'))));
    const plan = await help('plan');
    assert.match(
      plan,
      /--vm-policy <policy> the VM policy to plan with, .* \(default refuse\) --force-power-off/,
    );
    assert.ok(plan.includes('--command-timeout <duration> timeout of one SSH command --connect-timeout'));
    assert.ok(plan.includes('--concurrency <n> hosts read at once (default 20)'));
    const schedule = await help('schedule', 'create');
    assert.ok(schedule.includes(`--max-parallel <n> hosts checked at once (default ${rollout.maxParallel})`));
    assert.ok(schedule.includes(`unlimited (default ${rollout.perCluster}) --paused`));
  });
});
