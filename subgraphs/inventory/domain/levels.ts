import { toDate } from '../../kit/domain';
import type { Location, StockLevel } from './types';
import { MAX_QUANTITY } from './limits';
import type { RawRow } from './rows';

/**
 * Read shapes derived from stock levels (not copies of one row): a level joined with its location,
 * and a product's stock over every location. The rules of "available" and "low" live here once.
 */

/** A stock_level row joined with its location row in the same statement, so `location { ... }` costs nothing more. */
export interface LevelWithLocation extends StockLevel {
  location: Location;
}

/** onHand and reserved of one product summed over its locations (one row per product). */
export interface ProductTotals {
  productId: string;
  onHand: number;
  reserved: number;
}

/** A product's stock: totals over every location, and the levels they sum (empty when only totals were read). */
export interface ProductStock {
  onHand: number;
  reserved: number;
  available: number;
  levels: LevelWithLocation[];
}

export function available(level: { onHand: number; reserved: number }): number {
  return level.onHand - level.reserved;
}

/** The one definition of "low": what lowStock lists, lowOnly filters and belowReorderPoint says. */
export function isLow(level: { onHand: number; reserved: number; reorderPoint: number }): boolean {
  return available(level) <= level.reorderPoint;
}
/**
 * The replenishment a low level suggests (the one-click request of a store's screen): the units that
 * bring available back to twice the reorder point, 2 x reorderPoint - available, which is at least the
 * reorder point itself for a low level. Null when the level is not low, or has no reorder point to aim
 * at (0).
 */
export function suggestedQuantity(level: { onHand: number; reserved: number; reorderPoint: number }): number | null {
  if (level.reorderPoint <= 0 || !isLow(level)) return null;
  // Never more than one replenishment line may ask for.
  return Math.min(2 * level.reorderPoint - available(level), MAX_QUANTITY);
}

/** isLow in SQL (alias `s`); the partial index stock_level_low_idx has the same predicate. */
export const LOW_SQL = 's.on_hand - s.reserved <= s.reorder_point';

/** Every column of a stock level (alias `s`) and of its location (alias `l`), flat. */
export const LEVEL_COLUMNS = `
  s.product_id as "productId", s.location_id as "locationId", s.on_hand as "onHand",
  s.reserved as "reserved", s.reorder_point as "reorderPoint", s.updated_at as "updatedAt",
  l.name as "locationName", l.kind as "locationKind", l.store_id as "locationStoreId",
  l.created_at as "locationCreatedAt"`;

/** What LEVEL_COLUMNS returns: the level's columns, then its location's prefixed with `location`. */
export interface LevelRow extends RawRow<StockLevel> {
  locationName: Location['name'];
  locationKind: Location['kind'];
  locationStoreId: Location['storeId'];
  locationCreatedAt: Date | string;
}

export function levelFromRow(row: LevelRow): LevelWithLocation {
  return {
    productId: row.productId,
    locationId: row.locationId,
    onHand: row.onHand,
    reserved: row.reserved,
    reorderPoint: row.reorderPoint,
    updatedAt: toDate(row.updatedAt),
    location: {
      id: row.locationId,
      name: row.locationName,
      kind: row.locationKind,
      storeId: row.locationStoreId,
      createdAt: toDate(row.locationCreatedAt),
    },
  };
}

/** Sums the levels of one product; a product without rows has zero stock and no levels. */
export function productStock(levels: LevelWithLocation[]): ProductStock {
  let onHand = 0;
  let reserved = 0;
  for (const level of levels) {
    onHand += level.onHand;
    reserved += level.reserved;
  }
  return { onHand, reserved, available: onHand - reserved, levels };
}

/** The stock of a product from its totals alone (catalogue pages ask for nothing more). */
export function totalsStock(totals: ProductTotals | null): ProductStock {
  const onHand = totals?.onHand ?? 0;
  const reserved = totals?.reserved ?? 0;
  return { onHand, reserved, available: onHand - reserved, levels: [] };
}
