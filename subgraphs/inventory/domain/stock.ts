import { legacyQueryOne, legacyQueryRows, toDate } from '../../kit/domain';
import type { Location, StockMovement } from './types';
import {
  LEVEL_COLUMNS,
  LOW_SQL,
  levelFromRow,
  type LevelRow,
  type LevelWithLocation,
  type ProductTotals,
} from './levels';
import { LOCATION_COLUMNS, locationFromRow, type RawRow, type ReadContext } from './rows';

/**
 * Read side of inventory: every function is ONE lean statement whatever the number of keys (ADR
 * 0003: these serve GraphQL lists and `_entities` batches hundreds of times a second, so no entity
 * hydration). Lists of keys travel as one array parameter (`= any(?::text[])`).
 */

export async function allLocations(ctx: ReadContext): Promise<Location[]> {
  const rows = await legacyQueryRows<RawRow<Location>>(ctx.em, `select ${LOCATION_COLUMNS} from location l order by l.id`);
  return rows.map(locationFromRow);
}

export async function locationsByIds(ctx: ReadContext, ids: readonly string[]): Promise<Location[]> {
  if (ids.length === 0) return [];
  const rows = await legacyQueryRows<RawRow<Location>>(
    ctx.em,
    `select ${LOCATION_COLUMNS} from location l where l.id = any(?::text[])`,
    [ids],
  );
  return rows.map(locationFromRow);
}

/** Every level of the given products with its location (the `_entities` path). */
export async function levelsOfProducts(ctx: ReadContext, productIds: readonly string[]): Promise<LevelWithLocation[]> {
  if (productIds.length === 0) return [];
  const rows = await legacyQueryRows<LevelRow>(
    ctx.em,
    `select ${LEVEL_COLUMNS}
       from stock_level s join location l on l.id = s.location_id
      where s.product_id = any(?::text[])
      order by s.product_id, s.location_id`,
    [productIds],
  );
  return rows.map(levelFromRow);
}

/**
 * Totals per product summed in SQL: one row per product instead of one per location, for the common
 * case (catalogue pages) where only `stock { available }` is asked for.
 */
export async function totalsOfProducts(ctx: ReadContext, productIds: readonly string[]): Promise<ProductTotals[]> {
  if (productIds.length === 0) return [];
  return legacyQueryRows<ProductTotals>(
    ctx.em,
    `select product_id as "productId", sum(on_hand)::int as "onHand", sum(reserved)::int as "reserved"
       from stock_level where product_id = any(?::text[]) group by product_id`,
    [productIds],
  );
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
  ctx: ReadContext,
  input: StorePageArgs & { storeIds: readonly string[] },
): Promise<LevelWithLocation[]> {
  if (input.storeIds.length === 0 || input.limit === 0) return [];
  const params: unknown[] = [];
  let filter = '';
  if (input.lowOnly) filter += ` and ${LOW_SQL}`;
  if (input.afterProductId !== null) {
    filter += ' and s.product_id > ?';
    params.push(input.afterProductId);
  }
  params.push(input.limit, input.storeIds);
  const rows = await legacyQueryRows<LevelRow>(
    ctx.em,
    `select ${LEVEL_COLUMNS}
       from location l
       cross join lateral (
         select s.* from stock_level s
          where s.location_id = l.id${filter}
          order by s.product_id
          limit ?
       ) s
      where l.kind = 'STORE' and l.store_id = any(?::text[])
      order by l.store_id, s.product_id`,
    params,
  );
  return rows.map(levelFromRow);
}

/** Number of levels at each store's location (absent for a store without one). */
export async function storeLevelCounts(
  ctx: ReadContext,
  input: { storeIds: readonly string[]; lowOnly: boolean },
): Promise<{ storeId: string; count: number }[]> {
  if (input.storeIds.length === 0) return [];
  return legacyQueryRows<{ storeId: string; count: number }>(
    ctx.em,
    `select l.store_id as "storeId", count(*)::int as "count"
       from location l join stock_level s on s.location_id = l.id${input.lowOnly ? ` and ${LOW_SQL}` : ''}
      where l.kind = 'STORE' and l.store_id = any(?::text[])
      group by l.store_id`,
    [input.storeIds],
  );
}

/**
 * Levels at or below their reorder point, most urgent first: the smallest share of the reorder
 * point still available, then the largest shortfall.
 */
export async function lowStock(
  ctx: ReadContext,
  input: { first: number; locationId: string | null },
): Promise<LevelWithLocation[]> {
  if (input.first === 0) return [];
  const params: unknown[] = [];
  let filter = '';
  if (input.locationId !== null) {
    filter = ' and s.location_id = ?';
    params.push(input.locationId);
  }
  params.push(input.first);
  const rows = await legacyQueryRows<LevelRow>(
    ctx.em,
    `select ${LEVEL_COLUMNS}
       from stock_level s join location l on l.id = s.location_id
      where ${LOW_SQL}${filter}
      order by (s.on_hand - s.reserved)::numeric / greatest(s.reorder_point, 1),
               s.reorder_point - (s.on_hand - s.reserved) desc,
               s.product_id, s.location_id
      limit ?`,
    params,
  );
  return rows.map(levelFromRow);
}

export interface MovementFilter {
  productId: string | null;
  locationId: string | null;
}

function movementWhere(filter: MovementFilter, beforeId: string | null): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.productId !== null) {
    clauses.push('m.product_id = ?');
    params.push(filter.productId);
  }
  if (filter.locationId !== null) {
    clauses.push('m.location_id = ?');
    params.push(filter.locationId);
  }
  if (beforeId !== null) {
    clauses.push('m.id < ?::bigint');
    params.push(beforeId);
  }
  return { where: clauses.length ? `where ${clauses.join(' and ')}` : '', params };
}

/** A page of the audit trail, newest first (keyset on the identity column). */
export async function movementPage(
  ctx: ReadContext,
  input: { filter: MovementFilter; limit: number; beforeId: string | null },
): Promise<StockMovement[]> {
  if (input.limit === 0) return [];
  const { where, params } = movementWhere(input.filter, input.beforeId);
  const rows = await legacyQueryRows<RawRow<StockMovement>>(
    ctx.em,
    `select m.id::text as "id", m.product_id as "productId", m.location_id as "locationId",
            m.on_hand_delta as "onHandDelta", m.reserved_delta as "reservedDelta", m.reason as "reason",
            m.reference as "reference", m.note as "note", m.actor as "actor", m.created_at as "createdAt"
       from stock_movement m ${where}
      order by m.id desc
      limit ?`,
    [...params, input.limit],
  );
  return rows.map((row) => ({ ...row, createdAt: toDate(row.createdAt) }));
}

export async function movementCount(ctx: ReadContext, filter: MovementFilter): Promise<number> {
  const { where, params } = movementWhere(filter, null);
  const row = await legacyQueryOne<{ count: number }>(
    ctx.em,
    `select count(*)::int as "count" from stock_movement m ${where}`,
    params,
  );
  return row?.count ?? 0;
}
