import { classifyMlxconfigError } from './mlxconfig-error';
import { mlxErrorLines, parseMlxDeviceBlocks, type MlxDeviceInfo } from './mlxconfig-table';
import { ParseError } from './parse-error';
import { toLines } from './text';

// `mlxconfig -d DEV query` (Next Boot column only) and `mlxconfig -d DEV -e query` (Default,
// Current, Next Boot). Values as printed: "False(0)", "True(1)", "IB(1)", "16", "N/A".

const COMMAND = 'mlxconfig query';

export interface MlxconfigParam {
  name: string;
  /** Only with -e. */
  default?: string;
  /** Only with -e. */
  current?: string;
  nextBoot: string;
  /** The '*' marker: the next-boot value differs from the default or current one. */
  changed: boolean;
  /** The 'RO' marker of newer MFT. */
  readOnly: boolean;
}

export interface MlxconfigQuery {
  device: MlxDeviceInfo;
  params: MlxconfigParam[];
}

/** Every device in the output (one with -d). Throws when there is no configuration table. */
export function parseMlxconfigQueryAll(text: string): MlxconfigQuery[] {
  const lines = toLines(text);
  const blocks = parseMlxDeviceBlocks(lines).filter((b) => b.columns.length > 0);
  if (blocks.length === 0) {
    const error = mlxErrorLines(lines)[0];
    const what = 'a "Device #1:" block with a "Configurations:" table';
    throw new ParseError(
      COMMAND,
      error ? `${what} (mlxconfig error: ${classifyMlxconfigError(error).kind})` : what,
      text,
    );
  }
  return blocks.map((b) => ({
    device: b.device,
    params: b.rows.map((r) => ({
      name: r.name,
      ...(r.values.default !== undefined ? { default: r.values.default } : {}),
      ...(r.values.current !== undefined ? { current: r.values.current } : {}),
      nextBoot: r.values.nextBoot ?? '',
      changed: r.changed,
      readOnly: r.readOnly,
    })),
  }));
}

/** The first (with -d, the only) device of the output. */
export function parseMlxconfigQuery(text: string): MlxconfigQuery {
  return parseMlxconfigQueryAll(text)[0];
}

export function mlxconfigParam(query: MlxconfigQuery, name: string): MlxconfigParam | undefined {
  return query.params.find((p) => p.name === name);
}

/** The number in a value: "False(0)" -> 0, "IB(1)" -> 1, "16" -> 16, "0x08" -> 8; else undefined. */
export function mlxconfigNumber(value: string | undefined): number | undefined {
  const v = value?.trim() ?? '';
  const m = /^(?:[A-Za-z_][\w-]*\()?((?:0x[0-9a-fA-F]+)|\d+)\)?$/.exec(v);
  if (!m || v.includes('(') !== v.endsWith(')')) return undefined;
  return Number(m[1]);
}
