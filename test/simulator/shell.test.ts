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
  });

  it('runs ; && || and pipes with real exit codes', async () => {
    assert.deepEqual(await sh('true && echo yes || echo no'), {
      stdout: 'yes\n',
      stderr: '',
      combined: 'yes\n',
      code: 0,
    });
    assert.equal((await sh('false && echo yes || echo no')).stdout, 'no\n');
    assert.equal((await sh('false; echo $?')).stdout, '1\n');
    assert.equal((await sh('echo hello | upper')).stdout, 'HELLO\n');
    const r = await sh('fails');
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'boom\n');
    assert.equal((await sh('fails 2>&1 | grep -c .')).stdout, '2\n');
    assert.equal((await sh('fails 2>/dev/null')).stderr, '');
    assert.equal((await sh('fails >/dev/null 2>&1')).combined, '');
  });

  it('reports unknown commands like sh', async () => {
    const r = await sh('nosuch --x');
    assert.equal(r.code, 127);
    assert.equal(r.stderr, 'sh: nosuch: not found\n');
    assert.equal((await sh('/usr/local/foo')).stderr, 'sh: /usr/local/foo: not found\n');
  });

  it('resolves absolute paths through machine.paths and standard bin dirs', async () => {
    assert.equal((await sh('/opt/mellanox/bin/mst status')).stdout, 'mst status\n');
    assert.equal((await sh('mst status -vv')).stdout, 'mst status -vv\n');
    assert.equal((await sh('/bin/echo hi')).stdout, 'hi\n');
    assert.equal((await sh('/opt/other/mst status')).code, 127);
    assert.equal((await sh('which mst')).stdout, '/opt/mellanox/bin/mst\n');
  });

  it('substitutes $(...) and backticks with field splitting', async () => {
    assert.equal((await sh('args $(echo a b) "$(echo c d)"')).stdout, '<a><b><c d>\n');
    assert.equal((await sh('args `echo x`')).stdout, '<x>\n');
    assert.equal((await sh('echo $(echo $(echo nested))')).stdout, 'nested\n');
    assert.equal((await sh('X=$(echo "a  b"); args $X "$X"')).stdout, '<a><b><a  b>\n');
  });

  it('unwraps sh -c and /bin/sh -c', async () => {
    assert.equal((await sh(`/bin/sh -c 'echo one && echo two'`)).stdout, 'one\ntwo\n');
    assert.equal((await sh(`sh -c "exit 4"; echo $?`)).stdout, '4\n');
    assert.equal((await sh(`sh -c 'exit 5'`)).code, 5);
  });

  it('greps with combined flags and grep exit codes', async () => {
    assert.equal((await sh('cat /etc/motd | grep -ic hello')).stdout, '1\n');
    assert.equal((await sh('grep -v Hello /etc/motd')).stdout, 'World\n');
    const none = await sh('grep nomatch /etc/motd');
    assert.equal(none.code, 1);
    assert.equal(none.stdout, '');
    assert.equal((await sh('grep -q World /etc/motd && echo found')).stdout, 'found\n');
    assert.equal((await sh("grep -E 'Hel+o|Wor' /etc/motd")).stdout, 'Hello\nWorld\n');
    assert.equal((await sh("grep 'Hel\\+o' /etc/motd")).stdout, 'Hello\n');
    assert.equal((await sh('grep x /nonexistent')).code, 2);
  });

  it('runs the Ansible ESXi boot-marker command', async () => {
    const r = await sh('grep booted /var/log/vmksummary.log | tail -n 1');
    assert.equal(r.stdout, '2024-01-02T00:00:00.000Z bootstop: Host has booted\n');
    assert.equal(
      (await sh('tail -1 /var/log/vmksummary.log')).stdout,
      '2024-01-02T00:00:00.000Z bootstop: Host has booted\n',
    );
    assert.equal((await sh('head -n 1 /etc/motd')).stdout, 'Hello\n');
    assert.equal((await sh('wc -l /etc/motd')).stdout, '2 /etc/motd\n');
    assert.equal((await sh('cat /etc/motd | wc -l')).stdout, '2\n');
  });

  it('runs awk one-liners', async () => {
    const ps = 'WID    CID    WorldName  Command\n65949  65949  vmkdevmgr  /bin/vmkdevmgr\n';
    const m = toyMachine();
    m.readFile = (p) => (p === '/ps' ? ps : undefined);
    assert.equal((await sh("cat /ps | grep devmgr | awk '{print $1}'", m)).stdout, '65949\n');
    assert.equal((await sh("awk '/vmkdevmgr/ {print $1, $NF}' /ps", m)).stdout, '65949 /bin/vmkdevmgr\n');
    assert.equal((await sh("awk 'NR>1{print NF}' /ps", m)).stdout, '4\n');
    assert.equal((await sh("awk '{print $0}' /ps", m)).stdout, ps);
    assert.equal((await sh("echo 'a:b:c' | awk -F: '{print $2}'")).stdout, 'b\n');
    assert.equal((await sh("printf '1\\n2\\n3\\n' | awk '{s+=$1} END {print s}'")).stdout, '6\n');
  });

  it('supports test, [, for, if, while and variables', async () => {
    assert.equal((await sh('[ 3 -gt 2 ] && echo big')).stdout, 'big\n');
    assert.equal((await sh('test -n "" || echo empty')).stdout, 'empty\n');
    assert.equal((await sh('test -f /etc/motd && echo file')).stdout, 'file\n');
    assert.equal((await sh('for d in a b c; do echo "dev $d"; done')).stdout, 'dev a\ndev b\ndev c\n');
    assert.equal((await sh('if grep -q Hello /etc/motd; then echo y; else echo n; fi')).stdout, 'y\n');
    assert.equal((await sh('i=0; while [ $i -lt 3 ]; do echo x; i=3; done')).stdout, 'x\n');
  });

  it('logs the command line and passes the user', async () => {
    const m = toyMachine();
    const r = await runCommandLine(m, 'whoami', { user: 'ubuntu', signal: new AbortController().signal });
    assert.equal(r.stdout, 'ubuntu\n');
    assert.deepEqual(m.lines, ['whoami']);
  });

  it('reports syntax errors with exit 2', async () => {
    const r = await sh("echo 'unterminated");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /syntax error/);
    assert.equal((await sh('echo a &&')).code, 2);
  });

  it('stops sleep when the session aborts', async () => {
    const controller = new AbortController();
    const pending = runCommandLine(toyMachine(), 'sleep 1000; echo after', {
      user: 'root',
      signal: controller.signal,
    });
    controller.abort();
    const r = await pending;
    assert.equal(r.stdout, '');
  });
});
