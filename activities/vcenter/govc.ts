import { GOVC_VSAN_MODE, type VcenterRef } from '../../common/vcenter-schemas';
import { credentialPolicyFromEnv, type CredentialPolicy } from '../ssh/credential-policy';
import { govcRunner, readVcenterPassword, VcenterError, type Environment, type GovcRunner } from './govc-run';
import {
  CLUSTER_PROPERTIES,
  HOST_PROPERTIES,
  parseClusters,
  parseHosts,
  parseServices,
  parseVms,
  VM_PROPERTIES,
  type VcenterCluster,
  type VcenterHost,
  type VcenterService,
  type VcenterVm,
} from './parsers';

// What ibfleet asks of a vCenter, through govc (the standard vSphere CLI; README "vCenter: govc"):
// a host's state and VMs, its SSH service (TSM-SSH), maintenance mode, reboot, VM power. Hosts are
// named as in the inventory and acted on by managed object id, so several datacenters are no
// obstacle. Each call reads or acts once; callers decide what to wait for and what to retry.

export const SSH_SERVICE = 'TSM-SSH';

export interface VcenterHostState extends VcenterHost {
  /** The VMs registered on the host, with their devices. */
  vmDetails: VcenterVm[];
}

export class Govc {
  constructor(private readonly run: GovcRunner) {}

  /** A client for `vcenter`, its password read on this machine (the worker). */
  static connect(
    vcenter: VcenterRef,
    env: Environment = process.env,
    policy: CredentialPolicy = credentialPolicyFromEnv(env),
  ): Govc {
    return new Govc(govcRunner(vcenter, readVcenterPassword(vcenter.credential, env, policy)));
  }

  async hosts(): Promise<VcenterHost[]> {
    return parseHosts(await this.run(['object.collect', '-json', '-type', 'h', '/', ...HOST_PROPERTIES]));
  }

  async vms(): Promise<VcenterVm[]> {
    return parseVms(await this.run(['object.collect', '-json', '-type', 'm', '/', ...VM_PROPERTIES]));
  }

  async clusters(): Promise<VcenterCluster[]> {
    return parseClusters(
      await this.run(['object.collect', '-json', '-type', 'c', '/', ...CLUSTER_PROPERTIES]),
    );
  }

  /** The cluster holding the host with managed object id `hostMoref`; undefined for a standalone host. */
  async clusterOf(hostMoref: string): Promise<VcenterCluster | undefined> {
    return (await this.clusters()).find((c) => c.hosts.includes(hostMoref));
  }

  /** The host named `name` in the inventory; a vCenter that does not know it is an error. */
  async host(name: string): Promise<VcenterHost> {
    const matches = (await this.hosts()).filter((h) => h.name === name);
    if (matches.length === 1) return matches[0];
    throw new VcenterError(
      'not-found',
      matches.length === 0
        ? `vCenter has no host named ${name}`
        : `vCenter has ${matches.length} hosts named ${name}`,
    );
  }

  /** Connection, maintenance mode, boot time and VMs (with their devices) of one host. */
  async hostState(name: string): Promise<VcenterHostState> {
    const host = await this.host(name);
    const vmDetails = host.vms.length === 0 ? [] : (await this.vms()).filter((vm) => vm.host === host.moref);
    return { ...host, vmDetails };
  }

  async services(name: string): Promise<VcenterService[]> {
    const host = await this.host(name);
    return parseServices(await this.run(['host.service.ls', '-json', '-host', hostArg(host)]));
  }

  /** The host's TSM-SSH service: running, and its start policy. */
  async sshService(name: string): Promise<VcenterService> {
    const ssh = (await this.services(name)).find((s) => s.key === SSH_SERVICE);
    if (!ssh) throw new VcenterError('not-found', `host ${name} lists no ${SSH_SERVICE} service`);
    return ssh;
  }

  async setSshRunning(name: string, running: boolean): Promise<void> {
    const host = await this.host(name);
    await this.run(['host.service', '-host', hostArg(host), running ? 'start' : 'stop', SSH_SERVICE]);
  }

  /** "on": started with the host; "off": started and stopped by hand (govc cannot set "automatic"). */
  async setSshPolicy(name: string, policy: 'on' | 'off'): Promise<void> {
    const host = await this.host(name);
    await this.run([
      'host.service',
      '-host',
      hostArg(host),
      policy === 'on' ? 'enable' : 'disable',
      SSH_SERVICE,
    ]);
  }

  /**
   * EnterMaintenanceMode_Task: DRS evacuates what it can; fails with kind 'timedout' when VMs remain
   * after `timeoutSeconds` (0: wait without limit).
   */
  async enterMaintenance(name: string, o: { timeoutSeconds: number; vsanMode?: string }): Promise<void> {
    if (o.vsanMode !== undefined && o.vsanMode !== GOVC_VSAN_MODE)
      throw new VcenterError(
        'unsupported',
        `vSAN mode ${o.vsanMode} cannot be sent through govc v0.46.3 (it sends none: vCenter uses ${GOVC_VSAN_MODE})`,
      );
    const host = await this.host(name);
    const timeoutMs = o.timeoutSeconds > 0 ? (o.timeoutSeconds + 60) * 1000 : 24 * 3600 * 1000;
    await this.run(['host.maintenance.enter', '-timeout', String(o.timeoutSeconds), hostArg(host)], {
      timeoutMs,
    });
  }

  async exitMaintenance(name: string): Promise<void> {
    const host = await this.host(name);
    await this.run(['host.maintenance.exit', hostArg(host)]);
  }

  /** RebootHost_Task; without `force` the host must be in maintenance mode. Returns once accepted. */
  async reboot(name: string, o: { force?: boolean } = {}): Promise<void> {
    const host = await this.host(name);
    await this.run(['host.shutdown', '-r', ...(o.force ? ['-f'] : []), hostArg(host)]);
  }

  /** Power on, power off, or ask the guest to shut down (returns at once; the VM stops later). */
  async vmPower(vmName: string, op: 'on' | 'off' | 'shutdown'): Promise<void> {
    const matches = (await this.vms()).filter((vm) => vm.name === vmName);
    if (matches.length !== 1)
      throw new VcenterError(
        'not-found',
        `vCenter has ${matches.length === 0 ? 'no' : matches.length} VM named ${vmName}`,
      );
    const flag = op === 'on' ? '-on' : op === 'off' ? '-off' : '-s';
    await this.run(['vm.power', flag, `VirtualMachine:${matches[0].moref}`]);
  }
}

function hostArg(host: VcenterHost): string {
  return `HostSystem:${host.moref}`;
}
