import { EXIT_INTERRUPTED } from './cli-error';
import { defaultDeps } from './deps';
import { runCli } from './program';

// Entry point of `ibfleet` (npm run ibfleet -- ..., or bin/ibfleet). Runs on load: bin/ibfleet
// requires this file, so there is no `require.main === module` guard.

const interrupt = new AbortController();
process.once('SIGINT', () => {
  // First Ctrl-C: stop watching cleanly (the rollout goes on). Second: leave at once.
  interrupt.abort();
  process.once('SIGINT', () => process.exit(EXIT_INTERRUPTED));
});

runCli(process.argv.slice(2), defaultDeps(interrupt.signal)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${String(err)}\n`);
    process.exitCode = 3;
  },
);
