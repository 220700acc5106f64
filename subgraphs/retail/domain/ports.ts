import type { SaleOutcome, SaleStep } from './sale-saga';
import type { Sale } from './types';

/**
 * What the retail domain needs from outside beyond the kit's ports (kit/ports.ts: inventory's saga and
 * store methods, product lookups, StepResult): token revocation, and a listener for the sagas.
 * Resolvers and background jobs pass the adapters; tests pass doubles.
 */

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
  /** A sale came to rest (its store and amount, for the adapter's business figures). */
  saleSettled(sale: Pick<Sale, 'id' | 'storeId' | 'totalCents' | 'currency'>, outcome: SaleOutcome): void;
  /** A return came to rest. */
  returnSettled(returnId: string, outcome: ReturnOutcome): void;
}
