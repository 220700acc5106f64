import { sql } from '../../../kit/domain';
import type { AdjustmentReason } from '../../generated/resolvers';
import type { StockLevel } from '../types';
import { INSERT_MOVEMENT, LEVEL } from './shared';

/**
 * adjustStock's writes. Each is ONE statement with its audit row: `change` (an UPDATE or INSERT of
 * stock_level `s`) and the movement inserted from its RETURNING, so both commit or neither, and the
 * audit row exists only when a level changed.
 */

interface AdjustParams {
  productId: string;
  locationId: string;
  delta: number;
  reason: AdjustmentReason;
  note: string | null;
  actor: string;
}

function withMovement(change: string): string {
  return `with changed as (
       ${change}
       returning ${LEVEL.columns}
     ), mv as (
       ${INSERT_MOVEMENT}
       select "productId", "locationId", :delta, 0, :reason, null, :note, :actor from changed
     )
     select * from changed`;
}

/** Adds delta to an existing level, only while the result stays >= reserved (and so >= 0). */
export const ADJUST_LEVEL = sql<AdjustParams, StockLevel>(
  withMovement(
    `update stock_level s set on_hand = s.on_hand + :delta, updated_at = now()
      where s.product_id = :productId and s.location_id = :locationId and s.on_hand + :delta >= s.reserved`,
  ),
  { row: LEVEL },
);

/** The first receipt of a product at a location creates its level (nothing when a concurrent one did). */
export const CREATE_LEVEL = sql<AdjustParams, StockLevel>(
  withMovement(
    `insert into stock_level as s (product_id, location_id, on_hand, reserved, reorder_point)
     values (:productId, :locationId, :delta, 0, 0)
     on conflict (product_id, location_id) do nothing`,
  ),
  { row: LEVEL },
);

/** A level as it is now (what a refused removal reports). */
export const LEVEL_OF = sql<{ productId: string; locationId: string }, StockLevel>(
  `select ${LEVEL.columns} from stock_level s where s.product_id = :productId and s.location_id = :locationId`,
  { row: LEVEL },
);
