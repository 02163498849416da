import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

let cached: string | undefined;

/** Path of the pinned Temporal CLI, built once by scripts/temporal-cli.sh if needed. */
export function temporalCliPath(): string {
  cached ??= execFileSync('bash', [path.join(repoRoot, 'scripts', 'temporal-cli.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return cached;
}
