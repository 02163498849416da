import assert from 'node:assert/strict';
import { CredentialResolver } from '../../activities/ssh/credentials';
import { CommandTimeoutError, SshConnectionLostError } from '../../activities/ssh/errors';
import { SshRunner } from '../../activities/ssh/run-command';
import { endpointOf, TestSshServer, type ShellHandler } from '../helpers/ssh-test-server';

const PASSWORD = 'switch-pw-test-only';
const users = [{ username: 'admin', password: PASSWORD }];
const credentials = () => new CredentialResolver({ IBFLEET_SSH_TEST_PASSWORD: PASSWORD });

/** A small MLNX-OS-like CLI: > (user), # (enable), (config) #. */
function mlnxCli(name = 'sw1'): ShellHandler {
  let mode: 'user' | 'enable' | 'config' = 'user';
  const prompt = () =>
    mode === 'user'
      ? `${name} [standalone: master] > `
      : mode === 'enable'
        ? `${name} [standalone: master] # `
        : `${name} [standalone: master] (config) # `;
  let hang: Promise<never> | undefined;
  return {
    greeting: () => `\nMellanox MLNX-OS Switch Management\n\n${prompt()}`,
    onLine: (line) => {
      switch (line.trim()) {
        case 'enable':
          mode = 'enable';
          return { output: prompt() };
        case 'configure terminal':
          mode = 'config';
          return { output: prompt() };
        case 'show version':
          // Colour codes as some terminals get them; the session strips them.
          return {
            output: `Product name:      \x1b[1mMLNX-OS\x1b[0m\nProduct release:   3.11.1004\n\n${prompt()}`,
          };
        case 'show ib sm virt':
          return { output: `\n  Enabled\n\n${prompt()}` };
        case 'hang':
          hang ??= new Promise<never>(() => undefined);
          return hang;
        case 'reload':
          return { output: 'Rebooting...\n', close: true };
        default:
          return { output: `% Unrecognized command "${line}".\nType "?" for help.\n${prompt()}` };
      }
    },
  };
}

describe('ssh: interactive shell', () => {
  let server: TestSshServer | undefined;
  let runner: SshRunner | undefined;
  afterEach(async () => {
    await runner?.closeAll();
    await server?.close();
    server = undefined;
    runner = undefined;
  });

  const userPrompt = /\[standalone: master\] > $/;
  const enablePrompt = /\[standalone: master\] # $/;
  const configPrompt = /\(config\) # $/;

  it('walks MLNX-OS prompts and returns the text between the echo and the prompt', async () => {
    server = await TestSshServer.start({ users, shell: () => mlnxCli() });
    runner = new SshRunner({ credentials: credentials() });
    const session = await runner.shell(endpointOf(server, { username: 'admin' }), {
      connectTimeoutMs: 5_000,
      timeoutMs: 5_000,
      prompt: userPrompt,
    });
    assert.match(session.greeting, /Mellanox MLNX-OS Switch Management/);
    assert.equal(await session.send('enable', { until: enablePrompt, timeoutMs: 5_000 }), '');
    const version = await session.send('show version', { until: enablePrompt, timeoutMs: 5_000 });
    assert.equal(version, 'Product name:      MLNX-OS\nProduct release:   3.11.1004\n');
    assert.equal(await session.send('configure terminal', { until: configPrompt, timeoutMs: 5_000 }), '');
    assert.equal(
      await session.send('show ib sm virt', { until: /\(config\) # $/g, timeoutMs: 5_000 }),
      '\n  Enabled\n',
    );
    const bad = await session.send('shwo', { until: configPrompt, timeoutMs: 5_000 });
    assert.match(bad, /^% Unrecognized command "shwo"/);
    await assert.rejects(
      session.send('two\nlines', { until: configPrompt, timeoutMs: 1_000 }),
      /single line/,
    );
    await session.close();
    assert.equal(session.closed, true);
  });

  it('rejects a second send while one is in progress', async () => {
    server = await TestSshServer.start({ users, shell: () => mlnxCli() });
    runner = new SshRunner({ credentials: credentials() });
    const session = await runner.shell(endpointOf(server, { username: 'admin' }), {
      connectTimeoutMs: 5_000,
      timeoutMs: 5_000,
      prompt: userPrompt,
    });
    const first = session.send('enable', { until: enablePrompt, timeoutMs: 5_000 });
    await assert.rejects(
      session.send('show version', { until: enablePrompt, timeoutMs: 5_000 }),
      /in progress/,
    );
    await first;
    await session.close();
  });

  it('times out waiting for a prompt (CommandTimeout) and closes the session', async () => {
    server = await TestSshServer.start({ users, shell: () => mlnxCli() });
    runner = new SshRunner({ credentials: credentials() });
    const session = await runner.shell(endpointOf(server, { username: 'admin' }), {
      connectTimeoutMs: 5_000,
      timeoutMs: 5_000,
      prompt: userPrompt,
    });
    const err = await session.send('hang', { until: userPrompt, timeoutMs: 200 }).catch((e: unknown) => e);
    assert.ok(err instanceof CommandTimeoutError, String(err));
    await session.close(); // already closing after the timeout; resolves once the channel is gone
    assert.equal(session.closed, true);
    await assert.rejects(session.send('enable', { until: enablePrompt, timeoutMs: 1_000 }));
  });

  it('reports SshConnectionLost when the connection drops while waiting for a prompt', async () => {
    server = await TestSshServer.start({ users, shell: () => mlnxCli() });
    runner = new SshRunner({ credentials: credentials() });
    const session = await runner.shell(endpointOf(server, { username: 'admin' }), {
      connectTimeoutMs: 5_000,
      timeoutMs: 5_000,
      prompt: userPrompt,
    });
    const pending = session.send('hang', { until: userPrompt, timeoutMs: 10_000 });
    server.dropAllConnections();
    await assert.rejects(pending, SshConnectionLostError);
  });

  it('a session the CLI ends (reload) rejects the pending send', async () => {
    server = await TestSshServer.start({ users, shell: () => mlnxCli() });
    runner = new SshRunner({ credentials: credentials() });
    const session = await runner.shell(endpointOf(server, { username: 'admin' }), {
      connectTimeoutMs: 5_000,
      timeoutMs: 5_000,
      prompt: userPrompt,
    });
    await assert.rejects(
      session.send('reload', { until: userPrompt, timeoutMs: 5_000 }),
      SshConnectionLostError,
    );
    assert.equal(session.closed, true);
  });

  it('shares the pooled connection with exec commands', async () => {
    server = await TestSshServer.start({ users, shell: () => mlnxCli() });
    runner = new SshRunner({ credentials: credentials() });
    const ep = endpointOf(server, { username: 'admin' });
    await runner.run(ep, 'show version', { timeoutMs: 5_000, connectTimeoutMs: 5_000 });
    const session = await runner.shell(ep, { connectTimeoutMs: 5_000, timeoutMs: 5_000, prompt: userPrompt });
    await session.close();
    assert.equal(server.connectionCount, 1);
  });
});
