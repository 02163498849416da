import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { portAnswers, startDevServer, type DevServer } from '../scripts/dev-server';
import { DEFAULT_KEY_DIRS } from '../activities/ssh/credential-policy';
import { startFleet } from '../simulator/fleet';
import { renderInventoryYaml } from '../simulator/inventory-yaml';
import { DEFAULT_VM_MIX } from '../simulator/esxi/vm-spec';
import { createIbfleetWorker } from '../worker/create-worker';
import { connectClient, taskQueue } from './connection';
import { DemoReceiver } from './demo-receiver';
import { disableSsh, sshStates, startDemoVcenter } from './demo-vcenter';
import { defaultDeps } from './deps';
import { runCli } from './program';

// `npm run demo`: the main job on embedded defaults. It starts (or reuses) the persisted Temporal dev
// server, a simulated fleet (12 ESXi hosts in 3 clusters running 1-3 VMs each, a switch, a guest pair, a
// few hosts with faults) with its state kept in .state/demo, a simulated vCenter that the inventory
// names for one cluster only (its hosts keep SSH disabled; demo-vcenter.ts), an in-process worker, then
// runs `preflight` and a `recovery-cycle` rollout (`--vm-policy shutdown`) with a canary, auto-approval
// and a ramp in the live terminal view, its notifications printed by a local receiver
// (demo-receiver.ts), and prints the report: the vCenter cluster's hosts went through vCenter (SSH
// opened only for the procedure, maintenance and reboots through vCenter), the others over SSH only.
// Re-running continues from the persisted state: an unfinished rollout is resumed first.

const root = path.resolve(__dirname, '..');
const stateDir = path.join(root, '.state', 'demo');
const inventoryFile = path.join(stateDir, 'inventory.yaml');
const NOTIFY_ENV = 'IBFLEET_NOTIFY_DEMO_URL';
const TEMPORAL_PORT = Number(process.env.IBFLEET_TEMPORAL_PORT ?? 7233);
/** The cluster whose hosts go through vCenter; the others (esx-03's hidden cards, esx-06) over SSH only. */
const VCENTER_CLUSTER = 'cluster-03';

/**
 * Every host runs 1-3 VMs whose guests shut down in a few seconds; esx-06 also runs one whose guest never
 * finishes shutting down: without --force-power-off it is not powered off, so esx-06 ends as
 * needs-attention naming it, untouched otherwise (its other VM powered on again).
 */
const DEMO_VMS = {
  vms: [1, 3] as [number, number],
  vmShutdownSeconds: [1, 3] as [number, number],
  vmMix: { ...DEFAULT_VM_MIX, hung: 0, noTools: 0 },
  hostOverrides: {
    'esx-06': {
      vms: [
        { name: 'esx-06-db', tools: 'hung' as const },
        { name: 'esx-06-web', shutdownSeconds: 2 },
      ],
    },
  },
};

/** A few hosts with faults the procedures must cope with; none of them stops the rollout. */
const DEMO_FAULTS = [
  'esx-03:cards-hidden', // the guide's 2.4 case: cards only show after a boot with mst_recovery=1
  'esx-07:slow-boot=9000', // a slow BIOS/POST
  'esx-10:drop=0.1', // a flaky management network: 10% of SSH commands lose their connection
].join(';');

async function ensureDevServer(): Promise<DevServer | undefined> {
  if (await portAnswers(TEMPORAL_PORT)) {
    console.log(`Using the Temporal server already listening on 127.0.0.1:${TEMPORAL_PORT}.`);
    return undefined;
  }
  fs.mkdirSync(path.join(root, '.temporal'), { recursive: true });
  const server = await startDevServer({
    port: TEMPORAL_PORT,
    logFile: path.join(root, '.temporal', 'dev-server.log'),
  });
  console.log(
    `Started the Temporal dev server on ${server.address} (state in ${path.relative(root, server.dbFile)}).`,
  );
  return server;
}

/** Notification lines arriving while a command's live terminal view redraws are printed after it. */
const heldLines: string[] = [];
let holdLines = false;
const printNotification = (line: string): void => void (holdLines ? heldLines.push(line) : console.log(line));

async function cli(args: string[], interrupt: AbortSignal): Promise<number> {
  console.log(`\n$ ibfleet ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`);
  holdLines = process.stdout.isTTY;
  try {
    return await runCli(args, defaultDeps(interrupt));
  } finally {
    holdLines = false;
    for (const line of heldLines.splice(0)) console.log(line);
  }
}

/** Rollouts left running by an interrupted earlier demo are watched to their end before anything new starts. */
async function resumeUnfinished(interrupt: AbortSignal): Promise<void> {
  const client = await connectClient();
  const running: string[] = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'rolloutWorkflow' AND ExecutionStatus = 'Running'`,
  })) {
    running.push(wf.workflowId.replace(/^ibfleet\/rollout\//, ''));
  }
  await client.connection.close();
  for (const id of running) {
    console.log(`\nA rollout from an earlier run is still going: resuming ${id}.`);
    await cli(['rollout', 'watch', id], interrupt);
  }
}

async function main(): Promise<void> {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  fs.mkdirSync(stateDir, { recursive: true });
  process.env.TEMPORAL_ADDRESS ??= `127.0.0.1:${TEMPORAL_PORT}`;

  // The worker's own log goes to a file so the live view stays readable.
  const workerLog = path.join(stateDir, 'worker.log');
  Runtime.install({
    logger: new DefaultLogger('WARN', (e) =>
      fs.appendFileSync(
        workerLog,
        `${new Date(Number(e.timestampNanos / 1_000_000n)).toISOString()} ${e.level} ${e.message} ${JSON.stringify(e.meta ?? {})}\n`,
      ),
    ),
  });
  const server = await ensureDevServer();
  const fleet = await startFleet({
    hosts: 12,
    clusters: 3,
    switches: 1,
    guestPairs: 1,
    bootTimeMs: [2_000, 4_000],
    stateDir: path.join(stateDir, 'fleet'),
    faults: DEMO_FAULTS,
    ...DEMO_VMS,
  });
  const vcenter = await startDemoVcenter(fleet, stateDir, path.join(stateDir, 'vcenter.log')).catch(
    async (err: unknown) => {
      await fleet.stop();
      throw err;
    },
  );
  const vcenterHosts = fleet.inventory.hosts.filter((h) => h.cluster === VCENTER_CLUSTER).map((h) => h.name);
  fs.writeFileSync(
    inventoryFile,
    renderInventoryYaml(fleet.inventory, inventoryFile, {
      vcenter: vcenter.ref,
      vcenterClusters: [VCENTER_CLUSTER],
    }),
  );
  // The worker and the CLI read keys only from allowed directories: add the fleet's, as an operator would.
  const keyDirs = process.env.IBFLEET_CREDENTIAL_KEY_DIRS?.trim() || DEFAULT_KEY_DIRS.join(',');
  process.env.IBFLEET_CREDENTIAL_KEY_DIRS = `${keyDirs},${path.dirname(fleet.clientKeyPath)}`;
  console.log(
    `Simulated fleet up: ${fleet.inventory.hosts.length} ESXi hosts, ${fleet.inventory.switches.length} switch, ${fleet.inventory.guestPairs.length} guest pair; inventory ${path.relative(root, inventoryFile)}.`,
  );
  // As many sites keep it: SSH off on the vCenter cluster's hosts; ibfleet opens it only while needed.
  await disableSsh(vcenter.govc, vcenterHosts);
  console.log(
    `Simulated vCenter up on ${vcenter.url}: the inventory names it for ${VCENTER_CLUSTER} (${vcenterHosts.join(', ')}), whose hosts have SSH disabled (TSM-SSH stopped, policy off); the other clusters are reached over SSH only.`,
  );

  // The notification endpoint, given to the rollout as a reference (env:NAME, read by the worker) as an
  // operator would give a URL holding a secret; this one holds none.
  const receiver = await new DemoReceiver(printNotification).start();
  process.env[NOTIFY_ENV] = receiver.url;
  console.log(`Notification receiver listening on ${receiver.url} (--notify env:${NOTIFY_ENV}).`);

  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  // Stopping the demo mid-rollout is safe (everything is durable): don't wait long for in-flight steps.
  const { worker, runner } = await createIbfleetWorker({
    connection,
    taskQueue: taskQueue(),
    tuning: { shutdownGraceTime: '5s' },
  });
  const workerDone = worker.run();
  let code = 1;
  try {
    await resumeUnfinished(interrupt.signal);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const common = [
      '-i',
      inventoryFile,
      '--max-parallel',
      '6',
      '--per-cluster',
      '2',
      '--boot-deadline',
      '2m',
      '--watch',
    ];
    // 1. Preflight finds what is wrong (esx-03's cards are hidden) without changing anything. It reads
    // over SSH and opens nothing, so on the vCenter cluster (SSH disabled) it would only say that: it
    // runs on the other clusters.
    const sshOnly = ['--select', `cluster!=${VCENTER_CLUSTER}`];
    await cli(
      [
        'rollout',
        'start',
        'preflight',
        '--id',
        `demo-preflight-${stamp}`,
        '--max-failures',
        '25%',
        ...sshOnly,
        ...common,
      ],
      interrupt.signal,
    );
    // 2. The recovery-mode cycle, canary first: two reboots per host, options restored exactly; each
    // host's running VMs shut down first and powered on again afterwards (esx-06's hung guest: needs-attention).
    // On the vCenter cluster: SSH on only for the procedure (ssh-on ... ssh-off), DRS moves the plain
    // VMs, maintenance and reboots go through vCenter.
    const id = `demo-recovery-${stamp}`;
    if (!interrupt.signal.aborted) {
      const vmPolicy = ['--vm-policy', 'shutdown', '--guest-shutdown-timeout', '20s', '--max-failures', '1'];
      await cli(
        [
          'rollout',
          'start',
          'recovery-cycle',
          '--id',
          id,
          '--canary',
          '1',
          '--auto-approve',
          '--ramp',
          '2,4',
          '--notify',
          `env:${NOTIFY_ENV}`,
          ...vmPolicy,
          ...common,
        ],
        interrupt.signal,
      );
      await cli(['rollout', 'report', id, '--format', 'text'], interrupt.signal);
    }
    // 3. SSH read back through vCenter: disabled again on the vCenter cluster's hosts.
    let sshDisabled = false;
    if (!interrupt.signal.aborted) {
      const ssh = await sshStates(vcenter.govc, vcenterHosts);
      sshDisabled = ssh.disabled;
      console.log(`\nTSM-SSH on ${VCENTER_CLUSTER}, read through vCenter: ${ssh.lines.join(', ')}.`);
    }
    // 4. Preflight again on the SSH-only clusters: every host ready now (esx-06 was left as it was, and
    // was ready already).
    if (!interrupt.signal.aborted) {
      const preflightCode = await cli(
        ['rollout', 'start', 'preflight', '--id', `demo-preflight-after-${stamp}`, ...sshOnly, ...common],
        interrupt.signal,
      );
      code = preflightCode !== 0 ? preflightCode : sshDisabled ? 0 : 1;
    }
    // Notifications are sent by their own workflows, after the rollout closes: wait briefly for the last.
    if (!interrupt.signal.aborted && !(await receiver.received(`ibfleet:${id}:rollout-closed`, 30_000)))
      console.log(`(no rollout-closed notification for ${id} within 30s; see the Temporal UI)`);
    console.log(
      `\nIn the Temporal UI: ${process.env.IBFLEET_UI_URL ?? 'http://localhost:8233'}/namespaces/default/workflows?query=${encodeURIComponent(`IbRolloutId="${id}"`)}`,
    );
    console.log(
      `Worker log: ${path.relative(root, workerLog)}; fleet state: ${path.relative(root, path.join(stateDir, 'fleet'))}`,
    );
  } finally {
    worker.shutdown();
    await workerDone;
    await runner.closeAll();
    await connection.close();
    await vcenter.stop();
    await fleet.stop();
    await receiver.stop();
    await server?.stop();
  }
  process.exitCode = code;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
