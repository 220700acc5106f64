import { transitionAllowed, type TransitionTable } from '../../kit/domain';
import type { SagaOutcome } from './ports';

/**
 * The checkout saga as a pure state machine (no I/O): which moves are allowed, which step comes next,
 * which compensations undo what, and what a failure leads to. domain/saga-runner.ts executes it
 * against the database, inventory and the payment provider, and refuses any move TRANSITIONS does
 * not allow; this file is what the unit tests pin down.
 *
 *   PENDING --reserve--> STOCK_RESERVED --authorize--> PAYMENT_AUTHORIZED --commit--> CONFIRMED --ship--> SHIPPED
 *      |                     |                              |                           |
 *      |                     +-------------+----------------+        cancelOrder        |
 *      |  (refused: nothing held)          v                                           v
 *      +-----------------------------> CANCELLING --compensations in reverse--> CANCELLED
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

export type ForwardStep = 'RESERVE_STOCK' | 'AUTHORIZE_PAYMENT' | 'COMMIT_STOCK';
export type CompensationStep = 'VOID_PAYMENT' | 'RELEASE_STOCK' | 'REFUND_PAYMENT' | 'RESTOCK';
export type SagaStep = ForwardStep | CompensationStep;

/** States from which a saga moves forward, with the step that does it and the state it leads to. */
export const FORWARD: Readonly<
  Record<'PENDING' | 'STOCK_RESERVED' | 'PAYMENT_AUTHORIZED', { step: ForwardStep; next: SagaState }>
> = {
  PENDING: { step: 'RESERVE_STOCK', next: 'STOCK_RESERVED' },
  STOCK_RESERVED: { step: 'AUTHORIZE_PAYMENT', next: 'PAYMENT_AUTHORIZED' },
  PAYMENT_AUTHORIZED: { step: 'COMMIT_STOCK', next: 'CONFIRMED' },
};

/** Every move of an order's status; the runner, the cancellation takeover and shipping check it. */
export const TRANSITIONS: TransitionTable<OrderStatus> = {
  PENDING: ['STOCK_RESERVED', 'CANCELLING', 'CANCELLED'],
  STOCK_RESERVED: ['PAYMENT_AUTHORIZED', 'CANCELLING'],
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

/**
 * Compensations in reverse order of the forward steps that may have happened before `from` was left.
 * A step whose call was in flight when the saga stopped may or may not have taken effect, so its
 * compensation is included too: every compensation is idempotent and harmless when there is nothing
 * to undo (inventory records a release even for an order it never reserved, so a late reservation
 * cannot hold stock).
 */
export function compensationsFor(from: SagaState): CompensationStep[] {
  switch (from) {
    case 'PENDING':
      return ['RELEASE_STOCK'];
    case 'STOCK_RESERVED':
    case 'PAYMENT_AUTHORIZED':
      return ['VOID_PAYMENT', 'RELEASE_STOCK'];
    case 'CONFIRMED':
      return ['REFUND_PAYMENT', 'RESTOCK'];
    default:
      return [];
  }
}

export interface SagaSnapshot {
  state: SagaState;
  /** The state compensation started from; set while CANCELLING. */
  compensateFrom: SagaState | null;
  /** Compensations already done (kept so a resumed compensation does not repeat them). */
  compensationsDone: readonly string[];
}

export type NextAction =
  | { kind: 'forward'; step: ForwardStep; next: SagaState }
  | { kind: 'compensate'; step: CompensationStep }
  | { kind: 'finish' }
  | { kind: 'none' };

export function nextAction(s: SagaSnapshot): NextAction {
  if (s.state === 'CANCELLING') {
    const pending = compensationsFor(s.compensateFrom ?? 'PENDING').filter((c) => !s.compensationsDone.includes(c));
    const step = pending[0];
    return step ? { kind: 'compensate', step } : { kind: 'finish' };
  }
  if (s.state === 'PENDING' || s.state === 'STOCK_RESERVED' || s.state === 'PAYMENT_AUTHORIZED') {
    return { kind: 'forward', ...FORWARD[s.state] };
  }
  return { kind: 'none' };
}

export interface StepFailure {
  /** True when the outcome is unknown (no answer, timeout of a transport); false for a definitive refusal. */
  transient: boolean;
  code: string;
}

export type FailureDecision =
  /** Nothing was done by the failed step and nothing before it: cancel without compensating. */
  | { kind: 'cancel' }
  /** Undo what may have been done, starting from the current state. */
  | { kind: 'compensate'; from: SagaState }
  /** Keep the state; the recovery loop tries the same step again later. */
  | { kind: 'retry-later' };

/**
 * What a failed step leads to. Before the pivot (the stock commit) failures are compensated at once so
 * the customer gets a prompt answer; the commit itself is retried when its outcome is unknown, because
 * compensating an order whose stock did leave the inventory would need a restock. Compensations never
 * give up: they are retried until they succeed.
 */
export function onStepFailure(
  step: SagaStep,
  failure: StepFailure,
  attempts: number,
  maxCommitAttempts: number,
): FailureDecision {
  switch (step) {
    case 'RESERVE_STOCK':
      // A refusal (INSUFFICIENT_STOCK...) is all-or-nothing in inventory: nothing is held.
      return failure.transient ? { kind: 'compensate', from: 'PENDING' } : { kind: 'cancel' };
    case 'AUTHORIZE_PAYMENT':
      return { kind: 'compensate', from: 'STOCK_RESERVED' };
    case 'COMMIT_STOCK':
      if (failure.transient && attempts < maxCommitAttempts) return { kind: 'retry-later' };
      return { kind: 'compensate', from: 'PAYMENT_AUTHORIZED' };
    default:
      return { kind: 'retry-later' };
  }
}

/**
 * A release refused because the reservation was already committed means the commit did happen
 * (its answer was lost): the stock must then be returned with a restock instead.
 */
export function compensationFallback(step: CompensationStep, code: string): CompensationStep | null {
  if (step === 'RELEASE_STOCK' && code === 'RESERVATION_NOT_ACTIVE') return 'RESTOCK';
  return null;
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
