import { projection, type Projection } from '../../../kit/domain';
import {
  LocationSchema,
  ReplenishmentEventSchema,
  ReplenishmentLineSchema,
  ReplenishmentRequestSchema,
  ReservationLineSchema,
  ReservationSchema,
  StockLevelSchema,
  StockMovementSchema,
  StockReturnLineSchema,
  StockReturnSchema,
} from '../../entities';
import type { LevelWithLocation } from '../levels';

/**
 * What inventory's statements (ADR 0022, the modules beside this one) have in common: each table's
 * select list derived from its entity schema (kit projection, ADR 0003) under the alias the
 * statements give that table, and the pieces every audit-trail write repeats.
 */

/** location `l`. */
export const LOCATION = projection(LocationSchema, { alias: 'l' });
/** stock_level `s`. */
export const LEVEL = projection(StockLevelSchema, { alias: 's' });
/** stock_movement `m`. */
export const MOVEMENT = projection(StockMovementSchema, { alias: 'm' });
/** reservation `r`. */
export const RESERVATION = projection(ReservationSchema, { alias: 'r' });
/** reservation_line `rl`. */
export const RESERVATION_LINE = projection(ReservationLineSchema, { alias: 'rl' });
/** stock_return `sr`. */
export const STOCK_RETURN = projection(StockReturnSchema, { alias: 'sr' });
/** stock_return_line `srl`. */
export const STOCK_RETURN_LINE = projection(StockReturnLineSchema, { alias: 'srl' });
/** replenishment_request `r`. */
export const REQUEST = projection(ReplenishmentRequestSchema, { alias: 'r' });
/** replenishment_line `rln`. */
export const REQUEST_LINE = projection(ReplenishmentLineSchema, { alias: 'rln' });
/** replenishment_event `e`. */
export const REQUEST_EVENT = projection(ReplenishmentEventSchema, { alias: 'e' });

/**
 * A projection for a statement whose rows carry more than the table's columns (its lines, a count,
 * the changes it made): the table's columns are shaped as usual and the rest passes through as the
 * select list names it.
 */
export function rowWith<T, X extends object>(p: Projection<T>): Projection<T & X> {
  // Sound because fromRow converts the table's Date columns in place and returns the same object:
  // the other fields are there, untouched; the type only adds what the select list adds.
  return p as unknown as Projection<T & X>;
}

/**
 * A JSON array of the rows `select` returns (its select list a projection's columns), in `order`;
 * null when there are none. For a row's lines in the statement that reads the row.
 */
export function jsonRows(select: string, order: string): string {
  return `(select json_agg(x order by ${order}) from (${select}) x)`;
}

/** A level (alias `s`) with its location (alias `l`) as one JSON object, in the same statement. */
export const LEVEL_WITH_LOCATION: Projection<LevelWithLocation> = {
  columns: `${LEVEL.columns}, (select row_to_json(x) from (select ${LOCATION.columns}) x) as "location"`,
  fromRow: (row) => {
    const level = LEVEL.fromRow(row);
    // The JSON object is the location projection's row, its instant as text.
    return { ...level, location: LOCATION.fromRow(row.location as Record<string, unknown>) };
  },
};

/**
 * isLow in SQL (alias `s`): the stored column PostgreSQL keeps as on_hand - reserved <= reorder_point
 * (ADR 0031), the predicate of the partial index stock_level_low_idx.
 */
export const LOW_SQL = 's.is_low';

/** The head of every audit-trail insert (each one an INSERT ... SELECT from a data-modifying CTE). */
export const INSERT_MOVEMENT =
  'insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)';

/** What a CTE that changes stock_level (alias `s`) returns for changesColumn: the level as it is now. */
export const LEVEL_AFTER = 's.*';

/** What an audit-trail insert CTE returns for changesColumn: the movements it wrote. */
export const MOVEMENT_RETURNING = 'returning *';

/**
 * A scalar subquery for a write statement's select list: the movements the CTE `movements` inserted,
 * in audit-trail order, each with its level after the statement (from the `levels` CTEs, each
 * returning LEVEL_AFTER) and its location's store, as JSON MovementChange rows (domain/events.ts).
 * In the same statement, so reporting the change costs no read.
 */
export function changesColumn(movements: string, levels: readonly string[]): string {
  const after = levels
    .map((cte) => `select product_id, location_id, on_hand, reserved, reorder_point from ${cte}`)
    .join(' union all ');
  return `(select coalesce(json_agg(json_build_object(
       'productId', m.product_id, 'locationId', m.location_id, 'storeId', loc.store_id,
       'reason', m.reason, 'reference', m.reference,
       'onHandDelta', m.on_hand_delta, 'reservedDelta', m.reserved_delta,
       'onHand', a.on_hand, 'reserved', a.reserved, 'reorderPoint', a.reorder_point) order by m.id), '[]'::json)
     from ${movements} m
     join (${after}) a on a.product_id = m.product_id and a.location_id = m.location_id
     join location loc on loc.id = m.location_id) as "changes"`;
}
