import type { SagaState } from './saga';

/**
 * What the ecommerce domain needs from the outside world, as it needs it: the inventory saga API,
 * a payment provider, product lookups and a listener for finished sagas. clients/ holds the
 * adapters that implement them over HTTP (and the built-in fake payment provider); tests use doubles.
 */

/**
 * Outcome of a call to another system. `transient` failures (no answer, a GraphQL-level error) leave
 * the outcome unknown and may be retried, because every saga step is idempotent by order id;
 * business refusals (UserErrors in the payload) are definitive.
 */
export type StepResult<T = undefined> =
  { ok: true; value: T } | { ok: false; transient: boolean; code: string; message: string };

export interface ReserveLine {
  productId: string;
  quantity: number;
}

/** The inventory saga API as the checkout needs it; every call is idempotent by order id. */
export interface InventoryPort {
  reserve(orderId: string, lines: ReserveLine[], ttlSeconds: number): Promise<StepResult<{ reservationId: string }>>;
  commit(orderId: string): Promise<StepResult>;
  release(orderId: string, reason: string): Promise<StepResult>;
  /** Returns the units of a committed (confirmed) order to stock, e.g. when it is cancelled. */
  restock(orderId: string, reason: string): Promise<StepResult>;
}

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

/** What ecommerce needs to know about a product (owned by the products subgraph) to sell it. */
export interface ProductInfo {
  id: string;
  name: string;
  active: boolean;
  priceCents: number;
  currency: string;
}

/** Looks products up by id; requests use a DataLoader, so one tick's lookups are one call. */
export interface ProductLookup {
  load(id: string): Promise<ProductInfo | null>;
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
  /** The saga reached CONFIRMED or CANCELLED. */
  finished(orderId: string, outcome: SagaOutcome): void;
}
