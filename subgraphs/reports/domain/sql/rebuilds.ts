import { sql } from '../../../kit/domain';

/** The rebuild of the read models (domain/rebuild.ts) and its record (ADR 0022). */

/**
 * EXCLUSIVE on the read models: the live consumer's writes wait for the rebuild's commit, while
 * reads go on (they take ACCESS SHARE).
 */
export const LOCK_READ_MODELS = sql(
  'lock table processed_events, daily_store_facts, daily_product_facts in exclusive mode',
);

/**
 * The read models emptied, one table per statement. DELETE, not TRUNCATE: readers keep seeing the
 * old figures until the rebuild commits.
 */
export const CLEAR_READ_MODELS = [
  sql('delete from processed_events'),
  sql('delete from daily_store_facts'),
  sql('delete from daily_product_facts'),
];

export const INSERT_REBUILD = sql<{ startedAt: string; applied: number; rejected: number; durationMs: number }>(
  `insert into read_model_rebuilds (started_at, finished_at, events_applied, events_rejected, duration_ms)
   values (:startedAt, now(), :applied, :rejected, :durationMs)`,
);

/** The last rebuild's duration (the reports_rebuild_duration_seconds gauge). */
export const LAST_REBUILD_DURATION = sql<Record<string, never>, { ms: number }>(
  'select duration_ms as ms from read_model_rebuilds order by id desc limit 1',
);
