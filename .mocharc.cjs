// Tests run TypeScript directly through tsx; the root hook starts one Temporal dev server per run.
module.exports = {
  require: ['tsx/cjs', 'test/helpers/root-hooks.ts'],
  extension: ['ts'],
  spec: ['test/**/*.test.ts'],
  timeout: 120000,
  slow: 5000,
  exit: true,
};
