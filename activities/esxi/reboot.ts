import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { HOST_NOT_RETURNED, REBOOT_DID_NOT_START, REBOOT_REFUSED } from '../../common/procedure-failures';
import type { Timing } from '../../common/procedures';
import type { BootMarker, HostReturn, MaintenanceChange, RebootAndReturn, RebootResult } from '../contract';
import type { SshEndpoint } from '../../common/targets';
import { HostUnreachableError, SshError, type SshRunner } from '../ssh';
import { portAccepts } from '../ssh/port-probe';
import { heartbeat, outputExcerpt, StepCommands } from '../step-context';
import { esxCommands } from './commands';
import { maintenanceCommands } from './vm-commands';
import { maintenanceTimeoutSeconds, workloadOptions } from '../../common/workloads';
import { parseMaintenanceMode } from './parsers';
import { markerChanged, readBootMarker, readMstDevices, sameBoot } from './read-state';

export async function setMaintenanceMode(
  cmd: StepCommands,
  enabled: boolean,
  timing: Timing,
): Promise<Omit<MaintenanceChange, 'commands'>> {
  const before = parseMaintenanceMode(await cmd.check(esxCommands.maintenanceGet));
  if (before === enabled) return { before, changed: false };
  // Workflows started before the VM policy come here too: entering never goes without a timeout.
  const timeoutSeconds = maintenanceTimeoutSeconds(workloadOptions(undefined));
  if (enabled)
    await cmd.check(maintenanceCommands.enter(timeoutSeconds), {
      timeoutMs: timeoutSeconds * 1000 + timing.commandTimeoutMs,
    });
  else await cmd.check(esxCommands.maintenanceSet(false));
  const after = parseMaintenanceMode(await cmd.check(esxCommands.maintenanceGet));
  if (after !== enabled)
    throw new Error(`${cmd.endpoint.name}: maintenance mode is still ${after ? 'on' : 'off'}`);
  return { before, changed: true };
}

/** SSH errors that mean "not answering right now" (down, booting, dropped): keep polling. */
function isTransient(err: unknown): boolean {
  return err instanceof SshError && err.retryable;
}

function sleep(ms: number): Promise<void> {
  try {
    return Context.current().sleep(ms);
  } catch {
    return new Promise((r) => setTimeout(r, ms));
  }
}

/**
 * Reboot only if the boot marker is still `before`. On a retried attempt the previous one may have issued
 * a reboot that has not taken effect yet, so first wait (up to rebootStartMs of the same marker) for it.
 */
export async function rebootIfStill(
  cmd: StepCommands,
  runner: SshRunner,
  timing: Timing,
  opts: { before: BootMarker; reason: string; viaEsxcli: boolean; attempt: number },
): Promise<Omit<RebootResult, 'commands'>> {
  // Built first: a reason of the wrong shape stops the step before anything runs on the host.
  const command = opts.viaEsxcli ? esxCommands.reboot(opts.reason) : esxCommands.busyboxReboot;
  const sameSince = Date.now();
  for (let polls = 0; ; polls++) {
    // Unreachable (e.g. an earlier attempt's reboot in progress) fails this attempt; Temporal retries it.
    // Only the first read is listed in the audit trail: the wait below may poll many times.
    const now = await readBootMarker(cmd, { record: polls === 0 });
    if (markerChanged(opts.before, now)) {
      return {
        issued: false,
        detail: `already rebooted by an earlier attempt (boot #${opts.before.boots} → #${now.boots})`,
      };
    }
    if (opts.attempt === 1 || Date.now() - sameSince >= timing.rebootStartMs) break;
    heartbeat({ waitingForEarlierReboot: true });
    await sleep(timing.maxPollIntervalMs);
  }

  try {
    const r = await cmd.run(command);
    if (r.code !== 0) {
      throw ApplicationFailure.create({
        type: REBOOT_REFUSED,
        message: `${cmd.endpoint.name} refused to reboot: ${outputExcerpt(r)}`,
        nonRetryable: true,
      });
    }
  } finally {
    // A connection lost under the reboot command leaves it unknown whether the reboot was accepted: the
    // error fails this attempt, and the retry (attempt > 1) waits to see the marker change before it
    // would ever send the command again. Assuming it started would wait for a boot that may never come.
    runner.evict(cmd.endpoint);
  }
  return {
    issued: true,
    detail: `reboot issued (was boot #${opts.before.boots}, up ${Math.round(opts.before.uptimeMs / 1000)}s)`,
  };
}

/**
 * A host that refuses connections has its network up and only sshd still starting: it answers within
 * moments. Its SSH polls stay pollIntervalMs apart (each costs a connection attempt, an error and a
 * heartbeat, about 1 ms of worker CPU), but between them a bare TCP connect this often (a SYN and a RST)
 * ends the wait as soon as sshd accepts: a return is seen ~75 ms sooner on average at the default 250 ms
 * (bench scenario 4), for a fraction of the CPU that polling SSH that often would cost. The stability
 * window and its reads are unchanged.
 */
export const REFUSED_PROBE_INTERVAL_MS = 100;

/** Sleep `ms`, or less: until the endpoint's port accepts (probed every REFUSED_PROBE_INTERVAL_MS). */
export async function sleepUntilAccepting(
  endpoint: Pick<SshEndpoint, 'address' | 'port'>,
  ms: number,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(REFUSED_PROBE_INTERVAL_MS, left));
    if (Date.now() >= until) return;
    if (await portAccepts(endpoint.address, endpoint.port, REFUSED_PROBE_INTERVAL_MS)) return;
  }
}

interface AwaitProgress {
  startedAtMs: number;
  polls: number;
  sawDown: boolean;
  lastError?: string;
  candidate?: { marker: BootMarker; seenAtMs: number };
}

/**
 * Poll until the host answers with a boot marker other than `before` and keeps it for the stability
 * window. Progress is heartbeated, so an attempt on another worker resumes where this one was.
 */
export async function awaitHostReturn(
  cmd: StepCommands,
  timing: Timing,
  opts: { before: BootMarker; deadlineAt: number },
): Promise<Omit<HostReturn, 'commands'>> {
  return await pollForReturn(cmd, timing, opts, heartbeatDetails<AwaitProgress>(), heartbeat);
}

/** What a reboot-and-wait attempt heartbeats: the reboot once it is done, then the wait's progress. */
interface RebootAndAwaitProgress {
  reboot: RebootPhase;
  wait?: AwaitProgress;
}

type RebootPhase = RebootAndReturn['reboot'];

/**
 * rebootIfStill, then awaitHostReturn, in one activity (one task dispatch and one workflow task instead of
 * two each). The guard is theirs, unchanged: a retried attempt that did not record its reboot goes through
 * rebootIfStill's retry path (wait for the earlier attempt's reboot, never send a second one blindly); once
 * the reboot is recorded in the heartbeat, a retry goes straight back to waiting, resuming the wait's progress.
 */
export async function rebootAndAwaitReturn(
  cmd: StepCommands,
  runner: SshRunner,
  timing: Timing,
  opts: {
    before: BootMarker;
    reason: string;
    viaEsxcli: boolean;
    deadlineAt: number;
    attempt: number;
    listCardsAs?: string;
  },
): Promise<Omit<RebootAndReturn, 'commands'>> {
  const resumed = heartbeatDetails<RebootAndAwaitProgress>();
  let reboot = resumed?.reboot;
  if (!reboot) {
    const startedAt = Date.now();
    const r = await rebootIfStill(cmd, runner, timing, opts);
    reboot = { ...r, tookMs: Date.now() - startedAt };
    heartbeat({ reboot });
  }
  const done = reboot;
  const step = opts.listCardsAs;
  // No re-send on a lost connection (StepCommands' default): the cards are then read in a step of their own.
  const listCards =
    step === undefined
      ? undefined
      : async (connectTimeoutMs: number) => {
          const cards = new StepCommands(runner, cmd.endpoint, timing, step);
          const devices = await readMstDevices(cards, { connectTimeoutMs });
          return { devices, commands: cards.commands };
        };
  const { alongside, ...back } = await pollForReturn(
    cmd,
    timing,
    opts,
    resumed?.wait,
    (wait) => heartbeat({ reboot: done, wait }),
    listCards,
  );
  return { reboot: done, ...back, ...(alongside ? { cards: alongside } : {}) };
}

type Settled<T> = { ok: true; value: T } | { ok: false };

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    () => ({ ok: false as const }),
  );
}

/** A timer may fire a millisecond early: a read this close to the window's end is taken as its last. */
const LAST_READ_SLACK_MS = 10;

/**
 * `alongsideLast`: a read-only read sent together with the boot-marker read that should end the stability
 * window, on the same pooled connection (concurrent callers share one), so it ran on the boot that read
 * proves stable. Its result is returned only when that read does end the wait; a failure of its own only
 * leaves it out. It saves the workflow a step between the host's return and its next write.
 */
async function pollForReturn<T = never>(
  cmd: StepCommands,
  timing: Timing,
  opts: { before: BootMarker; deadlineAt: number },
  resumed: AwaitProgress | undefined,
  saveProgress: (progress: AwaitProgress) => void,
  alongsideLast?: (connectTimeoutMs: number) => Promise<T>,
): Promise<Omit<HostReturn, 'commands'> & { alongside?: T }> {
  const progress: AwaitProgress = resumed ?? { startedAtMs: Date.now(), polls: 0, sawDown: false };
  // While the host is off the network a connect can hang until its timeout: keep polls short.
  const pollConnectTimeoutMs = Math.min(
    timing.connectTimeoutMs,
    Math.max(1_000, timing.maxPollIntervalMs * 2),
  );
  let interval = timing.pollIntervalMs;
  for (;;) {
    const now = Date.now();
    if (now > opts.deadlineAt) {
      throw ApplicationFailure.create({
        type: HOST_NOT_RETURNED,
        message: `${cmd.endpoint.name} did not return within the boot deadline of ${Math.round(timing.bootDeadlineMs / 1000)}s (last: ${progress.lastError ?? (progress.sawDown ? 'down' : 'still on its old boot')})`,
        nonRetryable: true,
      });
    }
    progress.polls += 1;
    let refused = false;
    // Only with the read that should end the window (the sleep before it was the window's rest): the
    // read alongside is sent about once per return.
    const due =
      progress.candidate && timing.stabilityMs - (now - progress.candidate.seenAtMs) <= LAST_READ_SLACK_MS;
    const alongside = due && alongsideLast ? settle(alongsideLast(pollConnectTimeoutMs)) : undefined;
    try {
      const marker = await readBootMarker(cmd, { connectTimeoutMs: pollConnectTimeoutMs, record: false });
      if (markerChanged(opts.before, marker)) {
        const c = progress.candidate;
        if (c && sameBoot(c.marker, marker) && Date.now() - c.seenAtMs >= timing.stabilityMs) {
          const extra = alongside ? await alongside : undefined;
          return {
            marker,
            waitedMs: Date.now() - progress.startedAtMs,
            polls: progress.polls,
            ...(extra?.ok ? { alongside: extra.value } : {}),
          };
        }
        if (!c || !sameBoot(c.marker, marker)) progress.candidate = { marker, seenAtMs: Date.now() };
        if (timing.stabilityMs === 0) continue;
        interval = timing.pollIntervalMs;
      } else {
        progress.candidate = undefined;
        if (!progress.sawDown && Date.now() - progress.startedAtMs > timing.rebootStartMs) {
          throw ApplicationFailure.create({
            type: REBOOT_DID_NOT_START,
            message: `${cmd.endpoint.name} kept boot #${marker.boots} for ${Math.round(timing.rebootStartMs / 1000)}s after the reboot was issued: the reboot did not start`,
            nonRetryable: true,
          });
        }
      }
    } catch (err) {
      if (!isTransient(err)) throw err;
      progress.sawDown = true;
      progress.candidate = undefined;
      progress.lastError = err instanceof Error ? err.message : String(err);
      // Refused: the host's network is up again and only sshd is not yet, so it answers soon; a refused
      // connect costs next to nothing, so poll at the base interval rather than backing off, and probe
      // the port in between (sleepUntilAccepting).
      refused = err instanceof HostUnreachableError && err.reason === 'ECONNREFUSED';
    }
    saveProgress(progress);
    if (refused) interval = timing.pollIntervalMs;
    const wait = progress.candidate
      ? Math.min(interval, Math.max(0, timing.stabilityMs - (Date.now() - progress.candidate.seenAtMs)))
      : interval;
    if (refused) await sleepUntilAccepting(cmd.endpoint, wait);
    else await sleep(wait);
    if (!progress.candidate && !refused)
      interval = Math.min(timing.maxPollIntervalMs, Math.round(interval * 1.5));
  }
}

function heartbeatDetails<T>(): T | undefined {
  try {
    return Context.current().info.heartbeatDetails as T | undefined;
  } catch {
    return undefined;
  }
}
