import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EXIT_NOT_ALL_SUCCEEDED, EXIT_OK, UsageError } from '../cli-error';
import type { CliDeps } from '../deps';
import { compareKey, rewriteHostKeys, type ScanRow } from '../inventory/host-keys';
import {
  checkCredentialsHere,
  cliCredentialPolicy,
  credentialInventoryProblems,
  inventoryEndpointCredentials,
} from '../inventory/credential-checks';
import { loadInventory } from '../inventory/load';
import { InventoryError } from '../inventory/problems';
import { summarizeInventory } from '../inventory/summary';
import { formatDuration, parseDuration } from '../options/duration';
import { checkCredentialsOnWorker } from '../rollout/worker-credential-check';
import { table, withTemporal } from './with-temporal';

// `ibfleet inventory check` and `ibfleet inventory scan-keys`.

export interface CheckFlags {
  inventory: string;
  /** Also ask the worker (through Temporal) whether it can use every credential reference. */
  onWorker?: boolean;
}

export async function inventoryCheck(flags: CheckFlags, deps: CliDeps): Promise<number> {
  const file = flags.inventory;
  const inv = loadInventory(file);
  const endpoints = inventoryEndpointCredentials(inv);
  const here = checkCredentialsHere(endpoints, deps.env, cliCredentialPolicy(deps.env));
  if (here.problems.length > 0)
    throw new InventoryError(file, credentialInventoryProblems(here.problems, file, inv.targetPaths));
  let credentialLines: string[];
  if (flags.onWorker) {
    const stamp = deps.now().toISOString().replace(/\D/g, '').slice(0, 14);
    const onWorker = await withTemporal(deps, (temporal) =>
      checkCredentialsOnWorker(temporal, endpoints, `inventory-${stamp}-${deps.randomSuffix()}`),
    );
    if (onWorker.length > 0)
      throw new InventoryError(
        file,
        credentialInventoryProblems(onWorker, file, inv.targetPaths, ' (on the worker)'),
      );
    credentialLines = ['credential references: the worker can use every one'];
  } else if (here.notHere.length > 0) {
    credentialLines = [
      'credential references the worker checks before a rollout starts (not visible here; --on-worker checks now):',
      ...here.notHere.map((reason) => `  ${reason}`),
    ];
  } else {
    credentialLines = [
      'credential references: all usable here (the worker checks them again before a rollout starts)',
    ];
  }
  deps.stdout.write([...summarizeInventory(inv, file), ...credentialLines].join('\n') + '\n');
  return EXIT_OK;
}

export interface ScanKeysFlags {
  inventory: string;
  write?: boolean;
  acceptChanged?: boolean;
  timeout?: string;
  concurrency?: string;
}

function parseScanFlags(flags: ScanKeysFlags): { timeoutMs: number; concurrency: number } {
  const problems: string[] = [];
  const timeoutMs = parseDuration(flags.timeout ?? '10s');
  if (timeoutMs === undefined || timeoutMs < 100 || timeoutMs > 300_000)
    problems.push(
      `--timeout: must be a duration from 100ms to 5m, e.g. 10s (got ${JSON.stringify(flags.timeout)})`,
    );
  const concurrencyText = flags.concurrency ?? '8';
  const concurrency = /^\d+$/.test(concurrencyText) ? Number(concurrencyText) : NaN;
  if (!(concurrency >= 1 && concurrency <= 64))
    problems.push(
      `--concurrency: must be a whole number from 1 to 64 (got ${JSON.stringify(flags.concurrency)})`,
    );
  if (flags.acceptChanged && !flags.write) problems.push('--accept-changed: only meaningful with --write');
  if (problems.length) throw new UsageError(problems.join('\n'));
  return { timeoutMs: timeoutMs ?? 10_000, concurrency };
}

async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function statusText(row: ScanRow): string {
  switch (row.status) {
    case 'match':
      return 'matches the pinned key';
    case 'new':
      return 'not pinned yet';
    case 'changed':
      return `CHANGED: pinned ${row.endpoint.hostKey}`;
    case 'error':
      return `no key: ${row.error ?? 'unknown error'}`;
  }
}

/**
 * Writes the new text in a private folder next to the file and renames it over the file, so a crash
 * never leaves half an inventory. The folder is made by mkdtemp (a name nobody can predict, mode 0700),
 * so nobody else can plant a file or a symlink where the text is written.
 */
function writeAtomically(file: string, text: string): void {
  const dir = mkdtempSync(join(dirname(file), `.${basename(file)}.ibfleet-`));
  try {
    const tmp = join(dir, basename(file));
    writeFileSync(tmp, text, { mode: statSync(file).mode & 0o777, flag: 'wx' });
    renameSync(tmp, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function inventoryScanKeys(flags: ScanKeysFlags, deps: CliDeps): Promise<number> {
  const { timeoutMs, concurrency } = parseScanFlags(flags);
  // Unpinned endpoints must load: pinning them is what this command is for.
  const inv = loadInventory(flags.inventory, { allowUnpinnedHostKeys: true });
  deps.stderr.write(
    `scanning ${inv.endpoints.length} endpoint(s), timeout ${formatDuration(timeoutMs)}...\n`,
  );

  const rows = await mapPool(inv.endpoints, concurrency, async (endpoint): Promise<ScanRow> => {
    try {
      const scanned = await deps.scanHostKey({ address: endpoint.address, port: endpoint.port, timeoutMs });
      return { endpoint, scanned, status: compareKey(endpoint, scanned) };
    } catch (err) {
      return { endpoint, status: 'error', error: (err as Error).message.split('\n')[0] };
    }
  });

  deps.stdout.write(
    table([
      ['NAME', 'ENDPOINT', 'KEY TYPE', 'FINGERPRINT', 'STATUS'],
      ...rows.map((r) => [
        r.endpoint.name,
        `${r.endpoint.address}:${r.endpoint.port}`,
        r.scanned?.keyType ?? '-',
        r.scanned?.fingerprint ?? '-',
        statusText(r),
      ]),
    ]).join('\n') + '\n',
  );

  const count = (s: ScanRow['status']) => rows.filter((r) => r.status === s).length;
  const toWrite = rows.filter((r) => r.status === 'new' || (r.status === 'changed' && flags.acceptChanged));
  deps.stdout.write(
    `${count('match')} match, ${count('new')} not pinned, ${count('changed')} changed, ${count('error')} unreachable\n`,
  );

  if (count('changed') > 0)
    deps.stderr.write(
      'WARNING: a changed host key means the host was reinstalled or someone is intercepting the connection. ' +
        'Verify it out of band; pin the new key with --write --accept-changed.\n',
    );

  let written = 0;
  if (flags.write && toWrite.length > 0) {
    const text = readFileSync(flags.inventory, 'utf8');
    const updated = rewriteHostKeys(
      text,
      toWrite.map((r) => ({ yamlPath: r.endpoint.yamlPath, hostKey: r.scanned?.fingerprint ?? '' })),
    );
    writeAtomically(flags.inventory, updated);
    written = toWrite.length;
    deps.stdout.write(`pinned ${written} host key(s) in ${flags.inventory}\n`);
  } else if (!flags.write && toWrite.length > 0) {
    deps.stdout.write(
      `run again with --write to pin the ${toWrite.length} new key(s) in ${flags.inventory}\n`,
    );
  }

  // Done when every endpoint answered and is now pinned to the key it presents.
  const remaining = count('error') + count('new') + count('changed') - written;
  return remaining === 0 ? EXIT_OK : EXIT_NOT_ALL_SUCCEEDED;
}
