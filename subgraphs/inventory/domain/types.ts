import type { LocationKind, ReservationStatus, StockMovementReason } from '../generated/resolvers';

/**
 * Inventory's rows, one shape per table (ADR 0003): entities.ts builds each table's EntitySchema on
 * the interface here, lean reads alias their columns into it, and the GraphQL resolvers receive it as
 * their parent (codegen mappers in subgraphs/registry.ts). Read shapes that are not one row (a level
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

export type { LocationKind, ReservationStatus };

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
  createdAt: Date;
  updatedAt: Date;
}

/** Units of one product held by a reservation (table reservation_line). */
export interface ReservationLine {
  reservationId: string;
  productId: string;
  quantity: number;
}
