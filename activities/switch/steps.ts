import { ApplicationFailure } from '@temporalio/common';
import { STEP_COMMAND_FAILED } from '../../common/procedure-failures';
import type { CommandRecord } from '../../common/reports';
import type { SwitchChange, SwitchState, SwitchStepInput } from '../contract';
import type { ShellSession, SshRunner } from '../ssh';
import { activitySignal, heartbeat } from '../step-context';
import { findCliErrors } from './cli-output';
import { parseShowIbSm, parseShowIbSmVirt, parseShowVersion } from './parsers';

/** Any MLNX-OS prompt: `sw1 [standalone: master] > `, `... # `, `... (config) # `. */
const PROMPT = /\[[^\]\n]*\]\s*(?:\([^)\n]*\)\s*)?[>#]\s*$/;

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

  async send(line: string): Promise<string> {
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
        message: `${this.input.target.name}: \`${line}\` failed: ${errors.join('; ')}`,
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
  body: (cli: SwitchCli) => Promise<R>,
) {
  const cli = await SwitchCli.open(runner, input);
  try {
    const result = await body(cli);
    return { ...result, commands: cli.commands };
  } finally {
    await cli.close();
  }
}

async function readState(cli: SwitchCli): Promise<Omit<SwitchState, 'commands'>> {
  await cli.send('enable');
  const version = parseShowVersion(await cli.send('show version'));
  const smEnabled = parseShowIbSm(await cli.send('show ib sm'));
  const smVirtEnabled = parseShowIbSmVirt(await cli.send('show ib sm virt'));
  return { release: version.release, smEnabled, smVirtEnabled };
}

export function readSwitchState(runner: SshRunner, input: SwitchStepInput) {
  return withCli(runner, input, readState);
}

/** Enable the SM and its virtualization support, save the configuration, restart the SM if asked. */
export function enableSmVirt(runner: SshRunner, input: SwitchStepInput & { restartSm: boolean }) {
  return withCli(runner, input, async (cli): Promise<Omit<SwitchChange, 'commands'>> => {
    const before = await readState(cli);
    const actions: string[] = [];
    await cli.send('configure terminal');
    if (!before.smVirtEnabled) {
      await cli.send('ib sm virt enable');
      actions.push('ib sm virt enable');
    }
    if (!before.smEnabled) {
      await cli.send('ib sm');
      actions.push('ib sm');
    }
    if (actions.length > 0) {
      await cli.send('configuration write');
      actions.push('configuration write');
      if (input.restartSm && before.smEnabled) {
        await cli.send('no ib sm');
        await cli.send('ib sm');
        actions.push('restarted the SM (no ib sm; ib sm)');
      }
    }
    const smEnabled = parseShowIbSm(await cli.send('show ib sm'));
    const smVirtEnabled = parseShowIbSmVirt(await cli.send('show ib sm virt'));
    return { release: before.release, smEnabled, smVirtEnabled, actions };
  });
}
