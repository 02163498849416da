import type { HostStepInput } from '../../activities/contract';
import type { hostActivities } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';

type HostActs = ReturnType<typeof hostActivities>;

/**
 * Maintenance mode around a procedure's reboots (`esxcli system shutdown reboot` requires it). Whether
 * to leave it at the end follows the host's state *before* the procedure, not whether this attempt
 * entered it: a retried step finds it entered by the attempt of a worker that died.
 */
export class MaintenanceWindow {
  private constructor(
    private readonly run: ProcedureRun,
    private readonly acts: HostActs,
    private readonly base: Omit<HostStepInput, 'step'>,
    private readonly wasOn: boolean,
    private readonly used: boolean,
  ) {}

  /** Enter maintenance mode (step "maintenance-on") unless the run does without it. */
  static async enter(
    run: ProcedureRun,
    acts: HostActs,
    base: Omit<HostStepInput, 'step'>,
    opts: { wanted: boolean; wasOn: boolean },
  ): Promise<MaintenanceWindow> {
    if (!opts.wanted) {
      run.skip('maintenance-on', 'maintenance mode disabled for this run');
      return new MaintenanceWindow(run, acts, base, opts.wasOn, false);
    }
    const mm = await run.call(
      'maintenance-on',
      'enter maintenance mode',
      acts.setMaintenanceMode,
      { ...base, enabled: true },
      (r) => (r.changed ? 'entered maintenance mode' : 'already in maintenance mode'),
    );
    if (mm.changed) run.report.changes.push('entered maintenance mode');
    return new MaintenanceWindow(run, acts, base, opts.wasOn, true);
  }

  /** True when the procedure (not an operator before it) put the host in maintenance mode. */
  get enteredByUs(): boolean {
    return this.used && !this.wasOn;
  }

  /** Whether the host is in maintenance mode at the end. */
  get onAtEnd(): boolean {
    return this.wasOn;
  }

  /** Exit maintenance mode (step "maintenance-off") if the procedure entered it. */
  async exit(): Promise<void> {
    if (!this.enteredByUs) {
      this.run.skip(
        'maintenance-off',
        this.wasOn ? 'host was in maintenance mode before: left in it' : 'not entered',
      );
      return;
    }
    await this.run.call(
      'maintenance-off',
      'exit maintenance mode',
      this.acts.setMaintenanceMode,
      { ...this.base, enabled: false },
      () => 'exited maintenance mode',
    );
    this.run.report.changes.push('exited maintenance mode');
  }
}
