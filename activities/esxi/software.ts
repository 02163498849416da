import { ApplicationFailure } from '@temporalio/common';
import {
  PRECONDITION_FAILED,
  STEP_COMMAND_FAILED,
  VERIFICATION_FAILED,
} from '../../common/procedure-failures';
import type { SoftwareInstall, VibInfo } from '../contract';
import { outputExcerpt, quoteOutput, type StepCommands } from '../step-context';
import { esxCommands } from './commands';
import { parseEsxcliFailure, parseSoftwareInstallResult, parseVibList } from './parsers';
import { softwareCommands } from './software-commands';

// Installing NVIDIA MFT and NMST from offline depots on a datastore (guide 2, for hosts not managed by a
// vLCM image). Idempotent: ESXi skips what is installed or staged already, and says whether the next
// boot is still needed. Verified by reading back the image the next boot runs.

const TOOLS = ['mft', 'nmst'];
/** An install unpacks and checks the depot: minutes on a real host, not the seconds of other commands. */
export const INSTALL_TIMEOUT_MS = 15 * 60_000;

function failure(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export async function installMftTools(
  cmd: StepCommands,
  depots: readonly string[],
  method: 'component' | 'vib',
): Promise<Omit<SoftwareInstall, 'commands'>> {
  // Every command is built (its depot path checked) before any of them runs.
  const commands = depots.map((depot) => ({
    depot,
    command: method === 'vib' ? softwareCommands.vibInstall(depot) : softwareCommands.componentApply(depot),
  }));
  const results: SoftwareInstall['depots'] = [];
  for (const { depot, command } of commands) {
    const r = await cmd.run(command, { timeoutMs: INSTALL_TIMEOUT_MS });
    const refused = parseEsxcliFailure(r.stdout + r.stderr);
    if (refused)
      throw failure(
        PRECONDITION_FAILED,
        `${cmd.endpoint.name}: installing from ${depot} failed: [${refused.type}] ${quoteOutput(refused.message)}` +
          (refused.type === 'MetadataDownloadError' ? ' (is the depot on the datastore?)' : ''),
      );
    if (r.code !== 0)
      throw failure(
        STEP_COMMAND_FAILED,
        `${cmd.endpoint.name}: \`${command}\` exited ${r.code}: ${outputExcerpt(r)}`,
      );
    const result = parseSoftwareInstallResult(r.stdout);
    results.push({
      depot,
      message: result.message,
      installed: result.installed,
      skipped: result.skipped,
      rebootRequired: result.rebootRequired,
    });
  }
  const rebootRequired = results.some((d) => d.rebootRequired);
  // Read back what the next boot runs (the running image when nothing waits for a reboot).
  const listing = rebootRequired ? softwareCommands.vibListRebootingImage : esxCommands.vibList;
  const vibs: VibInfo[] = parseVibList(await cmd.check(listing))
    .filter((v) => TOOLS.includes(v.name))
    .map((v) => ({ name: v.name, version: v.version }));
  const missing = TOOLS.filter((t) => !vibs.some((v) => v.name === t));
  if (missing.length > 0)
    throw failure(
      VERIFICATION_FAILED,
      `${cmd.endpoint.name}: after installing from ${depots.join(', ')}, \`${listing}\` lists no ${missing.join(' or ')} VIB: ` +
        'the depot(s) do not hold the MFT and NMST components',
    );
  return { depots: results, rebootRequired, nextBootVibs: vibs };
}
