import { CancellationScope, log } from '@temporalio/workflow';
import { failureMessage } from './failures';

type Hook = () => Promise<void>;

/**
 * What a procedure does at its end, each once and not cancellable: the cleanups registered with
 * onFailure when it fails or stops (e.g. put the host back in service), then the closings registered
 * with atEnd in any case.
 */
export class EndHooks {
  private readonly cleanups: Hook[] = [];
  private readonly closings: Hook[] = [];

  onFailure(cleanup: Hook): void {
    this.cleanups.push(cleanup);
  }

  atEnd(closing: Hook): void {
    this.closings.push(closing);
  }

  async runFailed(): Promise<void> {
    await runAll(this.cleanups);
    await runAll(this.closings);
  }

  async runSucceeded(): Promise<void> {
    await runAll(this.closings);
  }
}

async function runAll(hooks: Hook[]): Promise<void> {
  const now = hooks.splice(0);
  await CancellationScope.nonCancellable(async () => {
    for (const hook of now) {
      try {
        await hook();
      } catch (err) {
        // The failure being reported stands; the cleanup's own steps are in the report.
        log.warn('a cleanup after the failure failed', { error: failureMessage(err) });
      }
    }
  });
}
