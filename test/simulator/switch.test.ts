import assert from 'node:assert/strict';
import { createSwitchMachine, promptFor, splitExecLine, type SwitchMachine } from '../../simulator/switch';
import {
  outputOfCommand,
  parseShowIbSm,
  parseShowIbSmVirt,
  parseShowVersion,
} from '../../activities/switch/parsers';

// Drives the simulated MLNX-OS CLI directly, line by line, as a terminal would.

const T0 = Date.UTC(2024, 4, 14, 12, 0, 0);

async function typeLines(
  sw: SwitchMachine,
  lines: string[],
): Promise<{ transcript: string; closed: boolean }> {
  const session = sw.openInteractive('admin');
  let transcript = session.greeting();
  let closed = false;
  for (const line of lines) {
    transcript += line + '\n'; // what the terminal echoes
    const r = await session.input(line);
    transcript += r.output;
    if (r.close) {
      closed = true;
      break;
    }
  }
  return { transcript, closed };
}

describe('simulator: MLNX-OS switch', () => {
  it('walks the prompts of the guide: > en # config t (config) #', async () => {
    const sw = createSwitchMachine({ name: 'sc2-03-r04ibswa', smVirtEnabled: true });
    const { transcript } = await typeLines(sw, ['en', 'config t', 'show ib sm', 'show ib sm virt']);
    // The guide's transcript [V], after the banner.
    const guide = [
      'sc2-03-r04ibswa [standalone: master] > en',
      'sc2-03-r04ibswa [standalone: master] # config t',
      'sc2-03-r04ibswa [standalone: master] (config) # show ib sm',
      'enable',
      'sc2-03-r04ibswa [standalone: master] (config) # show ib sm virt',
      'Enabled',
      'sc2-03-r04ibswa [standalone: master] (config) # ',
    ].join('\n');
    assert.ok(transcript.startsWith('\nMellanox MLNX-OS Switch Management\n\n'));
    assert.equal(transcript.slice(transcript.indexOf('sc2-03')), guide);
  });

  it('accepts the long forms enable / configure terminal and exits mode by mode', async () => {
    const sw = createSwitchMachine({ name: 'sw1' });
    const session = sw.openInteractive('admin');
    assert.equal(session.greeting().endsWith('sw1 [standalone: master] > '), true);
    assert.deepEqual(await session.input('enable'), { output: 'sw1 [standalone: master] # ' });
    assert.deepEqual(await session.input('configure terminal'), {
      output: 'sw1 [standalone: master] (config) # ',
    });
    assert.deepEqual(await session.input('exit'), { output: 'sw1 [standalone: master] # ' });
    assert.deepEqual(await session.input('exit'), { output: '', close: true });
  });

  it('prints show version like the guide, plus model, host id and uptime', async () => {
    let now = T0;
    const sw = createSwitchMachine({ name: 'sw1', now: () => now });
    now += ((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000 + 678;
    const r = await sw.execCli('show version');
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 8), [
      'Product name:      MLNX-OS',
      'Product release:   3.11.1004',
      'Build ID:          #1-dev',
      'Build date:        2023-08-09 11:05:30',
      'Target arch:       x86_64',
      'Target hw:         x86_64',
      'Built by:          sw-r2d2-bot@3fe32015ceb9',
      'Version summary:   X86_64 3.11.1004 2023-08-09 11:05:30 x86_64',
    ]);
    assert.ok(lines.includes('Product model:     x86onie'));
    assert.match(r.stdout, /^Host ID: {11}[0-9A-F]{12}$/m);
    assert.ok(lines.includes('Uptime:            2d 3h 4m 5.678s'));
  });

  it('reports a configured MLNX-OS version', async () => {
    const sw = createSwitchMachine({ name: 'sw1', version: '3.10.4000' });
    const r = await sw.execCli('show version');
    assert.match(r.stdout, /^Product release: {3}3\.10\.4000$/m);
    assert.match(r.stdout, /^Version summary: {3}X86_64 3\.10\.4000 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d x86_64$/m);
  });

  it('prints % errors for unknown commands and for config commands outside config mode', async () => {
    const sw = createSwitchMachine({ name: 'sw1' });
    const { transcript } = await typeLines(sw, [
      'foo',
      'ib sm virt enable',
      'enable',
      'ib sm virt enable',
      'show',
      'show bar',
    ]);
    assert.equal(
      transcript.slice(transcript.indexOf('sw1')),
      [
        'sw1 [standalone: master] > foo',
        '% Unrecognized command "foo".',
        'Type "?" for help.',
        'sw1 [standalone: master] > ib sm virt enable',
        '% Unrecognized command "ib".',
        'Type "?" for help.',
        'sw1 [standalone: master] > enable',
        'sw1 [standalone: master] # ib sm virt enable',
        '% Unrecognized command "ib".',
        'Type "?" for help.',
        'sw1 [standalone: master] # show',
        '% Incomplete command.',
        'Type "show ?" for help.',
        'sw1 [standalone: master] # show bar',
        '% Unrecognized command "bar".',
        'Type "show ?" for help.',
        'sw1 [standalone: master] # ',
      ].join('\n'),
    );
    assert.equal(sw.state.running.smVirtEnabled, false);
  });

  it('enables virtualization; the running SM applies it after no ib sm / ib sm', async () => {
    const sw = createSwitchMachine({ name: 'sw1' });
    assert.equal(sw.state.virtualizationActive(), false);
    await typeLines(sw, ['en', 'conf t', 'ib sm virt enable']);
    assert.equal((await sw.execCli('show ib sm virt')).stdout, 'Enabled\n');
    assert.equal(sw.state.virtualizationActive(), false, 'a running SM keeps its virtualization setting');
    await typeLines(sw, ['en', 'conf t', 'no ib sm']);
    assert.equal((await sw.execCli('show ib sm')).stdout, 'disable\n');
    await typeLines(sw, ['en', 'conf t', 'ib sm']);
    assert.equal((await sw.execCli('show ib sm')).stdout, 'enable\n');
    assert.equal(sw.state.virtualizationActive(), true);
    assert.equal(sw.state.smRestartCount, 1);
  });

  it('can apply virtualization immediately when configured so', async () => {
    const sw = createSwitchMachine({ name: 'sw1', virtRequiresSmRestart: false });
    await sw.execCli('configure terminal\nib sm virt enable');
    assert.equal(sw.state.virtualizationActive(), true);
  });

  it('loses unsaved changes on reboot and keeps written ones', async () => {
    const sw = createSwitchMachine({ name: 'sw1' });
    await sw.execCli('configure terminal; ib sm virt enable');
    assert.equal(sw.state.hasUnsavedChanges(), true);
    sw.state.reboot();
    assert.equal((await sw.execCli('show ib sm virt')).stdout, 'Disabled\n');

    await sw.execCli('configure terminal; ib sm virt enable; configuration write');
    assert.equal(sw.state.hasUnsavedChanges(), false);
    sw.state.reboot();
    assert.equal((await sw.execCli('show ib sm virt')).stdout, 'Enabled\n');
    assert.equal(sw.state.virtualizationActive(), true, 'the SM starts with the saved setting');
    assert.equal(sw.state.rebootCount, 2);
  });

  it('exec requests start in enable mode, stop at the first error with code 1', async () => {
    const sw = createSwitchMachine({ name: 'sw1', smEnabled: false });
    assert.deepEqual(await sw.execCli('show ib sm'), { stdout: 'disable\n', stderr: '', code: 0 });
    const bad = await sw.execCli('ib sm; show ib sm');
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '% Unrecognized command "ib".\nType "?" for help.\n');
    const good = await sw.execCli('cli -h \'"enable" "configure terminal" "ib sm" "show ib sm"\'');
    assert.deepEqual(good, { stdout: 'enable\n', stderr: '', code: 0 });
  });

  it('splits exec text on newlines, semicolons and the cli -h form', () => {
    assert.deepEqual(splitExecLine('a b\n c ; d\n\n'), ['a b', 'c', 'd']);
    assert.deepEqual(splitExecLine(`cli -h '"enable" "show version"'`), ['enable', 'show version']);
  });

  it('resolves unique prefixes and rejects ambiguous ones', async () => {
    const sw = createSwitchMachine({ name: 'sw1', smVirtEnabled: true });
    assert.equal((await sw.execCli('sh ib sm vir')).stdout, 'Enabled\n');
    const amb = await sw.execCli('configure terminal\ncon');
    assert.equal(amb.code, 1);
    assert.match(amb.stdout, /^% Ambiguous command "con"\./);
  });

  it("produces output the activities' parsers read (cross-check)", async () => {
    const sw = createSwitchMachine({ name: 'sw1', version: '3.12.2002', smVirtEnabled: true });
    assert.equal(parseShowVersion((await sw.execCli('show version')).stdout).release, '3.12.2002');
    const { transcript } = await typeLines(sw, [
      'enable',
      'configure terminal',
      'show ib sm',
      'show ib sm virt',
    ]);
    assert.equal(parseShowIbSm(outputOfCommand(transcript, 'show ib sm')), true);
    assert.equal(parseShowIbSmVirt(outputOfCommand(transcript, 'show ib sm virt')), true);
  });

  it('names its prompts per mode', () => {
    assert.equal(promptFor('x', 'user'), 'x [standalone: master] > ');
    assert.equal(promptFor('x', 'enable'), 'x [standalone: master] # ');
    assert.equal(promptFor('x', 'config'), 'x [standalone: master] (config) # ');
  });
});
