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
// Every govc run costs a process, a login and a few round trips (1-2 s on a busy simulator): the
// ids of the hosts are remembered (HostIds) so that acting on a host needs no lookup first.

export const SSH_SERVICE = 'TSM-SSH';

/**
 * Host name -> managed object id for one vCenter, shared by every Govc of this process (the
 * worker's activities), the least recently used forgotten beyond `max`. vCenter never gives an id
 * to another object, so an id can only go stale (the host removed and added again: "not found",
 * then looked up again), never name another host; a host whose name two hosts share is not kept.
 * Reads of a host's state always ask vCenter (and refresh the ids).
 */
export class HostIds {
  private readonly ids = new Map<string, string>();

  constructor(readonly max = 5_000) {}

  get(name: string): string | undefined {
    const id = this.ids.get(name);
    if (id !== undefined) {
      this.ids.delete(name);
      this.ids.set(name, id);
    }
    return id;
  }

  /** Remembers the ids of `hosts` (a full list: a name it holds twice is forgotten). */
  learn(hosts: readonly VcenterHost[]): void {
    const count = new Map<string, number>();
    for (const h of hosts) count.set(h.name, (count.get(h.name) ?? 0) + 1);
    for (const h of hosts) {
      this.ids.delete(h.name);
      if (count.get(h.name) === 1) this.ids.set(h.name, h.moref);
    }
    for (const oldest of this.ids.keys()) {
      if (this.ids.size <= this.max) break;
      this.ids.delete(oldest);
    }
  }

  forget(name: string): void {
    this.ids.delete(name);
  }

  get size(): number {
    return this.ids.size;
  }
}

const MAX_VCENTERS = 64;
const hostIdsByVcenter = new Map<string, HostIds>();

/** The host ids of `vcenter` for this process: the same URL presenting another certificate is another vCenter. */
export function hostIdsOf(vcenter: Pick<VcenterRef, 'url' | 'thumbprint'>): HostIds {
  const key = `${vcenter.url} ${vcenter.thumbprint}`;
  let ids = hostIdsByVcenter.get(key);
  if (!ids) {
    if (hostIdsByVcenter.size >= MAX_VCENTERS)
      hostIdsByVcenter.delete(hostIdsByVcenter.keys().next().value as string);
    ids = new HostIds();
    hostIdsByVcenter.set(key, ids);
  }
  return ids;
}

export interface VcenterHostState extends VcenterHost {
  /** The VMs registered on the host, with their devices. */
  vmDetails: VcenterVm[];
}

export class Govc {
  constructor(
    private readonly run: GovcRunner,
    private readonly ids: HostIds = new HostIds(),
  ) {}

  /** A client for `vcenter`, its password read on this machine (the worker); host ids shared in the process. */
  static connect(
    vcenter: VcenterRef,
    env: Environment = process.env,
    policy: CredentialPolicy = credentialPolicyFromEnv(env),
  ): Govc {
    return new Govc(
      govcRunner(vcenter, readVcenterPassword(vcenter.credential, env, policy)),
      hostIdsOf(vcenter),
    );
  }

  async hosts(): Promise<VcenterHost[]> {
    const hosts = parseHosts(
      await this.run(['object.collect', '-json', '-type', 'h', '/', ...HOST_PROPERTIES]),
    );
    this.ids.learn(hosts);
    return hosts;
  }

  async vms(): Promise<VcenterVm[]> {
    return parseVms(await this.run(['object.collect', '-json', '-type', 'm', '/', ...VM_PROPERTIES]));
  }

  async clusters(): Promise<VcenterCluster[]> {
    return parseClusters(
      await this.run(['object.collect', '-json', '-type', 'c', '/', ...CLUSTER_PROPERTIES]),
    );
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
    return parseServices(await this.onHost(name, (host) => ['host.service.ls', '-json', '-host', host]));
  }

  /** The host's TSM-SSH service: running, and its start policy. */
  async sshService(name: string): Promise<VcenterService> {
    const ssh = (await this.services(name)).find((s) => s.key === SSH_SERVICE);
    if (!ssh) throw new VcenterError('not-found', `host ${name} lists no ${SSH_SERVICE} service`);
    return ssh;
  }

  async setSshRunning(name: string, running: boolean): Promise<void> {
    await this.onHost(name, (host) => [
      'host.service',
      '-host',
      host,
      running ? 'start' : 'stop',
      SSH_SERVICE,
    ]);
  }

  /** "on": started with the host; "off": started and stopped by hand (govc cannot set "automatic"). */
  async setSshPolicy(name: string, policy: 'on' | 'off'): Promise<void> {
    await this.onHost(name, (host) => [
      'host.service',
      '-host',
      host,
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
    const timeoutMs = o.timeoutSeconds > 0 ? (o.timeoutSeconds + 60) * 1000 : 24 * 3600 * 1000;
    await this.onHost(
      name,
      (host) => ['host.maintenance.enter', '-timeout', String(o.timeoutSeconds), host],
      { timeoutMs },
    );
  }

  async exitMaintenance(name: string): Promise<void> {
    await this.onHost(name, (host) => ['host.maintenance.exit', host]);
  }

  /** RebootHost_Task; without `force` the host must be in maintenance mode. Returns once accepted. */
  async reboot(name: string, o: { force?: boolean } = {}): Promise<void> {
    await this.onHost(name, (host) => ['host.shutdown', '-r', ...(o.force ? ['-f'] : []), host]);
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

  /**
   * Runs the govc command `args(host)` on the host named `name` by its managed object id: the one
   * remembered, else looked up. A remembered id vCenter no longer knows is forgotten and looked up
   * again, once (nothing was done on a host that was not found).
   */
  private async onHost(
    name: string,
    args: (host: string) => string[],
    o?: { timeoutMs?: number },
  ): Promise<string> {
    const known = this.ids.get(name);
    if (known !== undefined) {
      try {
        return await this.run(args(hostArg(known)), o);
      } catch (err) {
        if (!(err instanceof VcenterError) || err.kind !== 'not-found') throw err;
        this.ids.forget(name);
      }
    }
    return await this.run(args(hostArg((await this.host(name)).moref)), o);
  }
}

function hostArg(moref: string): string {
  return `HostSystem:${moref}`;
}
