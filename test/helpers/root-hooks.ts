import { DefaultLogger, Runtime } from '@temporalio/worker';
import { teardownTestEnv } from './temporal-env';

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
