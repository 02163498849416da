import type {
  EndpointCredential,
  EndpointCredentialProblem,
  VcenterField,
} from '../../common/credential-check';
import { vcenterRefSchema, type VcenterRef } from '../../common/vcenter-schemas';
import type { Govc } from './govc';
import { VcenterError } from './govc-run';

// The vCenter half of the worker's credential check (issue #14): for each distinct vCenter the hosts
// name, the worker reads the password under its credential policy, checks the pinned thumbprint, logs
// in and lists the hosts once; a host the vCenter does not know is a problem of that host. Only
// reasons leave the worker (govc-run.ts masks the password in govc's messages).

const VCENTER_FIELDS: readonly string[] = [
  'vcenter',
  'vcenter.url',
  'vcenter.thumbprint',
  'vcenter.credential',
  'vcenter.credential.env',
  'vcenter.credential.path',
] satisfies VcenterField[];

export type GovcConnect = (vcenter: VcenterRef) => Govc;

export async function checkVcenters(
  endpoints: readonly EndpointCredential[],
  connect: GovcConnect,
): Promise<EndpointCredentialProblem[]> {
  const byVcenter = new Map<string, { vcenter: unknown; hosts: string[] }>();
  for (const e of endpoints) {
    if (e.vcenter === undefined) continue;
    const key = JSON.stringify(e.vcenter);
    const group = byVcenter.get(key) ?? { vcenter: e.vcenter, hosts: [] };
    group.hosts.push(e.endpoint);
    byVcenter.set(key, group);
  }
  const problems: EndpointCredentialProblem[] = [];
  for (const { vcenter, hosts } of byVcenter.values()) {
    for (const p of await checkOneVcenter(vcenter, hosts, connect)) problems.push(p);
  }
  return problems;
}

async function checkOneVcenter(
  value: unknown,
  hosts: readonly string[],
  connect: GovcConnect,
): Promise<EndpointCredentialProblem[]> {
  // Anything may start a workflow: a vCenter that is not one is reported, not a crash.
  const parsed = vcenterRefSchema.safeParse(value);
  if (!parsed.success)
    return hosts.map((endpoint) => ({
      endpoint,
      field: 'vcenter',
      reason: 'is not a vCenter reference (url, username, credential, thumbprint)',
    }));
  const vcenter = parsed.data;
  try {
    const known = new Set((await connect(vcenter).hosts()).map((h) => h.name));
    return hosts
      .filter((h) => !known.has(h))
      .map((endpoint) => ({
        endpoint,
        field: 'vcenter' as const,
        reason: `vCenter ${vcenter.url} has no host named ${endpoint}`,
      }));
  } catch (err) {
    const field =
      err instanceof VcenterError && VCENTER_FIELDS.includes(err.field ?? '') ? err.field : 'vcenter';
    const reason =
      err instanceof VcenterError
        ? err.message
        : `vCenter ${vcenter.url} cannot be checked: ${(err as Error).message ?? String(err)}`;
    return hosts.map((endpoint) => ({ endpoint, field: field as VcenterField, reason }));
  }
}
