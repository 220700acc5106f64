import { transitionAllowed, type TransitionTable } from '../../kit/domain';
import type { SaleStatus } from './types';

/**
 * The point-of-sale saga as a pure state machine (no I/O): which moves are allowed, which step comes
 * next, and what a failed step leads to. domain/saga-runner.ts executes it against the database and
 * inventory and refuses any move TRANSITIONS does not list; this file is what the unit tests pin down.
 *
 *   PENDING --reserve--> STOCK_RESERVED --commit--> COMPLETED --cancelSale--> CANCELLING --restock--> CANCELLED
 *      |  refused: nothing held               |  refused                          |  refused
 *      v                                      v                                   v
 *    FAILED <--------release------------- FAILING                             COMPLETED (unchanged)
 *
 * Unlike an online checkout, the customer of a till has paid and left with the goods, so a step whose
 * outcome is unknown (inventory did not answer) is never compensated: the sale stays where it is and
 * recovery (or the register's replay of its key) drives it forward. Only a definitive refusal of
 * inventory turns a sale back.
 */

export type ForwardStep = 'RESERVE_STOCK' | 'COMMIT_STOCK';
export type CompensationStep = 'RELEASE_STOCK' | 'RESTOCK';
export type SaleStep = ForwardStep | CompensationStep;

/** Every move of a sale's status; the runner, the cancellation and recovery go through it. */
export const TRANSITIONS: TransitionTable<SaleStatus> = {
  PENDING: ['STOCK_RESERVED', 'FAILED'],
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

/** States in which a saga still has a step to run (recovery looks for these). */
export const OPEN_STATES: readonly SaleStatus[] = ['PENDING', 'STOCK_RESERVED', 'FAILING', 'CANCELLING'];

/** Where a sale rests: nothing more will happen to it unless a manager cancels a COMPLETED one. */
export function isSettled(status: SaleStatus): boolean {
  return !OPEN_STATES.includes(status);
}

export type NextAction = { kind: 'step'; step: SaleStep; next: SaleStatus; compensation: boolean } | { kind: 'none' };

/** The step each open state runs, and where it leads when it succeeds. */
export function nextAction(status: SaleStatus): NextAction {
  switch (status) {
    case 'PENDING':
      return { kind: 'step', step: 'RESERVE_STOCK', next: 'STOCK_RESERVED', compensation: false };
    case 'STOCK_RESERVED':
      return { kind: 'step', step: 'COMMIT_STOCK', next: 'COMPLETED', compensation: false };
    case 'FAILING':
      return { kind: 'step', step: 'RELEASE_STOCK', next: 'FAILED', compensation: true };
    case 'CANCELLING':
      return { kind: 'step', step: 'RESTOCK', next: 'CANCELLED', compensation: true };
    default:
      return { kind: 'none' };
  }
}

export interface StepFailure {
  /** True when the outcome is unknown (no answer); false for a definitive refusal. */
  transient: boolean;
  code: string;
}

export type FailureDecision =
  /** Keep the state; recovery (or a replay) runs the same step again later. */
  | { kind: 'retry-later' }
  /** Move to `to` without another step: nothing is held (a refused reservation), or a cancellation refused. */
  | { kind: 'settle'; to: SaleStatus }
  /** Undo what is held: move to `to`, whose step compensates. */
  | { kind: 'compensate'; to: SaleStatus }
  /** Run this compensation instead (a release refused because the reservation was committed). */
  | { kind: 'fallback'; step: CompensationStep }
  /** A compensation refused for good: record it for people to look at and finish the move anyway. */
  | { kind: 'give-up'; to: SaleStatus };

/** What a failed step leads to (the table the unit tests pin down). */
export function onStepFailure(step: SaleStep, failure: StepFailure): FailureDecision {
  if (failure.transient) return { kind: 'retry-later' };
  switch (step) {
    case 'RESERVE_STOCK':
      // All or nothing in inventory: a refusal (INSUFFICIENT_STOCK...) holds nothing.
      return { kind: 'settle', to: 'FAILED' };
    case 'COMMIT_STOCK':
      // The reservation expired or vanished: whatever it still holds is released.
      return { kind: 'compensate', to: 'FAILING' };
    case 'RELEASE_STOCK':
      // Refused because the reservation was committed after all (the commit's answer was lost): the
      // units left the stock, so they are put back with a restock instead.
      if (failure.code === 'RESERVATION_NOT_ACTIVE') return { kind: 'fallback', step: 'RESTOCK' };
      return { kind: 'give-up', to: 'FAILED' };
    case 'RESTOCK':
      // Inventory refuses to take the units back: the sale stays as it was, the manager is told.
      return { kind: 'settle', to: 'COMPLETED' };
  }
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
