// Workflows for test/ops tests: the window functions run inside the workflow sandbox.
import { parseWindow, windowStatus, type WindowStatus } from '../../common/windows';

/** windowStatus of the windows at each time, computed in the sandbox. */
export async function windowStatusWorkflow(specs: string[], times: number[]): Promise<WindowStatus[]> {
  const windows = specs.map(parseWindow);
  return Promise.resolve(times.map((t) => windowStatus(windows, t)));
}
