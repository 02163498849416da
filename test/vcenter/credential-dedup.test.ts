import assert from 'node:assert/strict';
import type { TemporalAccess } from '../../client/deps';
import { checkCredentialsOnWorker } from '../../client/rollout/worker-credential-check';
import type { EndpointCredential, EndpointCredentialProblem } from '../../common/credential-check';
import type { VcenterRef } from '../../common/vcenter-schemas';

// Issue #14: above 2,000 endpoints the CLI sends each distinct SSH credential reference once, but every
// host that has a vCenter is sent itself, so the worker asks vCenter about each by name and a host
// vCenter does not know is refused before the rollout starts (not only by the rollout's own precheck).

const VCENTER: VcenterRef = {
  url: 'https://vc.example.com/sdk',
  username: 'administrator@vsphere.local',
  credential: { type: 'password-env', env: 'IBFLEET_VCENTER_PASSWORD' },
  thumbprint: Array.from({ length: 32 }, () => 'AB').join(':'),
};

describe('vCenter: the credential check of a large fleet', () => {
  it('sends every host with a vCenter, and each SSH reference of the others once', async () => {
    const endpoints: EndpointCredential[] = Array.from({ length: 3_000 }, (_, i) => ({
      endpoint: `esx-${String(i).padStart(4, '0')}`,
      credential: { type: 'private-key', path: '/etc/ibfleet/keys/id_ed25519' },
      ...(i < 1_000 ? { vcenter: VCENTER } : {}),
    }));
    const unknown = 'esx-0999';
    let asked: EndpointCredential[] = [];
    const temporal = {
      namespace: 'default',
      close: () => Promise.resolve(),
      client: {
        workflow: {
          execute: (_type: string, options: { args: [{ endpoints: EndpointCredential[] }] }) => {
            asked = options.args[0].endpoints;
            const problems: EndpointCredentialProblem[] = asked
              .filter((e) => e.endpoint === unknown)
              .map((e) => ({
                endpoint: e.endpoint,
                field: 'vcenter',
                reason: `vCenter has no host named ${e.endpoint}`,
              }));
            return Promise.resolve({ problems, distinctReferences: 1 });
          },
        },
      },
    } as unknown as TemporalAccess;
    const problems = await checkCredentialsOnWorker(temporal, endpoints, 'vcenter-dedup');
    assert.equal(asked.filter((e) => e.vcenter).length, 1_000, 'each host with a vCenter');
    assert.equal(asked.filter((e) => !e.vcenter).length, 1, 'one host per SSH reference for the others');
    assert.deepEqual(
      problems.map((p) => [p.endpoint, p.field]),
      [[unknown, 'vcenter']],
    );
  });
});
