import { sql, type Projection } from '../../../kit/domain';
import type { MovementChange } from '../events';
import type { StockReturnWithLines } from '../returns';
import type { StockReturn, StockReturnLine } from '../types';
import {
  changesColumn,
  INSERT_MOVEMENT,
  jsonRows,
  LEVEL_AFTER,
  MOVEMENT_RETURNING,
  STOCK_RETURN,
  STOCK_RETURN_LINE,
} from './shared';

/** returnStock's statements (domain/returns.ts): a claim of the return id, then one statement for every line. */

/** A stock return (alias `sr`) with its lines as JSON rows of stock_return_line, in product order. */
const WITH_LINES: Projection<StockReturnWithLines> = {
  columns: `${STOCK_RETURN.columns},
    ${jsonRows(`select ${STOCK_RETURN_LINE.columns} from stock_return_line srl where srl.return_id = sr.return_id`, 'x."productId"')} as "lines"`,
  fromRow: (row) => {
    const stockReturn = STOCK_RETURN.fromRow(row);
    // json_agg of stock_return_line's projection: the rows are already StockReturnLines (no dates).
    return { ...stockReturn, lines: (row.lines as StockReturnLine[] | null) ?? [] };
  },
};

/**
 * What a return needs to know first, in one statement: an earlier return with this id (a replay
 * answers from it; JSON, shaped by returnFromJson), whether the location exists, and which of the
 * products inventory already holds a level of somewhere (ADR 0015: those need no call to products).
 */
export const RETURN_CONTEXT = sql<
  { returnId: string; locationId: string; productIds: readonly string[] },
  { existing: Record<string, unknown> | null; locationExists: boolean; stocked: string[] | null }
>(
  `select (select row_to_json(x) from (select ${WITH_LINES.columns} from stock_return sr where sr.return_id = :returnId) x)
            as "existing",
          exists (select 1 from location where id = :locationId) as "locationExists",
          (select array_agg(distinct product_id) from stock_level where product_id = any(:productIds::text[])) as "stocked"`,
);

/** RETURN_CONTEXT's `existing`, a JSON row of the same select list as RETURN_BY_ID's. */
export function returnFromJson(row: Record<string, unknown>): StockReturnWithLines {
  return WITH_LINES.fromRow(row);
}

/** Claims the return id; a concurrent claim of the same id waits here for the first transaction. */
export const CLAIM_RETURN = sql<
  { returnId: string; locationId: string; reason: string | null; actor: string },
  StockReturn
>(
  `insert into stock_return as sr (return_id, location_id, reason, actor) values (:returnId, :locationId, :reason, :actor)
   on conflict (return_id) do nothing
   returning ${STOCK_RETURN.columns}`,
  { row: STOCK_RETURN },
);

export const RETURN_BY_ID = sql<{ returnId: string }, StockReturnWithLines>(
  `select ${WITH_LINES.columns} from stock_return sr where sr.return_id = :returnId`,
  { row: WITH_LINES },
);

/** The levels the return changes, locked in product order (the global lock order). */
export const LOCK_RETURN_LEVELS = sql<{ locationId: string; productIds: readonly string[] }>(
  `select 1 from stock_level s where s.location_id = :locationId and s.product_id = any(:productIds::text[])
    order by s.product_id
      for update`,
);

/**
 * The units go back on hand (a product without a level here gets one: it was checked before), the
 * return's lines and a RETURN movement per product (reference = return id) are written, in one
 * statement that also returns what the stock.changed events carry.
 */
export const PUT_BACK = sql<
  { lines: string; locationId: string; returnId: string; reason: string | null; actor: string },
  { changed: number; changes: MovementChange[] }
>(
  `with req as (
     select * from jsonb_to_recordset(:lines::jsonb) as x(product_id text, quantity integer)
   ), up as (
     insert into stock_level as s (product_id, location_id, on_hand, reserved, reorder_point)
     select product_id, :locationId, quantity, 0, 0 from req order by product_id
     on conflict (product_id, location_id)
       do update set on_hand = s.on_hand + excluded.on_hand, updated_at = now()
     returning ${LEVEL_AFTER}
   ), lines as (
     insert into stock_return_line (return_id, product_id, quantity) select :returnId, product_id, quantity from req
   ), mv as (
     ${INSERT_MOVEMENT}
     select product_id, :locationId, quantity, 0, 'RETURN', :returnId, :reason, :actor from req order by product_id
     ${MOVEMENT_RETURNING}
   )
   select count(*)::int as "changed", ${changesColumn('mv', ['up'])} from up`,
);
