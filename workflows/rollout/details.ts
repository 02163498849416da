import type { RolloutProgress } from '../../common/rollout';
import { activeHosts } from './progress';
import type { Rollout } from './state';

// The rollout as the Temporal UI shows it under "current details": counts, budget, the hosts in
// flight and the problems (each list bounded), and what the operator can do next.

const MAX_IN_FLIGHT_ROWS = 25;
const MAX_PROBLEM_ROWS = 20;

export function currentDetails(rollout: Rollout, p: RolloutProgress): string {
  const { rolloutId, procedure } = rollout.config;
  const c = p.counts;
  const done = c.succeeded + c.failed + c['needs-attention'] + c.skipped + c.cancelled;
  const lines = [
    `**${procedure}** rollout \`${rolloutId}\` — **${p.phase}** — ${done}/${p.total} done` +
      (p.shards !== undefined ? ` (${p.shards} shards)` : ''),
    '',
    '| pending | running | succeeded | failed | needs attention | skipped | cancelled | budget |',
    '|---|---|---|---|---|---|---|---|',
    `| ${c.pending} | ${c.running} | ${c.succeeded} | ${c.failed} | ${c['needs-attention']} | ${c.skipped} | ${c.cancelled} | ${p.budget.used}/${p.budget.allowed} |`,
  ];
  const hosts = p.hostsListed === 'active' ? p.hosts : activeHosts(rollout);
  const inFlight = hosts.filter((h) => h.phase === 'running').slice(0, MAX_IN_FLIGHT_ROWS);
  if (inFlight.length > 0) {
    lines.push('', '| in flight | cluster | since |', '|---|---|---|');
    for (const h of inFlight) lines.push(`| ${h.name} | ${h.cluster} | ${h.startedAt ?? ''} |`);
  }
  const problems = hosts
    .filter((h) => h.phase === 'failed' || h.phase === 'needs-attention')
    .slice(0, MAX_PROBLEM_ROWS);
  if (problems.length > 0) {
    lines.push('', '| problem | phase | reason |', '|---|---|---|');
    for (const h of problems)
      lines.push(`| ${h.name} | ${h.phase} | ${(h.reason ?? '').replace(/\|/g, '/').slice(0, 160)} |`);
  }
  if (p.phase === 'awaiting-approval')
    lines.push('', `Canary done: approve with \`ibfleet rollout approve ${rolloutId}\``);
  else if (p.waitingFor && p.phase === 'running') lines.push('', `Waiting: ${p.waitingFor}`);
  if (p.operations?.length) lines.push('', ...p.operations.map((o) => `- ${o}`));
  return lines.join('\n');
}
