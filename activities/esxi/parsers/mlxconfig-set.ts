import { classifyMlxconfigError, type MlxconfigError } from './mlxconfig-error';
import { mlxErrorLines, parseMlxDeviceBlocks, type MlxDeviceInfo } from './mlxconfig-table';
import { ParseError } from './parse-error';
import { toLines } from './text';

// `mlxconfig -d DEV -y set K=V ...`: the device block, a "Next Boot / New" table, then
// "Applying... Done!" and "-I- Please reboot machine to load new configurations." on success, or
// "-E- ..." (possibly after "Applying... Failed!") on failure.

const COMMAND = 'mlxconfig set';

export interface MlxconfigChange {
  name: string;
  nextBoot?: string;
  new: string;
}

export type MlxconfigSetResult =
  | {
      ok: true;
      device?: MlxDeviceInfo;
      changes: MlxconfigChange[];
      /** An -I- line asks for a reboot / power cycle / reset to load the new values. */
      rebootRequired: boolean;
      /** The -I- messages, without the prefix. */
      info: string[];
    }
  | { ok: false; device?: MlxDeviceInfo; error: MlxconfigError };

export function parseMlxconfigSet(text: string): MlxconfigSetResult {
  const lines = toLines(text);
  const block = parseMlxDeviceBlocks(lines)[0];
  const device = block && block.device.device !== '' ? { device: block.device } : {};
  const errors = mlxErrorLines(lines);
  if (errors.length > 0) return { ok: false, ...device, error: classifyMlxconfigError(errors.join('\n')) };
  if (!lines.some((l) => /\bDone!/.test(l))) {
    throw new ParseError(COMMAND, '"Applying... Done!" or an "-E-" error', text);
  }
  const info = lines.filter((l) => /^\s*-I-/.test(l)).map((l) => l.replace(/^\s*-I-\s*/, '').trim());
  const changes = (block?.rows ?? []).map((r) => ({
    name: r.name,
    ...(r.values.nextBoot !== undefined ? { nextBoot: r.values.nextBoot } : {}),
    new: r.values.new ?? r.values.nextBoot ?? '',
  }));
  return {
    ok: true,
    ...device,
    changes,
    rebootRequired: info.some((m) => /reboot|power cycle|reset/i.test(m)),
    info,
  };
}
