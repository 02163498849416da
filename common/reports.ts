import type { ProcedureName } from './procedures';
import type { WorkloadReport } from './workloads';

// Typed reports returned by the procedure workflows and aggregated by the rollout.

export type StepStatus = 'done' | 'skipped' | 'failed';

export interface StepRecord {
  /** Stable step name, e.g. "set-mst-recovery-1", "reboot-1", "await-return-1", "verify-cards". */
  name: string;
  status: StepStatus;
  /** One line for operators: what was found or done. */
  detail: string;
  startedAt: string;
  durationMs: number;
}

/** One command run on the target, for the audit trail (output is not kept here; see step details). */
export interface CommandRecord {
  step: string;
  command: string;
  exitCode: number;
  durationMs: number;
  at: string;
}

export type ProcedureOutcome = 'succeeded' | 'failed' | 'needs-attention' | 'cancelled';

export interface ProcedureReport {
  target: string;
  procedure: ProcedureName;
  outcome: ProcedureOutcome;
  /** Why it did not succeed: specific and actionable ("host did not return within 45m"). */
  reason?: string;
  /** Typed failure category, e.g. "HostKeyMismatch", "HostNotReturned", "VerificationFailed". */
  failureType?: string;
  /** What was found before acting (versions, option strings, mlxconfig values...). */
  found: Record<string, unknown>;
  /** Human-readable list of changes made. */
  changes: string[];
  reboots: number;
  steps: StepRecord[];
  /** Every command run on the target, in order (secrets redacted). */
  commands: CommandRecord[];
  /** The step the procedure was in when it stopped, if it did not finish. */
  stoppedInStep?: string;
  /** True when the host was left between the two reboots of a cycle (mst_recovery still 1). */
  leftMidCycle?: boolean;
  /** Rebooting procedures: the host's VMs, what the VM policy did with them, and when. */
  vms?: WorkloadReport;
  finalState: Record<string, unknown>;
  startedAt: string;
  finishedAt: string;
}

/** Why a host did not succeed, as its report says it; what a rollout keeps of it. */
export type HostEndDetail = Pick<
  ProcedureReport,
  'reason' | 'failureType' | 'stoppedInStep' | 'leftMidCycle'
>;

/** The end detail of a report (or of a host's end), without the empty fields. */
export function hostEndDetail(r: HostEndDetail): HostEndDetail {
  return {
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.failureType ? { failureType: r.failureType } : {}),
    ...(r.stoppedInStep ? { stoppedInStep: r.stoppedInStep } : {}),
    ...(r.leftMidCycle ? { leftMidCycle: true } : {}),
  };
}

/** The report a procedure starts from: nothing found, changed, rebooted or run yet. */
export function openReport(target: string, procedure: ProcedureName, startedAt: string): ProcedureReport {
  return {
    target,
    procedure,
    outcome: 'succeeded',
    found: {},
    changes: [],
    reboots: 0,
    steps: [],
    commands: [],
    finalState: {},
    startedAt,
    finishedAt: '',
  };
}
