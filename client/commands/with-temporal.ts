import type { CliDeps, TemporalAccess } from '../deps';

/** Connects (only now: never for bad input or a dry run), runs `fn`, and always closes the connection. */
export async function withTemporal<T>(
  deps: CliDeps,
  fn: (temporal: TemporalAccess) => Promise<T>,
): Promise<T> {
  const temporal = await deps.connectTemporal();
  try {
    return await fn(temporal);
  } finally {
    await temporal.close().catch(() => undefined);
  }
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
