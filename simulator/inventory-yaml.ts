import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { DEFAULT_KEY_DIRS } from '../activities/ssh/credential-policy';
import type { CredentialRef, GuestRef } from '../common/targets';
import type { VcenterRef } from '../common/vcenter-schemas';
import type { FleetInventory } from './fleet';

// Renders a fleet's inventory in the format of examples/inventory.example.yaml (paths relative to
// the inventory file).

const PLAIN = /^[A-Za-z0-9_./+@-][A-Za-z0-9_./+=:@-]*$/;

function scalar(value: string | number): string {
  if (typeof value === 'number') return String(value);
  // Quote what YAML would read as something else (numbers, booleans, null) or cannot be plain.
  if (
    !PLAIN.test(value) ||
    /^(true|false|yes|no|on|off|null|~|[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(e[-+]?[0-9]+)?)$/i.test(value)
  )
    return JSON.stringify(value);
  return value;
}

function relativePath(path: string, inventoryFile: string): string {
  const abs = isAbsolute(path) ? path : resolve(path);
  const rel = relative(dirname(resolve(inventoryFile)), abs);
  return rel.startsWith('..') ? rel : `./${rel}`;
}

function credentialLines(c: CredentialRef, file: string, indent: string): string[] {
  switch (c.type) {
    case 'private-key':
      return [
        `${indent}type: private-key`,
        `${indent}path: ${scalar(relativePath(c.path, file))}`,
        ...(c.passphraseEnv ? [`${indent}passphraseEnv: ${scalar(c.passphraseEnv)}`] : []),
      ];
    case 'password-env':
      return [`${indent}type: password-env`, `${indent}env: ${scalar(c.env)}`];
    case 'agent':
      return [`${indent}type: agent`, ...(c.socketEnv ? [`${indent}socketEnv: ${scalar(c.socketEnv)}`] : [])];
  }
}

/** The IBFLEET_CREDENTIAL_KEY_DIRS setting that lets a worker read keys from `dir` (besides the defaults). */
export function keyDirsSetting(dir: string): string {
  return `IBFLEET_CREDENTIAL_KEY_DIRS=${[...DEFAULT_KEY_DIRS, dir].join(',')}`;
}

function tags(list: string[]): string {
  return `[${list.map(scalar).join(', ')}]`;
}

function guestFlow(g: GuestRef): string {
  const fields: [string, string | number][] = [
    ['name', g.name],
    ['address', g.address],
    ['port', g.port],
    ['dataAddress', g.dataAddress],
    ['ibDevice', g.ibDevice],
    ['hostKey', g.hostKey],
    ['username', g.username],
  ];
  return `{ ${fields.map(([k, v]) => `${k}: ${scalar(v)}`).join(', ')} }`;
}

/** A `vcenter` section (the simulated vCenter of `npm run sim -- --vcenter`), global or a cluster's. */
function vcenterLines(v: VcenterRef, file: string, indent = ''): string[] {
  const c = v.credential;
  return [
    'vcenter:',
    `  url: ${scalar(v.url)}`,
    `  username: ${scalar(v.username)}`,
    '  credential:',
    `    type: ${c.type}`,
    c.type === 'password-env'
      ? `    env: ${scalar(c.env)}`
      : `    path: ${scalar(relativePath(c.path, file))}`,
    `  thumbprint: ${JSON.stringify(v.thumbprint)}`,
  ].map((line) => indent + line);
}

export function renderInventoryYaml(
  inv: FleetInventory,
  file: string,
  o: {
    vcenter?: VcenterRef;
    /** Only these clusters name the vCenter (the others are reached over SSH only); default: all. */
    vcenterClusters?: readonly string[];
  } = {},
): string {
  const credential =
    inv.hosts[0]?.credential ?? inv.switches[0]?.credential ?? inv.guestPairs[0]?.server.credential;
  const lines: string[] = [
    '# ibfleet inventory of a simulated fleet, written by `npm run sim`. Paths are relative to this file.',
  ];
  // Workers read keys only from the directories their operator allows (activities/ssh/credential-policy.ts).
  if (credential?.type === 'private-key')
    lines.push(
      `# The worker and the CLI must allow the key's directory: ${keyDirsSetting(dirname(resolve(credential.path)))}`,
    );
  lines.push('version: 1', 'defaults:', '  username: root');
  if (credential) lines.push('  credential:', ...credentialLines(credential, file, '    '));
  if (o.vcenter && !o.vcenterClusters) lines.push(...vcenterLines(o.vcenter, file));
  const clusters = [...new Set(inv.hosts.map((h) => h.cluster))];
  if (clusters.length) {
    lines.push('clusters:');
    for (const cluster of clusters) {
      lines.push(`  - name: ${scalar(cluster)}`);
      if (o.vcenter && o.vcenterClusters?.includes(cluster))
        lines.push(...vcenterLines(o.vcenter, file, '    '));
      lines.push('    hosts:');
      for (const h of inv.hosts.filter((x) => x.cluster === cluster)) {
        lines.push(
          `      - name: ${scalar(h.name)}`,
          `        address: ${scalar(h.address)}`,
          `        port: ${h.port}`,
          `        hostKey: ${scalar(h.hostKey)}`,
        );
        if (h.tags.length) lines.push(`        tags: ${tags(h.tags)}`);
      }
    }
  }
  if (inv.switches.length) {
    lines.push('switches:');
    for (const s of inv.switches) {
      lines.push(
        `  - name: ${scalar(s.name)}`,
        `    address: ${scalar(s.address)}`,
        `    port: ${s.port}`,
        `    username: ${scalar(s.username)}`,
        `    hostKey: ${scalar(s.hostKey)}`,
      );
      if (s.tags.length) lines.push(`    tags: ${tags(s.tags)}`);
    }
  }
  if (inv.guestPairs.length) {
    lines.push('guestPairs:');
    for (const p of inv.guestPairs) {
      lines.push(`  - name: ${scalar(p.name)}`);
      if (p.cluster) lines.push(`    cluster: ${scalar(p.cluster)}`);
      if (p.tags.length) lines.push(`    tags: ${tags(p.tags)}`);
      lines.push(`    server: ${guestFlow(p.server)}`, `    client: ${guestFlow(p.client)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
