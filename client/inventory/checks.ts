import { formatPath, type PathSegment } from '../zod-reason';
import { desiredReferenceProblems } from './desired';
import { asArray, asRecord, asString, rawEndpoints, rawNamedTargets, type RawRecord } from './raw';

// Rules that span fields: names unique across the whole inventory (they become workflow IDs),
// endpoints unique, required fields satisfied either locally or by `defaults`, pinned host keys,
// and guest pairs referring to clusters that exist.

export interface CheckProblem {
  path: PathSegment[];
  message: string;
}

export interface CheckOptions {
  /** Accept endpoints without hostKey (scan-keys does, to pin them). */
  allowUnpinnedHostKeys: boolean;
  /** The inventory file as given, for the suggested command. */
  file: string;
}

const DEFAULT_PORT = 22;

const KIND_WORDS = { esxi: 'host', switch: 'switch', guest: 'guest' } as const;

export function crossFieldProblems(root: RawRecord, opts: CheckOptions): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const defaults = asRecord(root.defaults) ?? {};
  const endpoints = rawEndpoints(root);

  if (endpoints.length === 0 && asArray(root.guestPairs).length === 0) {
    problems.push({
      path: [],
      message: 'lists no ESXi hosts, switches or guest pairs (add clusters, switches or guestPairs)',
    });
  }

  for (const e of endpoints) {
    if (e.value.username === undefined && defaults.username === undefined)
      problems.push({
        path: [...e.path, 'username'],
        message: 'is required (set it here or in defaults.username)',
      });
    if (e.value.credential === undefined && defaults.credential === undefined)
      problems.push({
        path: [...e.path, 'credential'],
        message: 'is required (set it here or in defaults.credential)',
      });
    if (e.value.hostKey === undefined && !opts.allowUnpinnedHostKeys)
      problems.push({
        path: [...e.path, 'hostKey'],
        message:
          `is required: the ${KIND_WORDS[e.kind]}'s SSH host key must be pinned ` +
          `(run \`ibfleet inventory scan-keys -i ${opts.file} --write\`; set allowUnpinnedHostKeys: true only to load it for that)`,
      });
  }

  const names = new Map<string, PathSegment[]>();
  for (const t of rawNamedTargets(root)) {
    const first = names.get(t.name);
    if (first)
      problems.push({
        path: [...t.path, 'name'],
        message: `duplicate name "${t.name}" (also at ${formatPath(first)})`,
      });
    else names.set(t.name, t.path);
  }

  const clusterNames = new Map<string, PathSegment[]>();
  asArray(root.clusters).forEach((c, ci) => {
    const name = asString(asRecord(c)?.name);
    if (name === undefined) return;
    const first = clusterNames.get(name);
    if (first)
      problems.push({
        path: ['clusters', ci, 'name'],
        message: `duplicate cluster name "${name}" (also at ${formatPath(first)})`,
      });
    else clusterNames.set(name, ['clusters', ci]);
  });

  const defaultPort = typeof defaults.port === 'number' ? defaults.port : DEFAULT_PORT;
  const endpointsSeen = new Map<string, { path: PathSegment[]; name: string }>();
  for (const e of endpoints) {
    const address = asString(e.value.address);
    if (address === undefined) continue;
    const port = typeof e.value.port === 'number' ? e.value.port : defaultPort;
    const key = `${address.toLowerCase()}:${port}`;
    const first = endpointsSeen.get(key);
    const name = asString(e.value.name) ?? '?';
    if (first)
      problems.push({
        path: [...e.path, 'address'],
        message: `duplicate endpoint ${address}:${port} (also ${first.name} at ${formatPath(first.path)})`,
      });
    else endpointsSeen.set(key, { path: e.path, name });
  }

  // A host override names a host of its own cluster (a typo would silently leave that host on the cluster's state).
  asArray(root.clusters).forEach((c, ci) => {
    const cluster = asRecord(c);
    const overrides = asRecord(asRecord(cluster?.desired)?.hostOverrides);
    if (!cluster || !overrides) return;
    const hosts = asArray(cluster.hosts)
      .map((h) => asString(asRecord(h)?.name))
      .filter((n) => n !== undefined);
    for (const name of Object.keys(overrides))
      if (!hosts.includes(name))
        problems.push({
          path: ['clusters', ci, 'desired', 'hostOverrides', name],
          message: `names no host of cluster "${asString(cluster.name) ?? '?'}" (hosts: ${hosts.join(', ')})`,
        });
  });

  asArray(root.guestPairs).forEach((p, pi) => {
    const cluster = asString(asRecord(p)?.cluster);
    if (cluster !== undefined && clusterNames.size > 0 && !clusterNames.has(cluster))
      problems.push({
        path: ['guestPairs', pi, 'cluster'],
        message: `names no cluster of this inventory: "${cluster}" (clusters: ${[...clusterNames.keys()].join(', ')})`,
      });
  });

  // The switches and guest pairs a cluster's desired state names (client/inventory/desired.ts).
  problems.push(...desiredReferenceProblems(root));

  return problems;
}
