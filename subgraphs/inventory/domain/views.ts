import type { LocationKind, MovementReason, ReservationStatus } from '../entities';
import { toDate } from './sql';

/** Plain read models handed to resolvers; no ORM entities on the read path (ADR 0003). */

export interface LocationView {
  id: string;
  name: string;
  kind: LocationKind;
  storeId: string | null;
}

export interface LevelView {
  productId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  reorderPoint: number;
  updatedAt: Date;
  /** Joined in the same statement so that `location { id name kind }` costs nothing more. */
  location: LocationView;
}

export interface ProductStockView {
  onHand: number;
  reserved: number;
  available: number;
  levels: LevelView[];
}

export interface MovementView {
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

export interface ReservationLineView {
  productId: string;
  quantity: number;
}

export interface ReservationView {
  id: string;
  orderId: string;
  locationId: string | null;
  status: ReservationStatus;
  expiresAt: Date;
  createdAt: Date;
  lines: ReservationLineView[];
}

/** Columns of a stock level joined with its location (aliases `s` and `l`). */
export const LEVEL_COLUMNS = `
  s.product_id as "productId", s.location_id as "locationId", s.on_hand as "onHand",
  s.reserved as "reserved", s.reorder_point as "reorderPoint", s.updated_at as "updatedAt",
  l.name as "locationName", l.kind as "locationKind", l.store_id as "locationStoreId"`;

export interface LevelRow {
  productId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  reorderPoint: number;
  updatedAt: Date | string;
  locationName: string;
  locationKind: LocationKind;
  locationStoreId: string | null;
}

export function levelFromRow(row: LevelRow): LevelView {
  return {
    productId: row.productId,
    locationId: row.locationId,
    onHand: row.onHand,
    reserved: row.reserved,
    reorderPoint: row.reorderPoint,
    updatedAt: toDate(row.updatedAt),
    location: { id: row.locationId, name: row.locationName, kind: row.locationKind, storeId: row.locationStoreId },
  };
}

export function available(level: { onHand: number; reserved: number }): number {
  return level.onHand - level.reserved;
}

/** The one definition of "low": what lowStock lists, lowOnly filters and belowReorderPoint says. */
export function isLow(level: { onHand: number; reserved: number; reorderPoint: number }): boolean {
  return available(level) <= level.reorderPoint;
}
export const LOW_SQL = 's.on_hand - s.reserved <= s.reorder_point';

/** Sums the levels of one product; a product without rows has zero stock and no levels. */
export function productStock(levels: LevelView[]): ProductStockView {
  let onHand = 0;
  let reserved = 0;
  for (const level of levels) {
    onHand += level.onHand;
    reserved += level.reserved;
  }
  return { onHand, reserved, available: onHand - reserved, levels };
}
