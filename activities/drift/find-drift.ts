import { z } from 'zod';
import type { DesiredHostState } from '../../common/desired-state';
import { mlxValue } from '../../common/firmware-values';
import { getModuleOption } from '../esxi/parsers/module-options';
import { ParseError } from '../esxi/parsers/parse-error';

// How a host has drifted, from what a read-only preflight found on it (its report's `found`) and, when
// the inventory declares one, the cluster's desired state (common/desired-state.ts). Pure. Always
// checked: preflight's own verdict (cards missing, module not loaded, VIBs), recovery mode left on,
// maintenance mode left on. With a desired state: SRIOV_EN and NUM_OF_VFS of every card, max_vfs and
// the VFs of every port.

/** The parts of a preflight report's `found` read here (workflows/host/preflight.ts). */
export const preflightFoundSchema = z.looseObject({
  moduleLoaded: z.boolean().optional(),
  moduleOptions: z.string().optional(),
  mstDevices: z.array(z.string()).optional(),
  maintenanceMode: z.boolean().optional(),
  cards: z
    .array(
      z.looseObject({
        device: z.string(),
        nics: z.array(z.string()),
        params: z.record(z.string(), z.looseObject({ current: z.string().optional(), nextBoot: z.string() })),
      }),
    )
    .optional(),
  vfs: z.record(z.string(), z.number()).optional(),
});
export type PreflightFound = z.infer<typeof preflightFoundSchema>;

export interface HostPreflight {
  outcome: string;
  reason?: string;
  found: PreflightFound;
}

const MAX_ISSUES = 12;

function firmwareIssues(found: PreflightFound, intended: Record<string, string>): string[] {
  const issues: string[] = [];
  for (const card of found.cards ?? []) {
    for (const [param, want] of Object.entries(intended)) {
      const p = card.params[param];
      if (!p) {
        issues.push(`${card.device} ${param}: not reported by mlxconfig`);
        continue;
      }
      const current = p.current === undefined ? undefined : mlxValue(p.current);
      if (current === want) continue;
      const pending = mlxValue(p.nextBoot) === want ? ' (Next Boot has it: reboot pending)' : '';
      issues.push(`${card.device} ${param} is ${p.current ?? '?'}, expected ${want}${pending}`);
    }
  }
  return issues;
}

/** One line per drift, most important first (at most MAX_ISSUES); empty: as expected. */
export function findDrift(host: HostPreflight, desired?: DesiredHostState): string[] {
  const { found } = host;
  const issues: string[] = [];
  if (host.outcome !== 'succeeded')
    issues.push(`preflight ${host.outcome}: ${host.reason ?? 'no reason given'}`);
  else if ((found.mstDevices ?? []).length === 0) issues.push('no card is listed by mst status');

  let recovery: string | null | undefined;
  let maxVfs: string | null | undefined;
  try {
    recovery = getModuleOption(found.moduleOptions ?? '', 'mst_recovery');
    maxVfs = getModuleOption(found.moduleOptions ?? '', 'max_vfs');
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    issues.push(`the stored nmlx5_core options cannot be read: ${err.message}`);
  }
  if (recovery === '1')
    issues.push('recovery mode left on: mst_recovery=1 is stored in the nmlx5_core options');
  if (found.maintenanceMode === true) issues.push('maintenance mode left on');

  if (desired && (found.cards ?? []).length > 0) {
    const ports = (found.cards ?? []).flatMap((c) => c.nics);
    if (desired.mode === 'sriov' && desired.numVfs !== undefined && desired.maxVfs !== undefined) {
      issues.push(...firmwareIssues(found, { SRIOV_EN: '1', NUM_OF_VFS: String(desired.numVfs) }));
      const wantedList = ports.map(() => String(desired.maxVfs)).join(',');
      const stored = (maxVfs ?? '').split(',');
      const perPort = ports.map((_, i) => (stored.length === 1 ? stored[0] : (stored[i] ?? '')));
      if (perPort.some((v) => v !== String(desired.maxVfs)))
        issues.push(
          `max_vfs is ${maxVfs === undefined ? 'not set' : `"${maxVfs ?? ''}"`}, expected ${wantedList}`,
        );
      for (const port of ports) {
        const vfs = found.vfs?.[port] ?? 0;
        if (vfs < desired.maxVfs) issues.push(`${port} has ${vfs} VF(s), expected ${desired.maxVfs}`);
      }
    } else if (desired.mode === 'passthrough') {
      issues.push(...firmwareIssues(found, { SRIOV_EN: '0' }));
      if (maxVfs !== undefined && (maxVfs ?? '').split(',').some((v) => v !== '0'))
        issues.push(`max_vfs is "${maxVfs ?? ''}", expected none (passthrough)`);
      for (const port of ports)
        if ((found.vfs?.[port] ?? 0) > 0)
          issues.push(`${port} has ${found.vfs?.[port]} VF(s), expected none (passthrough)`);
    }
  }
  return issues.length > MAX_ISSUES
    ? [...issues.slice(0, MAX_ISSUES - 1), `and ${issues.length - MAX_ISSUES + 1} more`]
    : issues;
}
