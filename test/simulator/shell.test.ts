import assert from 'node:assert/strict';
import type { CommandImpl, SimMachine } from '../../simulator/machine';
import { runCommandLine } from '../../simulator/shell';

// The simulator's POSIX-ish shell, against a toy machine.

const files: Record<string, string> = {
  '/var/log/vmksummary.log':
    '2024-01-01T00:00:00.000Z bootstop: Host has booted\nheartbeat\n2024-01-02T00:00:00.000Z bootstop: Host has booted\n',
  '/etc/motd': 'Hello\nWorld\n',
};

function toyMachine(): SimMachine & { lines: string[] } {
  const lines: string[] = [];
  const commands = new Map<string, CommandImpl>([
    ['mst', (argv) => ({ stdout: `mst ${argv.slice(1).join(' ')}\n`, stderr: '', code: 0 })],
    [
      'args',
      (argv) => ({
        stdout:
          argv
            .slice(1)
            .map((a) => `<${a}>`)
            .join('') + '\n',
        stderr: '',
        code: 0,
      }),
    ],
    ['fails', () => ({ stdout: 'out\n', stderr: 'boom\n', code: 3 })],
    ['upper', (_argv, ctx) => ({ stdout: ctx.stdin.toUpperCase(), stderr: '', code: 0 })],
    ['whoami', (_argv, ctx) => ({ stdout: `${ctx.user}\n`, stderr: '', code: 0 })],
  ]);
  return {
    name: 'toy',
    kind: 'guest',
    commands,
    paths: new Set(['/opt/mellanox/bin/mst']),
    readFile: (p) => files[p],
    onCommandLine: (line) => lines.push(line),
    lines,
  };
}

async function sh(line: string, machine = toyMachine()) {
  return runCommandLine(machine, line, { user: 'root', signal: new AbortController().signal });
}

describe('simulator shell', () => {
  it('tokenizes quotes and escapes', async () => {
    assert.equal((await sh(`args 'a b' "c d" e\\ f "x\\"y" 'q"'`)).stdout, '<a b><c d><e f><x"y><q">\n');
    assert.equal((await sh(`args "" '' a`)).stdout, '<><><a>\n');
    assert.equal((await sh(`args a"b"'c'd`)).stdout, '<abcd>\n');
    assert.equal((await sh(`args "a > b | c && d; (e) &" # comment`)).stdout, '<a > b | c && d; (e) &>\n');
  });

  it('runs ; && || and pipes with real exit codes', async () => {
    assert.deepEqual(await sh('true && args yes || args no'), {
      stdout: '<yes>\n',
      stderr: '',
      combined: '<yes>\n',
      code: 0,
    });
    assert.equal((await sh('false && args yes || args no')).stdout, '<no>\n');
    assert.equal((await sh('false; args $?')).stdout, '<1>\n');
    assert.equal((await sh('cat /etc/motd | upper')).stdout, 'HELLO\nWORLD\n');
    const r = await sh('fails');
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'boom\n');
    const piped = await sh('fails | grep -c .');
    assert.deepEqual([piped.stdout, piped.stderr, piped.code], ['1\n', 'boom\n', 0]);
  });

  it('reports unknown commands like busybox sh, including the utilities it does not simulate', async () => {
    const r = await sh('nosuch --x');
    assert.equal(r.code, 127);
    assert.equal(r.stderr, 'sh: nosuch: not found\n');
    assert.equal((await sh('/usr/local/foo')).stderr, 'sh: /usr/local/foo: not found\n');
    for (const tool of ['awk', 'sed', 'head', 'wc', 'sort', 'printf', 'test', '[', 'sleep', 'sh', 'env']) {
      const t = await sh(`${tool} x`);
      assert.deepEqual([t.code, t.stderr], [127, `sh: ${tool}: not found\n`], tool);
    }
    const piped = await sh("ps -c | grep devmgr | awk '{print $1}'");
    assert.deepEqual([piped.code, piped.stdout], [127, ''], 'never a silently wrong answer');
  });

  it('refuses shell syntax it does not simulate with exit 2, running nothing', async () => {
    for (const line of [
      'for d in a b; do args $d; done',
      'if true; then args y; fi',
      'while true; do args x; done',
      '! false',
      '{ args a; }',
      'args a > /tmp/x',
      'fails 2>&1',
      'args a < /etc/motd',
      '(args a)',
      'args a &',
      'args ${X:-default}',
      'args $1',
      'args $((1 + 1))',
    ]) {
      const m = toyMachine();
      const r = await sh(line, m);
      assert.equal(r.code, 2, line);
      assert.match(r.stderr, /^sh: .* is not simulated \(the simulator's shell runs simple commands/, line);
      assert.equal(r.stdout, '', line);
    }
  });

  it('resolves absolute paths through machine.paths and standard bin dirs', async () => {
    assert.equal((await sh('/opt/mellanox/bin/mst status')).stdout, 'mst status\n');
    assert.equal((await sh('mst status -vv')).stdout, 'mst status -vv\n');
    assert.equal((await sh('/bin/cat /etc/motd')).stdout, 'Hello\nWorld\n');
    assert.equal((await sh('/opt/other/mst status')).code, 127);
  });

  it('substitutes $(...) and backticks with field splitting, and variables', async () => {
    assert.equal(
      (await sh('args $(cat /etc/motd) "$(cat /etc/motd)"')).stdout,
      '<Hello><World><Hello\nWorld>\n',
    );
    assert.equal((await sh('args `grep World /etc/motd`')).stdout, '<World>\n');
    assert.equal((await sh('args $(args $(grep Hello /etc/motd))')).stdout, '<<Hello>>\n');
    assert.equal(
      (await sh('X=$(cat /etc/motd); args $X "$X" ${X}')).stdout,
      '<Hello><World><Hello\nWorld><Hello><World>\n',
    );
    assert.equal((await sh('args $HOME $USER $nothing')).stdout, '</root><root>\n');
  });

  it('greps with -E -c -i -q -v and grep exit codes; refuses other options', async () => {
    assert.equal((await sh('cat /etc/motd | grep -ic hello')).stdout, '1\n');
    assert.equal((await sh('grep -v Hello /etc/motd')).stdout, 'World\n');
    const none = await sh('grep nomatch /etc/motd');
    assert.deepEqual([none.code, none.stdout], [1, '']);
    assert.equal((await sh('grep -q World /etc/motd && args found')).stdout, '<found>\n');
    assert.equal((await sh("grep -E 'Hel+o|Wor' /etc/motd")).stdout, 'Hello\nWorld\n');
    assert.equal((await sh("grep 'Hel\\+o' /etc/motd")).stdout, 'Hello\n');
    assert.equal((await sh('grep x /nonexistent')).code, 2);
    const refused = await sh('grep -n Hello /etc/motd');
    assert.deepEqual(
      [refused.code, refused.stdout, refused.stderr],
      [2, '', 'grep: option -n is not simulated\n'],
    );
  });

  it('runs the commands ibfleet and Ansible read boot markers with', async () => {
    const marker = '2024-01-02T00:00:00.000Z bootstop: Host has booted\n';
    assert.equal((await sh('grep booted /var/log/vmksummary.log | tail -n 1')).stdout, marker);
    assert.equal(
      (await sh('grep -E "Host is rebooting|Host has booted" /var/log/vmksummary.log | tail -n 20')).stdout,
      `2024-01-01T00:00:00.000Z bootstop: Host has booted\n${marker}`,
    );
    assert.equal((await sh('tail -1 /var/log/vmksummary.log')).stdout, marker);
    assert.equal(
      (await sh('tail -n +2 /var/log/vmksummary.log')).stderr,
      'tail: option -n +N is not simulated\n',
    );
  });

  it('echoes the audit mark of the integration tests into shell.log', async () => {
    const m = toyMachine();
    assert.equal((await sh('echo ibfleet-test-mark-1-2', m)).stdout, 'ibfleet-test-mark-1-2\n');
    assert.deepEqual(m.lines, ['echo ibfleet-test-mark-1-2']);
    assert.equal((await sh('echo -e "a\\tb"')).stderr, 'echo: option -e is not simulated\n');
  });

  it('ends on exit with its status', async () => {
    assert.deepEqual(await sh('args a; exit 4; args b'), {
      stdout: '<a>\n',
      stderr: '',
      combined: '<a>\n',
      code: 4,
    });
    assert.equal((await sh('args $(exit 3) $?')).stdout, '<3>\n');
  });

  it('logs the command line and passes the user', async () => {
    const m = toyMachine();
    const r = await runCommandLine(m, 'whoami', { user: 'ubuntu', signal: new AbortController().signal });
    assert.equal(r.stdout, 'ubuntu\n');
    assert.deepEqual(m.lines, ['whoami']);
  });

  it('reports syntax errors with exit 2', async () => {
    const r = await sh("args 'unterminated");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /syntax error/);
    assert.equal((await sh('args a &&')).code, 2);
  });

  it('runs nothing once the session is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const m = toyMachine();
    const r = await runCommandLine(m, 'args a; args b', { user: 'root', signal: controller.signal });
    assert.deepEqual([r.code, r.stdout], [130, '']);
  });
});
