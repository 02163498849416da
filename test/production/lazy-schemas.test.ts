import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as desiredState from '../../common/desired-state';
import { procedures, type ProcedureInput, type ProcedureName } from '../../common/procedures';
import * as params from '../../common/procedures/params';
import type { HostRef } from '../../common/targets';

// Issue #15: every cached workflow keeps its own instance of the modules it imports, so a schema built
// at module load costs every host workflow its heap. The procedures' params and the desired state's
// schemas are built on first use (common/lazy.ts): a host workflow builds only its own procedure's. A
// child process per case, for fresh module instances. The memory itself: bench/workflow-heap.ts.

const repoRoot = path.resolve(__dirname, '..', '..');

const host: HostRef = {
  kind: 'esxi',
  name: 'esx-lazy-01',
  address: '127.0.0.1',
  port: 22,
  username: 'root',
  hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  credential: { type: 'password-env', env: 'IBFLEET_PASSWORD' },
  cluster: 'gpu-a',
  tags: [],
};

/** The schemas built by a host workflow's modules when loaded, and once its input is validated. */
function schemasBuilt(
  workflowFile: string,
  procedure: ProcedureName,
  given: Record<string, unknown>,
): { afterImport: string[]; planModules: string[]; afterValidate: string[] } {
  const input: ProcedureInput = { procedure, target: host, params: given, options: {} as never };
  const run = spawnSync(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      path.join(__dirname, 'lazy-schemas-child.ts'),
      path.join(repoRoot, 'workflows', 'host', workflowFile),
      procedure,
      JSON.stringify(input),
    ],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { afterImport: string[]; planModules: string[]; afterValidate: string[] };
}

describe('host workflows build only the schemas they use (issue #15)', () => {
  it('every params and desired-state schema is built on first use', () => {
    const lazies = Object.entries({ ...params, ...desiredState }).filter(([name]) =>
      /(Schema|Shape)$/.test(name),
    );
    assert.equal(lazies.length, 13, lazies.map(([name]) => name).join(', '));
    for (const [name, value] of lazies)
      assert.equal(typeof (value as { built?: unknown }).built, 'boolean', `${name} is built on first use`);
  });

  it('every host procedure workflow builds its own params schema only, none of converge, and loads no dry-run plan', () => {
    const hostProcedures = Object.entries(procedures)
      .filter(([name, p]) => p.target === 'esxi' && name !== 'converge')
      .map(([name]) => name as ProcedureName);
    assert.equal(hostProcedures.length, 5);
    for (const procedure of hostProcedures)
      assert.deepEqual(
        schemasBuilt(`${procedure}.ts`, procedure, {}),
        {
          afterImport: [],
          planModules: [],
          afterValidate: [`${procedure.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}ParamsSchema`],
        },
        procedure,
      );
  });

  it('a converge workflow builds the desired state of a cluster, not the fabric, bandwidth gate or other params', () => {
    const given = { clusters: { 'gpu-a': { mode: 'sriov', numVfs: 8, maxVfs: 4 } } };
    assert.deepEqual(schemasBuilt('converge.ts', 'converge', given), {
      afterImport: [],
      planModules: [],
      afterValidate: [
        'convergeParamsSchema',
        'desiredClusterSchema',
        'desiredClusterShape',
        'desiredHostOverrideSchema',
      ],
    });
  });

  it('the catalog gives the same params schema on every read', () => {
    assert.equal(procedures.converge.params, procedures.converge.params);
    assert.equal(procedures.preflight.params, params.preflightParamsSchema());
  });
});
