// Tests run TypeScript directly through tsx; the root hook stops the shared Temporal dev server.
// The spec list is on the command line (package.json "test"), so `npx mocha test/x.test.ts` runs one file.
module.exports = {
  require: ['tsx/cjs', 'test/helpers/root-hooks.ts'],
  extension: ['ts'],
  timeout: 120000,
  slow: 5000,
  exit: true,
};
