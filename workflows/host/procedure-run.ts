import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Audited, RebootAndReturn } from '../../activities/contract';
import { runsLocally } from './activity-proxies';
import {
  HOST_NOT_RETURNED,
  INVALID_INPUT,
  needsAttentionTypes,
  REBOOT_DID_NOT_START,
} from '../../common/procedure-failures';

/** Failures a reboot-and-wait activity raises only after its reboot went out. */
const waitFailureTypes = [HOST_NOT_RETURNED, REBOOT_DID_NOT_START];
import type { ProcedureInput, ProcedureName } from '../../common/procedures';
import type { ProcedureOutcome, ProcedureReport, StepRecord } from '../../common/reports';
import { IbPhase } from '../../common/search-attributes';
import { hostFinishedSignal, hostProgressQuery, stopAtSafePointSignal, type HostFinished } from '../messages';

/** Raised inside a procedure when it stops at a safe point on request. */
export class StopRequested extends Error {
  constructor(readonly step: string) {
    super(`stopped at a safe point before "${step}"`);
  }
}

/**
 * Book-keeping shared by every procedure workflow: steps with durations, the commands run, reboots,
 * what is shown in the Temporal UI (current details, IbPhase), the progress query, the stop-at-safe-point
 * signal, the final typed report and the message to the parent rollout.
 */
export class ProcedureRun {
  readonly report: ProcedureReport;
  private currentStep = 'starting';
  private stopRequest?: string;
  /** Set while the host is between the two reboots of a cycle (or otherwise half-configured). */
  private midChange?: string;
  /** What an operator must see to if the procedure stops now (e.g. VMs stopped and not yet restarted). */
  private readonly attention = new Map<string, string>();
  /** A live line about the current step ("waiting for 3 VMs to stop: a, b, c"), cleared when it ends. */
  private detail?: string;
  /** Run when the procedure fails, before its report is final (e.g. put the host back in service). */
  private readonly cleanups: (() => Promise<void>)[] = [];

  constructor(
    readonly input: ProcedureInput,
    private plannedSteps: string[],
  ) {
    this.report = {
      target: input.target.name,
      procedure: input.procedure,
      outcome: 'succeeded',
      found: {},
      changes: [],
      reboots: 0,
      steps: [],
      commands: [],
      finalState: {},
      startedAt: new Date().toISOString(),
      finishedAt: '',
    };
    setHandler(hostProgressQuery, () => ({
      procedure: input.procedure,
      target: input.target.name,
      step: this.currentStep,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      stepsDone: this.report.steps.map((s) => s.name),
      reboots: this.report.reboots,
    }));
    setHandler(stopAtSafePointSignal, (reason) => {
      this.stopRequest = reason;
      this.render();
    });
    this.render();
  }

  get procedure(): ProcedureName {
    return this.input.procedure;
  }

  /** Replace the planned step list once it is known (it may depend on the cards found). */
  plan(steps: string[]): void {
    this.plannedSteps = steps;
    this.render();
  }

  /** Run one step: shown in the UI while it runs, recorded with its duration and commands afterwards. */
  async step<R extends Partial<Audited>>(
    name: string,
    run: () => Promise<R>,
    describe: (r: R) => string,
    { local = false }: { local?: boolean } = {},
  ): Promise<R> {
    this.enter(name, { local });
    const started = Date.now();
    try {
      const result = await run();
      if (result.commands) this.report.commands.push(...result.commands);
      this.record(name, 'done', describe(result), started);
      return result;
    } catch (err) {
      this.record(name, 'failed', failureMessage(err), started);
      throw err;
    }
  }

  /** A step that is one activity call, with a summary the Temporal UI shows on the activity. */
  async call<I extends { step: string }, R extends Partial<Audited>>(
    name: string,
    summary: string,
    activity: { executeWithOptions(options: { summary: string }, args: [I]): Promise<R> },
    input: Omit<I, 'step'>,
    describe: (r: R) => string,
  ): Promise<R> {
    const args = [{ ...input, step: name } as I] as [I];
    return await this.step(
      name,
      () => activity.executeWithOptions({ summary: `${summary} — ${this.input.target.name}` }, args),
      describe,
      { local: runsLocally(activity) },
    );
  }

  /**
   * A reboot and the wait for the host, done by one activity. Shown as the wait while it runs (nearly all
   * of its time) and recorded as the two steps it is, split where the activity says the reboot ended.
   */
  async rebootAndWait<R extends RebootAndReturn>(
    names: { reboot: string; wait: string },
    run: () => Promise<R>,
    describeReturn: (r: R) => string,
  ): Promise<R> {
    this.enter(names.wait, { local: false });
    const started = Date.now();
    try {
      const result = await run();
      this.report.commands.push(...result.commands);
      const rebootEnded = started + result.reboot.tookMs;
      this.record(names.reboot, 'done', result.reboot.detail, started, rebootEnded);
      this.rebooted();
      this.record(names.wait, 'done', describeReturn(result), rebootEnded);
      return result;
    } catch (err) {
      const { type } = classify(err);
      if (waitFailureTypes.includes(type)) {
        // Raised while waiting: the reboot had been sent.
        this.record(names.reboot, 'done', 'reboot issued', started);
        this.rebooted();
        this.record(names.wait, 'failed', failureMessage(err), started);
      } else {
        this.currentStep = names.reboot;
        this.record(names.reboot, 'failed', failureMessage(err), started);
      }
      throw err;
    }
  }

  skip(name: string, detail: string): void {
    this.record(name, 'skipped', detail, Date.now());
  }

  /** True once a stop at the next safe point was requested (a long wait may end early for it). */
  get stopRequested(): boolean {
    return this.stopRequest !== undefined;
  }

  /** Show a live line about the current step in the UI and the progress query (undefined clears it). */
  setDetail(detail: string | undefined): void {
    this.detail = detail;
    this.render();
  }

  /**
   * Something an operator must see to should the procedure stop before `releaseAttention(key)`: the
   * procedure then ends as needs-attention (not failed), its reason saying so.
   */
  holdAttention(key: string, description: string): void {
    this.attention.set(key, description);
  }

  releaseAttention(key: string): void {
    this.attention.delete(key);
  }

  /** `cleanup` runs (once, not cancellable) when the procedure fails or stops, before the report is final. */
  onFailure(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  private async runCleanups(): Promise<void> {
    const cleanups = this.cleanups.splice(0);
    await CancellationScope.nonCancellable(async () => {
      for (const cleanup of cleanups) {
        try {
          await cleanup();
        } catch (err) {
          // The failure being reported stands; the cleanup's own steps are in the report.
          log.warn('a cleanup after the failure failed', { error: failureMessage(err) });
        }
      }
    });
  }

  /** A point where stopping leaves the host consistent: honour a pending stop request here. */
  safePoint(nextStep: string): void {
    if (this.stopRequest !== undefined) throw new StopRequested(nextStep);
  }

  /** Mark that the host is half-configured until `done()` is called (reported if the procedure stops). */
  beginChange(description: string): void {
    this.midChange = description;
  }

  endChange(): void {
    this.midChange = undefined;
  }

  rebooted(): void {
    this.report.reboots += 1;
  }

  /** Finish successfully: return the report. */
  async succeed(finalState: Record<string, unknown>): Promise<ProcedureReport> {
    this.report.finalState = finalState;
    return await this.finish('succeeded');
  }

  /**
   * Finish after an error: classify it, fill the report, tell the rollout, then fail the workflow with
   * the report as the failure's details (so the Temporal UI shows the host as failed).
   */
  async fail(err: unknown): Promise<never> {
    const stoppedInStep = this.currentStep;
    await this.runCleanups();
    if (err instanceof StopRequested) {
      this.report.reason = [
        `stopped at a safe point before "${err.step}" (${this.stopRequest ?? 'requested'}); nothing was changed after it`,
        ...this.attention.values(),
      ].join(' — ');
      this.report.stoppedInStep = err.step;
      await this.finish('cancelled');
      return await Promise.reject(
        ApplicationFailure.create({
          type: 'StoppedAtSafePoint',
          message: this.report.reason,
          nonRetryable: true,
          details: [this.report],
        }),
      );
    }
    const { type, message } = classify(err);
    const attention = [...this.attention.values()];
    const outcome: ProcedureOutcome = isCancellation(err)
      ? 'cancelled'
      : needsAttentionTypes.includes(type) || this.midChange !== undefined || attention.length > 0
        ? 'needs-attention'
        : 'failed';
    this.report.failureType = type;
    this.report.stoppedInStep = stoppedInStep;
    this.report.reason = [
      message,
      ...(this.midChange !== undefined ? [`host left mid-change: ${this.midChange}`] : []),
      ...attention,
    ].join(' — ');
    if (this.midChange !== undefined) this.report.leftMidCycle = true;
    await this.finish(outcome);
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.create({
      type,
      message: this.report.reason,
      nonRetryable: true,
      details: [this.report],
    });
  }

  private async finish(outcome: ProcedureOutcome): Promise<ProcedureReport> {
    this.report.outcome = outcome;
    this.report.finishedAt = new Date().toISOString();
    this.currentStep = 'done';
    upsertSearchAttributes([{ key: IbPhase, value: outcome }]);
    this.render();
    // Even a cancelled procedure tells its rollout how it ended.
    await CancellationScope.nonCancellable(() => this.notifyRollout());
    return this.report;
  }

  private async notifyRollout(): Promise<void> {
    const parent = workflowInfo().parent;
    if (!parent) return;
    const r = this.report;
    try {
      await getExternalWorkflowHandle(parent.workflowId).signal(
        hostFinishedSignal,
        hostFinishedFrom(r, workflowInfo().runId),
      );
    } catch (err) {
      // The rollout may have ended (or been terminated); the host's own result still records everything.
      log.warn('could not tell the rollout that this host finished', { error: failureMessage(err) });
    }
  }

  /**
   * IbPhase is written to visibility once per search-attribute upsert. A local step starts and ends
   * inside one workflow task, so nothing outside the worker could ever see it as the phase: only the
   * steps that wait on the server (ordinary activities) and the outcome are worth a write.
   */
  private enter(name: string, { local }: { local: boolean }): void {
    this.currentStep = name;
    this.detail = undefined;
    if (!local) upsertSearchAttributes([{ key: IbPhase, value: name }]);
    this.render();
  }

  private record(
    name: string,
    status: StepRecord['status'],
    detail: string,
    startedMs: number,
    endedMs = Date.now(),
  ): void {
    this.detail = undefined;
    this.report.steps.push({
      name,
      status,
      detail,
      startedAt: new Date(startedMs).toISOString(),
      durationMs: endedMs - startedMs,
    });
    this.render();
  }

  /** The compact view the Temporal UI shows as "current details". */
  private render(): void {
    const done = new Map(this.report.steps.map((s) => [s.name, s]));
    const mark = { done: '✔', skipped: '–', failed: '✘' } as const;
    const rows = this.plannedSteps.map((name) => {
      const s = done.get(name);
      const state = s ? mark[s.status] : name === this.currentStep ? '▶' : ' ';
      return `| ${state} | ${name} | ${s ? `${s.detail.replace(/\|/g, '/')} (${Math.round(s.durationMs / 100) / 10}s)` : ''} |`;
    });
    const now = this.detail !== undefined ? ` (${this.detail})` : '';
    const header = `**${this.input.procedure}** on \`${this.input.target.name}\` — step: **${this.currentStep}**${now}, reboots: ${this.report.reboots}`;
    const stop = this.stopRequest !== undefined ? `\n\nStop requested: ${this.stopRequest}` : '';
    setCurrentDetails(`${header}${stop}\n\n| | step | result |\n|---|---|---|\n${rows.join('\n')}`);
  }
}

/** What a host tells its rollout when it ends (also what the rollout takes from a child's result). */
export function hostFinishedFrom(r: ProcedureReport, runId: string): HostFinished {
  return {
    name: r.target,
    runId,
    outcome: r.outcome,
    reason: r.reason,
    failureType: r.failureType,
    stoppedInStep: r.stoppedInStep,
    leftMidCycle: r.leftMidCycle,
    reboots: r.reboots,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

/** The failure type and message an operator should see, from whatever a step threw. */
export function classify(err: unknown): { type: string; message: string } {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  if (cause instanceof ApplicationFailure)
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof CancelledFailure) return { type: 'Cancelled', message: 'cancelled' };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}

export function failureMessage(err: unknown): string {
  return classify(err).message;
}

/** Invalid input fails the workflow for good: a non-retryable failure, never a stuck workflow task. */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: INVALID_INPUT, message, nonRetryable: true });
}
