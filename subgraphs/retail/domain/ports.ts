import type { InventoryPort, ReserveLine, StepResult } from '../../kit/domain';
import type { SaleOutcome, SaleStep } from './sale-saga';

/**
 * What the retail domain needs from outside beyond the kit's ports (kit/ports.ts: the inventory saga
 * API, product lookups, StepResult): inventory's store methods, token revocation, and a listener for
 * the sagas. Resolvers and background jobs pass the adapters; tests pass doubles.
 */

/**
 * Inventory as retail calls it: the checkout saga's steps (reserve at the store's location, commit,
 * release, restock) plus the two store methods of the retail contract (docs: returnStock,
 * ensureStoreLocation). Every call is idempotent by its first argument.
 */
export interface RetailInventory extends InventoryPort {
  /** Puts returned units back at the location with RETURN movements; a replay changes nothing. */
  returnStock(returnId: string, locationId: string, lines: ReserveLine[], reason: string): Promise<StepResult>;
  /** The stock location of a store, created (kind STORE) when missing; its id. */
  ensureStoreLocation(storeId: string, name: string): Promise<StepResult<{ locationId: string }>>;
}

/** Refuses every token issued to a subject until now (kit/revocations.ts through the resolvers). */
export interface TokenRevoker {
  revoke(sub: string): Promise<void>;
}

/** Label of a return that came to rest (saga_outcomes_total{saga="return"}). */
export type ReturnOutcome = 'completed' | 'failed';

/**
 * Told what the sagas did: the adapter counts outcomes (metrics stay out of the domain) and, in tests
 * only, injects a crash (SALE_FAULT).
 */
export interface SaleObserver {
  /** A step's call succeeded; what it did is not persisted yet. */
  stepSucceeded(saleId: string, step: SaleStep): void;
  /** A sale came to rest. */
  saleSettled(saleId: string, outcome: SaleOutcome): void;
  /** A return came to rest. */
  returnSettled(returnId: string, outcome: ReturnOutcome): void;
}
