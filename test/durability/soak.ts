import { teardownTestEnv, testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { runChaos, type ChaosSettings } from './chaos-scenario';

// `npm run soak`: the chaos scenario of test/durability/chaos.test.ts, bigger and longer (more hosts,
// more worker kills), on its own dev server. Not part of `npm test`. Settings from the environment:
//   SOAK_SEED (default 1), SOAK_HOSTS (120), SOAK_CLUSTERS (6), SOAK_PARALLEL (20), SOAK_KILLS (12),
//   SOAK_DROP (0.1), SOAK_SLOW_HOSTS (8), SOAK_DEADLINE_S (1800).
// Exit code 0 when every host was audited clean, 1 otherwise (each discrepancy is printed).

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

async function main(): Promise<number> {
  const seed = num('SOAK_SEED', 1);
  const settings: ChaosSettings = {
    seed,
    hosts: num('SOAK_HOSTS', 120),
    clusters: num('SOAK_CLUSTERS', 6),
    maxParallel: num('SOAK_PARALLEL', 20),
    perCluster: Math.ceil(num('SOAK_PARALLEL', 20) / 2),
    bootTimeMs: [200, 600],
    slowHosts: num('SOAK_SLOW_HOSTS', 8),
    slowBootMs: 4_000,
    drop: num('SOAK_DROP', 0.1),
    kills: num('SOAK_KILLS', 12),
    killAfterMs: [1_000, 6_000],
    restartAfterMs: [0, 2_000],
    deadlineMs: num('SOAK_DEADLINE_S', 1_800) * 1_000,
    namePrefix: `soak${process.pid}-`,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  };
  console.log(`soak: ${JSON.stringify({ ...settings, log: undefined })}`);
  const { client } = await testEnv();
  const started = Date.now();
  const outcome = await runChaos(client, uniqueTaskQueue('soak'), settings);
  const { counts } = outcome.report;
  console.log(
    `soak: ${outcome.report.phase} in ${Math.round((Date.now() - started) / 1000)}s, ${outcome.kills} worker kills, ` +
      `${counts.succeeded}/${outcome.report.total} hosts succeeded, slow hosts: ${outcome.slowHosts.join(', ')}`,
  );
  for (const p of outcome.problems) console.log(`PROBLEM ${p}`);
  console.log(
    outcome.problems.length === 0
      ? 'soak: every host audited clean'
      : `soak: ${outcome.problems.length} problem(s)`,
  );
  return outcome.problems.length === 0 ? 0 : 1;
}

void main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    return 1;
  })
  .then(async (code) => {
    await teardownTestEnv();
    process.exit(code);
  });
