import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import { timingSchema } from '../common/procedures';
import { freePort, startDevServer } from '../scripts/dev-server';
import { writeWorkflowBundle } from '../worker/bundle';
import { ansiblePlaybookPath } from './ansible-run';
import { killAllChildren } from './child-process';
import { machineInfo } from './machine-info';
import { checkTargets, renderMarkdown, type BenchResults } from './report';
import { runScenario, type ScenarioResult } from './run-scenario';
import { rolloutsOf, scenarios, type Scenario } from './scenarios';

// `npm run bench [-- --scenario 1,4 --quick]`: issue 7's performance and scale benchmark. Runs each
// scenario on a fresh simulated fleet against its own Temporal dev server, compares ibfleet with the
// lower bound and with an Ansible baseline, and writes bench/results/<date>.md and .json.

interface CliOptions {
  scenario: number[];
  quick?: boolean;
  ansible: number[];
  installAnsible?: boolean;
  ansiblePollDelay: number;
  out?: string;
  seed: number;
  keepWork?: boolean;
  render?: string;
  profileWorker?: string;
  workerNodeOptions?: string;
  hosts?: number;
  procedures?: string[];
}

/** A scenario with only the rollouts of these procedures; refused when none is left. */
function onlyProcedures(s: Scenario, procedures: readonly string[]): Scenario {
  const rollouts = rolloutsOf(s).filter((r) => procedures.includes(r.procedure));
  if (rollouts.length === 0)
    throw new InvalidArgumentError(
      `--procedures: scenario ${s.id} runs ${rolloutsOf(s)
        .map((r) => r.procedure)
        .join(', ')}, none of ${procedures.join(', ')}`,
    );
  return { ...s, rollouts };
}

function list(value: string): number[] {
  if (value === 'none') return [];
  const ids = value.split(',').map((v) => Number(v.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n < 1 || n > 7))
    throw new InvalidArgumentError('a comma-separated list of scenarios 1-7 (or "none")');
  return ids;
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
  return n;
}

function hostCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('a host count 1-100000');
  return n;
}

function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** Decides whether the Ansible baseline can run; installs Debian's package when asked to. */
function ansibleAvailability(install: boolean): string | undefined {
  if (ansiblePlaybookPath()) return undefined;
  if (install) {
    log('installing Ansible (apt-get install -y ansible)');
    try {
      execFileSync('apt-get', ['install', '-y', 'ansible'], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (err) {
      return `apt-get install -y ansible failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (ansiblePlaybookPath()) return undefined;
  }
  return 'ansible-playbook not found: install it (Debian: `sudo apt-get install -y ansible`, or `ansible-core`) or pass --install-ansible';
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('ibfleet performance and scale benchmark on the simulated fleet, with an Ansible baseline')
    .option(
      '--scenario <list>',
      'scenarios to run: 1 (200 hosts), 2 (per-cluster 1), 3 (1,000 hosts), 4 (one host), 5 (10,000 hosts, two workers; not by default), 6 (VMs under --vm-policy shutdown), 7 (apply vs single procedures)',
      list,
      [1, 2, 3, 4, 6, 7],
    )
    .option('--hosts <n>', 'hosts of scenario 5 (default 10,000; 1,000 with --quick)', hostCount)
    .option(
      '--procedures <list>',
      "only the rollouts of these procedures in each scenario (e.g. scenario 5's recovery-cycle half: recovery-cycle)",
      (v: string) => v.split(',').map((p) => p.trim()),
    )
    .option('--quick', 'fewer hosts and shorter boots, for development')
    .option('--ansible <list>', 'scenarios that also run the Ansible baseline ("none" to skip)', list, [1, 4])
    .option('--install-ansible', 'apt-get install -y ansible when ansible-playbook is missing')
    .option('--ansible-poll-delay <s>', 'seconds between boot-marker polls in the Ansible baseline', int, 1)
    .option('--out <dir>', 'where results go (default bench/results; bench/work/results with --quick)')
    .option('--seed <n>', "seed of the fleet's boot times and latencies", int, 1)
    .option('--keep-work', 'keep the work directory (logs, inventories, Temporal SQLite)')
    .option('--render <json>', 'only rewrite the markdown of an earlier results JSON file')
    .option('--profile-worker <dir>', 'write a V8 CPU profile of each worker into this directory')
    .option(
      '--worker-node-options <options>',
      'NODE_OPTIONS for the worker processes, e.g. "--max-old-space-size=256"',
    );
  program.parse();
  const o = program.opts<CliOptions>();
  if (o.render) {
    const earlier = JSON.parse(fs.readFileSync(o.render, 'utf8')) as BenchResults;
    const md = o.render.replace(/\.json$/, '.md');
    // Findings are written by hand after a run: keep them.
    const old = fs.existsSync(md) ? fs.readFileSync(md, 'utf8') : '';
    const findings = old.indexOf('\n## Findings');
    fs.writeFileSync(
      md,
      renderMarkdown({ ...earlier, targets: checkTargets(earlier.scenarios) }) +
        (findings >= 0 ? old.slice(findings) : ''),
    );
    log(`rewrote ${md}`);
    return;
  }

  const began = Date.now();
  const machine = machineInfo();
  const selected = scenarios(o.quick === true, o.hosts)
    .filter((s) => o.scenario.includes(s.id))
    .map((s) => (o.procedures ? onlyProcedures(s, o.procedures) : s));
  const ansibleProblem = selected.some((s) => o.ansible.includes(s.id) && !s.noAnsible)
    ? ansibleAvailability(o.installAnsible === true)
    : undefined;
  if (ansibleProblem) log(`${ansibleProblem}; the Ansible baseline is skipped`);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-bench-'));
  log(`work directory ${workDir}`);
  const cleanups: (() => Promise<void>)[] = [];
  const onSignal = () => {
    killAllChildren();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: ScenarioResult[] = [];
  try {
    log('bundling the workflows');
    const bundle = await writeWorkflowBundle(path.join(workDir, 'workflow-bundle.js'), {
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => log(m), log() {} },
    });
    const server = await startDevServer({
      port: await freePort(),
      headless: true,
      dbFile: path.join(workDir, 'temporal.sqlite'),
      logFile: path.join(workDir, 'temporal.log'),
    });
    cleanups.push(() => server.stop());
    log(`Temporal dev server on ${server.address}`);
    const connection = await Connection.connect({
      address: server.address,
      // A rollout's history page can exceed gRPC's default 4 MB (1,000 preflight reports in child results).
      channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
    });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    for (const s of selected) {
      results.push(
        await runScenario(
          s,
          {
            temporalAddress: server.address,
            serverPid: server.process.pid ?? 0,
            bundlePath: bundle.path,
            client,
            namespace: 'default',
            workDir,
            seed: o.seed,
          },
          {
            ansible: !o.ansible.includes(s.id)
              ? 'not selected (--ansible)'
              : ansibleProblem
                ? ansibleProblem
                : 'run',
            ansiblePollDelaySeconds: o.ansiblePollDelay,
            profileDir: o.profileWorker ? path.resolve(o.profileWorker) : undefined,
            workerNodeOptions: o.workerNodeOptions,
            log,
          },
        ),
      );
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    killAllChildren();
    if (!o.keepWork) fs.rmSync(workDir, { recursive: true, force: true });
  }

  const args = process.argv.slice(2);
  const date = localDate(new Date(began));
  const out: BenchResults = {
    date,
    mode: o.quick ? 'quick' : 'full',
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    machine,
    timing: timingSchema.parse({}),
    durationS: Math.round((Date.now() - began) / 1000),
    scenarios: results,
    targets: checkTargets(results),
  };
  // Development runs stay out of the repository (bench/work is ignored by git).
  const outDir = o.out ?? path.join(__dirname, o.quick ? path.join('work', 'results') : 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${date}${o.quick ? '-quick' : ''}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(out, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, renderMarkdown(out));
  log(`results: ${base}.md and ${base}.json`);
  for (const t of out.targets)
    log(`${t.pass === undefined ? 'n/a ' : t.pass ? 'pass' : 'MISS'}  ${t.target}: ${t.measured}`);
}

main().catch((err: unknown) => {
  killAllChildren();
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
