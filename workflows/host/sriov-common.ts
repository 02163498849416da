import { ApplicationFailure } from '@temporalio/workflow';
import type { CardInfo, CardsState } from '../../activities/contract';
import { PRECONDITION_FAILED, VERIFICATION_FAILED } from '../../common/procedure-failures';

/** The cards a procedure acts on: the requested devices (all must exist) or every card found. */
export function selectCards(state: CardsState, devices: string[] | undefined): CardInfo[] {
  if (!devices) {
    if (state.cards.length === 0) {
      throw ApplicationFailure.create({
        type: PRECONDITION_FAILED,
        message: 'no ConnectX card is listed by mst status',
        nonRetryable: true,
      });
    }
    return state.cards;
  }
  const missing = devices.filter((d) => !state.cards.some((c) => c.device === d));
  if (missing.length > 0) {
    throw ApplicationFailure.create({
      type: PRECONDITION_FAILED,
      message: `device(s) not found on the host: ${missing.join(', ')} (found: ${state.cards.map((c) => c.device).join(', ') || 'none'})`,
      nonRetryable: true,
    });
  }
  return state.cards.filter((c) => devices.includes(c.device));
}

export interface FirmwareCheck {
  /** Devices/params whose Current value is the intended one. */
  applied: boolean;
  /** Next Boot holds the intended values but Current does not (a warm Quick Boot skipped firmware init). */
  pendingNextBoot: string[];
  wrong: string[];
}

/** Compare mlxconfig Current (and Next Boot) against the intended numeric values. */
export function checkFirmware(cards: CardInfo[], intended: Record<string, string>): FirmwareCheck {
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

/** mlxconfig shows `True(1)`, `IB(1)` or `16`: the number is what was set. */
export function mlxValue(shown: string): string {
  const m = /\((\d+)\)\s*$/.exec(shown);
  return m ? m[1] : shown.trim();
}

export function verificationFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: VERIFICATION_FAILED, message, nonRetryable: true });
}

export function preconditionFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: PRECONDITION_FAILED, message, nonRetryable: true });
}

/** The max_vfs list (one value per nmlx5 port in PCI order): `perPort` on the chosen cards' ports, the rest kept. */
export function maxVfsList(
  state: CardsState,
  cards: CardInfo[],
  perPort: number | null,
  current: string | undefined,
): string {
  const existing = (current ?? '').split(',').filter((v) => v !== '');
  const chosen = new Set(cards.flatMap((c) => c.nics));
  return state.ports
    .map((port, i) => (chosen.has(port) ? (perPort === null ? '0' : String(perPort)) : (existing[i] ?? '0')))
    .join(',');
}
