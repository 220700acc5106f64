import {
  defineSubgraphService,
  hasRole,
  isService,
  isStaffManager,
  startSubgraphOutboxRelay,
  withPermissions,
  requestDomainContext,
  type OutboxRelayOption,
  type RequestScope,
  type StartOptions,
} from '../kit';
import { calleeUrls, callTimeoutFromEnv, ProductsClient, type ProductSource } from '../kit/clients';
import type { InventoryContext } from './domain/context';
import { pendingByStore } from './domain/replenishment';
import { lowStockByLocation } from './domain/stock';
import { registerInventoryCounters, registerStockGauges } from './metrics';
import { seedInventory } from './seed';
import { startReservationSweeper } from './sweeper';
import { entities } from './entities';
import { makeCreateLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { resolvers as inventoryResolvers } from './resolvers';

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
    takeStock: isService,
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

/** Inventory's collaborators: the products subgraph its writes check product ids with. */
export interface InventoryServices {
  products: ProductSource;
}

export interface InventoryStartOptions extends StartOptions, OutboxRelayOption {
  /** Reservation expiry sweep interval; RESERVATION_SWEEP_INTERVAL_MS or 30 s when omitted. */
  sweepIntervalMs?: number;
  /** The products subgraph's URL; PRODUCTS_URL (or the local default) when omitted. */
  productsUrl?: string;
}

/**
 * The subgraph plus its reservation expiry sweeper and its outbox relay, stopped together (those
 * first, so no pass runs on a closed ORM). Started by index.ts workers (each runs both: SKIP LOCKED and
 * the relay's advisory lock let them share the work) and by tests that need several replicas. The
 * products URL is read when an instance starts, so the stack and `npm start` only have to set
 * PRODUCTS_URL before; the module's own definition reads it on the first product lookup.
 */
export const { definition, typeDefs, resolvers, schema, start, service } = defineSubgraphService({
  name: 'inventory',
  dir: __dirname,
  services: (opts?: InventoryStartOptions): InventoryServices => ({ products: productsClient(opts?.productsUrl) }),
  parts: (services) => ({
    resolvers: inventoryResolvers,
    entities,
    migrations,
    createLoaders: makeCreateLoaders(() => services().products),
    domainContext: inventoryContext,
    permissions,
  }),
  background: (running, _services, opts) => {
    registerInventoryCounters(running.metrics);
    registerStockGauges(
      running.metrics,
      {
        pending: () => pendingByStore({ em: running.orm.em.fork() }),
        low: () => lowStockByLocation({ em: running.orm.em.fork() }),
      },
      running.log,
    );
    return {
      sweeper: startReservationSweeper({
        orm: running.orm,
        log: running.log,
        metrics: running.metrics,
        intervalMs: opts.sweepIntervalMs,
      }),
      /** Publishes the outbox to `<REDIS_PREFIX>events:inventory` (every worker runs one; one publishes at a time). */
      relay: startSubgraphOutboxRelay('inventory', running, opts),
    };
  },
  seed: seedInventory,
});

export type RunningInventory = Awaited<ReturnType<typeof start>>;

/** One inventory instance (a cluster worker, a test's replica). */
export const startInventory = start;
