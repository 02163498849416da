import { installRuntime } from '../../worker/runtime';

// Child process for runtime.test.ts: Runtime.install works once per process, and the mocha process
// already has a Runtime. Installs ibfleet's runtime, logs a few lines, and exits when stdin closes.

const runtime = installRuntime({
  metricsPort: Number(process.argv[2]),
  metricsHost: '127.0.0.1',
  logFormat: 'json',
  logLevel: 'INFO',
});
runtime.logger.debug('below the level, not printed');
runtime.logger.warn('with an error', { err: new Error('boom'), big: 12n, bytes: new Uint8Array(3) });
runtime.logger.info('child ready', { sdkComponent: 'worker' });
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
