// Pure comparisons of a host's firmware and driver settings with intended values, shared by the
// procedures (workflows/host/sriov-*.ts, activities/esxi/firmware.ts, activities/drift) and the
// converge planner (common/converge-plan.ts). The shapes are the parts of activities/contract.ts's
// CardInfo / CardsState they read (common/ may not import activities).

export interface MlxParamValues {
  current?: string;
  nextBoot: string;
}

export interface CardValues {
  device: string;
  /** nmlx5 vmnics on this card, in PCI order. */
  nics: string[];
  params: Record<string, MlxParamValues>;
}

export interface FirmwareCheck {
  /** Devices/params whose Current value is the intended one. */
  applied: boolean;
  /** Next Boot holds the intended values but Current does not (a warm Quick Boot skipped firmware init). */
  pendingNextBoot: string[];
  wrong: string[];
}

/** mlxconfig shows `True(1)`, `IB(1)` or `16`: the number is what was set. */
export function mlxValue(shown: string): string {
  const m = /\((\d+)\)\s*$/.exec(shown);
  return m ? m[1] : shown.trim();
}

/** Compare mlxconfig Current (and Next Boot) against the intended numeric values. */
export function checkFirmware(cards: CardValues[], intended: Record<string, string>): FirmwareCheck {
  const pendingNextBoot: string[] = [];
  const wrong: string[] = [];
  for (const card of cards) {
    for (const [param, want] of Object.entries(intended)) {
      const p = card.params[param];
      if (!p) {
        wrong.push(`${card.device} ${param}: not reported by mlxconfig`);
        continue;
      }
      if (p.current !== undefined && mlxValue(p.current) === want) continue;
      if (mlxValue(p.nextBoot) === want)
        pendingNextBoot.push(`${card.device} ${param}: Current ${p.current ?? '?'}, Next Boot ${p.nextBoot}`);
      else
        wrong.push(
          `${card.device} ${param}: Current ${p.current ?? '?'}, Next Boot ${p.nextBoot}, wanted ${want}`,
        );
    }
  }
  return { applied: pendingNextBoot.length === 0 && wrong.length === 0, pendingNextBoot, wrong };
}

/** The max_vfs list (one value per nmlx5 port in PCI order): `perPort` on the chosen cards' ports, the rest kept. */
export function maxVfsList(
  state: { ports: string[] },
  cards: { nics: string[] }[],
  perPort: number | null,
  current: string | undefined,
): string {
  const existing = (current ?? '').split(',').filter((v) => v !== '');
  const chosen = new Set(cards.flatMap((c) => c.nics));
  return state.ports
    .map((port, i) => (chosen.has(port) ? (perPort === null ? '0' : String(perPort)) : (existing[i] ?? '0')))
    .join(',');
}
