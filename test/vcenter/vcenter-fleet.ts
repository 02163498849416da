import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Govc } from '../../activities/vcenter/govc';
import { govcRunner } from '../../activities/vcenter/govc-run';
import type { VcenterRef } from '../../common/vcenter-schemas';
import { startFleet, type Fleet, type FleetOptions } from '../../simulator/fleet';
import {
  simVcenterRef,
  startSimVcenter,
  writeSimVcenterPassword,
  type SimVcenter,
} from '../../simulator/vcenter/launch';
import { repoRoot } from '../helpers/temporal-cli';
import { tcpProbe } from '../simulator/ssh-helpers';

// A simulated fleet with its simulated vCenter (simulator/vcenter) and a govc client of it, as
// `npm run sim -- --vcenter` and a worker would set them up. The builds (the simulator's Go program,
// the pinned govc) are made here when missing, so one test file runs on its own.

export interface VcenterFleet {
  fleet: Fleet;
  vcenter: SimVcenter;
  /** As the inventory names it: the password in a 0600 file beside the fleet's client key. */
  ref: VcenterRef;
  password: string;
  govc: Govc;
  stop(): Promise<void>;
}

export async function buildGovc(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(repoRoot, 'scripts/vcsim.sh'), 'govc']);
  return stdout.trim();
}

export async function startVcenterFleet(opts: FleetOptions): Promise<VcenterFleet> {
  const binary = await buildGovc();
  const fleet = await startFleet(opts);
  try {
    const keyDir = join(fleet.clientKeyPath, '..');
    const { password, file } = await writeSimVcenterPassword(keyDir);
    const vcenter = await startSimVcenter({
      controlUrl: fleet.controlUrl,
      tlsDir: join(keyDir, 'vcenter-tls'),
      password,
      log: (line) => {
        if (process.env.IBFLEET_TEST_LOG) process.stderr.write(`vcenter: ${line}\n`);
      },
    });
    const ref = simVcenterRef(vcenter, { type: 'password-file', path: file });
    return {
      fleet,
      vcenter,
      ref,
      password,
      govc: new Govc(govcRunner(ref, password, binary)),
      stop: async () => {
        await vcenter.stop();
        await fleet.stop();
      },
    };
  } catch (err) {
    await fleet.stop();
    throw err;
  }
}

/** SSH disabled as many sites keep it: TSM-SSH stopped and not started with the host; the port refuses. */
export async function disableSsh(vf: VcenterFleet, name: string): Promise<void> {
  await vf.govc.setSshPolicy(name, 'off');
  await vf.govc.setSshRunning(name, false);
  assert.equal(await tcpProbe(vf.fleet.host(name).port), 'ECONNREFUSED');
}

/** SSH read back through vCenter (stopped, policy off), and the port refuses. */
export async function assertSshDisabled(vf: VcenterFleet, name: string): Promise<void> {
  const ssh = await vf.govc.sshService(name);
  assert.deepEqual({ running: ssh.running, policy: ssh.policy }, { running: false, policy: 'off' });
  assert.equal(await tcpProbe(vf.fleet.host(name).port), 'ECONNREFUSED', `${name}: SSH port refuses`);
}
