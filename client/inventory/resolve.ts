import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { CredentialRef, GuestRef, HostRef, SshEndpoint, SwitchRef } from '../../common/targets';
import { formatPath, type PathSegment } from '../zod-reason';
import type { CredentialInput, EndpointInput, GuestInput, InventoryFile } from './schema';
import type { Inventory, InventoryEndpoint } from './types';
import type { VcenterRef } from '../../common/vcenter-schemas';

// From the validated file to target references: defaults applied, `~` expanded and key paths made
// absolute relative to the inventory's folder (so the worker does not depend on the CLI's cwd).

const DEFAULT_PORT = 22;

export interface ResolveContext {
  /** Absolute path of the inventory file. */
  file: string;
  homeDir?: string;
}

export function expandKeyPath(path: string, ctx: ResolveContext): string {
  const home = ctx.homeDir ?? homedir();
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(dirname(ctx.file), path);
}

function resolveCredential(c: CredentialInput, ctx: ResolveContext): CredentialRef {
  switch (c.type) {
    case 'private-key':
      return {
        type: 'private-key',
        path: expandKeyPath(c.path, ctx),
        ...(c.passphraseEnv ? { passphraseEnv: c.passphraseEnv } : {}),
      };
    case 'agent':
      return { type: 'agent', ...(c.socketEnv ? { socketEnv: c.socketEnv } : {}) };
    case 'password-env':
      return { type: 'password-env', env: c.env };
  }
}

/** A cluster's vCenter, its password file made absolute like key paths (none when `false`). */
function vcenterOf(v: VcenterRef | false | undefined, ctx: ResolveContext): { vcenter?: VcenterRef } {
  if (!v) return {};
  const credential =
    v.credential.type === 'password-file'
      ? { type: 'password-file' as const, path: expandKeyPath(v.credential.path, ctx) }
      : v.credential;
  return { vcenter: { ...v, credential } };
}

function uniqueTags(tags: string[] | undefined): string[] {
  return [...new Set(tags ?? [])];
}

/**
 * Assumes the cross-field checks passed (username and credential present here or in defaults;
 * hostKey present unless unpinned keys are allowed).
 */
export function resolveInventory(
  data: InventoryFile,
  ctx: ResolveContext,
  allowUnpinned: boolean,
): Inventory {
  const defaults = data.defaults ?? {};
  const endpoints: InventoryEndpoint[] = [];
  const targetPaths = new Map<string, string>();

  const endpoint = (e: EndpointInput, kind: InventoryEndpoint['kind'], path: PathSegment[]): SshEndpoint => {
    const username = e.username ?? defaults.username;
    const credential = e.credential ?? defaults.credential;
    if (username === undefined || credential === undefined)
      throw new Error(`unchecked endpoint at ${formatPath(path)}`);
    const resolved: SshEndpoint = {
      name: e.name,
      address: e.address,
      port: e.port ?? defaults.port ?? DEFAULT_PORT,
      username,
      hostKey: e.hostKey ?? '',
      credential: resolveCredential(credential, ctx),
    };
    endpoints.push({
      kind,
      name: resolved.name,
      address: resolved.address,
      port: resolved.port,
      hostKey: resolved.hostKey,
      yamlPath: path,
    });
    targetPaths.set(e.name, formatPath(path));
    return resolved;
  };

  const guest = (g: GuestInput, path: PathSegment[]): GuestRef => ({
    ...endpoint(g, 'guest', path),
    dataAddress: g.dataAddress,
    ibDevice: g.ibDevice,
  });

  const clusters = (data.clusters ?? []).map((c, ci) => {
    const vcenter = vcenterOf(c.vcenter ?? data.vcenter, ctx);
    return {
      name: c.name,
      hosts: c.hosts.map((h, hi): HostRef => ({
        kind: 'esxi',
        ...endpoint(h, 'esxi', ['clusters', ci, 'hosts', hi]),
        cluster: c.name,
        tags: uniqueTags(h.tags),
        ...(c.vsan ? { vsan: true } : {}),
        ...vcenter,
      })),
      ...(c.desired ? { desired: c.desired } : {}),
      ...vcenter,
      ...(c.maxUnavailable !== undefined ? { maxUnavailable: c.maxUnavailable } : {}),
    };
  });
  const switches = (data.switches ?? []).map((s, si): SwitchRef => ({
    kind: 'switch',
    ...endpoint(s, 'switch', ['switches', si]),
    tags: uniqueTags(s.tags),
  }));
  const guestPairs = (data.guestPairs ?? []).map((p, pi) => {
    targetPaths.set(p.name, formatPath(['guestPairs', pi]));
    return {
      kind: 'guest-pair' as const,
      name: p.name,
      ...(p.cluster !== undefined ? { cluster: p.cluster } : {}),
      tags: uniqueTags(p.tags),
      server: guest(p.server, ['guestPairs', pi, 'server']),
      client: guest(p.client, ['guestPairs', pi, 'client']),
    };
  });

  return {
    file: ctx.file,
    allowUnpinnedHostKeys: allowUnpinned,
    clusters,
    hosts: clusters.flatMap((c) => c.hosts),
    switches,
    guestPairs,
    endpoints,
    targetPaths,
  };
}
