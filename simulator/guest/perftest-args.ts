// Command-line parsing of ib_send_bw / ib_write_bw / ib_read_bw, getopt_long style as perftest does it:
// short options may be grouped ("-aF") or glued to their value ("-q4"), long options take "=value" or
// the next word and may be abbreviated to a unique prefix ("--report_gbit"), and the server address may
// appear anywhere (GNU getopt permutes arguments).

export type PerftestVerb = 'send' | 'write' | 'read';

export const VERB_OF_PROGRAM: Record<string, PerftestVerb> = {
  ib_send_bw: 'send',
  ib_write_bw: 'write',
  ib_read_bw: 'read',
};

export interface PerftestArgs {
  verb: PerftestVerb;
  /** -d; undefined = first device. */
  device?: string;
  /** -p, TCP port of the out-of-band exchange (default 18515). */
  port: number;
  /** -i. */
  ibPort: number;
  /** -q. */
  qps: number;
  /** -s (ignored with -a). */
  size: number;
  /** -a: sizes 2..8388608. */
  all: boolean;
  /** -n; default 5000 for write, 1000 otherwise. */
  iters: number;
  /** -b. */
  bidirectional: boolean;
  /** --report_gbits (else MiB/sec). */
  reportGbits: boolean;
  /** -F. */
  cpuFreqWarningOff: boolean;
  /** --limit_bw / -w, in the report unit. */
  limitBw?: number;
  /** The server address (client mode) or undefined (server mode). */
  server?: string;
}

export const MAX_SIZE = 8388608;
export const DEFAULT_PORT = 18515;

interface OptionSpec {
  short?: string;
  long: string;
  hasArg: boolean;
  /** Real perftest options the simulator does not model. */
  unsupported?: boolean;
  /** Accepted and ignored (no effect on the simulated output). */
  ignored?: boolean;
}

const OPTIONS: OptionSpec[] = [
  { short: 'a', long: 'all', hasArg: false },
  { short: 'b', long: 'bidirectional', hasArg: false },
  { short: 'd', long: 'ib-dev', hasArg: true },
  { short: 'p', long: 'port', hasArg: true },
  { short: 'i', long: 'ib-port', hasArg: true },
  { short: 'q', long: 'qp', hasArg: true },
  { short: 's', long: 'size', hasArg: true },
  { short: 'n', long: 'iters', hasArg: true },
  { short: 'F', long: 'CPU-freq', hasArg: false },
  { short: 'w', long: 'limit_bw', hasArg: true },
  { long: 'report_gbits', hasArg: false },
  { short: 'm', long: 'mtu', hasArg: true, ignored: true },
  { short: 't', long: 'tx-depth', hasArg: true, ignored: true },
  { short: 'r', long: 'rx-depth', hasArg: true, ignored: true },
  { short: 'Q', long: 'cq-mod', hasArg: true, ignored: true },
  { short: 'x', long: 'gid-index', hasArg: true, ignored: true },
  { short: 'c', long: 'connection', hasArg: true },
  { short: 'o', long: 'outs', hasArg: true, ignored: true },
  { short: 'D', long: 'duration', hasArg: true, unsupported: true },
  { short: 'R', long: 'rdma_cm', hasArg: false, unsupported: true },
  { short: 'O', long: 'dualport', hasArg: false, unsupported: true },
  { short: 'e', long: 'events', hasArg: false, unsupported: true },
  { short: 'h', long: 'help', hasArg: false, unsupported: true },
  { short: 'V', long: 'version', hasArg: false, unsupported: true },
  { long: 'run_infinitely', hasArg: false, unsupported: true },
  { long: 'report-both', hasArg: false, unsupported: true },
  { long: 'report_per_port', hasArg: false, unsupported: true },
  { long: 'output', hasArg: true, unsupported: true },
];

export class PerftestUsageError extends Error {}

function findLong(name: string): OptionSpec {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const prefixed = OPTIONS.filter((o) => o.long.startsWith(name));
  if (prefixed.length === 1) return prefixed[0];
  throw new PerftestUsageError(
    prefixed.length > 1 ? `option '--${name}' is ambiguous` : `unrecognized option '--${name}'`,
  );
}

function intArg(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new PerftestUsageError(`invalid value '${value}' for ${name}`);
  const n = Number(value);
  if (n < min || n > max) throw new PerftestUsageError(`${name} must be between ${min} and ${max}`);
  return n;
}

/** Parses argv (argv[0] is the program name). Throws PerftestUsageError on a bad command line. */
export function parsePerftestArgs(argv: string[]): PerftestArgs {
  const program = (argv[0] ?? '').split('/').pop() ?? '';
  const verb = VERB_OF_PROGRAM[program];
  if (!verb) throw new PerftestUsageError(`unknown perftest program ${program}`);
  const args: PerftestArgs = {
    verb,
    port: DEFAULT_PORT,
    ibPort: 1,
    qps: 1,
    size: 65536,
    all: false,
    iters: verb === 'write' ? 5000 : 1000,
    bidirectional: false,
    reportGbits: false,
    cpuFreqWarningOff: false,
  };
  const positional: string[] = [];

  const apply = (spec: OptionSpec, value: string | undefined): void => {
    const label = spec.short ? `-${spec.short}` : `--${spec.long}`;
    if (spec.unsupported) throw new PerftestUsageError(`option ${label} is not simulated`);
    if (spec.ignored) return;
    const v = value ?? '';
    switch (spec.long) {
      case 'all':
        args.all = true;
        break;
      case 'bidirectional':
        args.bidirectional = true;
        break;
      case 'ib-dev':
        args.device = v;
        break;
      case 'port':
        args.port = intArg(label, v, 1, 65535);
        break;
      case 'ib-port':
        args.ibPort = intArg(label, v, 1, 2);
        break;
      case 'qp':
        args.qps = intArg(label, v, 1, 16384);
        break;
      case 'size':
        args.size = intArg(label, v, 1, MAX_SIZE);
        break;
      case 'iters':
        args.iters = intArg(label, v, 5, 100_000_000);
        break;
      case 'CPU-freq':
        args.cpuFreqWarningOff = true;
        break;
      case 'limit_bw': {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0) throw new PerftestUsageError(`invalid value '${v}' for ${label}`);
        args.limitBw = n;
        break;
      }
      case 'report_gbits':
        args.reportGbits = true;
        break;
      case 'connection':
        if (v !== 'RC') throw new PerftestUsageError(`connection type ${v} is not simulated (only RC)`);
        break;
    }
  };

  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = findLong(name);
      let value: string | undefined;
      if (spec.hasArg) {
        if (eq >= 0) value = a.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        else throw new PerftestUsageError(`option '--${spec.long}' requires an argument`);
      } else if (eq >= 0) {
        throw new PerftestUsageError(`option '--${spec.long}' doesn't allow an argument`);
      }
      apply(spec, value);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const spec = OPTIONS.find((o) => o.short === a[j]);
        if (!spec) throw new PerftestUsageError(`invalid option -- '${a[j]}'`);
        if (spec.hasArg) {
          let value = a.slice(j + 1);
          if (value === '') {
            if (i + 1 >= argv.length)
              throw new PerftestUsageError(`option requires an argument -- '${a[j]}'`);
            value = argv[++i];
          }
          apply(spec, value);
          break;
        }
        apply(spec, undefined);
      }
    } else {
      positional.push(a);
    }
  }
  if (positional.length > 1) throw new PerftestUsageError(`unexpected argument '${positional[1]}'`);
  args.server = positional[0];
  return args;
}
