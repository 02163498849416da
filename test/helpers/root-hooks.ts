import { DefaultLogger, Runtime } from '@temporalio/worker';
import { teardownTestEnv } from './temporal-env';

// Workers in tests log warnings and errors only; set IBFLEET_TEST_LOG=INFO to see more.
Runtime.install({
  logger: new DefaultLogger((process.env.IBFLEET_TEST_LOG as 'INFO' | undefined) ?? 'WARN'),
});

// Mocha root hooks: stop the shared dev server once, after every test file has run.
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await teardownTestEnv();
  },
};
