import type { EntityManager } from '@mikro-orm/postgresql';
import type { MovementReason } from '../entities';
import { sql, toDate } from './sql';
import {
  LEVEL_COLUMNS,
  LOW_SQL,
  levelFromRow,
  type LevelRow,
  type LevelView,
  type LocationView,
  type MovementView,
} from './views';

/** Read side of inventory: every function is one statement, whatever the number of keys. */

const LOCATION_COLUMNS = 'id, name, kind, store_id as "storeId"';

export async function allLocations(em: EntityManager): Promise<LocationView[]> {
  return sql<LocationView>(em, `select ${LOCATION_COLUMNS} from location order by id`);
}

export async function locationsByIds(em: EntityManager, ids: readonly string[]): Promise<LocationView[]> {
  if (ids.length === 0) return [];
  return sql<LocationView>(em, `select ${LOCATION_COLUMNS} from location where id in (?)`, [ids]);
}

/** Every level of the given products with its location, in one statement (the `_entities` path). */
export async function levelsOfProducts(em: EntityManager, productIds: readonly string[]): Promise<LevelView[]> {
  if (productIds.length === 0) return [];
  const rows = await sql<LevelRow>(
    em,
    `select ${LEVEL_COLUMNS}
       from stock_level s join location l on l.id = s.location_id
      where s.product_id in (?)
      order by s.product_id, s.location_id`,
    [productIds],
  );
  return rows.map(levelFromRow);
}

export interface StockTotalsRow {
  productId: string;
  onHand: number;
  reserved: number;
}

/**
 * Totals per product summed in SQL: one row per product instead of one per location, for the common
 * case (catalogue pages) where only `stock { available }` is asked for.
 */
export async function totalsOfProducts(em: EntityManager, productIds: readonly string[]): Promise<StockTotalsRow[]> {
  if (productIds.length === 0) return [];
  return sql<StockTotalsRow>(
    em,
    `select product_id as "productId", sum(on_hand)::int as "onHand", sum(reserved)::int as "reserved"
       from stock_level where product_id in (?) group by product_id`,
    [productIds],
  );
}

export interface StorePageKey {
  storeId: string;
  /** Rows to fetch: the page size plus one to learn whether a next page exists. */
  limit: number;
  /** Product id of the last row of the previous page (keyset), or null for the first page. */
  afterProductId: string | null;
  lowOnly: boolean;
}

export interface StorePageRow extends LevelView {
  storeId: string;
}

/**
 * Pages of several stores that share the same page arguments, in one statement: a lateral
 * subquery takes each store location's first rows in product order.
 */
export async function storePages(
  em: EntityManager,
  storeIds: readonly string[],
  args: Omit<StorePageKey, 'storeId'>,
): Promise<StorePageRow[]> {
  if (storeIds.length === 0 || args.limit === 0) return [];
  const params: unknown[] = [];
  let filter = '';
  if (args.lowOnly) filter += ` and ${LOW_SQL}`;
  if (args.afterProductId !== null) {
    filter += ' and s.product_id > ?';
    params.push(args.afterProductId);
  }
  params.push(args.limit, storeIds);
  const rows = await sql<LevelRow & { storeId: string }>(
    em,
    `select l.store_id as "storeId", ${LEVEL_COLUMNS}
       from location l
       cross join lateral (
         select s.* from stock_level s
          where s.location_id = l.id${filter}
          order by s.product_id
          limit ?
       ) s
      where l.kind = 'STORE' and l.store_id in (?)
      order by l.store_id, s.product_id`,
    params,
  );
  return rows.map((row) => ({ ...levelFromRow(row), storeId: row.storeId }));
}

/** Number of levels at each store's location (0 for a store without one), in one statement. */
export async function storeLevelCounts(
  em: EntityManager,
  storeIds: readonly string[],
  lowOnly: boolean,
): Promise<{ storeId: string; count: number }[]> {
  if (storeIds.length === 0) return [];
  return sql<{ storeId: string; count: number }>(
    em,
    `select l.store_id as "storeId", count(*)::int as "count"
       from location l join stock_level s on s.location_id = l.id${lowOnly ? ` and ${LOW_SQL}` : ''}
      where l.kind = 'STORE' and l.store_id in (?)
      group by l.store_id`,
    [storeIds],
  );
}

/**
 * Levels at or below their reorder point, most urgent first: the smallest share of the reorder
 * point still available, then the largest shortfall.
 */
export async function lowStock(em: EntityManager, first: number, locationId: string | null): Promise<LevelView[]> {
  if (first === 0) return [];
  const params: unknown[] = [];
  let filter = '';
  if (locationId !== null) {
    filter = ' and s.location_id = ?';
    params.push(locationId);
  }
  params.push(first);
  const rows = await sql<LevelRow>(
    em,
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

interface MovementRow extends Omit<MovementView, 'createdAt'> {
  createdAt: Date | string;
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
  em: EntityManager,
  filter: MovementFilter,
  limit: number,
  beforeId: string | null,
): Promise<MovementView[]> {
  if (limit === 0) return [];
  const { where, params } = movementWhere(filter, beforeId);
  const rows = await sql<MovementRow>(
    em,
    `select m.id::text as "id", m.product_id as "productId", m.location_id as "locationId",
            m.on_hand_delta as "onHandDelta", m.reserved_delta as "reservedDelta", m.reason as "reason",
            m.reference as "reference", m.note as "note", m.actor as "actor", m.created_at as "createdAt"
       from stock_movement m ${where}
      order by m.id desc
      limit ?`,
    [...params, limit],
  );
  return rows.map((row) => ({ ...row, reason: row.reason as MovementReason, createdAt: toDate(row.createdAt) }));
}

export async function movementCount(em: EntityManager, filter: MovementFilter): Promise<number> {
  const { where, params } = movementWhere(filter, null);
  const [row] = await sql<{ count: number }>(
    em,
    `select count(*)::int as "count" from stock_movement m ${where}`,
    params,
  );
  return row?.count ?? 0;
}
