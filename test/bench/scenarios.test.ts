import assert from 'node:assert/strict';
import { PROCEDURE_WORK } from '../../bench/lower-bound';
import { rolloutParams, rolloutsOf, scenarios, SCALE_HOSTS, type Scenario } from '../../bench/scenarios';
import { procedures } from '../../common/procedures';

// The benchmark's scenario definitions are valid (the benchmark itself is not part of npm test): every
// rollout's parameters pass the procedure's own schema, the lower bound knows every procedure, and the
// scale scenario follows --hosts.

const both = (): [string, Scenario[]][] => [
  ['full', scenarios(false)],
  ['quick', scenarios(true)],
];

describe('bench: scenario definitions', () => {
  it('numbers scenarios 1-7 once each, in both modes', () => {
    for (const [mode, list] of both())
      assert.deepEqual(
        list.map((s) => s.id),
        [1, 2, 3, 4, 5, 6, 7],
        mode,
      );
  });

  it('gives every rollout parameters its procedure accepts, and a lower-bound model', () => {
    for (const [mode, list] of both())
      for (const s of list)
        for (const r of [...rolloutsOf(s), ...(s.compareWith?.rollouts ?? [])]) {
          const params = rolloutParams(r, ['cluster-01', 'cluster-02']);
          const parsed = procedures[r.procedure].params.safeParse(params);
          assert.ok(
            parsed.success,
            `${mode} scenario ${s.id} ${r.procedure}: ${JSON.stringify(parsed.error?.issues)}`,
          );
          assert.ok(PROCEDURE_WORK[r.procedure], `${r.procedure} has no PROCEDURE_WORK entry`);
        }
  });

  it('sends converge the declared state of every cluster of the fleet, once per cluster', () => {
    const seven = scenarios(false).find((s) => s.id === 7);
    assert.ok(seven);
    const params = rolloutParams(rolloutsOf(seven)[0], ['cluster-01', 'cluster-01', 'cluster-02']) as {
      clusters: Record<string, { mode: string; numVfs: number; maxVfs: number }>;
    };
    assert.deepEqual(Object.keys(params.clusters), ['cluster-01', 'cluster-02']);
    assert.equal(params.clusters['cluster-01'].mode, 'sriov');
    // The single procedures it is compared with set the same values.
    assert.deepEqual(seven.compareWith?.rollouts[1].params, {
      numVfs: params.clusters['cluster-01'].numVfs,
      maxVfs: params.clusters['cluster-01'].maxVfs,
    });
  });

  it('has sane sizes, VM ranges and worker counts', () => {
    for (const [mode, list] of both())
      for (const s of list) {
        const where = `${mode} scenario ${s.id}`;
        assert.ok(s.hosts >= 1 && s.clusters >= 1 && s.clusters <= s.hosts, where);
        assert.ok(s.maxParallel >= 1, where);
        assert.ok((s.workers ?? 1) >= 1, where);
        if (s.vms) {
          assert.ok(s.vms.perHost[0] >= 1 && s.vms.perHost[0] <= s.vms.perHost[1], where);
          assert.ok(
            s.vms.shutdownSeconds[0] > 0 && s.vms.shutdownSeconds[0] <= s.vms.shutdownSeconds[1],
            where,
          );
        }
      }
  });

  it('sizes the scale scenario by --hosts (10,000 by default) and leaves the others alone', () => {
    assert.equal(scenarios(false).find((s) => s.id === 5)?.hosts, SCALE_HOSTS);
    const sized = scenarios(false, 2_500);
    assert.equal(sized.find((s) => s.id === 5)?.hosts, 2_500);
    assert.equal(sized.find((s) => s.id === 5)?.workers, 2);
    assert.deepEqual(
      sized.filter((s) => s.id !== 5),
      scenarios(false).filter((s) => s.id !== 5),
    );
  });
});
