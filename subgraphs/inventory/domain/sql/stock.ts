import { sql } from '../../../kit/domain';
import type { LevelWithLocation, ProductTotals } from '../levels';
import type { Location, StockMovement } from '../types';
import { LEVEL_WITH_LOCATION, LOCATION, LOW_SQL, MOVEMENT } from './shared';

/**
 * The read side's statements: each serves a GraphQL list or an `_entities` batch in ONE statement
 * whatever the number of keys (keys travel as one array parameter). An optional criterion is a null
 * value (or false) rather than text left out: node-postgres sends every statement unnamed, so
 * PostgreSQL plans it with the values bound, folds `null is null or ...` away, and still reaches
 * the indexes (stock_level_low_idx's predicate is LOW_SQL, the movement indexes by id desc).
 */

export const ALL_LOCATIONS = sql<Record<string, never>, Location>(
  `select ${LOCATION.columns} from location l order by l.id`,
  { row: LOCATION },
);

export const LOCATIONS_BY_IDS = sql<{ ids: readonly string[] }, Location>(
  `select ${LOCATION.columns} from location l where l.id = any(:ids::text[])`,
  { row: LOCATION },
);

/** Every level of the given products with its location (the `_entities` path). */
export const LEVELS_OF_PRODUCTS = sql<{ productIds: readonly string[] }, LevelWithLocation>(
  `select ${LEVEL_WITH_LOCATION.columns}
     from stock_level s join location l on l.id = s.location_id
    where s.product_id = any(:productIds::text[])
    order by s.product_id, s.location_id`,
  { row: LEVEL_WITH_LOCATION },
);

/** onHand and reserved summed per product: one row per product instead of one per location. */
export const TOTALS_OF_PRODUCTS = sql<{ productIds: readonly string[] }, ProductTotals>(
  `select s.product_id as "productId", sum(s.on_hand)::int as "onHand", sum(s.reserved)::int as "reserved"
     from stock_level s where s.product_id = any(:productIds::text[]) group by s.product_id`,
);

/**
 * Pages of several stores that share the same page arguments: a lateral subquery takes each store
 * location's first `limit` levels in product order, after `afterProductId` (keyset), only the low
 * ones when `lowOnly`.
 */
export const STORE_PAGES = sql<
  { storeIds: readonly string[]; lowOnly: boolean; afterProductId: string | null; limit: number },
  LevelWithLocation
>(
  `select ${LEVEL_WITH_LOCATION.columns}
     from location l
     cross join lateral (
       select s.* from stock_level s
        where s.location_id = l.id
          and (not :lowOnly::boolean or ${LOW_SQL})
          and (:afterProductId::text is null or s.product_id > :afterProductId::text)
        order by s.product_id
        limit :limit
     ) s
    where l.kind = 'STORE' and l.store_id = any(:storeIds::text[])
    order by l.store_id, s.product_id`,
  { row: LEVEL_WITH_LOCATION },
);

/** Number of levels (the low ones when `lowOnly`) at each store's location; a store without one is absent. */
export const STORE_LEVEL_COUNTS = sql<
  { storeIds: readonly string[]; lowOnly: boolean },
  { storeId: string; count: number }
>(
  `select l.store_id as "storeId", count(*)::int as "count"
     from location l join stock_level s on s.location_id = l.id and (not :lowOnly::boolean or ${LOW_SQL})
    where l.kind = 'STORE' and l.store_id = any(:storeIds::text[])
    group by l.store_id`,
);

/**
 * Levels at or below their reorder point (at one location, or everywhere when null), most urgent
 * first: the smallest share of the reorder point still available, then the largest shortfall.
 */
export const LOW_STOCK = sql<{ locationId: string | null; limit: number }, LevelWithLocation>(
  `select ${LEVEL_WITH_LOCATION.columns}
     from stock_level s join location l on l.id = s.location_id
    where ${LOW_SQL} and (:locationId::text is null or s.location_id = :locationId::text)
    order by (s.on_hand - s.reserved)::numeric / greatest(s.reorder_point, 1),
             s.reorder_point - (s.on_hand - s.reserved) desc,
             s.product_id, s.location_id
    limit :limit`,
  { row: LEVEL_WITH_LOCATION },
);

/**
 * Low levels per location, every location included (0 when none), with its store (null for the
 * warehouse and online): the low-stock gauge's values. Reaches the low levels through the partial
 * index stock_level_low_idx (same predicate), so it costs the low levels, not the whole stock.
 */
export const LOW_BY_LOCATION = sql<
  Record<string, never>,
  { locationId: string; storeId: string | null; count: number }
>(
  `select l.id as "locationId", l.store_id as "storeId", count(s.location_id)::int as "count"
     from location l left join stock_level s on s.location_id = l.id and ${LOW_SQL}
    group by l.id, l.store_id
    order by l.id`,
);

/** The audit trail's criteria: null for "any". */
export interface MovementFilterParams {
  productId: string | null;
  locationId: string | null;
}

const MOVEMENT_FILTER = `(:productId::text is null or m.product_id = :productId::text)
  and (:locationId::text is null or m.location_id = :locationId::text)`;

/** A page of the audit trail, newest first (keyset on the identity column, a bigint as text). */
export const MOVEMENT_PAGE = sql<MovementFilterParams & { beforeId: string | null; limit: number }, StockMovement>(
  `select ${MOVEMENT.columns} from stock_movement m
    where ${MOVEMENT_FILTER}
      and (:beforeId::bigint is null or m.id < :beforeId::bigint)
    order by m.id desc
    limit :limit`,
  { row: MOVEMENT },
);

export const MOVEMENT_COUNT = sql<MovementFilterParams, { count: number }>(
  `select count(*)::int as "count" from stock_movement m where ${MOVEMENT_FILTER}`,
);
