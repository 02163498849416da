import type { CardInfo, CardsState, HostStepInput } from '../../activities/contract';
import type { HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { verificationFailed } from './failures';

// The steps sriov-enable and sriov-disable share around the firmware reboot(s) (firmware-reboot.ts).

/** After the reboot(s): the VFs per port on every card as intended, or a failed verification. */
export async function verifyVfs(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  o: { step: string; cards: CardInfo[]; vfsPerPort: number },
): Promise<CardsState> {
  const after = await run.call(
    o.step,
    `verify ${o.vfsPerPort} VF(s) per port`,
    acts.steps.readCards,
    { ...base, devices: o.cards.map((c) => c.device) },
    (s) =>
      Object.entries(s.vfs)
        .map(([n, v]) => `${n}: ${v} VFs`)
        .join(', '),
  );
  const wrong = o.cards.flatMap((c) =>
    c.nics
      .filter((n) => (after.vfs[n] ?? 0) !== o.vfsPerPort)
      .map((n) => `${n}: ${after.vfs[n] ?? 0} VFs, wanted ${o.vfsPerPort}`),
  );
  if (wrong.length > 0)
    throw verificationFailed(`VFs per port not as intended after the reboot: ${wrong.join('; ')}`);
  return after;
}

/** Step `set-max-vfs`/`clear-max-vfs`: max_vfs merged into the stored options (null removes it). */
export async function setMaxVfs(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  o: { step: string; maxVfs: string | null },
): Promise<void> {
  const mv = await run.call(
    o.step,
    o.maxVfs === null
      ? 'remove max_vfs from stored options'
      : `set max_vfs=${o.maxVfs} (merged into stored options)`,
    acts.local.setModuleOption,
    { ...base, key: 'max_vfs', value: o.maxVfs },
    (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
  );
  if (mv.changed) run.report.changes.push(`nmlx5_core options '${mv.before}' → '${mv.after}'`);
}
