import type { IbfleetActivities } from './contract';
import { checkCredentials } from './credential-check';
import { createHostActivities } from './esxi';
import { readRebootDurations } from './esxi/reboot-history';
import { runBandwidthTest } from './perftest/steps';
import type { SshRunner } from './ssh';
import { asActivity } from './step-context';
import { enableSmVirt, readSwitchState } from './switch/steps';

export interface ActivityDeps {
  /** The SSH runner: one pooled connection per endpoint, shared by every activity of the worker. */
  runner: SshRunner;
}

/** Every activity of ibfleet, over injected dependencies (tests inject their own runner). */
export function createActivities(deps: ActivityDeps): IbfleetActivities {
  return {
    ...createHostActivities(deps.runner),
    readSwitchState: (input) => asActivity(() => readSwitchState(deps.runner, input)),
    enableSmVirt: (input) => asActivity(() => enableSmVirt(deps.runner, input)),
    runBandwidthTest: (input) => asActivity(() => runBandwidthTest(deps.runner, input)),
    readRebootDurations: (input) => asActivity(() => readRebootDurations(deps.runner, input)),
    checkCredentials: (input) =>
      asActivity(() => Promise.resolve(checkCredentials(deps.runner.credentials, input))),
  };
}
