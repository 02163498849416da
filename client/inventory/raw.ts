import type { PathSegment } from '../zod-reason';

// A tolerant walk over the parsed YAML, before or even without a successful schema parse, so the
// cross-field checks can report their problems together with the schema's.

export type RawRecord = Record<string, unknown>;
export type EndpointKind = 'esxi' | 'switch' | 'guest';

export interface RawEndpoint {
  kind: EndpointKind;
  path: PathSegment[];
  value: RawRecord;
  /** The cluster an ESXi host is listed under. */
  cluster?: string;
}

export interface RawNamed {
  path: PathSegment[];
  name: string;
}

export function asRecord(x: unknown): RawRecord | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as RawRecord) : undefined;
}

export function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

export function asString(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

/** Every SSH endpoint (ESXi host, switch, guest) in file order, with its YAML path. */
export function rawEndpoints(root: RawRecord): RawEndpoint[] {
  const out: RawEndpoint[] = [];
  asArray(root.clusters).forEach((c, ci) => {
    const cluster = asRecord(c);
    asArray(cluster?.hosts).forEach((h, hi) => {
      const value = asRecord(h);
      if (value)
        out.push({
          kind: 'esxi',
          path: ['clusters', ci, 'hosts', hi],
          value,
          cluster: asString(cluster?.name),
        });
    });
  });
  asArray(root.switches).forEach((s, si) => {
    const value = asRecord(s);
    if (value) out.push({ kind: 'switch', path: ['switches', si], value });
  });
  asArray(root.guestPairs).forEach((p, pi) => {
    const pair = asRecord(p);
    for (const role of ['server', 'client'] as const) {
      const value = asRecord(pair?.[role]);
      if (value) out.push({ kind: 'guest', path: ['guestPairs', pi, role], value });
    }
  });
  return out;
}

/** Everything whose name becomes a workflow ID: endpoints and guest pairs (one namespace). */
export function rawNamedTargets(root: RawRecord): RawNamed[] {
  const out: RawNamed[] = [];
  for (const e of rawEndpoints(root)) {
    const name = asString(e.value.name);
    if (name !== undefined) out.push({ path: e.path, name });
  }
  asArray(root.guestPairs).forEach((p, pi) => {
    const name = asString(asRecord(p)?.name);
    if (name !== undefined) out.push({ path: ['guestPairs', pi], name });
  });
  return out;
}
