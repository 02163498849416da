import { DefaultLogger, Runtime } from '@temporalio/worker';
import { TEST_CREDENTIAL_POLICY_ENV } from './credential-policy-env';
import { teardownTestEnv } from './temporal-env';

// Workers started by tests may read the keys tests generate (see credential-policy-env.ts).
Object.assign(process.env, TEST_CREDENTIAL_POLICY_ENV);

// Workers in tests log errors only (expected failures log as WARN); IBFLEET_TEST_LOG=WARN or INFO shows more.
Runtime.install({
  logger: new DefaultLogger((process.env.IBFLEET_TEST_LOG as 'INFO' | 'WARN' | undefined) ?? 'ERROR'),
});

// Mocha root hooks: stop the shared dev server once, after every test file has run.
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await teardownTestEnv();
  },
};
