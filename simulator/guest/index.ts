import type { CommandImpl, ExecResult, SimMachine } from '../machine';
import { identityFor, type IbIdentity } from './identity';
import { runIbstat } from './ibstat';
import { normalizeLink, type GuestLinkInput, type NormalizedLink } from './link';
import { runPerftest } from './perftest';
import type { PerftestFabric } from './fabric';

// A simulated Linux guest VM with an InfiniBand SR-IOV VF (mlx5_0) and perftest, for the bandwidth
// validation procedure. The simulator's shell runs its programs (`commands`); they are:
//   hostname, uname [-a|-n|-r|-s|-m], ibstat [-l|-p|-s] [CA [port]],
//   ib_send_bw / ib_write_bw / ib_read_bw (perftest: server without an address, client with one).
//
// The link model — how the fleet launcher wires a guest to the rest of the fleet:
//   linkState() is called whenever a command looks at the port, and returns either a GuestLinkState
//   ({ devicePresent?, up, portState?, reason?, factor? }) or a plain number (a bandwidth factor; <= 0 is
//   down). Compute it from the ESXi host model and the switch with guestLinkFromTopology():
//
//     const guest = createGuestMachine({
//       name: 'vm-a', dataAddress: '192.168.130.10', fabric,
//       linkState: () => guestLinkFromTopology({ hostHasVfs: host.hasVfs(), subnetManager: sw.state }),
//     });
//
//   - host without VFs          -> devicePresent false: ibstat prints nothing, perftest "Did not detect devices"
//   - no SM running             -> port Initializing: perftest " Port number 1 state is Init"
//   - SM without virtualization -> port Down: perftest " Port number 1 state is Down"
//   - all good                  -> Active; bandwidth = fabric line rate × efficiency × factor
//
// PerftestFabric (one per simulated fleet) pairs servers and clients by dataAddress:port and decides the
// achieved bandwidth (bandwidth.ts): deterministic for a seed and sequence of runs.

export { PerftestFabric } from './fabric';
export type { PerftestFabricOptions, PerftestEndpoint, ServerOutcome } from './fabric';
export { guestLinkFromTopology, normalizeLink } from './link';
export type { GuestLinkState, GuestLinkInput, IbPortState, NormalizedLink, SubnetManagerView } from './link';
export type { IbIdentity } from './identity';
export { parsePerftestArgs } from './perftest-args';
export type { PerftestArgs, PerftestVerb } from './perftest-args';
export { measure, messageSizes, seededRandom } from './bandwidth';
export type { BandwidthModel, MeasuredRow } from './bandwidth';

export interface GuestOptions {
  name: string;
  /** Address perftest clients use to reach this guest (IPoIB / data network). */
  dataAddress: string;
  /** IB device of the VF; default "mlx5_0". */
  ibDevice?: string;
  fabric: PerftestFabric;
  /** See the header comment; default: always Active at full speed. */
  linkState?: () => GuestLinkInput;
  /** Port rate ibstat shows, Gb/s; default the fabric's line rate. */
  rateGbps?: number;
  /** Override parts of the derived IB identity (LID, GUIDs, firmware...). */
  identity?: Partial<IbIdentity>;
  /** uname -r; default an Ubuntu 22.04 kernel. */
  kernelRelease?: string;
}

export interface GuestMachine extends SimMachine {
  readonly kind: 'guest';
  readonly commands: Map<string, CommandImpl>;
  readonly paths: Set<string>;
  readonly dataAddress: string;
  readonly ibDevice: string;
  readonly identity: IbIdentity;
  /** The link as commands see it right now. */
  link: () => NormalizedLink;
}

const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', code: 0 });

export function createGuestMachine(opts: GuestOptions): GuestMachine {
  const ibDevice = opts.ibDevice ?? 'mlx5_0';
  const identity = identityFor(opts.name, opts.identity);
  const kernel = opts.kernelRelease ?? '5.15.0-91-generic';
  const rate = opts.rateGbps ?? opts.fabric.model.lineRateGbps;
  const linkState = opts.linkState ?? (() => ({ up: true }));
  const link = () => normalizeLink(linkState());

  const uname = (argv: string[]): ExecResult => {
    const flags = argv.slice(1).join('');
    const parts: Record<string, string> = {
      s: 'Linux',
      n: opts.name,
      r: kernel,
      v: '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023',
      m: 'x86_64',
    };
    if (flags.includes('a')) {
      return ok(`Linux ${opts.name} ${kernel} ${parts.v} x86_64 x86_64 x86_64 GNU/Linux\n`);
    }
    const wanted = [...'snrvm'].filter((f) => flags.includes(f));
    return ok((wanted.length ? wanted.map((f) => parts[f]) : ['Linux']).join(' ') + '\n');
  };

  const perftestHost = {
    guest: opts.name,
    dataAddress: opts.dataAddress,
    device: ibDevice,
    lid: identity.lid,
    link,
    fabric: opts.fabric,
  };
  const ibstatDevice = () => {
    const l = link();
    return l.devicePresent ? { name: ibDevice, identity, link: l, rate } : undefined;
  };

  const commands = new Map<string, CommandImpl>([
    ['hostname', () => ok(`${opts.name}\n`)],
    ['uname', uname],
    ['ibstat', (argv) => runIbstat(argv, ibstatDevice())],
    ['ib_send_bw', (argv, ctx) => runPerftest(argv, ctx, perftestHost)],
    ['ib_write_bw', (argv, ctx) => runPerftest(argv, ctx, perftestHost)],
    ['ib_read_bw', (argv, ctx) => runPerftest(argv, ctx, perftestHost)],
  ]);
  const paths = new Set([
    '/usr/bin/hostname',
    '/usr/bin/uname',
    '/usr/sbin/ibstat',
    '/usr/bin/ib_send_bw',
    '/usr/bin/ib_write_bw',
    '/usr/bin/ib_read_bw',
  ]);
  const files: Record<string, string> = {
    '/etc/hostname': `${opts.name}\n`,
    '/etc/os-release':
      'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
  };

  return {
    name: opts.name,
    kind: 'guest',
    commands,
    paths,
    dataAddress: opts.dataAddress,
    ibDevice,
    identity,
    link,
    readFile: (path: string) => files[path],
  };
}
