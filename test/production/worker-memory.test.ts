import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { procedures } from '../../common/procedures';
import {
  DEFAULT_MEMORY_BUDGET_MB,
  heapFlagToAdd,
  maxOldSpaceSizeMb,
  MEMORY_BUDGET_VAR,
  MemoryBudgetError,
  PROCESS_OVERHEAD_MB,
  workerMemoryFromEnv,
} from '../../worker/memory-budget';

// Issue #15: the worker keeps within a memory budget by itself (IBFLEET_WORKER_MEMORY_MB → its heap
// limit and workflow cache), and a host workflow builds only the schemas it needs. Settings and module
// structure only; the memory itself is measured by worker/measure-rss.ts, never asserted here.

const repoRoot = path.resolve(__dirname, '..', '..');

describe('worker memory budget (issue #15)', () => {
  it('derives the heap limit and the workflow cache from IBFLEET_WORKER_MEMORY_MB, 400 MB by default', () => {
    assert.deepEqual(workerMemoryFromEnv({}, []), {
      source: 'default',
      budgetMb: DEFAULT_MEMORY_BUDGET_MB,
      heapMb: DEFAULT_MEMORY_BUDGET_MB - PROCESS_OVERHEAD_MB,
      maxCachedWorkflows: 250,
    });
    assert.deepEqual(workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: ' 1300 ' }, []), {
      source: 'budget',
      budgetMb: 1300,
      heapMb: 1150,
      maxCachedWorkflows: 1150,
    });
    // The budget wins over a heap flag in NODE_OPTIONS; without it, Node's flag is kept.
    assert.equal(
      workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: '600', NODE_OPTIONS: '--max-old-space-size=900' }, [])
        .heapMb,
      450,
    );
    assert.deepEqual(workerMemoryFromEnv({ NODE_OPTIONS: '--inspect --max-old-space-size=900' }, []), {
      source: 'node-options',
      heapMb: 900,
      maxCachedWorkflows: 900,
    });
    assert.equal(workerMemoryFromEnv({}, ['--max_old_space_size=256']).heapMb, 256);
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
        () => workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: value }, []),
        (err: unknown) =>
          err instanceof MemoryBudgetError &&
          err.message.startsWith(`${MEMORY_BUDGET_VAR}: `) &&
          reason.test(err.message),
        value,
      );
    }
  });

  it('relaunches with the derived --max-old-space-size unless the process already runs with it or Node set one', () => {
    const budget = workerMemoryFromEnv({ [MEMORY_BUDGET_VAR]: '500' }, []);
    assert.equal(heapFlagToAdd(budget, []), '--max-old-space-size=350');
    assert.equal(heapFlagToAdd(budget, ['--require', 'tsx/cjs', '--max-old-space-size=350']), undefined);
    assert.equal(heapFlagToAdd(budget, ['--max-old-space-size=4096']), '--max-old-space-size=350');
    assert.equal(
      heapFlagToAdd(workerMemoryFromEnv({ NODE_OPTIONS: '--max-old-space-size=700' }, []), []),
      undefined,
    );
    assert.equal(maxOldSpaceSizeMb(['--max-old-space-size=1', '--max-old-space-size=2']), 2);
    assert.equal(maxOldSpaceSizeMb(['--max-semi-space-size=16']), undefined);
  });

  it('docker-compose passes the budget (the worker default) and no heap flag of its own', () => {
    const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    const env = compose.services['ibfleet-worker'].environment ?? {};
    assert.equal(env[MEMORY_BUDGET_VAR], `\${${MEMORY_BUDGET_VAR}:-${DEFAULT_MEMORY_BUDGET_MB}}`);
    assert.equal(env.NODE_OPTIONS, undefined);
  });

  it('the worker exits 2 naming IBFLEET_WORKER_MEMORY_MB before it connects anywhere', () => {
    const run = spawnSync(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(repoRoot, 'worker', 'main.ts')],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, [MEMORY_BUDGET_VAR]: 'lots', TEMPORAL_ADDRESS: '127.0.0.1:1' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^error: IBFLEET_WORKER_MEMORY_MB: must be a whole number of megabytes/m);
  });
});

describe('worker relaunch (issue #15)', () => {
  /** Starts relaunch-child.ts; resolves with the relaunched process's pid once it runs. */
  async function launch(): Promise<{ launcher: ChildProcess; workerPid: number; output: () => string }> {
    const launcher = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(__dirname, 'relaunch-child.ts')],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    const workerPid = await new Promise<number>((resolve, reject) => {
      launcher.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /relaunched (\d+) heap 300/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      launcher.once('exit', (code) => reject(new Error(`launcher exited ${code}: ${out}`)));
    });
    return { launcher, workerPid, output: () => out };
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  async function gone(pid: number): Promise<void> {
    for (;;) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('runs the worker with the heap flag, passes SIGTERM on once and exits as it exits', async () => {
    const { launcher, workerPid, output } = await launch();
    assert.notEqual(workerPid, launcher.pid);
    const code = exited(launcher);
    launcher.kill('SIGTERM');
    assert.equal(await code, 0);
    assert.equal(output().match(/relaunched got SIGTERM/g)?.length, 1);
    await gone(workerPid);
  });

  it('takes the worker with it when it is killed (SIGKILL)', async () => {
    const { launcher, workerPid, output } = await launch();
    launcher.kill('SIGKILL');
    await gone(workerPid); // the test times out if the worker outlives its launcher
    assert.doesNotMatch(output(), /got SIGTERM/);
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
