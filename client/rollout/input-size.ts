import { defaultPayloadConverter, type PayloadCodec, type PayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { HostProgress, RolloutInput } from '../../common/rollout';
import {
  MAX_ROLLOUT_TARGETS,
  rolloutStartInput,
  shardedInventory,
  shardInputs,
  type EndedHost,
} from '../../common/rollout-shards';
import { targetCluster } from '../../common/targets';
import { HostLedger } from '../../workflows/rollout/ledger';
import { MAX_LISTED_PROBLEMS, RECENT_ENDS, type RolloutCarried } from '../../workflows/rollout/state';
import { CliFailure, EXIT_USAGE } from '../cli-error';
import { dataConverter } from '../connection';

// A rollout's input is one Temporal payload, and so is what the rollout carries across
// continue-as-new and its report. Temporal refuses payloads over its blob size limit. Up to
// MAX_INLINE_TARGETS targets, the input carries every target and the rollout every target's progress;
// beyond, the input carries their number, each shard workflow's input (a slice of the targets)
// and each shard's progress are payloads of their own, and the rollout carries a few bytes per host
// (common/rollout-shards.ts). The CLI computes the sizes before it starts anything and refuses a
// rollout that would not fit, saying which limit, the sizes and what to do; the server's own refusal
// is mapped to the same message.

/**
 * The Temporal server's blob size limit (dynamic config `limit.blobSize.error`): 2 MB by default and on
 * Temporal Cloud. A workflow input, result or continue-as-new input over it is refused.
 */
export const TEMPORAL_BLOB_SIZE_LIMIT = 2 * 1024 * 1024;

/** What encodes payloads: a client's DataConverter or LoadedDataConverter. */
export interface PayloadEncoding {
  payloadConverter?: PayloadConverter;
  payloadCodecs?: readonly PayloadCodec[];
}

/** The client's payload encoding (with the codec when IBFLEET_CODEC_* is set), without connecting. */
export function payloadEncodingFromEnv(env: NodeJS.ProcessEnv): PayloadEncoding {
  try {
    return dataConverter(env);
  } catch (err) {
    throw new CliFailure(`payload codec configuration: ${(err as Error).message}`, EXIT_USAGE);
  }
}

/** Bytes of `values` as a client sends them: the payload converter, the codecs (encryption), as one Payloads message. */
export async function encodedBytes(values: readonly unknown[], encoding: PayloadEncoding): Promise<number> {
  const converter = encoding.payloadConverter ?? defaultPayloadConverter;
  let payloads = values.map((v) => converter.toPayload(v));
  for (const codec of encoding.payloadCodecs ?? []) payloads = await codec.encode(payloads);
  return temporal.api.common.v1.Payloads.encode({ payloads }).finish().length;
}

/** A finished target's progress at its usual largest (a reason, a run ID, times): what the rollout carries per target. */
function finishedProgress(target: RolloutInput['targets'][number]): HostProgress {
  const at = '2000-01-01T00:00:00.000Z';
  return {
    name: target.name,
    cluster: targetCluster(target),
    phase: 'needs-attention',
    canary: true,
    reason: 'r'.repeat(300),
    failureType: 'HostNotReturned',
    stoppedInStep: 'await-return-1',
    leftMidCycle: true,
    reboots: 2,
    lastRebootMs: 900_000,
    runId: '00000000-0000-4000-8000-000000000000',
    startedAt: at,
    finishedAt: at,
  };
}

export interface RolloutSize {
  targets: number;
  /** The workflow input, as the start request carries it. */
  inputBytes: number;
  /** What the rollout carries across continue-as-new (the report is of the same order). */
  carriedBytes: number;
  /** Sharded: what the largest shard workflow carries (its slice of the targets and their progress). */
  shardBytes?: number;
}

/** A host that failed with a long reason: what the rollout lists of its problems. */
function problemNote(index: number): EndedHost {
  const at = '2000-01-01T00:00:00.000Z';
  return {
    index,
    name: `host-${index}`.padEnd(40, 'x'),
    phase: 'needs-attention',
    reason: 'r'.repeat(300),
    failureType: 'HostNotReturned',
    stoppedInStep: 'await-return-1',
    leftMidCycle: true,
    startedAt: at,
    finishedAt: at,
  };
}

/** What a sharded rollout carries at its largest: every host's entry, listed problems, hosts in flight, events. */
function shardedCarried(input: RolloutInput): { rollout: RolloutCarried } {
  const n = input.targets.length;
  const ledger = new HostLedger(HostLedger.of(input.targets.map(targetCluster), input.options.canary));
  if (input.options.order === 'slowest-first') ledger.reorder(Array.from({ length: n }, (_, i) => n - 1 - i));
  const running: RolloutCarried['running'] = {};
  for (let i = 0; i < Math.min(n, input.options.maxParallel); i++)
    running[n - 1 - i] = { name: `host-${i}`.padEnd(40, 'x'), startedAt: '2000-01-01T00:00:00.000Z' };
  const events = Array.from({ length: 40 }, () => ({
    at: '2000-01-01T00:00:00.000Z',
    action: 'paused' as const,
    reason: 'r'.repeat(100),
  }));
  return {
    rollout: {
      startedAtMs: 0,
      approved: true,
      paused: false,
      events,
      continueAsNewCount: 100,
      finished: { count: n, totalMs: n * 3_600_000 },
      ledger: ledger.toCarried(),
      running,
      problems: Array.from({ length: Math.min(n, MAX_LISTED_PROBLEMS) }, (_, i) => problemNote(i)),
      problemsOmitted: n,
      recent: Array.from({ length: Math.min(n, RECENT_ENDS) }, (_, i) => problemNote(i)),
    },
  };
}

export async function rolloutSize(input: RolloutInput, encoding: PayloadEncoding): Promise<RolloutSize> {
  const header = rolloutStartInput(input);
  const inventory = header.inventory;
  if (!inventory) {
    const hosts = input.targets.map(finishedProgress);
    return {
      targets: input.targets.length,
      inputBytes: await encodedBytes([input], encoding),
      carriedBytes: await encodedBytes([input, { hosts }], encoding),
    };
  }
  let shardBytes = 0;
  for (const shard of shardInputs(input))
    shardBytes = Math.max(
      shardBytes,
      await encodedBytes([shard, { hosts: shard.targets.map(finishedProgress) }], encoding),
    );
  return {
    targets: input.targets.length,
    inputBytes: await encodedBytes([header], encoding),
    carriedBytes: await encodedBytes([header, shardedCarried(input)], encoding),
    shardBytes,
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** Why the rollout does not fit in Temporal's payloads, with what to do; undefined when it fits. */
export function rolloutSizeProblem(size: RolloutSize, limit = TEMPORAL_BLOB_SIZE_LIMIT): string | undefined {
  if (size.targets > MAX_ROLLOUT_TARGETS) return tooLargeMessage(size, limit);
  if (size.inputBytes <= limit && size.carriedBytes <= limit && (size.shardBytes ?? 0) <= limit)
    return undefined;
  return tooLargeMessage(size, limit);
}

function tooLargeMessage(size: RolloutSize, limit: number, serverSaid?: string): string {
  const said = serverSaid ? `; the server said: ${serverSaid}` : '';
  const blob = `Temporal refuses a payload over ${formatBytes(limit)} (the server's blob size limit, limit.blobSize.error)`;
  const select =
    "with --select (e.g. one per cluster: --select cluster=NAME; or by name: --select 'name=esx-0*')";
  if (size.targets > MAX_ROLLOUT_TARGETS)
    return [
      `rollout too large for Temporal: ${size.targets} targets; one rollout takes at most ${MAX_ROLLOUT_TARGETS} ` +
        `(it keeps a few bytes per target, carried across continue-as-new as one payload)${said}. Nothing was started.`,
      `Split it into rollouts of at most ${MAX_ROLLOUT_TARGETS} targets each ${select}.`,
    ].join('\n');
  const inventory = shardedInventory(size.targets);
  if (inventory && size.shardBytes !== undefined && size.shardBytes > limit)
    return [
      `rollout too large for Temporal: its ${size.targets} targets go to shard workflows of ${inventory.perShard}, and ` +
        `one shard's input with its hosts' progress (what it carries) is about ${formatBytes(size.shardBytes)}; ` +
        `${blob}${said}. Nothing was started.`,
      `Its targets are unusually large (long tag lists?): make them smaller, or split the rollout ${select}.`,
    ].join('\n');
  if (inventory)
    return [
      `rollout too large for Temporal: with ${size.targets} targets, what the rollout carries across continue-as-new ` +
        `is about ${formatBytes(size.carriedBytes)}; ${blob}${said}. Nothing was started.`,
      `Split it ${select}.`,
    ].join('\n');
  const perTarget = size.carriedBytes / Math.max(1, size.targets);
  // 90% of the limit, so a part is not refused for a longer reason or name than estimated.
  const fits = Math.max(1, Math.floor((0.9 * limit) / perTarget));
  return [
    `rollout too large for Temporal: its input (${size.targets} targets) is ${formatBytes(size.inputBytes)}, and ` +
      `with each target's progress, which the rollout carries across continue-as-new and into its report, ` +
      `about ${formatBytes(size.carriedBytes)}; ${blob}${said}. Nothing was started.`,
    `Split it into rollouts of at most about ${fits} targets each ${select}.`,
  ].join('\n');
}

/** Refuses (exit 2, bad input) a rollout whose payloads would exceed Temporal's limit. */
export async function refuseOversizedRollout(input: RolloutInput, encoding: PayloadEncoding): Promise<void> {
  const problem = rolloutSizeProblem(await rolloutSize(input, encoding));
  if (problem) throw new CliFailure(problem, EXIT_USAGE);
}

/** The errors of `err`'s cause chain (the client's ServiceError wraps the gRPC error). */
function causeChain(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  return chain;
}

function grpcDetails(e: Error): string {
  const details = (e as { details?: unknown }).details;
  return typeof details === 'string' ? details : '';
}

const SIZE_REFUSAL = /blob data size exceeds limit|larger than max|message too large|exceeds .*size limit/i;

/** The server refused a request for its size: the blob size limit, or gRPC's message size limit. */
export function isPayloadSizeRefusal(err: unknown): boolean {
  return causeChain(err).some((e) => SIZE_REFUSAL.test(e.message) || SIZE_REFUSAL.test(grpcDetails(e)));
}

/** The message of rolloutSizeProblem for a rollout the server refused for its size (exit 2). */
export async function serverSizeRefusal(
  input: RolloutInput,
  encoding: PayloadEncoding,
  err: unknown,
): Promise<CliFailure> {
  const said = causeChain(err)
    .map((e) => grpcDetails(e) || e.message)
    .find((t) => SIZE_REFUSAL.test(t));
  const size = await rolloutSize(input, encoding);
  return new CliFailure(
    tooLargeMessage(size, TEMPORAL_BLOB_SIZE_LIMIT, said?.slice(0, 200).replace(/\.+$/, '')),
    EXIT_USAGE,
  );
}
