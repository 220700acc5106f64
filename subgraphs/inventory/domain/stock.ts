import { queryOne, queryRows, type DbContext } from '../../kit/domain';
import type { LevelWithLocation, ProductTotals } from './levels';
import {
  ALL_LOCATIONS,
  LEVELS_OF_PRODUCTS,
  LOCATIONS_BY_IDS,
  LOW_BY_LOCATION,
  LOW_STOCK,
  MOVEMENT_COUNT,
  MOVEMENT_PAGE,
  STORE_LEVEL_COUNTS,
  STORE_PAGES,
  TOTALS_OF_PRODUCTS,
  type MovementFilterParams,
} from './sql/stock';
import type { Location, StockMovement } from './types';

/**
 * Read side of inventory: every function is ONE lean statement whatever the number of keys (ADR
 * 0003: these serve GraphQL lists and `_entities` batches hundreds of times a second, so no entity
 * hydration). The statements are in sql/stock.ts.
 */

export function allLocations(ctx: DbContext): Promise<Location[]> {
  return queryRows(ctx.em, ALL_LOCATIONS, {});
}

export async function locationsByIds(ctx: DbContext, ids: readonly string[]): Promise<Location[]> {
  if (ids.length === 0) return [];
  return queryRows(ctx.em, LOCATIONS_BY_IDS, { ids });
}

/** Every level of the given products with its location (the `_entities` path). */
export async function levelsOfProducts(ctx: DbContext, productIds: readonly string[]): Promise<LevelWithLocation[]> {
  if (productIds.length === 0) return [];
  return queryRows(ctx.em, LEVELS_OF_PRODUCTS, { productIds });
}

/**
 * Totals per product summed in SQL: one row per product instead of one per location, for the common
 * case (catalogue pages) where only `stock { available }` is asked for.
 */
export async function totalsOfProducts(ctx: DbContext, productIds: readonly string[]): Promise<ProductTotals[]> {
  if (productIds.length === 0) return [];
  return queryRows(ctx.em, TOTALS_OF_PRODUCTS, { productIds });
}

/** The page arguments several stores' pages can share. */
export interface StorePageArgs {
  /** Rows to fetch: the page size plus one to learn whether a next page exists. */
  limit: number;
  /** Product id of the last row of the previous page (keyset), or null for the first page. */
  afterProductId: string | null;
  lowOnly: boolean;
}

/**
 * Pages of several stores that share the same page arguments: a lateral subquery takes each store
 * location's first rows in product order. Each row's `location.storeId` says whose page it is.
 */
export async function storePages(
  ctx: DbContext,
  input: StorePageArgs & { storeIds: readonly string[] },
): Promise<LevelWithLocation[]> {
  if (input.storeIds.length === 0 || input.limit === 0) return [];
  return queryRows(ctx.em, STORE_PAGES, {
    storeIds: input.storeIds,
    lowOnly: input.lowOnly,
    afterProductId: input.afterProductId,
    limit: input.limit,
  });
}

/** Number of levels at each store's location (absent for a store without one). */
export async function storeLevelCounts(
  ctx: DbContext,
  input: { storeIds: readonly string[]; lowOnly: boolean },
): Promise<{ storeId: string; count: number }[]> {
  if (input.storeIds.length === 0) return [];
  return queryRows(ctx.em, STORE_LEVEL_COUNTS, { storeIds: input.storeIds, lowOnly: input.lowOnly });
}

/**
 * Levels at or below their reorder point, most urgent first: the smallest share of the reorder
 * point still available, then the largest shortfall.
 */
export async function lowStock(
  ctx: DbContext,
  input: { first: number; locationId: string | null },
): Promise<LevelWithLocation[]> {
  if (input.first === 0) return [];
  return queryRows(ctx.em, LOW_STOCK, { locationId: input.locationId, limit: input.first });
}

/** How many levels are low (isLow) at each location, 0 included: what the low-stock gauge reports. */
export async function lowStockByLocation(
  ctx: DbContext,
): Promise<{ locationId: string; storeId: string | null; count: number }[]> {
  return queryRows(ctx.em, LOW_BY_LOCATION, {});
}

export type MovementFilter = MovementFilterParams;

/** A page of the audit trail, newest first (keyset on the identity column). */
export async function movementPage(
  ctx: DbContext,
  input: { filter: MovementFilter; limit: number; beforeId: string | null },
): Promise<StockMovement[]> {
  if (input.limit === 0) return [];
  return queryRows(ctx.em, MOVEMENT_PAGE, {
    productId: input.filter.productId,
    locationId: input.filter.locationId,
    beforeId: input.beforeId,
    limit: input.limit,
  });
}

export async function movementCount(ctx: DbContext, filter: MovementFilter): Promise<number> {
  const row = await queryOne(ctx.em, MOVEMENT_COUNT, { productId: filter.productId, locationId: filter.locationId });
  return row?.count ?? 0;
}
