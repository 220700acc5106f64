import type { Location, StockLevel } from './types';
import { MAX_QUANTITY } from './limits';

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

/**
 * The one definition of "low": what lowStock lists, lowOnly filters and belowReorderPoint says (in
 * SQL: LOW_SQL, sql/shared.ts).
 */
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
