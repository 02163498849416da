import type { ProcedureRun } from './procedure-run';
import { refuseWhatVcenterCannotDo, vcenterActivities, vcenterHost, vcenterStep } from './vcenter-path';

// Issue #14: many sites keep SSH off on ESXi. A rebooting procedure or module-reload on a host with a
// vCenter reads the TSM-SSH service through vCenter before its first step (the read is in history for
// good), starts it only if it was stopped, and stops it again at the end, succeeded or not, in a cleanup
// that is not cancellable (ProcedureRun.atEnd). An SSH that was running is never stopped.

/** Runs that started TSM-SSH (it was stopped when they began). */
const opened = new WeakSet<ProcedureRun>();

/** Steps `ssh-read` and, if SSH was stopped, `ssh-on` (ProcedureRun calls this before its first step). */
export async function openSshThroughVcenter(run: ProcedureRun): Promise<void> {
  const host = vcenterHost(run);
  if (!host) return;
  refuseWhatVcenterCannotDo(run, host);
  const acts = vcenterActivities(run.input.options.timing).steps;
  const ssh = await run.step(
    'ssh-read',
    () => vcenterStep(acts.vcenterSshState({ host })),
    (s) => `TSM-SSH ${s.running ? 'running' : 'stopped'} (policy ${s.policy}) as vCenter shows it`,
  );
  if (ssh.running) return;
  opened.add(run);
  // Registered before the start: a start that fails half-way is undone too.
  run.atEnd(() => closeSsh(run));
  await run.step(
    'ssh-on',
    () => vcenterStep(acts.vcenterSetSshRunning({ host, running: true })),
    (r) => (r.changed ? 'TSM-SSH started through vCenter' : 'TSM-SSH already running'),
  );
  run.report.changes.push('TSM-SSH started through vCenter for the procedure (it was stopped)');
}

/**
 * Step `ssh-on-after-reboot-N`: a service started by hand does not survive a reboot when its policy is
 * "off", so SSH is started again (only if stopped) for the steps after the reboot.
 */
export async function reopenSshAfterReboot(run: ProcedureRun, n: number): Promise<void> {
  const host = vcenterHost(run);
  if (!host) return;
  await run.step(
    `ssh-on-after-reboot-${n}`,
    () =>
      vcenterStep(
        vcenterActivities(run.input.options.timing).steps.vcenterSetSshRunning({ host, running: true }),
      ),
    (r) => (r.changed ? 'TSM-SSH started again through vCenter (stopped by the reboot)' : 'TSM-SSH running'),
  );
}

/** Step `ssh-off`: TSM-SSH stopped again, as the procedure found it. */
async function closeSsh(run: ProcedureRun): Promise<void> {
  const host = vcenterHost(run);
  if (!host || !opened.has(run)) return;
  await run.step(
    'ssh-off',
    () =>
      vcenterStep(
        vcenterActivities(run.input.options.timing).steps.vcenterSetSshRunning({ host, running: false }),
      ),
    (r) => (r.changed ? 'TSM-SSH stopped again through vCenter' : 'TSM-SSH already stopped'),
  );
  run.report.changes.push('TSM-SSH stopped again through vCenter (as it was found)');
}
