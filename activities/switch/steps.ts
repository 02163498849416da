import { ApplicationFailure } from '@temporalio/common';
import { STEP_COMMAND_FAILED } from '../../common/procedure-failures';
import type { CommandRecord } from '../../common/reports';
import type { SwitchChange, SwitchState, SwitchStepInput } from '../contract';
import type { ShellSession, SshRunner } from '../ssh';
import { activitySignal, heartbeat, quoteOutput } from '../step-context';
import { checkValue, valueShapes } from '../../common/command-values';
import type { CliLine } from '../command-line';
import { findCliErrors } from './cli-output';
import { switchCommands as cli } from './commands';
import { parseShowIbSm, parseShowIbSmVirt, parseShowVersion } from './parsers';

/**
 * Any MLNX-OS prompt: `sw1 [standalone: master] > `, `... # `, `... (config) # `. Brackets cannot nest
 * in it, so each `[` is scanned only up to the next one: linear in what a switch prints.
 */
const PROMPT = /\[[^[\]\n]*\]\s*(?:\([^()\n]*\)\s*)?[>#]\s*$/;

/**
 * One interactive MLNX-OS CLI session (the switch's CLI is interactive: prompts, enable, configure
 * terminal). Every line typed is recorded for the audit trail; a `%` error fails the step.
 */
class SwitchCli {
  readonly commands: CommandRecord[] = [];
  private constructor(
    private readonly session: ShellSession,
    private readonly input: SwitchStepInput,
  ) {}

  static async open(runner: SshRunner, input: SwitchStepInput): Promise<SwitchCli> {
    const session = await runner.shell(input.target, {
      connectTimeoutMs: input.timing.connectTimeoutMs,
      timeoutMs: input.timing.commandTimeoutMs,
      prompt: PROMPT,
      signal: activitySignal(),
    });
    return new SwitchCli(session, input);
  }

  async send(line: CliLine): Promise<string> {
    heartbeat();
    const started = Date.now();
    const at = new Date().toISOString();
    const output = await this.session.send(line, {
      until: PROMPT,
      timeoutMs: this.input.timing.commandTimeoutMs,
      signal: activitySignal(),
    });
    const errors = findCliErrors(output);
    this.commands.push({
      step: this.input.step,
      command: line,
      exitCode: errors.length > 0 ? 1 : 0,
      durationMs: Date.now() - started,
      at,
    });
    if (errors.length > 0) {
      throw ApplicationFailure.create({
        type: STEP_COMMAND_FAILED,
        message: `${this.input.target.name}: \`${line}\` failed: ${quoteOutput(errors.join('; '))}`,
        nonRetryable: true,
      });
    }
    return output;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

async function withCli<R extends object>(
  runner: SshRunner,
  input: SwitchStepInput,
  body: (session: SwitchCli) => Promise<R>,
) {
  const session = await SwitchCli.open(runner, input);
  try {
    const result = await body(session);
    return { ...result, commands: session.commands };
  } finally {
    await session.close();
  }
}

async function readState(session: SwitchCli): Promise<Omit<SwitchState, 'commands'>> {
  await session.send(cli.enable);
  const version = parseShowVersion(await session.send(cli.showVersion));
  // The release decides what happens next and goes into the report: exactly a dotted number, or stop.
  const release = checkValue(valueShapes.mlnxOsRelease, version.release);
  const smEnabled = parseShowIbSm(await session.send(cli.showIbSm));
  const smVirtEnabled = parseShowIbSmVirt(await session.send(cli.showIbSmVirt));
  return { release, smEnabled, smVirtEnabled };
}

export function readSwitchState(runner: SshRunner, input: SwitchStepInput) {
  return withCli(runner, input, readState);
}

/** Enable the SM and its virtualization support, save the configuration, restart the SM if asked. */
export function enableSmVirt(runner: SshRunner, input: SwitchStepInput & { restartSm: boolean }) {
  return withCli(runner, input, async (session): Promise<Omit<SwitchChange, 'commands'>> => {
    const before = await readState(session);
    const actions: string[] = [];
    await session.send(cli.configureTerminal);
    if (!before.smVirtEnabled) {
      await session.send(cli.ibSmVirtEnable);
      actions.push(cli.ibSmVirtEnable);
    }
    if (!before.smEnabled) {
      await session.send(cli.ibSm);
      actions.push(cli.ibSm);
    }
    if (actions.length > 0) {
      await session.send(cli.configurationWrite);
      actions.push(cli.configurationWrite);
      if (input.restartSm && before.smEnabled) {
        await session.send(cli.noIbSm);
        await session.send(cli.ibSm);
        actions.push('restarted the SM (no ib sm; ib sm)');
      }
    }
    const smEnabled = parseShowIbSm(await session.send(cli.showIbSm));
    const smVirtEnabled = parseShowIbSmVirt(await session.send(cli.showIbSmVirt));
    return { release: before.release, smEnabled, smVirtEnabled, actions };
  });
}
