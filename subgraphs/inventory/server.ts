import {
  buildSchema,
  defineSubgraph,
  hasRole,
  isService,
  isStaffManager,
  outboxSettingsFromEnv,
  startOutboxRelay,
  startWithBackground,
  type OutboxRelay,
  withPermissions,
  requestDomainContext,
  type RequestScope,
  type RunningSubgraph,
  type StartOptions,
  type SubgraphDefinition,
  type SubgraphService,
} from '../kit';
import { calleeUrls, callTimeoutFromEnv, ProductsClient, type ProductSource } from '../kit/clients';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { InventoryContext } from './domain/context';
import { pendingByStore } from './domain/replenishment';
import { registerPendingReplenishments } from './metrics';
import { seedInventory } from './seed';
import { startReservationSweeper, type Sweeper } from './sweeper';
import { entities } from './entities';
import { makeCreateLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { resolvers } from './resolvers';

export { resolvers };

/**
 * Stock figures are public (catalogue pages show availability); the low-stock list, the audit trail
 * and replenishment are for staff; the dashboard's figures for managers and head office; stock
 * changes need a manager (own store, checked in the domain) or head office; the saga steps and
 * retail's store calls are for other services only.
 */
export const permissions = withPermissions({
  Query: {
    lowStock: hasRole('CLERK', 'MANAGER', 'ADMIN'),
    stockMovements: isStaffManager,
    // Store staff see their own store's requests (checked in the domain), head office all.
    replenishmentRequests: hasRole('CLERK', 'MANAGER', 'ADMIN'),
    replenishmentRequest: hasRole('CLERK', 'MANAGER', 'ADMIN'),
    // reports' rebuild reads the outbox (docs/events.md); no person may.
    retainedEvents: isService,
  },
  // The dashboard's stock figures: managers (their own store, checked in the domain) and head office.
  Dashboard: { lowStockCount: isStaffManager, pendingReplenishments: isStaffManager },
  Mutation: {
    adjustStock: isStaffManager,
    // A store's staff ask for their own store (the token's), head office decides.
    requestReplenishment: hasRole('CLERK', 'MANAGER'),
    approveReplenishment: hasRole('ADMIN'),
    rejectReplenishment: hasRole('ADMIN'),
    reserveStock: isService,
    commitReservation: isService,
    releaseReservation: isService,
    restockOrder: isService,
    returnStock: isService,
    ensureStoreLocation: isService,
  },
});

/**
 * The products subgraph adjustStock checks product ids with (ADR 0015): `url`, else PRODUCTS_URL
 * (else the local default port), each call bounded by SUBGRAPH_CALL_TIMEOUT_MS (5 s).
 */
export function productsClient(url?: string): ProductsClient {
  return new ProductsClient(url ?? calleeUrls('products')[0]!, {
    caller: 'inventory',
    timeoutMs: callTimeoutFromEnv(5_000),
  });
}

/** The request as inventory's domain sees it: the kit's part plus its ports, the request's DataLoaders. */
export function inventoryContext(request: RequestScope<Loaders>): InventoryContext {
  return {
    ...requestDomainContext(request),
    products: request.loaders.product,
    requests: request.loaders.replenishmentById,
    dashboards: request.loaders.dashboardStock,
  };
}

/** A definition whose loaders look products up in `products` (each started instance has its own). */
export function createDefinition(products: () => ProductSource): SubgraphDefinition<Loaders, InventoryContext> {
  return defineSubgraph({
    name: 'inventory',
    dir: __dirname,
    resolvers,
    entities,
    migrations,
    createLoaders: makeCreateLoaders(products),
    domainContext: inventoryContext,
    permissions,
  });
}

// Read from the environment on the first product lookup, so importing this module (tests,
// composition) reads nothing.
let defaultProducts: ProductsClient | null = null;

export const definition = createDefinition(() => (defaultProducts ??= productsClient()));
export const typeDefs = definition.typeDefs;
export const schema = buildSchema(definition);

export interface RunningInventory extends RunningSubgraph {
  sweeper: Sweeper;
  /** Publishes the outbox to `<REDIS_PREFIX>events:inventory` (every worker runs one; one publishes at a time). */
  relay: OutboxRelay;
}

export interface InventoryStartOptions extends StartOptions {
  /** Reservation expiry sweep interval; RESERVATION_SWEEP_INTERVAL_MS or 30 s when omitted. */
  sweepIntervalMs?: number;
  /** The products subgraph's URL; PRODUCTS_URL (or the local default) when omitted. */
  productsUrl?: string;
  /**
   * false: this instance runs no outbox relay (events wait in the outbox for one that does). Subgraph
   * tests that read events from the outbox table turn it off, so they publish nothing to the default
   * prefix's stream of a shared Redis. Default: OUTBOX_RELAY (on unless `off`).
   */
  outboxRelay?: boolean;
}

/**
 * The subgraph plus its reservation expiry sweeper and its outbox relay, stopped together (kit
 * startWithBackground: those first, so no pass runs on a closed ORM). Used by index.ts workers (each
 * runs both: SKIP LOCKED and the relay's advisory lock let them share the work) and by tests that need
 * several replicas. The products URL is read now, so the stack and `npm start` only have to set
 * PRODUCTS_URL before.
 */
export async function startInventory(opts: InventoryStartOptions): Promise<RunningInventory> {
  const products = productsClient(opts.productsUrl);
  return startWithBackground(
    createDefinition(() => products),
    opts,
    (running) => {
      registerPendingReplenishments(
        running.metrics,
        () => pendingByStore({ em: running.orm.em.fork() as EntityManager }),
        running.log,
      );
      const relay = startOutboxRelay({
        source: 'inventory',
        orm: running.orm,
        metrics: running.metrics,
        log: running.log,
        ...(opts.outboxRelay === false ? { settings: { ...outboxSettingsFromEnv(), enabled: false } } : {}),
      });
      return {
        sweeper: startReservationSweeper({
          orm: running.orm,
          log: running.log,
          metrics: running.metrics,
          intervalMs: opts.sweepIntervalMs,
        }),
        relay,
      };
    },
  );
}

export const service: SubgraphService = {
  name: 'inventory',
  definition,
  start: startInventory,
  seed: seedInventory,
};
