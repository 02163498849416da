import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Govc } from '../activities/vcenter/govc';
import { govcRunner } from '../activities/vcenter/govc-run';
import type { VcenterRef } from '../common/vcenter-schemas';
import type { Fleet } from '../simulator/fleet';
import {
  simVcenterRef,
  startSimVcenter,
  writeSimVcenterPassword,
  type SimVcenter,
} from '../simulator/vcenter/launch';

// The demo's vCenter (issue #14): the simulated vCenter (simulator/vcenter) over the demo's fleet, as
// `npm run sim -- --vcenter` starts it, named in the inventory for one cluster only, whose hosts keep
// SSH disabled as many sites do. The simulator and the pinned govc are built on first use (Go needed),
// the way the demo gets the Temporal CLI.

const root = path.resolve(__dirname, '..');

export interface DemoVcenter {
  /** The inventory's `vcenter` entry: the password in a 0600 file beside the fleet's client key. */
  ref: VcenterRef;
  url: string;
  /** govc as an operator would run it against this vCenter. */
  govc: Govc;
  stop(): Promise<void>;
}

/** The pinned govc (scripts/vcsim.sh govc builds it once into .vcsim/bin). */
async function govcBinary(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [path.join(root, 'scripts', 'vcsim.sh'), 'govc'], {
    maxBuffer: 1 << 20,
  });
  return stdout.trim();
}

/** Starts the simulated vCenter for `fleet` (its control endpoint); its log goes to `logFile`. */
export async function startDemoVcenter(
  fleet: Fleet,
  stateDir: string,
  logFile: string,
): Promise<DemoVcenter> {
  if (!fleet.controlUrl) throw new Error('the demo fleet has no control endpoint for its vCenter');
  const binary = await govcBinary();
  const keyDir = path.dirname(fleet.clientKeyPath);
  const { password, file } = await writeSimVcenterPassword(keyDir);
  const vcenter: SimVcenter = await startSimVcenter({
    controlUrl: fleet.controlUrl,
    // Kept with the demo's state: a re-run presents the same certificate.
    tlsDir: path.join(stateDir, 'vcenter-tls'),
    password,
    log: (line) => fs.appendFileSync(logFile, `${line}\n`),
  });
  const ref = simVcenterRef(vcenter, { type: 'password-file', path: file });
  return {
    ref,
    url: vcenter.url,
    govc: new Govc(govcRunner(ref, password, binary)),
    stop: () => vcenter.stop(),
  };
}

/** SSH disabled as many sites keep it: TSM-SSH stopped and not started with the host (through vCenter). */
export async function disableSsh(govc: Govc, hosts: readonly string[]): Promise<void> {
  await Promise.all(
    hosts.map(async (name) => {
      const ssh = await govc.sshService(name);
      if (ssh.policy !== 'off') await govc.setSshPolicy(name, 'off');
      if (ssh.running) await govc.setSshRunning(name, false);
    }),
  );
}

/** "esx-09 stopped (policy off)" per host, read through vCenter; `disabled` when every one is. */
export async function sshStates(
  govc: Govc,
  hosts: readonly string[],
): Promise<{ lines: string[]; disabled: boolean }> {
  const states = await Promise.all(hosts.map(async (name) => ({ name, ssh: await govc.sshService(name) })));
  return {
    lines: states.map(
      ({ name, ssh }) => `${name} ${ssh.running ? 'running' : 'stopped'} (policy ${ssh.policy})`,
    ),
    disabled: states.every(({ ssh }) => !ssh.running && ssh.policy === 'off'),
  };
}
