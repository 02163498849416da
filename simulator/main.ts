import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { FAULT_SPEC_HELP } from './faults';
import type { MstPathStyle } from './esxi/state';
import { parseVmMix, type VmMix } from './esxi/vm-spec';
import { startFleet, type FleetOptions } from './fleet';
import { keyDirsSetting, renderInventoryYaml } from './inventory-yaml';
import { simVcenterRef, startSimVcenter, writeSimVcenterPassword, type SimVcenter } from './vcenter/launch';
import type { VcenterRef } from '../common/vcenter-schemas';

// `npm run sim -- --hosts N ...`: starts a simulated fleet (ESXi hosts, switches, guest pairs) over
// real SSH on 127.0.0.1, writes its inventory, prints one "ready" line and runs until SIGINT/SIGTERM.

function int(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** "30" or "20-40" (seconds or ms, scaled by `factor`). */
function range(name: string, factor: number) {
  return (value: string): number | [number, number] => {
    const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value);
    if (!m) throw new InvalidArgumentError(`${name} must be a number or a range like 20-40`);
    const a = Math.round(parseFloat(m[1]) * factor);
    if (m[2] === undefined) return a;
    const b = Math.round(parseFloat(m[2]) * factor);
    if (b < a) throw new InvalidArgumentError(`${name}: the range must go from low to high`);
    return [a, b];
  };
}

interface CliOptions {
  hosts: number;
  clusters: number;
  switches: number;
  guests: number;
  bootSeconds?: number | [number, number];
  commandLatencyMs?: number | [number, number];
  stateDir?: string;
  inventoryOut?: string;
  knownHostsOut?: string;
  faults?: string;
  faultsFile?: string;
  portBase?: number;
  controlPort?: number;
  seed: number;
  passwordEnv?: string;
  cards?: string;
  quickBoot?: boolean;
  hiddenCards?: boolean;
  mstPaths?: MstPathStyle;
  esxiVersion?: string;
  vms?: number | [number, number];
  vmShutdownSeconds?: number | [number, number];
  vmMix?: VmMix;
  vcenter?: boolean;
}

const VCENTER_PASSWORD_ENV = 'IBFLEET_VCENTER_PASSWORD';

/**
 * The simulated vCenter of a started fleet. Its password is $IBFLEET_VCENTER_PASSWORD when set (the
 * inventory names the variable), else a new one in a 0600 file beside the fleet's client key.
 */
async function startVcenter(controlUrl: string, keyDir: string): Promise<[SimVcenter, VcenterRef]> {
  const fromEnv = process.env[VCENTER_PASSWORD_ENV];
  const generated = fromEnv ? undefined : await writeSimVcenterPassword(keyDir);
  const vc = await startSimVcenter({
    controlUrl,
    tlsDir: join(keyDir, 'vcenter-tls'),
    password: fromEnv ?? (generated?.password as string),
    log: (line) => process.stderr.write(`sim: vcenter: ${line}\n`),
  });
  const credential: VcenterRef['credential'] = generated
    ? { type: 'password-file', path: generated.file }
    : { type: 'password-env', env: VCENTER_PASSWORD_ENV };
  return [vc, simVcenterRef(vc, credential)];
}

/** "functions,cr-space,vmklinux" → MstPathStyle. */
function parseMstPaths(value: string): MstPathStyle {
  const kinds: Record<string, keyof MstPathStyle> = {
    functions: 'functions',
    'cr-space': 'crSpace',
    vmklinux: 'vmklinux',
  };
  const style: MstPathStyle = {};
  for (const word of value.split(',').map((w) => w.trim())) {
    const key = kinds[word];
    if (!key)
      throw new InvalidArgumentError(`--mst-paths: "${word}" is not one of ${Object.keys(kinds).join(', ')}`);
    style[key] = true;
  }
  return style;
}

async function main(): Promise<void> {
  const program = new Command('sim')
    .description(
      'Simulated fleet of ESXi 8 hosts with ConnectX cards, MLNX-OS switches and Linux guests, over real SSH on 127.0.0.1.',
    )
    .option('--hosts <n>', 'ESXi hosts', int('--hosts', 0), 3)
    .option('--clusters <n>', 'clusters (hosts are split in contiguous blocks)', int('--clusters', 1), 1)
    .option('--switches <n>', 'MLNX-OS switches', int('--switches', 0), 0)
    .option('--guests <n>', 'guest VM pairs for perftest', int('--guests', 0), 0)
    .option(
      '--boot-seconds <s>',
      'boot time per host, or a range drawn per host, e.g. 20-40 (default: 5)',
      range('--boot-seconds', 1000),
    )
    .option(
      '--command-latency-ms <ms>',
      'delay before each answer, or a range (default: 20)',
      range('--command-latency-ms', 1),
    )
    .option('--state-dir <dir>', 'keep host states, keys and ports here (a restart continues from them)')
    .option(
      '--inventory-out <file>',
      'inventory to write (default: STATE_DIR/inventory.yaml or ./sim-inventory.yaml)',
    )
    .option('--known-hosts-out <file>', 'also write an OpenSSH known_hosts file')
    .option('--faults <spec>', 'faults per host (see below)')
    .option('--faults-file <file>', 'faults as JSON: {"esx-03": {"neverReturn": true}, "*": "drop=0.1"}')
    .option(
      '--port-base <port>',
      'first SSH port (machines get consecutive ports); default: ephemeral',
      int('--port-base', 1),
    )
    .option(
      '--control-port <port>',
      'HTTP control endpoint port; default: ephemeral',
      int('--control-port', 0),
    )
    .option('--seed <n>', 'seed of boot times, jitter and fault probabilities', int('--seed', 0), 1)
    .option(
      '--password-env <var>',
      'accept the password in this environment variable (default: a random one)',
    )
    .option('--cards <models>', 'cards per host, comma separated (cx5, cx5ex, cx6, cx7)', 'cx7')
    .option('--quick-boot', 'hosts start with Quick Boot enabled (warm reboots keep mlxconfig Current)')
    .option('--hidden-cards', 'hosts start with cards hidden from mst until a boot with mst_recovery=1')
    .option(
      '--mst-paths <kinds>',
      'mst lists each card under more access paths: functions (pciconfN.1), cr-space (pci_crN), vmklinux (/dev/ names)',
      parseMstPaths,
    )
    .option('--esxi-version <v>', 'ESXi version (8.0.0 - 8.0.3)', '8.0.2')
    .option(
      '--vms <n>',
      'VMs per host from a seeded mix, or a range drawn per host, e.g. 2-4 (default 0)',
      range('--vms', 1),
    )
    .option(
      '--vm-shutdown-seconds <s>',
      'guest shutdown time of those VMs, or a range drawn per VM (default 2-10)',
      range('--vm-shutdown-seconds', 1),
    )
    .option(
      '--vm-mix <k=p,...>',
      'VM mix probabilities: passthrough, sriov, off, autostart, hung, no-tools (e.g. hung=0,no-tools=0)',
      (v: string) => {
        try {
          return parseVmMix(v);
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message);
        }
      },
    )
    .option(
      '--vcenter',
      `also serve a simulated vCenter of these hosts and VMs (govmomi's simulator; password: $${VCENTER_PASSWORD_ENV} or a generated file)`,
    )
    .addHelpText(
      'after',
      `\n${FAULT_SPEC_HELP}\n\nControl endpoint (printed in the ready line):\n  GET /hosts, GET /hosts/NAME, GET|PUT /hosts/NAME/faults, POST /hosts/NAME/reboot, GET /timings,\n  GET|PUT /hosts/NAME/vms, PATCH /hosts/NAME/vms/VM\n  e.g. curl -X PUT --data 'never-return' http://127.0.0.1:PORT/hosts/esx-03/faults`,
    );
  program.parse();
  const o = program.opts<CliOptions>();

  let password: string | undefined;
  if (o.passwordEnv) {
    password = process.env[o.passwordEnv];
    if (!password) throw new Error(`--password-env ${o.passwordEnv}: the variable is not set`);
  }
  const inventoryOut = resolve(
    o.inventoryOut ?? (o.stateDir ? join(o.stateDir, 'inventory.yaml') : 'sim-inventory.yaml'),
  );
  const options: FleetOptions = {
    hosts: o.hosts,
    clusters: o.clusters,
    switches: o.switches,
    guestPairs: o.guests,
    bootTimeMs: o.bootSeconds ?? 5000,
    commandLatencyMs: o.commandLatencyMs ?? 20,
    stateDir: o.stateDir ? resolve(o.stateDir) : undefined,
    faults: o.faults,
    faultsFile: o.faultsFile,
    portBase: o.portBase,
    controlPort: o.controlPort,
    seed: o.seed,
    password,
    defaults: {
      cards: o.cards?.split(',').map((c) => c.trim()),
      quickBoot: o.quickBoot,
      hiddenCards: o.hiddenCards,
      mstPaths: o.mstPaths,
      esxiVersion: o.esxiVersion,
    },
    vms: o.vms,
    vmShutdownSeconds: o.vmShutdownSeconds,
    vmMix: o.vmMix,
    log: (message) => process.stderr.write(`sim: ${message}\n`),
  };
  const fleet = await startFleet(options);
  let vcenter: [SimVcenter, VcenterRef] | undefined;
  try {
    if (o.vcenter) vcenter = await startVcenter(fleet.controlUrl, dirname(fleet.clientKeyPath));
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  await mkdir(dirname(inventoryOut), { recursive: true });
  await writeFile(
    inventoryOut,
    renderInventoryYaml(fleet.inventory, inventoryOut, { vcenter: vcenter?.[1] }),
  );
  if (o.knownHostsOut) await writeFile(resolve(o.knownHostsOut), fleet.knownHosts());

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`sim: ${signal}, stopping\n`);
    Promise.resolve(vcenter?.[0].stop())
      .then(() => fleet.stop())
      .then(
        () => process.exit(0),
        (err: Error) => {
          process.stderr.write(`sim: stop failed: ${err.message}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const counts = `${fleet.inventory.hosts.length} hosts, ${fleet.inventory.switches.length} switches, ${fleet.inventory.guestPairs.length} guest pairs`;
  const vcenterNote = vcenter ? `; vcenter ${vcenter[0].url}` : '';
  process.stdout.write(
    `sim ready: ${counts}; inventory ${inventoryOut}; control ${fleet.controlUrl}${vcenterNote}\n`,
  );
  process.stderr.write(
    `sim: workers and the CLI using this inventory need ${keyDirsSetting(dirname(fleet.clientKeyPath))}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`sim: ${err.message}\n`);
  process.exit(1);
});
