import { ApplicationFailure } from '@temporalio/workflow';
import type { CardInfo, CardsState } from '../../activities/contract';
import { PRECONDITION_FAILED, VERIFICATION_FAILED } from '../../common/procedure-failures';

// The pure comparisons live in common/ (the converge planner uses them too).
export { checkFirmware, maxVfsList, mlxValue, type FirmwareCheck } from '../../common/firmware-values';

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

export function verificationFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: VERIFICATION_FAILED, message, nonRetryable: true });
}

export function preconditionFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: PRECONDITION_FAILED, message, nonRetryable: true });
}
