import type { DomainContext, InventoryPort, ProductLookup } from '../../kit/domain';
import type { SaleObserver, TokenRevoker } from './ports';

/** The sagas' settings; config.ts reads them from the environment. */
export interface SaleSettings {
  /** Lifetime of a till's reservation in inventory; an uncommitted one is released after it. */
  reservationTtlSeconds: number;
  /** A sale or return not updated for this long is considered abandoned and taken over by recovery. */
  stuckAfterMs: number;
  /** How long a replay of a key whose sale is still being recorded waits for it to come to rest. */
  replayWaitMs: number;
  /** Identifies this process in saga leases. */
  instanceId: string;
}

/**
 * What every retail domain function receives first: the kit's DomainContext (unit of work, caller,
 * logger) plus retail's ports. server.ts builds it (`retailContext`): once per request for the
 * resolvers (products is the request's DataLoader), once per pass for the recovery loop, and the demo
 * seed one for its whole history.
 */
export interface RetailContext extends DomainContext {
  settings: SaleSettings;
  inventory: InventoryPort;
  products: ProductLookup;
  revocations: TokenRevoker;
  events: SaleObserver;
  /**
   * Business time (soldAt, recordedAt, openedAt...): the server's clock, except in the demo seed,
   * which rings up four weeks of history at their own times. Saga leases use the database's clock.
   */
  clock: () => Date;
}
