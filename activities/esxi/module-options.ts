import { ApplicationFailure } from '@temporalio/common';
import { PRECONDITION_FAILED, VERIFICATION_FAILED } from '../../common/procedure-failures';
import type { ModuleOptionsChange } from '../contract';
import type { StepCommands } from '../step-context';
import { esxCommands, isShellSafe } from './commands';
import { getModuleOption, mergeModuleOption, removeModuleOption } from './parsers';
import { readModuleOptions } from './read-state';

/**
 * Write the whole nmlx5_core option string (`esxcli ... -p` replaces it) only if it differs, then read
 * it back: the change is verified, and a retried attempt finds it done and changes nothing.
 */
async function writeOptionsIfNeeded(
  cmd: StepCommands,
  target: (current: string) => string,
): Promise<Omit<ModuleOptionsChange, 'commands'>> {
  const before = await readModuleOptions(cmd);
  const wanted = target(before);
  if (wanted === before) return { before, after: before, changed: false };
  if (!isShellSafe(wanted)) {
    throw ApplicationFailure.create({
      type: PRECONDITION_FAILED,
      message: `${cmd.endpoint.name}: refusing to write module options containing quotes or shell characters: '${wanted}'`,
      nonRetryable: true,
    });
  }
  await cmd.check(esxCommands.setModuleOptions(wanted));
  const after = await readModuleOptions(cmd);
  if (after !== wanted) {
    throw ApplicationFailure.create({
      type: VERIFICATION_FAILED,
      message: `${cmd.endpoint.name}: nmlx5_core options read back as '${after}', expected '${wanted}'`,
      nonRetryable: true,
    });
  }
  return { before, after, changed: true };
}

/** Merge key=value into the stored options (or remove the key when value is null); nothing else changes. */
export function setModuleOption(cmd: StepCommands, key: string, value: string | null) {
  return writeOptionsIfNeeded(cmd, (current) =>
    value === null ? removeModuleOption(current, key) : mergeModuleOption(current, key, value),
  );
}

/**
 * The options as they were before a procedure, without its temporary key. An original that set the key
 * to 0 explicitly is kept as it was (0 is the normal mode the procedure returns to).
 */
export function restoredOptions(original: string, key: string): string {
  return getModuleOption(original, key) === '0' ? original : removeModuleOption(original, key);
}

export function restoreModuleOptions(cmd: StepCommands, original: string, key: string) {
  return writeOptionsIfNeeded(cmd, () => restoredOptions(original, key));
}
