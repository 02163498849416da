import type { CardInfo, CardsState } from '../../activities/contract';
import { preconditionFailed } from './failures';

/** The cards a procedure acts on: the requested devices (all must exist) or every card found. */
export function selectCards(state: CardsState, devices: string[] | undefined): CardInfo[] {
  if (!devices) {
    if (state.cards.length === 0) throw preconditionFailed('no ConnectX card is listed by mst status');
    return state.cards;
  }
  const missing = devices.filter((d) => !state.cards.some((c) => c.device === d));
  if (missing.length > 0)
    throw preconditionFailed(
      `device(s) not found on the host: ${missing.join(', ')} (found: ${state.cards.map((c) => c.device).join(', ') || 'none'})`,
    );
  return state.cards.filter((c) => devices.includes(c.device));
}
