import { ApplicationFailure } from '@temporalio/common';
import { mlxValue } from '../../common/firmware-values';
import { MLXCONFIG_REJECTED, VERIFICATION_FAILED } from '../../common/procedure-failures';
import type { MlxconfigChange, QuickBootChange } from '../contract';
import { quoteOutput, type StepCommands } from '../step-context';
import { esxCommands } from './commands';
import { mlxconfigParam, parseMlxconfigQuery, parseMlxconfigSet, ParseError } from './parsers';

async function nextBootValues(
  cmd: StepCommands,
  device: string,
  keys: string[],
): Promise<Record<string, string | undefined>> {
  const r = await cmd.run(esxCommands.mlxQuery(device));
  if (r.code !== 0) rejectWith(cmd, device, r.stdout || r.stderr);
  const query = parseMlxconfigQuery(r.stdout);
  return Object.fromEntries(
    keys.map((k) => {
      const shown = mlxconfigParam(query, k)?.nextBoot;
      return [k, shown === undefined ? undefined : mlxValue(shown)];
    }),
  );
}

/** mlxconfig refused (cannot open the device, bad value): MlxconfigRejected with mlxconfig's own words. */
export function rejectWith(cmd: StepCommands, device: string, output: string): never {
  const result = parseMlxconfigSet(output);
  const message = result.ok ? output.trim() : result.error.message;
  throw ApplicationFailure.create({
    type: MLXCONFIG_REJECTED,
    message: `${cmd.endpoint.name}: mlxconfig -d ${device} failed: ${quoteOutput(message)}`,
    nonRetryable: true,
    details: result.ok
      ? []
      : [{ kind: result.error.kind, parameter: result.error.parameter, max: result.error.max }],
  });
}

/** Set mlxconfig values (Next Boot) that differ, then verify Next Boot holds them all. */
export async function setMlxconfig(
  cmd: StepCommands,
  device: string,
  values: Record<string, string>,
): Promise<Omit<MlxconfigChange, 'commands'>> {
  esxCommands.mlxSet(device, values); // checks the device, every key and value before anything runs
  const keys = Object.keys(values);
  const before = await nextBootValues(cmd, device, keys);
  const pending = Object.fromEntries(Object.entries(values).filter(([k, v]) => before[k] !== v));
  const alreadySet = keys.filter((k) => !(k in pending));
  if (Object.keys(pending).length === 0) return { device, changed: [], alreadySet };
  const r = await cmd.run(esxCommands.mlxSet(device, pending));
  const parsed = parseMlxconfigSet(r.stdout + r.stderr);
  if (r.code !== 0 || !parsed.ok) rejectWith(cmd, device, r.stdout + r.stderr);
  const after = await nextBootValues(cmd, device, keys);
  const wrong = keys.filter((k) => after[k] !== values[k]);
  if (wrong.length > 0) {
    throw ApplicationFailure.create({
      type: VERIFICATION_FAILED,
      message: `${cmd.endpoint.name}: mlxconfig -d ${device} Next Boot does not hold ${wrong.map((k) => `${k}=${values[k]} (is ${after[k] ?? 'missing'})`).join(', ')}`,
      nonRetryable: true,
    });
  }
  return { device, changed: Object.entries(pending).map(([k, v]) => `${k}=${v}`), alreadySet };
}

/** Quick Boot state from `loadESXEnable -s` ([R]: the wording is reconstructed; "enabled"/"disabled" is read). */
export async function readQuickBoot(cmd: StepCommands): Promise<boolean> {
  const text = await cmd.check(esxCommands.quickBootGet);
  const m = /\b(enabled|disabled)\b/i.exec(text);
  if (!m) throw new ParseError(esxCommands.quickBootGet, '"enabled" or "disabled"', text);
  return m[1].toLowerCase() === 'enabled';
}

export async function setQuickBoot(
  cmd: StepCommands,
  enabled: boolean,
): Promise<Omit<QuickBootChange, 'commands'>> {
  const before = await readQuickBoot(cmd);
  if (before === enabled) return { before, changed: false };
  await cmd.check(esxCommands.quickBootSet(enabled));
  if ((await readQuickBoot(cmd)) !== enabled)
    throw new Error(`${cmd.endpoint.name}: Quick Boot did not change`);
  return { before, changed: true };
}
