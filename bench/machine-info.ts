import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { temporalCli } from '../scripts/dev-server';
import { ansibleVersion } from './ansible-run';

// Where and with what a benchmark ran.

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  loadAverageAtStart: number[];
  node: string;
  temporalCli: string;
  ansible?: string;
  openssh?: string;
}

function quiet(cmd: string, args: string[]): string | undefined {
  try {
    const r = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return r.trim() || undefined;
  } catch (err) {
    // `ssh -V` prints to stderr.
    const stderr = (err as { stderr?: string }).stderr;
    return stderr?.trim() || undefined;
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let openssh: string | undefined;
  try {
    openssh =
      execFileSync('ssh', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() ||
      undefined;
  } catch {
    openssh = undefined;
  }
  openssh ??= quiet('bash', ['-c', 'ssh -V 2>&1']);
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    temporalCli: quiet(temporalCli(), ['--version']) ?? 'unknown',
    ansible: ansibleVersion(),
    openssh,
  };
}
