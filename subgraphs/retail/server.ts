import type { MikroORM } from '@mikro-orm/postgresql';
import {
  allow,
  backgroundContext as kitBackgroundContext,
  createLogger,
  createMetrics,
  defineSubgraphService,
  hasRole,
  isAuthenticated,
  isService,
  isStaffManager,
  NO_REVOCATIONS,
  startSubgraphOutboxRelay,
  startRecovery,
  withPermissions,
  requestDomainContext,
  type DomainContext,
  type Metrics,
  type RequestScope,
  type RunningSubgraph,
  type StartOptions,
} from '../kit';
import { calleeClients, productLoader } from '../kit/clients';
import type { ProductLookup } from '../kit/domain';
import { configFromEnv, type RetailConfig } from './config';
import type { RetailContext } from './domain/context';
import type { TokenRevoker } from './domain/ports';
import { TEXT_CODES } from './domain/errors';
import { recoverOnce } from './domain/recovery';
import { entities } from './entities';
import { makeCreateLoaders, type RetailLoaders } from './loaders';
import { migrations } from './migrations';
import { registerRetailMetrics } from './metrics';
import { saleObserver } from './observer';
import { createResolvers, type ResolverServices } from './resolvers';
import { historyDaysFromEnv, seedRetail } from './seed';

const isStaff = hasRole('CLERK', 'MANAGER', 'ADMIN');
const isStaffOrService = hasRole('CLERK', 'MANAGER', 'ADMIN', 'SERVICE');
const isAdmin = hasRole('ADMIN');

/**
 * Deny by default for mutations (the kit adds `deny` for any mutation not listed). Store and register
 * reads are public; staff and sales are not. "At their own store" needs the row (the store of a sale,
 * of a register), so it is checked in the domain, whose AccessDenied the kit turns into the same
 * FORBIDDEN error.
 */
export const permissions = withPermissions({
  Query: {
    currentEmployee: isAuthenticated,
    employee: isStaffOrService,
    employees: isStaffManager,
    sales: isStaffOrService,
    sale: isStaffOrService,
    saleByNumber: isStaffOrService,
    registerSessions: isStaffOrService,
    // reports' rebuild (docs/events.md); @inaccessible, so the router never routes it.
    retainedEvents: isService,
  },
  Mutation: {
    staffLogin: allow,
    createEmployee: isAdmin,
    deactivateEmployee: isAdmin,
    changeEmployeeRole: isAdmin,
    createStore: isAdmin,
    updateStore: isAdmin,
    addCashRegister: isStaffManager,
    openRegister: isStaff,
    closeRegister: isStaff,
    recordSale: isStaff,
    cancelSale: isStaffManager,
    returnSale: isStaff,
  },
});

/** The process-wide collaborators, built from configuration. */
export function createServices(config: RetailConfig = configFromEnv()): ResolverServices {
  return {
    config,
    ...calleeClients('retail', config),
  };
}

/**
 * A request, a recovery pass or the demo seed as retail's domain sees it: the kit's part (unit of
 * work, caller, request id, logger) plus retail's ports. `products` is a batched lookup: the
 * request's DataLoader, or one of the work's own.
 */
export function retailContext(
  base: DomainContext,
  services: ResolverServices,
  adapters: { products: ProductLookup; metrics: Pick<Metrics, 'registry'>; revocations: TokenRevoker },
): RetailContext {
  return {
    ...base,
    settings: services.config,
    inventory: services.inventory,
    products: adapters.products,
    revocations: adapters.revocations,
    events: saleObserver({ metrics: adapters.metrics, fault: services.config.fault, log: base.log }),
    clock: () => new Date(),
  };
}

/**
 * A context for work without a request (recovery passes, the demo seed): its own unit of work and
 * product lookups, no caller.
 */
export function backgroundContext(
  running: Pick<RunningSubgraph, 'orm' | 'metrics' | 'log' | 'revocations'>,
  services: ResolverServices,
  requestId: string,
): RetailContext {
  return retailContext(kitBackgroundContext(running, requestId), services, {
    products: productLoader(() => services.products, running.metrics),
    metrics: running.metrics,
    revocations: running.revocations,
  });
}

export interface RetailStartOptions extends StartOptions {
  /** Default: from the environment (createServices). */
  services?: ResolverServices;
  /** false: no recovery loop (tests that drive recovery themselves). */
  recovery?: boolean;
}

/**
 * The demo seed (seed.ts): stores, staff and registers, then RETAIL_SEED_HISTORY_DAYS of till history
 * rung up through the domain against the running products and inventory (PRODUCTS_URL,
 * INVENTORY_URL), with one product lookup cache for the whole history.
 */
async function seedDemo(orm: MikroORM): Promise<void> {
  const services = createServices();
  const log = createLogger('retail').child({ component: 'demo-seed' });
  const metrics = createMetrics('retail');
  const products = productLoader(() => services.products, metrics);
  // The history's refused sales (an empty shelf now and then) are its business, not the operator's.
  const quiet = log.levelVal >= 40 ? log : log.child({}, { level: 'warn' });
  const base = { orm, metrics, log: quiet, revocations: NO_REVOCATIONS };
  const report = await seedRetail(orm, {
    days: historyDaysFromEnv(),
    makeContext: (identity, clock) => ({
      ...backgroundContext(base, services, 'demo-seed'),
      identity,
      clock,
      products,
    }),
  });
  if (report && report.sessions > 0) log.info(report, 'demo till history seeded');
}

/**
 * The subgraph, its outbox relay and its recovery of interrupted sales and returns (on start, then
 * every SALE_RECOVERY_INTERVAL_MS), stopped together (the kit's defineSubgraphService). index.ts, the
 * registry and test stacks start it through `service` (or `startRetail`).
 */
export const { definition, typeDefs, resolvers, schema, start, service } = defineSubgraphService({
  name: 'retail',
  dir: __dirname,
  services: (opts?: RetailStartOptions) => opts?.services ?? createServices(),
  parts: (services) => ({
    resolvers: createResolvers(services),
    entities,
    migrations,
    createLoaders: makeCreateLoaders(() => services().products),
    domainContext: (request: RequestScope<RetailLoaders>) =>
      retailContext(requestDomainContext(request), services(), {
        products: request.loaders.product,
        metrics: request.metrics,
        revocations: request.revocations,
      }),
    permissions,
    textCodes: TEXT_CODES,
  }),
  background: (running, services, opts) => {
    registerRetailMetrics(running.metrics);
    return {
      // Publishes the outbox to events:retail (docs/events.md); every process runs it, one at a time.
      relay: startSubgraphOutboxRelay('retail', running),
      recovery:
        opts.recovery === false
          ? null
          : startRecovery({
              name: 'sale recovery pass',
              log: running.log.child({ component: 'sale-recovery' }),
              intervalMs: services.config.recoveryIntervalMs,
              context: () => backgroundContext(running, services, 'sale-recovery'),
              recover: recoverOnce,
            }),
    };
  },
  seed: seedDemo,
});

export type RunningRetail = Awaited<ReturnType<typeof start>>;

export const startRetail = start;
