import { sql } from '../../../kit/domain';
import type { DashboardStock } from '../dashboard';
import { LOW_SQL } from './shared';

/**
 * Inventory's figures of any number of dashboards (`keys`: "chain" = `chainKey`, or store ids), one
 * row per key. The per-key subqueries filter the tiny location table first and reach the low levels
 * through the partial index stock_level_low_idx (location_id, ...) whose predicate is LOW_SQL.
 */
export const DASHBOARD_STOCK = sql<{ chainKey: string; keys: readonly string[] }, DashboardStock>(
  `with k as (select t.key, t.key = :chainKey as chain from unnest(:keys::text[]) as t(key))
   select k.key as "id",
          (select count(*)::int
             from location l join stock_level s on s.location_id = l.id and ${LOW_SQL}
            where k.chain or (l.kind = 'STORE' and l.store_id = k.key)) as "lowStockCount",
          (select count(*)::int
             from replenishment_request r
            where r.status = 'PENDING' and (k.chain or r.store_id = k.key)) as "pendingReplenishments"
     from k`,
);
