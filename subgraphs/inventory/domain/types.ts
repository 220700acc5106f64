import type { LocationKind, ReplenishmentStatus, ReservationStatus, StockMovementReason } from '../generated/resolvers';

/**
 * Inventory's rows, one shape per table (ADR 0003): entities.ts builds each table's EntitySchema on
 * the interface here, lean reads alias their columns into it, and the GraphQL resolvers receive it as
 * their parent (codegen mappers in subgraphs/codegen-mappers.ts). Read shapes that are not one row (a level
 * with its location, a reservation with its lines) live with the reads that build them
 * (levels.ts, reservations.ts). The enums are the SDL's; the lists give their values in the order
 * the CHECK constraints list them.
 */

/** The values of a GraphQL enum in the order the CHECK constraint lists them; the Record type makes it complete. */
function enumItems<T extends string>(all: Record<T, true>): T[] {
  return Object.keys(all) as T[];
}

export const LOCATION_KINDS = enumItems<LocationKind>({ WAREHOUSE: true, STORE: true, ONLINE: true });

export type MovementReason = StockMovementReason;
export const MOVEMENT_REASONS = enumItems<MovementReason>({
  ADJUSTMENT: true,
  RECEIPT: true,
  SALE: true,
  RETURN: true,
  DAMAGE: true,
  TRANSFER_IN: true,
  TRANSFER_OUT: true,
  RESERVATION: true,
  RESERVATION_RELEASED: true,
  RESERVATION_EXPIRED: true,
  RESERVATION_COMMITTED: true,
});

export const RESERVATION_STATUSES = enumItems<ReservationStatus>({
  PENDING: true,
  COMMITTED: true,
  RELEASED: true,
  EXPIRED: true,
  RESTOCKED: true,
});

export const REPLENISHMENT_STATUSES = enumItems<ReplenishmentStatus>({
  PENDING: true,
  APPROVED: true,
  REJECTED: true,
});

export type { LocationKind, ReplenishmentStatus, ReservationStatus };

/** A place where stock is held (table location). */
export interface Location {
  id: string;
  name: string;
  kind: LocationKind;
  /** Set exactly when kind is STORE (CHECK location_store_iff_store_kind). */
  storeId: string | null;
  createdAt: Date;
}

/** The stock of one product at one location (table stock_level). */
export interface StockLevel {
  productId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  reorderPoint: number;
  updatedAt: Date;
  /** available <= reorderPoint, kept by PostgreSQL (a stored generated column, ADR 0031). */
  isLow: boolean;
}

/** One entry of the stock audit trail (table stock_movement). */
export interface StockMovement {
  /** bigint identity, as a decimal string so no precision is lost. */
  id: string;
  productId: string;
  locationId: string;
  onHandDelta: number;
  reservedDelta: number;
  reason: MovementReason;
  reference: string | null;
  note: string | null;
  actor: string;
  createdAt: Date;
}

/** Stock held for one order (table reservation). */
export interface Reservation {
  id: string;
  orderId: string;
  /** Null for a release recorded before any reservation of the order (a tombstone). */
  locationId: string | null;
  status: ReservationStatus;
  expiresAt: Date;
  releaseReason: string | null;
  /**
   * True when takeStock took the units in one step (the row was written COMMITTED, with no
   * RESERVATION movement before); false for reserveStock's reservations and release tombstones.
   */
  taken: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Units of one product held by a reservation (table reservation_line). */
export interface ReservationLine {
  reservationId: string;
  productId: string;
  quantity: number;
}

/** Units a store gave back (a retail return), put back on hand once per return id (table stock_return). */
export interface StockReturn {
  /** The caller's return id: the idempotency key. */
  returnId: string;
  locationId: string;
  reason: string | null;
  actor: string;
  createdAt: Date;
}

/** Units of one product of a stock return (table stock_return_line). */
export interface StockReturnLine {
  returnId: string;
  productId: string;
  quantity: number;
}

/** A store's request for stock from the central warehouse (table replenishment_request). */
export interface ReplenishmentRequest {
  id: string;
  /** Keyset of the request lists, newest first (replenishment_request_seq); bigint as a decimal string. */
  seq: string;
  storeId: string;
  /** Where the stock comes from: the central warehouse. */
  sourceLocationId: string;
  /** Where it goes: the store's location at the time of the request. */
  destinationLocationId: string;
  status: ReplenishmentStatus;
  note: string | null;
  requestedBy: string;
  /** Set exactly when the request is no longer PENDING (CHECK replenishment_request_decided_iff_not_pending). */
  decidedBy: string | null;
  decidedAt: Date | null;
  /** Set exactly when REJECTED (CHECK replenishment_request_reason_iff_rejected). */
  rejectionReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One product of a replenishment request (table replenishment_line). */
export interface ReplenishmentLine {
  requestId: string;
  productId: string;
  /** Units the store asked for. */
  quantity: number;
  /** Units approved and moved; null until the request is approved, 0 for a product not sent. */
  approvedQuantity: number | null;
}

/** One entry of a request's status history (table replenishment_event). */
export interface ReplenishmentEvent {
  /** bigint identity, as a decimal string. */
  id: string;
  requestId: string;
  status: ReplenishmentStatus;
  actor: string;
  note: string | null;
  createdAt: Date;
}
