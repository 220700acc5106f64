import { transitionAllowed, type TransitionTable } from '../../kit/domain';
import type { SaleStatus } from './types';

/**
 * The point-of-sale saga's states and transition table; the saga itself is a declaration on the kit's
 * engine (domain/saga-runner.ts: its steps, their compensations and what a failure means), and the
 * engine refuses any move TRANSITIONS does not list.
 *
 *   PENDING --take stock--> COMPLETED --cancelSale--> CANCELLING --restock--> CANCELLED
 *      |  refused: nothing held                                  |  refused
 *      v                                                         v
 *    FAILED                                                  COMPLETED (unchanged)
 *
 * STOCK_RESERVED and FAILING are the states of sales from before the stock was taken in one call
 * (reserve, then commit): recovery commits one left in STOCK_RESERVED, or releases it (FAILING).
 *
 * Unlike an online checkout, the customer of a till has paid and left with the goods, so a step whose
 * outcome is unknown (inventory did not answer) is never compensated: the sale stays where it is and
 * recovery (or the register's replay of its key) drives it forward. Only a definitive refusal of
 * inventory turns a sale back.
 */

/** TAKE_STOCK; RESERVE_STOCK and COMMIT_STOCK name the steps of older sales. */
export type ForwardStep = 'TAKE_STOCK' | 'RESERVE_STOCK' | 'COMMIT_STOCK';
export type CompensationStep = 'RELEASE_STOCK' | 'RESTOCK';
export type SaleStep = ForwardStep | CompensationStep;

/** Every move of a sale's status; the engine, the cancellation and recovery go through it. */
export const TRANSITIONS: TransitionTable<SaleStatus> = {
  PENDING: ['COMPLETED', 'FAILED'],
  STOCK_RESERVED: ['COMPLETED', 'FAILING'],
  COMPLETED: ['CANCELLING'],
  FAILING: ['FAILED'],
  FAILED: [],
  CANCELLING: ['CANCELLED', 'COMPLETED'],
  CANCELLED: [],
};

export function canTransition(from: SaleStatus, to: SaleStatus): boolean {
  return transitionAllowed(TRANSITIONS, from, to);
}

/** States in which a saga still has a step to run (recovery looks for these; sales_open_idx). */
export const OPEN_STATES: readonly SaleStatus[] = ['PENDING', 'STOCK_RESERVED', 'FAILING', 'CANCELLING'];

/** Where a sale rests: nothing more will happen to it unless a manager cancels a COMPLETED one. */
export function isSettled(status: SaleStatus): boolean {
  return !OPEN_STATES.includes(status);
}

/** Label of saga_outcomes_total{saga="sale"} for a sale that came to rest; a small fixed set. */
export type SaleOutcome = 'completed' | 'insufficient_stock' | 'failed' | 'cancelled' | 'cancel_refused';

/** The outcome of a move that brings a sale to rest; null for a move between open states. */
export function outcomeLabel(from: SaleStatus, to: SaleStatus, failureCode: string | null): SaleOutcome | null {
  switch (to) {
    case 'COMPLETED':
      return from === 'CANCELLING' ? 'cancel_refused' : 'completed';
    case 'FAILED':
      return failureCode === 'INSUFFICIENT_STOCK' ? 'insufficient_stock' : 'failed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return null;
  }
}
