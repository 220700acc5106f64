import { transitionAllowed, type TransitionTable } from '../../kit/domain';
import type { SagaOutcome } from './ports';

/**
 * The checkout saga's states and its transition table; the saga itself is a declaration on the kit's
 * engine (domain/saga-runner.ts: its steps, their compensations and what a failure means), and the
 * engine refuses any move TRANSITIONS does not allow.
 *
 *   PENDING --authorize--> PAYMENT_AUTHORIZED --take stock--> CONFIRMED --ship--> SHIPPED
 *      |                          |                              |
 *      |                          +----------+      cancelOrder  |
 *      |  (declined: nothing held)           v                   v
 *      +------------------------------> CANCELLING --compensations in reverse--> CANCELLED
 *
 * STOCK_RESERVED is the state of checkouts from before the stock was taken in one call (reserve, then
 * commit): recovery undoes one left there (its reservation expires in inventory on its own).
 */

export const ORDER_STATUSES = [
  'PENDING',
  'STOCK_RESERVED',
  'PAYMENT_AUTHORIZED',
  'CONFIRMED',
  'SHIPPED',
  'CANCELLING',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The saga's own states: the order statuses except SHIPPED, which is fulfilment, not checkout. */
export const SAGA_STATES = ORDER_STATUSES.filter((s): s is Exclude<OrderStatus, 'SHIPPED'> => s !== 'SHIPPED');
export type SagaState = (typeof SAGA_STATES)[number];

/** AUTHORIZE_PAYMENT then TAKE_STOCK; RESERVE_STOCK and COMMIT_STOCK name the steps of older rows. */
export type ForwardStep = 'AUTHORIZE_PAYMENT' | 'TAKE_STOCK' | 'RESERVE_STOCK' | 'COMMIT_STOCK';
export type CompensationStep = 'VOID_PAYMENT' | 'RELEASE_STOCK' | 'REFUND_PAYMENT' | 'RESTOCK';
export type SagaStep = ForwardStep | CompensationStep;

/** States in which the saga still has a step to run (recovery claims these; checkout_sagas_open_idx). */
export const OPEN_STATES: readonly SagaState[] = ['PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CANCELLING'];

/** Every move of an order's status; the saga engine, the cancellation takeover and shipping check it. */
export const TRANSITIONS: TransitionTable<OrderStatus> = {
  PENDING: ['PAYMENT_AUTHORIZED', 'CANCELLING', 'CANCELLED'],
  STOCK_RESERVED: ['CANCELLING'],
  PAYMENT_AUTHORIZED: ['CONFIRMED', 'CANCELLING'],
  CONFIRMED: ['SHIPPED', 'CANCELLING'],
  SHIPPED: [],
  CANCELLING: ['CANCELLED'],
  CANCELLED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return transitionAllowed(TRANSITIONS, from, to);
}

export function isTerminal(state: SagaState): boolean {
  return state === 'CONFIRMED' || state === 'CANCELLED';
}

/** A customer (or staff) may cancel until the order ships; a saga still running is compensated. */
export function isCancellable(status: OrderStatus): boolean {
  return canTransition(status, 'CANCELLING');
}

/** Label of saga_outcomes_total for a finished saga; a small fixed set. */
export function outcomeLabel(state: SagaState, failureCode: string | null): SagaOutcome {
  if (state === 'CONFIRMED') return 'confirmed';
  switch (failureCode) {
    case 'INSUFFICIENT_STOCK':
      return 'insufficient_stock';
    case 'PAYMENT_DECLINED':
      return 'payment_declined';
    case 'PAYMENT_TIMEOUT':
      return 'payment_timeout';
    case 'CANCELLED_BY_REQUEST':
      return 'cancelled_by_request';
    default:
      return 'failed';
  }
}
