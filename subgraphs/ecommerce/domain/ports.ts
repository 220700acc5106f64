import type { SagaState } from './saga';
import type { Order } from './types';

/**
 * What the ecommerce domain needs from the outside world beyond the kit's ports (kit/ports.ts: the
 * inventory saga API, product lookups, StepResult): a payment provider and a listener for finished
 * sagas. clients/payments.ts holds the built-in fake payment provider; tests use doubles.
 */

/** Card details as typed by the customer; they live only for the duration of the checkout call. */
export interface CardDetails {
  number: string;
  expiryMonth: number;
  expiryYear: number;
  cvc: string;
  holderName: string | null;
}

/** What is kept instead of the card: the provider's reusable token, the brand and the last 4 digits. */
export interface TokenizedCard {
  token: string;
  brand: string;
  last4: string;
}

export type AuthorizationResult =
  { ok: true; authorizationId: string } | { ok: false; code: 'PAYMENT_DECLINED'; message: string };

export interface AuthorizeRequest {
  /** Idempotency key at the provider: authorising the same order twice returns the same authorisation. */
  orderId: string;
  token: string;
  amountCents: number;
  currency: string;
}

/**
 * A card payment gateway. Every call is idempotent by order id, which is what lets the checkout
 * saga retry or compensate after a crash or a timeout without double charging.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Exchanges the card for a token (the card number never reaches our database). */
  tokenize(card: CardDetails): Promise<TokenizedCard>;
  /** Holds the amount on the card. Must give up when `signal` aborts (the saga's timeout). */
  authorize(req: AuthorizeRequest, signal: AbortSignal): Promise<AuthorizationResult>;
  /** Cancels an authorisation before capture; by order id, so it also covers an authorisation whose answer was lost. */
  void(orderId: string, authorizationId: string | null): Promise<void>;
  /** Gives back a captured amount (cancellation of a confirmed order). */
  refund(orderId: string, authorizationId: string | null, amountCents: number, currency: string): Promise<void>;
}

/** Label of a finished checkout saga: a small fixed set (saga_outcomes_total{outcome}). */
export type SagaOutcome =
  'confirmed' | 'insufficient_stock' | 'payment_declined' | 'payment_timeout' | 'cancelled_by_request' | 'failed';

/**
 * Told what the saga runner did, after it is persisted: the adapter counts outcomes (metrics stay out
 * of the domain) and, in tests only, injects a crash (CHECKOUT_FAULT).
 */
export interface SagaObserver {
  /** Saga and order entered `state` (committed). */
  entered(orderId: string, state: SagaState): void;
  /** The saga reached CONFIRMED or CANCELLED; `order` its amount, when the run holds the order. */
  finished(orderId: string, outcome: SagaOutcome, order: Pick<Order, 'totalCents' | 'currency'> | null): void;
}
