import { queryRows, type DbContext } from '../../kit/domain';
import { assertMayReadDashboard, callerOf } from './access';
import type { InventoryContext } from './context';
import { DASHBOARD_STOCK } from './sql/dashboard';

/**
 * Inventory's half of the dashboard (issue 9 point 4, ADR 0018): reports owns the entity and its
 * key, inventory adds what its stock says about the same scope. Counted with the one definition of
 * "low" (LOW_SQL, what lowStock lists) and the one definition of "pending" (status PENDING, what the
 * pending-replenishments gauge counts), so the dashboard never disagrees with the lists it summarises.
 */

/** The key of the whole chain's dashboard (reports' key); any other key is a store id. */
export const CHAIN_DASHBOARD = 'chain';

/** What a dashboard key names: the whole chain, or one store (a store id retail owns). */
export type DashboardScope = { kind: 'chain' } | { kind: 'store'; storeId: string };

export function dashboardScope(key: string): DashboardScope {
  return key === CHAIN_DASHBOARD ? { kind: 'chain' } : { kind: 'store', storeId: key };
}

/** Inventory's figures of one dashboard, by its key. */
export interface DashboardStock {
  id: string;
  lowStockCount: number;
  pendingReplenishments: number;
}

/**
 * The figures of any number of dashboards in ONE statement (the `_entities` batch's DataLoader). One
 * row per key, so a store inventory has no location or request for answers zeros, as reports answers
 * zeros for a store without sales: neither subgraph owns stores (retail does), and refusing a key one
 * half of the dashboard accepts would fail the whole operation.
 */
export async function dashboardStock(ctx: DbContext, keys: readonly string[]): Promise<DashboardStock[]> {
  if (keys.length === 0) return [];
  return queryRows(ctx.em, DASHBOARD_STOCK, { chainKey: CHAIN_DASHBOARD, keys });
}

/** Where a request's dashboard figures come from: the request's DataLoader over dashboardStock. */
export interface DashboardStockLookup {
  load(key: string): Promise<DashboardStock | null>;
}

/**
 * One dashboard's stock figures for the caller: the chain's for head office only, a store's for its
 * MANAGER or head office (AccessDenied otherwise, the rule reports applies to the same key).
 */
export async function dashboardOf(
  ctx: Pick<InventoryContext, 'identity' | 'dashboards'>,
  key: string,
): Promise<DashboardStock> {
  assertMayReadDashboard(callerOf(ctx), dashboardScope(key));
  // dashboardStock answers every key it is given; the fallback only keeps the type honest.
  return (await ctx.dashboards.load(key)) ?? { id: key, lowStockCount: 0, pendingReplenishments: 0 };
}
