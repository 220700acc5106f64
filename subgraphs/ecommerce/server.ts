import {
  allow,
  backgroundContext,
  defineSubgraphService,
  hasRole,
  isAuthenticated,
  isStaffManager,
  startSubgraphOutboxRelay,
  startRecovery,
  withPermissions,
  requestDomainContext,
  type DomainContext,
  type Metrics,
  type RequestScope,
  type StartOptions,
} from '../kit';
import { calleeClients, productLoader } from '../kit/clients';
import type { ProductLookup } from '../kit/domain';
import { FakePaymentProvider } from './clients/payments';
import { configFromEnv, type EcommerceConfig } from './config';
import type { EcommerceContext } from './domain/context';
import { TEXT_CODES } from './domain/errors';
import { entities } from './entities';
import { makeCreateLoaders, type EcommerceLoaders } from './loaders';
import { registerEcommerceMetrics } from './metrics';
import { migrations } from './migrations';
import { recoverOnce } from './domain/recovery';
import { createResolvers, type ResolverServices } from './resolvers';
import { sagaObserver } from './saga-observer';
import { seedEcommerce } from './seed';

const isCustomer = hasRole('CUSTOMER');

/**
 * Deny by default for mutations (the kit adds `deny` for any mutation not listed). Ownership (a
 * customer's own cart line, address or order) needs the row, so it is checked in the domain, whose
 * AccessDenied the kit turns into the same FORBIDDEN error.
 */
export const permissions = withPermissions({
  Query: {
    me: isAuthenticated,
    order: isAuthenticated,
    orders: isStaffManager,
    // The outbox for rebuilding read models (npm run reports:rebuild): other services only.
    retainedEvents: hasRole('SERVICE'),
  },
  Mutation: {
    registerCustomer: allow,
    login: allow,
    addAddress: isCustomer,
    updateAddress: isCustomer,
    removeAddress: isCustomer,
    addToCart: isCustomer,
    updateCartLine: isCustomer,
    removeCartLine: isCustomer,
    checkout: isCustomer,
    cancelOrder: hasRole('CUSTOMER', 'MANAGER', 'ADMIN'),
    shipOrder: isStaffManager,
  },
});

/** The process-wide collaborators, built from configuration. */
export function createServices(config: EcommerceConfig = configFromEnv()): ResolverServices {
  return {
    config,
    ...calleeClients('ecommerce', config),
    payments: new FakePaymentProvider(),
  };
}

/**
 * A request, or a recovery pass, as ecommerce's domain sees it: the kit's part (unit of work, caller,
 * request id, logger) plus ecommerce's ports. `products` is a batched lookup: the request's DataLoader,
 * or one of the pass's own.
 */
export function ecommerceContext(
  base: DomainContext,
  services: ResolverServices,
  adapters: { products: ProductLookup; metrics: Pick<Metrics, 'registry'> },
): EcommerceContext {
  const { config, inventory, payments } = services;
  return {
    ...base,
    config,
    inventory,
    payments,
    products: adapters.products,
    sagaEvents: sagaObserver({ metrics: adapters.metrics, fault: config.fault, log: base.log }),
  };
}

export interface EcommerceStartOptions extends StartOptions {
  /** Default: from the environment (createServices). */
  services?: ResolverServices;
  /** false: no saga recovery loop (tests that drive recovery themselves). */
  recovery?: boolean;
}

/**
 * The subgraph, its saga recovery loop (on start, then every SAGA_RECOVERY_INTERVAL_MS) and its outbox
 * relay, stopped together (the kit's defineSubgraphService). index.ts, the registry and test stacks
 * start it through `service` (or `startEcommerce`).
 */
export const { definition, typeDefs, resolvers, schema, start, service } = defineSubgraphService({
  name: 'ecommerce',
  dir: __dirname,
  services: (opts?: EcommerceStartOptions) => opts?.services ?? createServices(),
  parts: (services) => ({
    resolvers: createResolvers(services),
    entities,
    migrations,
    createLoaders: makeCreateLoaders(() => services().products),
    domainContext: (request: RequestScope<EcommerceLoaders>) =>
      ecommerceContext(requestDomainContext(request), services(), {
        products: request.loaders.product,
        metrics: request.metrics,
      }),
    permissions,
    textCodes: TEXT_CODES,
  }),
  background: (running, services, opts) => {
    registerEcommerceMetrics(running.metrics);
    return {
      recovery:
        opts.recovery === false
          ? null
          : startRecovery({
              name: 'saga recovery pass',
              log: running.log.child({ component: 'saga-recovery' }),
              intervalMs: services.config.recoveryIntervalMs,
              // Each pass works like a request without a caller: its own unit of work and product lookups.
              context: () =>
                ecommerceContext(backgroundContext(running, 'saga-recovery'), services, {
                  products: productLoader(() => services.products, running.metrics),
                  metrics: running.metrics,
                }),
              recover: recoverOnce,
            }),
      /** Publishes the outbox's order events to `<REDIS_PREFIX>events:ecommerce` (OUTBOX_* settings). */
      relay: startSubgraphOutboxRelay('ecommerce', running),
    };
  },
  seed: seedEcommerce,
});

export type RunningEcommerce = Awaited<ReturnType<typeof start>>;

export const startEcommerce = start;
