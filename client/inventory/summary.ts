import type { CredentialRef } from '../../common/targets';
import { isPinned, type Inventory } from './types';

// `inventory check`: what the inventory holds, in a few lines.

function tagCounts(tags: string[][]): string {
  const counts = new Map<string, number>();
  for (const list of tags) for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t}(${n})`).join(' ');
}

function credentialKinds(creds: CredentialRef[]): string {
  const counts = new Map<string, number>();
  for (const c of creds) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t} ${n}`).join(', ');
}

export function summarizeInventory(inv: Inventory, fileAsGiven: string): string[] {
  const lines: string[] = [];
  const guests = inv.guestPairs.flatMap((p) => [p.server, p.client]);
  const endpoints = [...inv.hosts, ...inv.switches, ...guests];
  lines.push(`${fileAsGiven}: valid (version 1), ${endpoints.length} SSH endpoint(s)`);
  lines.push(`clusters: ${inv.clusters.length}, ESXi hosts: ${inv.hosts.length}`);
  const nameW = Math.max(0, ...inv.clusters.map((c) => c.name.length));
  for (const c of inv.clusters) {
    const tags = tagCounts(c.hosts.map((h) => h.tags));
    lines.push(`  ${c.name.padEnd(nameW)}  ${c.hosts.length} host(s)${tags ? `  tags: ${tags}` : ''}`);
  }
  lines.push(
    `switches: ${inv.switches.length}${inv.switches.length ? ` (${inv.switches.map((s) => s.name).join(', ')})` : ''}`,
  );
  lines.push(`guest pairs: ${inv.guestPairs.length}`);
  for (const p of inv.guestPairs)
    lines.push(
      `  ${p.name}: ${p.server.name} (server, ${p.server.dataAddress}) <- ${p.client.name}${p.cluster ? `, cluster ${p.cluster}` : ''}`,
    );
  lines.push(`credentials: ${credentialKinds(endpoints.map((e) => e.credential))}`);
  const unpinned = endpoints.filter((e) => !isPinned(e));
  if (unpinned.length === 0) lines.push('host keys: all pinned');
  else {
    const names = unpinned.map((e) => e.name);
    const shown = names.length > 10 ? `${names.slice(0, 10).join(', ')}, ...` : names.join(', ');
    lines.push(`host keys: ${unpinned.length} NOT pinned (${shown}); rollouts refuse these targets`);
    lines.push(`  pin them with: ibfleet inventory scan-keys -i ${fileAsGiven} --write`);
  }
  return lines;
}
