import type { LazyConnection } from '../kit';
import type { ReplenishmentRequest, StockMovement } from './domain/types';
import type { LevelWithLocation } from './domain/levels';

/**
 * Parent types of the resolver layer that are not domain shapes (codegen mappers in subgraphs/codegen-mappers.ts, npm run codegen).
 */

/**
 * An entity another subgraph owns (Product, Store), as inventory knows it: by its key. Resolvers
 * return `{ id }` and the router fetches the owner's fields.
 */
export interface EntityRef {
  id: string;
}

/** Store.stock: edges and pageInfo share one page query, totalCount runs only when selected. */
export type StockLevelConnectionModel = LazyConnection<LevelWithLocation>;

/** Query.stockMovements, lazy in the same way. */
export type StockMovementConnectionModel = LazyConnection<StockMovement>;

/** Query.replenishmentRequests, lazy in the same way. */
export type ReplenishmentRequestConnectionModel = LazyConnection<ReplenishmentRequest>;
