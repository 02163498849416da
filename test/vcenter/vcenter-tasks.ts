import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { govcRunner, type GovcRunner } from '../../activities/vcenter/govc-run';
import { buildGovc, type VcenterFleet } from './vcenter-fleet';

// A host's tasks as vCenter lists them (HostSystem.recentTask, then each Task's info), read with govc
// as an operator would (`govc object.collect -json HostSystem:host-N recentTask`), and a wait on a
// condition polled instead of a fixed sleep.

export interface HostTask {
  id: string;
  /** "HostSystem.enterMaintenanceMode", "HostSystem.exitMaintenanceMode", "HostSystem.reboot"… */
  descriptionId: string;
  state: 'queued' | 'running' | 'success' | 'error';
  progress?: number;
  startTime?: string;
  completeTime?: string;
}

const moref = z.object({ type: z.string(), value: z.string() });
/** `object.collect -json MOREF PROP` prints the property changes of that one object. */
const changes = <T extends z.ZodType>(val: T) => z.array(z.object({ name: z.string(), op: z.string(), val }));
const recentTaskSchema = changes(
  z
    .object({ _value: z.array(moref) })
    .nullable()
    .optional(),
);
const taskInfoSchema = changes(
  z.object({
    key: z.string(),
    descriptionId: z.string(),
    state: z.enum(['queued', 'running', 'success', 'error']),
    progress: z.number().optional(),
    startTime: z.string().optional(),
    completeTime: z.string().optional(),
  }),
);

export async function govcFor(vf: VcenterFleet): Promise<GovcRunner> {
  return govcRunner(vf.ref, vf.password, await buildGovc());
}

/** The host's recent tasks whose descriptionId ends with `.${kind}`, oldest first. */
export async function hostTasks(
  vf: VcenterFleet,
  run: GovcRunner,
  host: string,
  kind: string,
): Promise<HostTask[]> {
  const { moref: id } = await vf.govc.host(host);
  const recent = recentTaskSchema.parse(
    JSON.parse(await run(['object.collect', '-json', `HostSystem:${id}`, 'recentTask'])),
  );
  const tasks: HostTask[] = [];
  for (const ref of recent[0]?.val?._value ?? []) {
    const [info] = taskInfoSchema.parse(
      JSON.parse(await run(['object.collect', '-json', `Task:${ref.value}`, 'info'])),
    );
    if (!info?.val.descriptionId.endsWith(`.${kind}`)) continue;
    const { key, ...rest } = info.val;
    tasks.push({ id: key, ...rest });
  }
  return tasks.sort((a, b) => Date.parse(a.startTime ?? '') - Date.parse(b.startTime ?? ''));
}

/** Polls `check` until it returns a value (not undefined); fails naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  o: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(o.everyMs ?? 100);
  }
}
