import { sql } from '../../../kit/domain';
import type { MovementChange } from '../events';
import { changesColumn, INSERT_MOVEMENT, LEVEL_AFTER, MOVEMENT_RETURNING } from './shared';

/**
 * The demo stock's statements (seed.ts), each an INSERT ... ON CONFLICT DO NOTHING with its rows as
 * one JSON parameter: only what does not exist yet is written.
 */

/** The demo locations; returns the ids it created. */
export const SEED_LOCATIONS = sql<{ locations: string }, { id: string }>(
  `insert into location (id, name, kind, store_id)
   select id, name, kind, store_id from jsonb_to_recordset(:locations::jsonb) as x(id text, name text, kind text, store_id text)
   on conflict (id) do nothing
   returning id`,
);

/**
 * The demo levels, and an opening RECEIPT movement for each level this run created with units
 * (reference 'seed'), so the audit trail adds up to on_hand from the first day; returns how many
 * levels it created and the movements as changes (their stock.changed events).
 */
export const SEED_LEVELS = sql<{ levels: string }, { levels: number; changes: MovementChange[] }>(
  `with ins as (
     insert into stock_level as s (product_id, location_id, on_hand, reserved, reorder_point)
     select product_id, location_id, on_hand, 0, reorder_point
       from jsonb_to_recordset(:levels::jsonb) as x(product_id text, location_id text, on_hand integer, reorder_point integer)
     on conflict (product_id, location_id) do nothing
     returning ${LEVEL_AFTER}
   ), mv as (
     ${INSERT_MOVEMENT}
     select product_id, location_id, on_hand, 0, 'RECEIPT', 'seed', 'initial demo stock', 'system:seed'
       from ins where on_hand > 0
       order by location_id, product_id
     ${MOVEMENT_RETURNING}
   )
   select (select count(*)::int from ins) as "levels", ${changesColumn('mv', ['ins'])}`,
);
