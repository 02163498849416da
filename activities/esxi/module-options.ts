import { ApplicationFailure } from '@temporalio/common';
import { VERIFICATION_FAILED } from '../../common/procedure-failures';
import type { ModuleOptionsChange } from '../contract';
import type { StepCommands } from '../step-context';
import { esxCommands } from './commands';
import {
  mergeModuleOption,
  overrideModuleOption,
  removeModuleOption,
  withoutModuleOptionOverride,
} from './parsers';
import { readModuleOptions } from './read-state';

/** The temporary value a procedure overrides a key with (mst_recovery=1) and takes off again. */
const OVERRIDE_VALUE = '1';

/**
 * Write the whole nmlx5_core option string (`esxcli ... -p` replaces it) only if it differs, then read
 * it back: the change is verified, and a retried attempt finds it done and changes nothing. `target`
 * parses the string it is given: one ibfleet cannot edit byte for byte is refused (ModuleOptionsError)
 * before anything is written.
 */
async function writeOptionsIfNeeded(
  cmd: StepCommands,
  target: (current: string) => string,
  readAfter?: ReadAfterWrite,
): Promise<Omit<ModuleOptionsChange, 'commands'>> {
  const before = await readModuleOptions(cmd);
  const wanted = target(before);
  if (wanted === before)
    return { before, after: before, changed: false, ...(readAfter ? { bootMarker: await readAfter() } : {}) };
  // The builder checks the string's shape and quotes it for the shell (UnsafeValue if it cannot be written).
  await cmd.check(esxCommands.setModuleOptions(wanted));
  // The boot marker (when asked) with the read-back: both after the write. Either failing fails the step,
  // whose retry finds the write done.
  const [after, bootMarker] = await Promise.all([readModuleOptions(cmd), readAfter?.()]);
  if (after !== wanted) {
    throw ApplicationFailure.create({
      type: VERIFICATION_FAILED,
      message: `${cmd.endpoint.name}: nmlx5_core options read back as '${after}', expected '${wanted}'`,
      nonRetryable: true,
    });
  }
  return { before, after, changed: true, ...(bootMarker ? { bootMarker } : {}) };
}

/**
 * The boot marker for the reboot that applies the write, read after it (ProcedureRun records it as that
 * reboot's boot-marker step): one round trip and one step fewer than reading it in a step of its own.
 */
export type ReadAfterWrite = () => Promise<NonNullable<ModuleOptionsChange['bootMarker']>>;

/**
 * Set key=value in the stored options (or remove the key when value is null); nothing else changes.
 * In place for settings meant to stay; as an appended override (see overrideModuleOption) for a
 * temporary one, which restoreModuleOptions takes off again.
 */
export function setModuleOption(
  cmd: StepCommands,
  key: string,
  value: string | null,
  override = false,
  readAfter?: ReadAfterWrite,
) {
  return writeOptionsIfNeeded(
    cmd,
    (current) => {
      if (value === null) return removeModuleOption(current, key);
      return override ? overrideModuleOption(current, key, value) : mergeModuleOption(current, key, value);
    },
    readAfter,
  );
}

/**
 * The options as they were before a procedure that overrode `key` with 1: the recorded string itself
 * (byte for byte, whatever it holds for the key — 0, 00, a bare key…) unless it was recorded with the
 * override in it (a procedure run again after an interrupted one), which is then taken off.
 */
export function restoredOptions(original: string, key: string): string {
  return withoutModuleOptionOverride(original, key, OVERRIDE_VALUE);
}

export function restoreModuleOptions(
  cmd: StepCommands,
  original: string,
  key: string,
  readAfter?: ReadAfterWrite,
) {
  return writeOptionsIfNeeded(cmd, () => restoredOptions(original, key), readAfter);
}
