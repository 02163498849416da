import { startDevServer } from '../scripts/dev-server';

// `npm run demo`: for now starts the persisted dev server, prints where the Web UI is, and stops.
async function main(): Promise<void> {
  const server = await startDevServer({ logFile: '.temporal/dev-server.log' });
  console.log(`Temporal dev server running on ${server.address}; Web UI: ${server.uiUrl}`);
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
