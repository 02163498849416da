import {
  CancellationScope,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Audited, RebootAndReturn } from '../../activities/contract';
import { HOST_NOT_RETURNED, REBOOT_DID_NOT_START } from '../../common/procedure-failures';
import type { ProcedureInput, ProcedureName } from '../../common/procedures';
import {
  openReport,
  type ProcedureOutcome,
  type ProcedureReport,
  type StepRecord,
} from '../../common/reports';
import { IbPhase } from '../../common/search-attributes';
import { hostProgressQuery, stopAtSafePointSignal } from '../messages';
import { currentDetails } from './current-details';
import { EndHooks } from './end-hooks';
import {
  classify,
  endAfterError,
  failureMessage,
  failureWithReport,
  StopRequested,
  stoppedReason,
} from './failures';
import { notifyRollout } from './host-finished';
import { openSshThroughVcenter } from './vcenter-ssh';

/** Failures a reboot-and-wait activity raises only after its reboot went out. */
const waitFailureTypes = [HOST_NOT_RETURNED, REBOOT_DID_NOT_START];

/**
 * Book-keeping shared by every procedure workflow: steps with durations, the commands run, reboots,
 * what is shown in the Temporal UI (current details, IbPhase), the progress query, the stop-at-safe-point
 * signal, the final typed report and the message to the parent rollout.
 */
export class ProcedureRun {
  readonly report: ProcedureReport;
  private currentStep = 'starting';
  private stopRequest?: string;
  /**
   * Set from beginCycle() to endCycle(): while the host is between the two reboots of a cycle, or its
   * changes wait for a reboot and their verification. A procedure that stops now left it mid-cycle
   * (report.leftMidCycle, needs-attention) and says how, with this description.
   */
  private leftMidCycle?: string;
  /** What an operator must see to if the procedure stops now (e.g. VMs stopped and not yet restarted). */
  private readonly attention = new Map<string, string>();
  /** A live line about the current step ("waiting for 3 VMs to stop: a, b, c"), cleared when it ends. */
  private detail?: string;
  /** Run when the procedure fails (before its report is final), and at its end. */
  private readonly hooks = new EndHooks();
  /** Issue #14 (vcenter-ssh.ts): SSH opened through vCenter before the first step, closed at the end. */
  private opened = false;

  constructor(
    readonly input: ProcedureInput,
    private plannedSteps: readonly string[],
  ) {
    this.report = openReport(input.target.name, input.procedure, new Date().toISOString());
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
  plan(steps: readonly string[]): void {
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
    if (!this.opened) {
      this.opened = true;
      await openSshThroughVcenter(this);
    }
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
    /** acts.local.x (runsLocally: a local activity) or an ordinary activity (activity-proxies.ts). */
    activity: {
      executeWithOptions(options: { summary: string }, args: [I]): Promise<R>;
      readonly runsLocally?: boolean;
    },
    input: Omit<I, 'step'>,
    describe: (r: R) => string,
  ): Promise<R> {
    const args = [{ ...input, step: name } as I] as [I];
    return await this.step(
      name,
      () => activity.executeWithOptions({ summary: `${summary} — ${this.input.target.name}` }, args),
      describe,
      { local: activity.runsLocally === true },
    );
  }

  /**
   * A reboot and the wait for the host, done by one activity. Shown as the wait while it runs (nearly all
   * of its time) and recorded as the two steps it is, split where the activity says the reboot ended.
   */
  async callRebootAndReturn<R extends RebootAndReturn>(
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
    this.hooks.onFailure(cleanup);
  }

  /** `closing` runs (once, not cancellable) at the end, succeeded or not, after the failure cleanups. */
  atEnd(closing: () => Promise<void>): void {
    this.hooks.atEnd(closing);
  }

  /** A point where stopping leaves the host consistent: honour a pending stop request here. */
  safePoint(nextStep: string): void {
    if (this.stopRequest !== undefined) throw new StopRequested(nextStep);
  }

  /** The host is half-configured from here until endCycle() (see leftMidCycle). */
  beginCycle(description: string): void {
    this.leftMidCycle = description;
  }

  /** The host is verified and consistent again. */
  endCycle(): void {
    this.leftMidCycle = undefined;
  }

  rebooted(): void {
    this.report.reboots += 1;
  }

  /** Finish successfully: return the report. */
  async succeed(finalState: Record<string, unknown>): Promise<ProcedureReport> {
    this.report.finalState = finalState;
    await this.hooks.runSucceeded();
    return await this.finish('succeeded');
  }

  /**
   * Finish after an error: classify it, fill the report, tell the rollout, then fail the workflow with
   * the report as the failure's details (so the Temporal UI shows the host as failed).
   */
  async fail(err: unknown): Promise<never> {
    const stoppedInStep = this.currentStep;
    await this.hooks.runFailed();
    const attention = [...this.attention.values()];
    if (err instanceof StopRequested) {
      this.report.reason = stoppedReason(err.step, this.stopRequest, attention);
      this.report.stoppedInStep = err.step;
      await this.finish('cancelled');
      return await Promise.reject(failureWithReport('StoppedAtSafePoint', this.report));
    }
    const end = endAfterError(err, { leftMidCycle: this.leftMidCycle, attention });
    this.report.failureType = end.type;
    this.report.stoppedInStep = stoppedInStep;
    this.report.reason = end.reason;
    if (this.leftMidCycle !== undefined) this.report.leftMidCycle = true;
    await this.finish(end.outcome);
    if (isCancellation(err)) throw err;
    throw failureWithReport(end.type, this.report);
  }

  private async finish(outcome: ProcedureOutcome): Promise<ProcedureReport> {
    this.report.outcome = outcome;
    this.report.finishedAt = new Date().toISOString();
    this.currentStep = 'done';
    upsertSearchAttributes([{ key: IbPhase, value: outcome }]);
    this.render();
    // Even a cancelled procedure tells its rollout how it ended.
    await CancellationScope.nonCancellable(() => notifyRollout(this.report));
    return this.report;
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

  /** The compact view the Temporal UI shows as "current details" (current-details.ts). */
  private render(): void {
    setCurrentDetails(
      currentDetails({
        procedure: this.input.procedure,
        target: this.input.target.name,
        currentStep: this.currentStep,
        detail: this.detail,
        reboots: this.report.reboots,
        stopRequest: this.stopRequest,
        plannedSteps: this.plannedSteps,
        steps: this.report.steps,
      }),
    );
  }
}
