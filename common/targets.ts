import type { VcenterRef } from './vcenter-schemas';

// What workflows know about a machine they act on. Credentials are *references* (a key path, an
// environment variable name, the ssh-agent); the secret itself is resolved inside the worker only.

export type CredentialRef =
  | { type: 'private-key'; path: string; passphraseEnv?: string }
  | { type: 'agent'; socketEnv?: string }
  | { type: 'password-env'; env: string };

/** An SSH endpoint with its pinned host key ("SHA256:<base64>", as `ssh-keygen -lf` prints it). */
export interface SshEndpoint {
  name: string;
  address: string;
  port: number;
  username: string;
  hostKey: string;
  credential: CredentialRef;
}

export interface HostRef extends SshEndpoint {
  kind: 'esxi';
  cluster: string;
  tags: string[];
  /** The host's cluster runs vSAN (inventory `vsan: true` on the cluster). */
  vsan?: boolean;
  /** The vCenter managing the host's cluster (a credential reference, never the secret); issue #14. */
  vcenter?: VcenterRef;
}

export interface SwitchRef extends SshEndpoint {
  kind: 'switch';
  tags: string[];
}

/** A Linux guest VM with an IB device, used for perftest bandwidth checks. */
export interface GuestRef extends SshEndpoint {
  /** Address the perftest client connects to on this guest (IPoIB / data network). */
  dataAddress: string;
  ibDevice: string;
}

export interface GuestPairRef {
  kind: 'guest-pair';
  name: string;
  cluster?: string;
  tags: string[];
  server: GuestRef;
  client: GuestRef;
}

export type TargetRef = HostRef | SwitchRef | GuestPairRef;

/** Workflow IDs are derived from the target, so one procedure runs per target at a time. */
export function targetWorkflowId(target: Pick<TargetRef, 'kind' | 'name'>): string {
  switch (target.kind) {
    case 'esxi':
      return `ibfleet/host/${target.name}`;
    case 'switch':
      return `ibfleet/switch/${target.name}`;
    case 'guest-pair':
      return `ibfleet/pair/${target.name}`;
  }
}

export function rolloutWorkflowId(rolloutId: string): string {
  return `ibfleet/rollout/${rolloutId}`;
}

/** The grouping used for per-cluster limits: switches and guest pairs without a cluster form their own. */
export function targetCluster(target: TargetRef): string {
  switch (target.kind) {
    case 'esxi':
      return target.cluster;
    case 'switch':
      return `switch:${target.name}`;
    case 'guest-pair':
      return target.cluster ?? `pair:${target.name}`;
  }
}
