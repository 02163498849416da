import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { checkCredentialsAndVcenters } from '../../activities/credential-check';
import { credentialPolicyFromEnv } from '../../activities/ssh/credential-policy';
import { CredentialResolver } from '../../activities/ssh/credentials';
import { Govc } from '../../activities/vcenter/govc';
import type { TemporalFactory } from '../../client/deps';
import type { CredentialCheckInput } from '../../common/credential-check';
import { rolloutWorkflowId } from '../../common/targets';
import type { VcenterRef } from '../../common/vcenter-schemas';
import { harness, tempDir } from '../client/harness';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { startVcenterFleet, type VcenterFleet } from './vcenter-fleet';

// Issue #14 at the CLI: `rollout start` asks the worker, which logs in to each vCenter the hosts name;
// a wrong thumbprint or a host the vCenter does not know is exit 2 naming host and field, and no
// rollout starts. (The CLI sends one host per distinct SSH credential reference, so it names an
// unknown host only when that host is the one sent; the rollout's own first step checks every host.)

const KEY = 'SHA256:' + 'A'.repeat(43);

describe('vCenter: rollout start refuses bad vCenter inputs before any host is touched', function () {
  this.timeout(180_000);
  const tmp = tempDir();
  let vf: VcenterFleet;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  let policyEnv: Record<string, string>;
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  const connect: TemporalFactory = () =>
    Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
  const asked: CredentialCheckInput[] = [];

  function inventory(name: string, vcenter: VcenterRef, hosts: string[]): string {
    const cred = vcenter.credential.type === 'password-file' ? vcenter.credential.path : '';
    return tmp.write(
      `${name}.yaml`,
      `version: 1
defaults:
  username: root
  credential: { type: password-env, env: IBFLEET_SSH_PASSWORD }
vcenter:
  url: ${vcenter.url}
  username: ${vcenter.username}
  credential: { type: password-file, path: ${cred} }
  thumbprint: "${vcenter.thumbprint}"
clusters:
  - name: gpu-a
    hosts:
${hosts.map((h, i) => `      - { name: ${h}, address: 10.0.0.${i + 1}, hostKey: "${KEY}" }`).join('\n')}
`,
    );
  }

  before(async () => {
    vf = await startVcenterFleet({
      hosts: 2,
      clusters: 1,
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 13,
      defaults: { cards: [{ model: 'ConnectX-7', ports: 2 }] },
    });
    const passwordFile = vf.ref.credential.type === 'password-file' ? vf.ref.credential.path : '';
    policyEnv = { IBFLEET_CREDENTIAL_KEY_DIRS: dirname(passwordFile) };
    const env = await testEnv();
    client = env.client;
    const taskQueue = uniqueTaskQueue('cli-vcenter');
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    const workerEnv = { IBFLEET_SSH_PASSWORD: 'pw-on-the-worker' };
    const policy = credentialPolicyFromEnv(policyEnv);
    const resolver = new CredentialResolver(workerEnv, policy);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/stub-rollout-workflows')),
      activities: {
        checkCredentials: (input: CredentialCheckInput) => {
          asked.push(input);
          return checkCredentialsAndVcenters(resolver, input, (v) => Govc.connect(v, workerEnv, policy));
        },
        // The stub procedures run in the real procedure frame, which first reads SSH through vCenter.
        vcenterSshState: () => Promise.resolve({ running: true, policy: 'on' }),
      },
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await vf?.stop();
    tmp.cleanup();
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  const cases: { name: string; file: () => string; expect: RegExp }[] = [
    {
      name: 'a wrong thumbprint',
      file: () =>
        inventory(
          'thumb',
          { ...vf.ref, thumbprint: vf.ref.thumbprint.replace(/^../, (p) => (p === 'AA' ? 'BB' : 'AA')) },
          ['esx-01'],
        ),
      expect: /hosts\[0\]\.vcenter\.thumbprint: esx-01: .*presented a certificate with SHA-256 thumbprint/,
    },
    {
      name: 'a host the vCenter does not know',
      file: () => inventory('unknown', vf.ref, ['esx-77']),
      expect: /hosts\[0\]\.vcenter: esx-77: vCenter .* has no host named esx-77/,
    },
  ];

  cases.forEach((c, i) =>
    it(`refuses ${c.name} (exit 2, host and field named, no rollout)`, async () => {
      const id = `vc-refused-${i}-${process.pid}`;
      const h = harness({ connectTemporal: connect, env: policyEnv });
      const before = asked.length;
      assert.equal(
        await h.run('rollout', 'start', 'recovery-cycle', '-i', c.file(), '--id', id),
        2,
        h.stderr(),
      );
      assert.equal(asked.length, before + 1, 'the worker was asked');
      assert.ok(asked[asked.length - 1].endpoints.every((e) => e.vcenter !== undefined));
      assert.match(h.stderr(), c.expect);
      assert.ok(!h.stderr().includes(vf.password));
      await assert.rejects(
        client.workflow.getHandle(rolloutWorkflowId(id)).describe(),
        WorkflowNotFoundError,
      );
    }),
  );

  it('starts when the vCenter and its hosts check out', async () => {
    const id = `vc-ok-${process.pid}`;
    const h = harness({ connectTemporal: connect, env: policyEnv });
    assert.equal(
      await h.run(
        'rollout',
        'start',
        'recovery-cycle',
        '-i',
        inventory('ok', vf.ref, ['esx-01', 'esx-02']),
        '--id',
        id,
      ),
      0,
      h.stderr(),
    );
    await client.workflow.getHandle(rolloutWorkflowId(id)).result();
  });
});
