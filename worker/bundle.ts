import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';

// `npm run bundle [-- OUT]`: prebuilds the workflow bundle (default dist/workflow-bundle.js) so a
// production worker starts without webpack; the worker loads it when IBFLEET_WORKFLOW_BUNDLE points at it.

export const DEFAULT_BUNDLE_PATH = path.join('dist', 'workflow-bundle.js');

/**
 * Bundler options every ibfleet workflow bundle is built with. zod is loaded once per worker thread and
 * shared by every workflow instead of being initialised again for each new workflow (CPU and about
 * 0.7 MB of heap per workflow; see preload-zod.ts for why it takes a module of ours). It is safe to
 * share: the SDK freezes preloaded modules, zod keeps no state per parse, and ibfleet never uses its
 * global registry or config. Our own schema modules are NOT preloaded: zod defines properties on schema
 * objects lazily, which a frozen schema would refuse.
 */
export const workflowBundlerOptions = { preloadModules: [require.resolve('./preload-zod')] };

/** The workflows of a production bundle, each loaded on first use (workflows.ts). */
export const WORKFLOWS_ENTRY = require.resolve('./workflows');

export interface BundleOptions {
  /** Default: ibfleet's workflows, each loaded on first use (workflows.ts). */
  workflowsPath?: string;
  logger?: Logger;
}

export async function writeWorkflowBundle(
  outFile: string,
  options: BundleOptions = {},
): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: options.workflowsPath ?? WORKFLOWS_ENTRY,
    logger: options.logger,
    ...workflowBundlerOptions,
  });
  const target = path.resolve(outFile);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Write then rename, so a worker never reads a half-written bundle.
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, code);
  fs.renameSync(temporary, target);
  return { path: target, bytes: Buffer.byteLength(code) };
}

if (require.main === module) {
  writeWorkflowBundle(process.argv[2] ?? DEFAULT_BUNDLE_PATH).then(
    ({ path: written, bytes }) => console.error(`workflow bundle written to ${written} (${bytes} bytes)`),
    (err: unknown) => {
      console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
