import { z } from 'zod';
import { timingSchema } from '../common/procedures/host-options';
import { switchRefSchema } from '../common/target-schemas';
import { formatIssues } from '../common/zod-issues';
import { switchActivities } from './host/activity-proxies';
import { invalidInput } from './host/failures';
import { problemList } from './host/validate';

// `ibfleet plan` reads each switch a cluster's desired state names, read only: its MLNX-OS release and
// whether the SM and its virtualization are enabled, with the very activity switch-sm-virt starts with
// (the worker alone holds the credentials, as for the hosts' plan workflows).

export const readSwitchInputSchema = z.strictObject({
  target: switchRefSchema,
  timing: timingSchema,
});
export type ReadSwitchInput = z.input<typeof readSwitchInputSchema>;

export interface ReadSwitchResult {
  release: string;
  smEnabled: boolean;
  smVirtEnabled: boolean;
}

export async function readSwitchWorkflow(rawInput: ReadSwitchInput): Promise<ReadSwitchResult> {
  const parsed = readSwitchInputSchema.safeParse(rawInput);
  if (!parsed.success) throw invalidInput(`invalid switch read: ${problemList(formatIssues(parsed.error))}`);
  const { target, timing } = parsed.data;
  const state = await switchActivities(timing).readSwitchState({ target, timing, step: 'plan-read' });
  return { release: state.release, smEnabled: state.smEnabled, smVirtEnabled: state.smVirtEnabled };
}
