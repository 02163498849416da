import { createDriftActivities, type DriftActivities } from './drift';
import { createGateActivities, type GateActivities } from './gates';
import { createLeaseActivities, type LeaseActivities } from './lease';
import { createNotifyActivities, type NotifyActivities } from './notify';
import type { Environment } from './url-ref';

// The activities of the operations features (issue #16): notifications, health gates, the fleet-wide
// lease and the drift check. They act on the worker itself (HTTP, local commands, its Temporal client),
// never on a host over SSH.

export type OpsActivities = NotifyActivities & GateActivities & LeaseActivities & DriftActivities;

export function createOpsActivities(deps: { env: Environment }): OpsActivities {
  return {
    ...createNotifyActivities({ env: deps.env }),
    ...createGateActivities({ env: deps.env }),
    ...createLeaseActivities(),
    ...createDriftActivities(),
  };
}
