import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { procedures } from '../../common/procedures';
import { processTree } from '../../bench/proc-stats';
import {
  DEFAULT_MEMORY_BUDGET_MB,
  maxOldSpaceSizeMb,
  MEMORY_BUDGET_VAR,
  MemoryBudgetError,
  PROCESS_OVERHEAD_MB,
  processMemory,
  workerMemoryFromEnv,
  workerNodeOptions,
} from '../../worker/memory-budget';
import { bundlePath } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';

// Issue #15: the worker keeps within a memory budget (IBFLEET_WORKER_MEMORY_MB → its heap limit, given
// to Node by its entry point worker/start.sh, and its workflow cache), and a host workflow builds only
// the schemas it needs. Settings, processes and module structure only; the memory itself is measured
// by worker/measure-rss.ts, never asserted here.

const repoRoot = path.resolve(__dirname, '..', '..');
const startScript = path.join('worker', 'start.sh');

describe('worker memory budget (issue #15)', () => {
  it('derives the heap limit and the workflow cache from IBFLEET_WORKER_MEMORY_MB, 400 MB by default', () => {
    assert.deepEqual(workerMemoryFromEnv({}), {
      source: 'default',
      budgetMb: DEFAULT_MEMORY_BUDGET_MB,
      heapMb: DEFAULT_MEMORY_BUDGET_MB - PROCESS_OVERHEAD_MB,
      maxCachedWorkflows: 250,
    });
    assert.deepEqual(workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: ' 1300 ' }), {
      source: 'budget',
      budgetMb: 1300,
      heapMb: 1150,
      maxCachedWorkflows: 1150,
    });
    // The budget wins over a heap flag in NODE_OPTIONS; without it, Node's flag is kept.
    assert.equal(
      workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: '600', NODE_OPTIONS: '--max-old-space-size=900' }).heapMb,
      450,
    );
    assert.deepEqual(workerMemoryFromEnv({ NODE_OPTIONS: '--inspect --max-old-space-size=900' }), {
      source: 'node-options',
      heapMb: 900,
      maxCachedWorkflows: 900,
    });
    // Node's own flag on the command line (the worker run directly): kept when no budget is set.
    assert.deepEqual(processMemory(workerMemoryFromEnv({}), ['--max_old_space_size=256'], 304), {
      source: 'node-options',
      heapMb: 256,
      maxCachedWorkflows: 256,
    });
  });

  it('refuses a budget that is not a whole number of megabytes, or too small to run, naming the variable', () => {
    for (const [value, reason] of [
      ['400MB', /must be a whole number of megabytes/],
      ['-1', /must be a whole number of megabytes/],
      ['1.5', /must be a whole number of megabytes/],
      ['120', /must be at least 300/],
      ['99999999', /must be at most/],
    ] as const) {
      assert.throws(
        () => workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: value }),
        (err: unknown) =>
          err instanceof MemoryBudgetError &&
          err.message.startsWith(`${MEMORY_BUDGET_VAR}: `) &&
          reason.test(err.message),
        value,
      );
    }
  });

  it('gives Node the derived --max-old-space-size (none when Node has its own); a process started without it keeps its heap and says so', () => {
    const budget = workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: '500' });
    assert.deepEqual(workerNodeOptions(budget), ['--max-old-space-size=350']);
    const nodeOwn = workerMemoryFromEnv({ NODE_OPTIONS: '--max-old-space-size=700' });
    assert.deepEqual(workerNodeOptions(nodeOwn), []);
    // Started by worker/start.sh (or with Node's own flag): the derived settings.
    assert.deepEqual(
      processMemory(budget, ['--require', 'tsx/cjs', '--max-old-space-size=350'], 398),
      budget,
    );
    const byDefault = workerMemoryFromEnv({});
    assert.deepEqual(processMemory(byDefault, ['--max-old-space-size=250'], 298), byDefault);
    assert.deepEqual(processMemory(nodeOwn, [], 748), nodeOwn);
    assert.equal(processMemory(byDefault, [], 4144).heapFlagMissing, '--max-old-space-size=250');
    assert.equal(processMemory(byDefault, ['--max-old-space-size=200'], 248).maxCachedWorkflows, 200);
    // Started directly, without the flag or with another: the heap is Node's, the cache keeps to the
    // budget (or to the heap, when that is smaller).
    for (const options of [[], ['--max-old-space-size=4096']]) {
      assert.deepEqual(processMemory(budget, options, 4144.6), {
        source: 'budget',
        budgetMb: 500,
        heapMb: 4144,
        maxCachedWorkflows: 350,
        heapFlagMissing: '--max-old-space-size=350',
      });
    }
    assert.equal(maxOldSpaceSizeMb(['--max-old-space-size=1', '--max-old-space-size=2']), 2);
    assert.equal(maxOldSpaceSizeMb(['--max-semi-space-size=16']), undefined);
  });

  it('npm run worker, the image and docker-compose start the worker through worker/start.sh', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(pkg.scripts.worker, 'sh worker/start.sh');
    // The build puts the entry point beside dist/worker/main.js, where the image's CMD runs it.
    assert.match(pkg.scripts.build, /&& cp worker\/start\.sh dist\/worker\/start\.sh$/);
    const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8').trim().split('\n');
    assert.equal(dockerfile.at(-1), 'CMD ["sh", "dist/worker/start.sh"]');
    assert.ok(dockerfile.includes('COPY --from=build /app/dist/worker/start.sh ./dist/worker/start.sh'));
    const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { command?: unknown; entrypoint?: unknown }>;
    };
    const worker = compose.services['ibfleet-worker'];
    assert.equal(worker.command, undefined, 'the image CMD (start.sh) runs the worker');
    assert.equal(worker.entrypoint, undefined);
  });

  it('docker-compose passes the budget (the worker default) and no heap flag of its own', () => {
    const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    const env = compose.services['ibfleet-worker'].environment ?? {};
    assert.equal(env[MEMORY_BUDGET_VAR], `\${${MEMORY_BUDGET_VAR}:-${DEFAULT_MEMORY_BUDGET_MB}}`);
    assert.equal(env.NODE_OPTIONS, undefined);
  });

  it('a bad budget stops worker/start.sh with exit 2 naming IBFLEET_WORKER_MEMORY_MB, before the worker starts', () => {
    const run = spawnSync('sh', [startScript], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, [MEMORY_BUDGET_VAR]: 'lots', TEMPORAL_ADDRESS: '127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 2, run.stderr);
    // Only the budget's error: the worker (which would warn, log and try to connect) never started.
    assert.equal(
      run.stderr,
      'error: IBFLEET_WORKER_MEMORY_MB: must be a whole number of megabytes, e.g. 400\n',
    );
    assert.equal(run.stdout, '');
  });

  it('run directly, the worker exits 2 on a bad budget, and without its heap flag says the budget is not applied', () => {
    const runMain = (budget: string) =>
      spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(repoRoot, 'worker', 'main.ts')], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, [MEMORY_BUDGET_VAR]: budget, TEMPORAL_ADDRESS: '127.0.0.1:1' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const bad = runMain('lots');
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^error: IBFLEET_WORKER_MEMORY_MB: must be a whole number of megabytes/m);
    // Nothing listens on port 1: the worker warns, then fails to connect.
    const direct = runMain('500');
    assert.equal(direct.status, 1, direct.stderr);
    assert.match(
      direct.stderr,
      /^warning: the memory budget \(IBFLEET_WORKER_MEMORY_MB, 500 MB\) is not applied: this process was started without --max-old-space-size=350, .*Start the worker with worker\/start\.sh/m,
    );
  });
});

describe('worker entry point worker/start.sh (issue #15)', () => {
  /** `npm run worker` with a budget of 500 MB on the shared dev server; resolves once it polls. */
  async function startWorker(): Promise<{ child: ChildProcess; output: () => string }> {
    const env = await testEnv();
    const child = spawn('sh', [startScript], {
      cwd: repoRoot,
      env: {
        ...process.env,
        [MEMORY_BUDGET_VAR]: '500',
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        IBFLEET_TASK_QUEUE: uniqueTaskQueue('start-sh'),
        IBFLEET_WORKFLOW_BUNDLE: await bundlePath(),
        IBFLEET_METRICS_PORT: 'off',
        IBFLEET_HEALTH_PORT: 'off',
        IBFLEET_LOG_FORMAT: 'json',
        IBFLEET_SHUTDOWN_GRACE_TIME: '2s',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('worker polling')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited ${code} before it polled:\n${out}`)));
    });
    return { child, output: () => out };
  }

  const exited = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );

  it('execs the worker with the derived heap limit: the started pid is the worker, alone, and SIGTERM stops it gracefully', async () => {
    const { child, output } = await startWorker();
    const pid = child.pid as number;
    try {
      // Nothing besides the worker: no launcher, no shell, no child process.
      assert.deepEqual(processTree(pid), [pid]);
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      assert.ok(argv.includes('--max-old-space-size=350'), argv.join(' '));
      assert.equal(argv.at(-1), path.join('worker', 'main.ts'));
      assert.match(output(), /memory budget 500 MB: heap limit 350 MB, up to 350 cached workflows/);
      assert.doesNotMatch(output(), /not applied/);
    } finally {
      const end = exited(child);
      child.kill('SIGTERM');
      // A graceful shutdown exits 0; a second SIGTERM during it would have killed the worker at once.
      assert.deepEqual(await end, { code: 0, signal: null }, output());
    }
    assert.equal(output().match(/"state":"STOPPING"/g)?.length, 1, output());
  });

  it('SIGKILL of the started pid leaves no process behind', async () => {
    const { child } = await startWorker();
    const pid = child.pid as number;
    const tree = processTree(pid);
    const end = exited(child);
    child.kill('SIGKILL');
    assert.deepEqual(await end, { code: null, signal: 'SIGKILL' });
    assert.deepEqual(
      tree.filter((p) => processTree(p).length > 0),
      [],
      'every process the worker had is gone',
    );
  });
});

describe('host workflows build only the schemas they need (issue #15)', () => {
  /** Modules a module evaluates at run time: its non-type relative imports, transitively. */
  function runtimeImports(entry: string): Set<string> {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
      for (const statement of source.statements) {
        const specifier =
          (ts.isImportDeclaration(statement) && !importsOnlyTypes(statement)) ||
          (ts.isExportDeclaration(statement) && !statement.isTypeOnly)
            ? statement.moduleSpecifier
            : undefined;
        if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
        const base = path.resolve(path.dirname(file), specifier.text);
        const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
        if (resolved) visit(resolved);
      }
    };
    visit(entry);
    return seen;
  }

  function importsOnlyTypes(statement: ts.ImportDeclaration): boolean {
    const clause = statement.importClause;
    if (!clause) return false;
    if (clause.isTypeOnly) return true;
    const named = clause.namedBindings;
    return (
      !clause.name &&
      named !== undefined &&
      ts.isNamedImports(named) &&
      named.elements.length > 0 &&
      named.elements.every((e) => e.isTypeOnly)
    );
  }

  /** The rollout's own schema modules: its options, shards, gates, notifications, windows, ramp and leases. */
  const rolloutModules = [
    'common/rollout.ts',
    'common/rollout-ops.ts',
    'common/rollout-shards.ts',
    'common/gates/index.ts',
    'common/notify/index.ts',
    'common/windows/index.ts',
    'common/ramp.ts',
    'common/lease.ts',
  ];

  it('no procedure workflow on a host imports the rollout options, shards, gates, notify, windows, ramp or lease modules', () => {
    const hostWorkflows = Object.values(procedures)
      .filter((p) => p.target === 'esxi')
      .map((p) => p.workflowType);
    const files = fs
      .readdirSync(path.join(repoRoot, 'workflows', 'host'))
      .map((f) => path.join(repoRoot, 'workflows', 'host', f))
      .filter((f) =>
        hostWorkflows.some((w) => fs.readFileSync(f, 'utf8').includes(`export async function ${w}(`)),
      );
    assert.equal(files.length, hostWorkflows.length, 'every host workflow found by its exported function');
    for (const file of files) {
      const reached = [...runtimeImports(file)].map((f) => path.relative(repoRoot, f));
      assert.deepEqual(
        rolloutModules.filter((m) => reached.includes(m)),
        [],
        `${path.relative(repoRoot, file)} builds the rollout's schemas`,
      );
    }
  });
});
