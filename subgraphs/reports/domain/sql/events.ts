import { sql } from '../../../kit/domain';
import type { Channel } from '../types';

/**
 * The writes that apply events to the read models (ADR 0018, ADR 0022; domain/apply.ts): each is ONE
 * statement whatever the number of events or rows, its rows passed as one array per column and
 * turned back into rows by `unnest`.
 */

/** Column arrays of processed_events rows, index i of each array being event i. */
export interface ProcessedEventColumns {
  eventIds: string[];
  sources: string[];
  types: string[];
  versions: number[];
  aggregateTypes: string[];
  aggregateIds: string[];
  sequences: string[];
  occurredAts: string[];
}

/** Records the events as applied; RETURNING names those not already there (the others are duplicates). */
export const INSERT_PROCESSED_EVENTS = sql<ProcessedEventColumns, { eventId: string }>(
  `insert into processed_events (event_id, source, type, version, aggregate_type, aggregate_id, sequence, occurred_at)
   select * from unnest(:eventIds::text[], :sources::text[], :types::text[], :versions::int[],
                        :aggregateTypes::text[], :aggregateIds::text[], :sequences::bigint[],
                        :occurredAts::timestamptz[])
   on conflict (event_id) do nothing
   returning event_id as "eventId"`,
);

/** The column arrays both daily fact tables' deltas have: the day, channel and store of a key, and its sums. */
export interface DailyDeltaColumns {
  days: string[];
  channels: Channel[];
  storeIds: string[];
  units: number[];
  grossCents: number[];
  returnedUnits: number[];
  refundCents: number[];
}

/** Column arrays of daily_store_facts deltas, one key (day, channel, store) per index. */
export interface StoreDeltaColumns extends DailyDeltaColumns {
  transactions: number[];
  returns: number[];
}

/**
 * Adds deltas to daily_store_facts: a key seen for the first time is inserted as its delta, a known
 * one gets the delta added to each sum (the keys are distinct: ON CONFLICT updates a row once).
 */
export const ADD_STORE_FACTS = sql<StoreDeltaColumns>(
  `insert into daily_store_facts as f
     (day, channel, store_id, transactions, units, gross_cents, returns, returned_units, refund_cents, updated_at)
   -- the deltas, one row per key
   select d.*, now()
     from unnest(:days::date[], :channels::text[], :storeIds::text[], :transactions::int[], :units::int[],
                 :grossCents::bigint[], :returns::int[], :returnedUnits::int[], :refundCents::bigint[])
       as d(day, channel, store_id, transactions, units, gross_cents, returns, returned_units, refund_cents)
   -- a known key: its sums plus the delta
   on conflict (day, channel, store_id) do update set
     transactions = f.transactions + excluded.transactions,
     units = f.units + excluded.units,
     gross_cents = f.gross_cents + excluded.gross_cents,
     returns = f.returns + excluded.returns,
     returned_units = f.returned_units + excluded.returned_units,
     refund_cents = f.refund_cents + excluded.refund_cents,
     updated_at = now()`,
);

/** Column arrays of daily_product_facts deltas, one key (day, channel, store, product, category) per index. */
export interface ProductDeltaColumns extends DailyDeltaColumns {
  productIds: string[];
  categoryIds: string[];
}

/** Adds deltas to daily_product_facts, as ADD_STORE_FACTS does to daily_store_facts. */
export const ADD_PRODUCT_FACTS = sql<ProductDeltaColumns>(
  `insert into daily_product_facts as f
     (day, channel, store_id, product_id, category_id, units, gross_cents, returned_units, refund_cents, updated_at)
   -- the deltas, one row per key
   select d.*, now()
     from unnest(:days::date[], :channels::text[], :storeIds::text[], :productIds::text[], :categoryIds::text[],
                 :units::int[], :grossCents::bigint[], :returnedUnits::int[], :refundCents::bigint[])
       as d(day, channel, store_id, product_id, category_id, units, gross_cents, returned_units, refund_cents)
   -- a known key: its sums plus the delta
   on conflict (day, channel, store_id, product_id, category_id) do update set
     units = f.units + excluded.units,
     gross_cents = f.gross_cents + excluded.gross_cents,
     returned_units = f.returned_units + excluded.returned_units,
     refund_cents = f.refund_cents + excluded.refund_cents,
     updated_at = now()`,
);

/** A stream entry that could not be applied, recorded once (a redelivered entry adds nothing). */
export const INSERT_REJECTION = sql<{
  stream: string | null;
  entryId: string | null;
  eventId: string | null;
  type: string | null;
  reasonCode: string;
  reason: string | null;
  payload: string | null;
}>(
  `insert into rejected_events (stream, entry_id, event_id, type, reason_code, reason, payload)
   values (:stream, :entryId, :eventId, :type, :reasonCode, :reason, :payload)
   on conflict (stream, entry_id) do nothing`,
);
