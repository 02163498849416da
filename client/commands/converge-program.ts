import type { Command } from 'commander';
import type { CliDeps } from '../deps';
import { SELECT_HELP } from '../inventory/select';
import { addRolloutFlags } from '../options/rollout-flag-declarations';
import { applyCommand, type ApplyFlags } from './apply';
import { DEFAULT_CONCURRENCY, planCommand, type PlanFlags } from './plan';

// The `ibfleet plan` and `ibfleet apply` commands (commander wiring; the work is in plan.ts / apply.ts).

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const DESIRED_HELP = `The declared state is each cluster's desired: block in the inventory, e.g.
  clusters:
    - name: gpu-a
      desired:
        mode: sriov            # or passthrough
        numVfs: 16             # NUM_OF_VFS per card (> maxVfs x ports, guide 3.1)
        maxVfs: 4              # max_vfs per nmlx5 port
        versions: { nmlx5: "4.23", mft: "4.26.1", nmst: "4.26.1" }   # minimums
        mftInstall: { depots: [/vmfs/volumes/datastore1/mft-depot.zip], method: component }
        vlcmImage: false       # true: never install software; say what to add to the vLCM image
        fabric: { switches: [ibsw-01], smVirtualization: true }   # switches serving it (guide 4.2)
        bandwidthGate: { pairs: [pair-01], threshold: 0.95 }      # validate-bandwidth on these pairs
        hostOverrides:
          esx-07: { mode: passthrough }
      hosts: [...]`;

export function addConvergeCommands(
  program: Command,
  deps: CliDeps,
  done: (code: number) => void,
  addStartOptions: (cmd: Command) => Command,
): void {
  const plan = program
    .command('plan')
    .description(
      'show what apply would change on every host to reach its declared state (reads, changes nothing)',
    )
    .requiredOption('-i, --inventory <file>', 'inventory YAML file with desired: blocks')
    .option('--select <expr>', 'which hosts (repeatable, union; grammar below)', collect)
    .option('--json', 'print the plan as JSON')
    .option('--concurrency <n>', `hosts read at once (default ${DEFAULT_CONCURRENCY})`);
  // The timeouts of the reads, and the VM policy apply would follow: the plan says what it would do
  // with each host's powered-on VMs.
  addRolloutFlags(
    plan,
    [
      'commandTimeout',
      'connectTimeout',
      'heartbeatTimeout',
      'vmPolicy',
      'forcePowerOff',
      'drainDeadline',
      'guestShutdownTimeout',
    ],
    {
      vmPolicy:
        "the VM policy to plan with, as apply's: refuse (a host with powered-on VMs is not touched), wait, shutdown",
      forcePowerOff: 'with --vm-policy shutdown: as apply would be given it',
    },
  );
  plan
    .addHelpText(
      'after',
      `
Per host: what differs from the declared state (cards not listed → recovery mode; SRIOV_EN, NUM_OF_VFS,
ADVANCED_PCI_SETTINGS, FORCE_ETH_PCI_SUBCLASS Current vs wanted; max_vfs; VFs; MFT/NMST missing or
old), the powered-on VMs of a host that would reboot and what --vm-policy does with them (refuse: the
host is blocked, apply leaves it untouched; wait; shutdown: stopped first, powered on again at the end),
the steps apply would run, and how many reboots (which cold); then the totals. Each host is read
through the worker by a short read-only workflow (ibfleet/plan/<plan id>/<host>).

Exit codes (like terraform plan -detailed-exitcode):
  0  every host is converged: nothing to do
  4  changes are pending
  1  some host is blocked (cannot converge: see why) or could not be read
  2  bad input: nothing was read
  3  operational error (e.g. Temporal unreachable)

${DESIRED_HELP}

${SELECT_HELP}

Examples:
  ibfleet plan -i fleet.yaml
  ibfleet plan -i fleet.yaml --vm-policy shutdown
  ibfleet plan -i fleet.yaml --select cluster=gpu-a --json | jq '.totals'`,
    )
    .action(async (opts: PlanFlags) => done(await planCommand(opts, deps)));

  addStartOptions(
    program
      .command('apply')
      .description('converge the hosts to their declared state, as a rollout, in the fewest reboots'),
  )
    .option('--id <id>', 'rollout ID (default: converge-<yyyymmdd-hhmmss>-<random>, UTC)')
    .option('--watch', 'follow the rollout until it closes, then say per host what changed and its reboots')
    .addHelpText(
      'after',
      `
A rollout of the converge procedure (every rollout option applies; see rollout start --help): each host
reads its facts, plans as ibfleet plan shows, and merges its changes into the fewest reboots (hidden cards:
recovery mode, one reboot, then the mlxconfig writes, max_vfs and the way back to normal mode share one
cold reboot; MFT/NMST installed from the declared depot share theirs). Every reboot is guarded by the
boot marker and followed by a check; module options are merged and restored byte for byte. Before a
host's first change, its powered-on VMs are dealt with as --vm-policy says (refuse by default: the host
is left untouched, needs-attention) and maintenance mode is entered; the VMs stopped are powered on again
once the host is verified. A converged host is not touched (its VMs neither); run apply again after an
interruption to finish without repeating a reboot.
With --watch, once a cluster's hosts converged: switch-sm-virt on its declared switches where OpenSM
virtualization is off, then validate-bandwidth on its gate's pairs (a failed gate: exit 1).
--set is not taken: the declared state is the inventory's.

Exit codes as for rollout start --watch (0 every host converged, 1 otherwise, 2 bad input, 3 operational).

${DESIRED_HELP}

Examples:
  ibfleet apply -i fleet.yaml --canary 1 --watch
  ibfleet apply -i fleet.yaml --vm-policy shutdown --guest-shutdown-timeout 10m --watch
  ibfleet apply -i fleet.yaml --select cluster=gpu-a --max-parallel 4 --per-cluster 1 --watch`,
    )
    .action(async (opts: ApplyFlags) => done(await applyCommand(opts, deps)));
}
