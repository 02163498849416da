import type { IbfleetActivities } from './contract';
import { checkCredentialsAndVcenters } from './credential-check';
import { createHostActivities } from './esxi';
import { readRebootDurations } from './esxi/reboot-history';
import { createOpsActivities, type OpsActivities } from './ops';
import { runBandwidthTest } from './perftest/steps';
import type { SshRunner } from './ssh';
import { asActivity } from './step-context';
import { enableSmVirt, readSwitchState } from './switch/steps';
import { createVcenterActivities } from './vcenter/activities';
import { Govc } from './vcenter/govc';
import { createVcenterPeerActivities } from './vcenter/peers';
import type { VcenterRef } from '../common/vcenter-schemas';

export interface ActivityDeps {
  /** The SSH runner: one pooled connection per endpoint, shared by every activity of the worker. */
  runner: SshRunner;
  /** Where notification URL references, gate settings and their policy are read (default: process.env). */
  env?: Record<string, string | undefined>;
}

/** Every activity of ibfleet, over injected dependencies (tests inject their own runner). */
export function createActivities(deps: ActivityDeps): IbfleetActivities & OpsActivities {
  // vCenter passwords are read from the worker's environment under the SSH credentials' policy.
  const govcFor = (vcenter: VcenterRef): Govc =>
    Govc.connect(vcenter, deps.env ?? process.env, deps.runner.credentials.policy);
  return {
    ...createOpsActivities({ env: deps.env ?? process.env }),
    ...createHostActivities(deps.runner),
    readSwitchState: (input) => asActivity(() => readSwitchState(deps.runner, input)),
    enableSmVirt: (input) => asActivity(() => enableSmVirt(deps.runner, input)),
    runBandwidthTest: (input) => asActivity(() => runBandwidthTest(deps.runner, input)),
    readRebootDurations: (input) => asActivity(() => readRebootDurations(deps.runner, input)),
    ...createVcenterActivities(govcFor),
    ...createVcenterPeerActivities(govcFor),
    checkCredentials: (input) =>
      asActivity(() => checkCredentialsAndVcenters(deps.runner.credentials, input, govcFor)),
  };
}
