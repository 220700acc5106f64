import {
  AccessDenied,
  NotAuthenticated,
  type DomainContext,
  type InventorySagaPort,
  type ProductLookup,
} from '../../kit/domain';
import type { PaymentProvider, SagaObserver } from './ports';

/** The checkout saga's settings; config.ts reads them from the environment. */
export interface CheckoutSettings {
  /** Reservation lifetime asked of inventory; an uncommitted reservation expires after it. */
  reservationTtlSeconds: number;
  /** Longest wait for the payment provider before the saga treats the payment as failed. */
  paymentTimeoutMs: number;
  /** Tries of the stock commit in one run before leaving it to the recovery loop. */
  commitTriesPerRun: number;
  /** Runs of the stock commit (over recoveries) before the order is compensated instead. */
  maxCommitAttempts: number;
  /** A saga not updated for this long is considered abandoned and taken over by recovery. */
  stuckAfterMs: number;
  /** An abandoned checkout older than this is compensated rather than completed. */
  maxForwardAgeMs: number;
  /** Identifies this process in saga leases. */
  instanceId: string;
}

/**
 * What every ecommerce domain function receives first: the kit's DomainContext (unit of work,
 * caller, logger) plus ecommerce's ports. server.ts builds it (`ecommerceContext`): once per request
 * for the resolvers (products is the request's DataLoader), once per pass for the saga recovery loop.
 */
export interface EcommerceContext extends DomainContext {
  config: CheckoutSettings;
  inventory: InventorySagaPort;
  payments: PaymentProvider;
  products: ProductLookup;
  sagaEvents: SagaObserver;
}

/** The signed-in customer's id: UNAUTHENTICATED without a caller, FORBIDDEN for a staff or service token. */
export function signedInCustomer(ctx: Pick<DomainContext, 'identity'>): string {
  if (!ctx.identity) throw new NotAuthenticated();
  if (ctx.identity.role !== 'CUSTOMER') throw new AccessDenied('Requires a customer account');
  return ctx.identity.sub;
}
