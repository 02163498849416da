import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HostRef } from '../common/targets';
import { wrap } from './child-process';
import { TreeSampler, type TreeUsage } from './proc-stats';
import { renderInventory, renderPlaybook } from './ansible-playbook';

// Runs the Ansible baseline against a running simulated fleet and measures it: makespan (process
// start to exit), CPU of ansible-playbook and everything it ran (reaped children via the shell's
// `times`, plus the daemonized ssh ControlMaster processes sampled from /proc), and peak memory.

export interface AnsibleRunOptions {
  hosts: readonly HostRef[];
  keyFile: string;
  knownHostsFile: string;
  /** serial and forks. */
  parallel: number;
  pollDelaySeconds: number;
  bootDeadlineSeconds: number;
  workDir: string;
}

export interface AnsibleRun {
  startedAtMs: number;
  finishedAtMs: number;
  makespanMs: number;
  exitCode: number | string;
  /** From the PLAY RECAP: hosts with failed or unreachable tasks. */
  failedHosts: number;
  okHosts: number;
  /** ansible-playbook, its forks and the ssh clients they ran (reaped children), seconds. */
  reapedCpuSeconds: number;
  /** Daemonized ssh ControlMaster processes (sampled), seconds. */
  controlMasterCpuSeconds: number;
  cpuSeconds: number;
  usage: TreeUsage;
  logFile: string;
}

export function ansiblePlaybookPath(): string | undefined {
  try {
    return (
      execFileSync('bash', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

export function ansibleVersion(): string | undefined {
  try {
    return execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

/** `times` prints the shell's then its children's user and system time: "1m2.345s 0m0.120s". */
function parseTimes(text: string): number {
  const lines = text.trim().split('\n');
  const children = lines[lines.length - 1] ?? '';
  let total = 0;
  for (const m of children.matchAll(/(\d+)m([\d.]+)s/g)) total += Number(m[1]) * 60 + Number(m[2]);
  return total;
}

function parseRecap(log: string): { ok: number; failed: number } {
  let ok = 0;
  let failed = 0;
  const recap = log.slice(log.lastIndexOf('PLAY RECAP'));
  for (const m of recap.matchAll(/^\S+\s+:\s+ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    if (Number(m[1]) > 0 || Number(m[2]) > 0) failed += 1;
    else ok += 1;
  }
  return { ok, failed };
}

export async function runAnsible(o: AnsibleRunOptions): Promise<AnsibleRun> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const cpDir = fs.mkdtempSync(path.join(o.workDir, 'cp-'));
  const inventoryFile = path.join(o.workDir, 'inventory.ini');
  const playbookFile = path.join(o.workDir, 'recovery-cycle.yml');
  const timesFile = path.join(o.workDir, 'times.txt');
  const logFile = path.join(o.workDir, 'ansible.log');
  fs.writeFileSync(
    inventoryFile,
    renderInventory(
      o.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })),
      { keyFile: o.keyFile, knownHostsFile: o.knownHostsFile },
    ),
  );
  fs.writeFileSync(
    playbookFile,
    renderPlaybook({
      serial: o.parallel,
      pollDelaySeconds: o.pollDelaySeconds,
      bootDeadlineSeconds: o.bootDeadlineSeconds,
    }),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    ANSIBLE_CONFIG: path.join(o.workDir, 'none.cfg'),
    ANSIBLE_HOME: path.join(o.workDir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: path.join(o.workDir, 'ansible-tmp'),
    ANSIBLE_FORKS: String(o.parallel),
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_SSH_CONTROL_PATH_DIR: cpDir,
    ANSIBLE_TIMEOUT: '10',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
  };
  const log = fs.openSync(logFile, 'w');
  const startedAtMs = Date.now();
  // bash reports, via `times`, the CPU of every process ansible-playbook ran and reaped.
  const proc = spawn(
    'bash',
    [
      '-c',
      'ansible-playbook -i "$1" "$2"; rc=$?; times > "$3"; exit $rc',
      'bench-ansible',
      inventoryFile,
      playbookFile,
      timesFile,
    ],
    { cwd: o.workDir, env, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const child = wrap(proc);
  const sampler = new TreeSampler(() => [child.pid], { comm: 'ssh', cmdline: cpDir }, 500);
  sampler.start();
  const exitCode = await child.exited;
  const finishedAtMs = Date.now();
  // ControlMaster processes outlive the play (ControlPersist): sample them once more, then end them.
  const masters = sampler.livingMatched();
  const usage = sampler.stop();
  for (const pid of masters) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const reapedCpuSeconds = fs.existsSync(timesFile)
    ? parseTimes(fs.readFileSync(timesFile, 'utf8'))
    : usage.sampledCpuSeconds;
  const recap = parseRecap(fs.readFileSync(logFile, 'utf8'));
  return {
    startedAtMs,
    finishedAtMs,
    makespanMs: finishedAtMs - startedAtMs,
    exitCode,
    failedHosts: recap.failed,
    okHosts: recap.ok,
    reapedCpuSeconds,
    controlMasterCpuSeconds: usage.matchedCpuSeconds,
    cpuSeconds: reapedCpuSeconds + usage.matchedCpuSeconds,
    usage,
    logFile,
  };
}
