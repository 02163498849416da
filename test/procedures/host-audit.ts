import assert from 'node:assert/strict';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  parseEsxcfgModuleGet,
  parseMlxconfigQuery,
  parseMstStatus,
  parseNicList,
  parseShellLog,
  parseSriovVfList,
  parseVmksummaryBoots,
} from '../../activities/esxi/parsers';
import {
  procedures,
  type HostOptions,
  type ProcedureInput,
  type ProcedureName,
} from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import { targetWorkflowId, type HostRef, type TargetRef } from '../../common/targets';
import { fastHostOptions, sshRead } from '../helpers/ibfleet-harness';

// What the procedure tests share: an audit of a simulated host as an operator would do it, over real SSH
// (shell.log since a mark, vmksummary boot count, mlxconfig values, VFs), and starting a procedure
// workflow with its typed result or failure.

/** Commands that change a host; everything else ibfleet runs on ESXi only reads. */
const CHANGING = [
  /^esxcli system module parameters set /,
  /^esxcfg-module -s /,
  /^esxcli system maintenanceMode set /,
  /^esxcli system shutdown reboot /,
  /^reboot( |$)/,
  /^\/opt\/mellanox\/bin\/mlxconfig .* set /,
  /^\/bin\/loadESXEnable -[ed]$/,
  /^vmkload_mod (?!-l$)/,
  /^kill /,
];
const REBOOT = /^(esxcli system shutdown reboot |reboot( |$))/;

/** The inventory entry of a simulated host, by name (fails the test when the fleet has none). */
export function fleetHost(fleet: { inventory: { hosts: HostRef[] } }, name: string): HostRef {
  const h = fleet.inventory.hosts.find((x) => x.name === name);
  assert.ok(h, name);
  return h;
}

export function changingCommands(commands: string[]): string[] {
  return commands.filter((c) => CHANGING.some((re) => re.test(c)));
}

export function rebootCommands(commands: string[]): string[] {
  return commands.filter((c) => REBOOT.test(c));
}

/** A point in a host's history: its shell.log mark and its vmksummary boot count at that time. */
export interface HostMark {
  host: HostRef;
  mark: string;
  boots: number;
}

let marks = 0;

export async function bootCount(host: HostRef): Promise<number> {
  return parseVmksummaryBoots(await sshRead(host, 'cat /var/log/vmksummary.log')).bootCount;
}

/** Boot count first, then an `echo` mark as the last line of shell.log. */
export async function markHost(host: HostRef): Promise<HostMark> {
  const boots = await bootCount(host);
  marks += 1;
  const mark = `echo ibfleet-test-mark-${process.pid}-${marks}`;
  await sshRead(host, mark);
  return { host, mark, boots };
}

/**
 * The commands run on the host since the mark (read first, before any other audit read). The simulated
 * shell.log keeps 200 lines: a mark that rotated out fails loudly instead of hiding commands.
 */
export async function commandsSince(m: HostMark): Promise<string[]> {
  const logged = await loggedSinceMark(m);
  assert.ok(logged, `${m.host.name}: shell.log no longer holds the mark (more than 200 lines since)`);
  assert.equal(logged[logged.length - 1], 'cat /var/log/shell.log');
  return logged.slice(0, -1);
}

/** Every shell.log command after the mark, this read included; undefined when the mark rotated out. */
export async function loggedSinceMark(m: HostMark): Promise<string[] | undefined> {
  const commands = parseShellLog(await sshRead(m.host, 'cat /var/log/shell.log')).map((e) => e.command);
  const at = commands.lastIndexOf(m.mark);
  return at < 0 ? undefined : commands.slice(at + 1);
}

/** Commands after an instant (shell.log timestamps), without `cat /var/log/shell.log` reads of the audit. */
export async function commandsAfter(host: HostRef, epochMs: number): Promise<string[]> {
  return parseShellLog(await sshRead(host, 'cat /var/log/shell.log'))
    .filter((e) => (e.epochMs ?? 0) > epochMs)
    .map((e) => e.command)
    .filter((c) => c !== 'cat /var/log/shell.log');
}

export async function bootsSince(m: HostMark): Promise<number> {
  return (await bootCount(m.host)) - m.boots;
}

export async function storedOptions(host: HostRef): Promise<string> {
  return parseEsxcfgModuleGet(await sshRead(host, 'esxcfg-module -g nmlx5_core')).options;
}

export async function mstDevices(host: HostRef): Promise<string[]> {
  return parseMstStatus(await sshRead(host, '/opt/mellanox/bin/mst status')).map((d) => d.name);
}

/** mlxconfig values of one card: name → { current, nextBoot } as numbers in text ("1", "16"). */
export async function mlxValues(
  host: HostRef,
  device: string,
): Promise<Record<string, { current?: string; nextBoot: string }>> {
  const q = parseMlxconfigQuery(await sshRead(host, `/opt/mellanox/bin/mlxconfig -d ${device} -e query`));
  const num = (v: string | undefined) =>
    v === undefined ? undefined : (/\((\d+)\)\s*$/.exec(v)?.[1] ?? v.trim());
  return Object.fromEntries(
    q.params.map((p) => [p.name, { current: num(p.current), nextBoot: num(p.nextBoot) ?? '' }]),
  );
}

/** VFs per nmlx5 port (vmnic) as `esxcli network sriovnic vf list` shows them. */
export async function vfsPerPort(host: HostRef): Promise<Record<string, number>> {
  const nics = parseNicList(await sshRead(host, 'esxcli network nic list')).filter(
    (n) => n.driver === 'nmlx5_core',
  );
  const out: Record<string, number> = {};
  for (const n of nics) {
    const text = await sshRead(host, `esxcli network sriovnic vf list -n ${n.name}`).catch(() => '');
    out[n.name] = text.trim() === '' ? 0 : parseSriovVfList(text).length;
  }
  return out;
}

export interface ProcedureFailure {
  type: string;
  message: string;
  report: ProcedureReport;
}

export type Outcome = { ok: true; report: ProcedureReport } | { ok: false; failure: ProcedureFailure };

/** Workflow ID of a procedure test: the target's own ID (hosts are unique by name prefix), plus a tag for others. */
export function testWorkflowId(target: TargetRef, tag: string): string {
  return target.kind === 'esxi' ? targetWorkflowId(target) : `${targetWorkflowId(target)}/${tag}`;
}

export async function startProcedure(
  client: Client,
  taskQueue: string,
  procedure: ProcedureName,
  target: TargetRef,
  opts: { params?: Record<string, unknown>; options?: HostOptions; tag?: string } = {},
): Promise<WorkflowHandle> {
  const input: ProcedureInput = {
    procedure,
    target,
    params: opts.params ?? {},
    options: opts.options ?? fastHostOptions,
  };
  return await client.workflow.start(procedures[procedure].workflowType, {
    taskQueue,
    workflowId: testWorkflowId(target, opts.tag ?? 'test'),
    args: [input],
  });
}

/** The report of a finished procedure, or its typed failure with the report it carries. */
export async function outcomeOf(handle: WorkflowHandle): Promise<Outcome> {
  try {
    return { ok: true, report: (await handle.result()) as ProcedureReport };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) throw err;
    const cause = err.cause;
    return {
      ok: false,
      failure: {
        type: cause.type ?? '',
        message: cause.message,
        report: cause.details?.[0] as ProcedureReport,
      },
    };
  }
}

export async function expectSuccess(handle: WorkflowHandle): Promise<ProcedureReport> {
  const o = await outcomeOf(handle);
  if (!o.ok) assert.fail(`${handle.workflowId} failed: ${o.failure.type}: ${o.failure.message}`);
  return o.report;
}

export async function expectFailure(handle: WorkflowHandle, type: string): Promise<ProcedureFailure> {
  const o = await outcomeOf(handle);
  if (o.ok) assert.fail(`${handle.workflowId} succeeded; expected ${type}`);
  assert.equal(o.failure.type, type, o.failure.message);
  return o.failure;
}
