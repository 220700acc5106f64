/**
 * What a subgraph's domain needs from the subgraphs it calls, as the domain needs it: GraphQL- and
 * HTTP-free types (exported from kit/domain.ts), implemented over HTTP by kit/clients/ and by doubles
 * in tests. A call that cannot get an answer at all throws the kit's ServiceUnavailable
 * (domain-errors.ts); the inventory steps report it as a transient StepResult instead, because the
 * saga decides what an unknown outcome means.
 */

/** What the caller needs to know about a product (owned by the products subgraph) to stock or sell it. */
export interface ProductInfo {
  id: string;
  name: string;
  /** False once the product is withdrawn from sale; it still exists and still resolves. */
  active: boolean;
  /** Selling price in minor units of `currency`. */
  priceCents: number;
  /** ISO 4217 code. */
  currency: string;
  /** The category it is filed under now (events carry it, so reports can sum by category); null when unclassified. */
  categoryId: string | null;
}

/**
 * Looks products up by id: null for an id the catalogue does not know. Requests use a DataLoader
 * (kit/clients productLoader), so every lookup of one tick is one call to products.
 */
export interface ProductLookup {
  load(id: string): Promise<ProductInfo | null>;
}

/**
 * Outcome of a call to another system. `transient` failures (no answer, a GraphQL-level error) leave
 * the outcome unknown and may be retried, because every saga step is idempotent by order id;
 * business refusals (UserErrors in the payload) are definitive.
 */
export type StepResult<T = undefined> =
  { ok: true; value: T } | { ok: false; transient: boolean; code: string; message: string };

/** One product and quantity to reserve. */
export interface ReserveLine {
  productId: string;
  quantity: number;
}

/**
 * Inventory's saga steps (its @inaccessible mutations, ADR 0008), all a checkout needs; every call is
 * idempotent by order id.
 */
export interface InventorySagaPort {
  /**
   * Holds stock for an order, every line or none, at `locationId` (the online fulfilment location
   * when omitted; a till reserves at its store's location).
   */
  reserve(
    orderId: string,
    lines: ReserveLine[],
    ttlSeconds: number,
    locationId?: string,
  ): Promise<StepResult<{ reservationId: string }>>;
  /**
   * Reserve and commit in one call, for a checkout or a till sale that takes its stock once: every
   * line's units leave the stock at `locationId` (the online fulfilment location when omitted; a till
   * takes at its store's location) only if every line has them available, else none (definitive
   * INSUFFICIENT_STOCK, UNKNOWN_LOCATION...). Idempotent by order id: a replay with the same lines
   * succeeds again and changes nothing; other lines, or an order id `reserve` used, are refused
   * (IDEMPOTENCY_KEY_REUSED). What it records is a committed reservation: `commit` is a no-op on it,
   * `release` refuses it (RESERVATION_NOT_ACTIVE) and `restock` gives its units back. An unknown
   * outcome is compensated with `release` first (it blocks a take that has not arrived yet, and is
   * refused when the take happened), then `restock`.
   */
  take(orderId: string, lines: ReserveLine[], locationId?: string): Promise<StepResult<{ reservationId: string }>>;
  /** The order is confirmed: the reserved units leave the stock. */
  commit(orderId: string): Promise<StepResult>;
  /** The order is abandoned before its commit: the reserved units are available again. */
  release(orderId: string, reason: string): Promise<StepResult>;
  /** Returns the units of a committed (confirmed) order to stock, e.g. when it is cancelled. */
  restock(orderId: string, reason: string): Promise<StepResult>;
}

/** The saga steps plus the retail contract's store calls: what a store's till and back office need. */
export interface InventoryPort extends InventorySagaPort {
  /**
   * Puts returned units back on hand at `locationId` (movements RETURN, reference = `returnId`).
   * Idempotent by return id: a replay with the same lines changes nothing and succeeds again; the
   * same id with other lines or another location is refused (IDEMPOTENCY_KEY_REUSED). Unknown
   * products (UNKNOWN_PRODUCT) and locations (UNKNOWN_LOCATION) are definitive failures.
   */
  returnStock(returnId: string, locationId: string, lines: ReserveLine[], reason: string): Promise<StepResult>;
  /**
   * The stock location of a store (kind STORE, one per store), created with `name` when missing;
   * idempotent. Answers its id, e.g. "loc-store-6" for "store-6".
   */
  ensureStoreLocation(storeId: string, name: string): Promise<StepResult<{ locationId: string }>>;
}
