import type { DomainContext, ProductLookup } from '../../kit/domain';
import type { DashboardStockLookup } from './dashboard';
import type { ReplenishmentRequestLookup } from './replenishment';

/**
 * What every inventory domain function receives first: the kit's DomainContext plus inventory's
 * ports. `products` is the products subgraph, which owns product ids (ADR 0015); `requests` and
 * `dashboards` are batched reads, so that every request or dashboard of one operation costs one
 * statement. The kit builds one per request (server.ts, `inventoryContext`) from the request's
 * DataLoaders; reads and the saga steps use only the DomainContext part, the reservation sweeper
 * builds that alone.
 */
export interface InventoryContext extends DomainContext {
  products: ProductLookup;
  requests: ReplenishmentRequestLookup;
  dashboards: DashboardStockLookup;
}
