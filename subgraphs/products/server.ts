import {
  defineSubgraphService,
  isService,
  isStaffManager,
  startSubgraphOutboxRelay,
  withPermissions,
  type OutboxRelayOption,
  type StartOptions,
} from '../kit';
import { TEXT_CODES } from './domain/errors';
import { entities } from './entities';
import { createLoaders } from './loaders';
import { migrations } from './migrations';
import { resolvers as productsResolvers } from './resolvers';
import { seedProducts } from './seed';

/**
 * Catalogue reads are public; every change needs a MANAGER or ADMIN token (deny by default); the
 * retained events are for other services only.
 */
const permissions = withPermissions({
  Query: {
    // reports' rebuild and other readers of the outbox (docs/events.md); @inaccessible, no person may.
    retainedEvents: isService,
  },
  Mutation: {
    createProduct: isStaffManager,
    changeProductPrice: isStaffManager,
    updateProduct: isStaffManager,
  },
});

export interface ProductsStartOptions extends StartOptions, OutboxRelayOption {}

/**
 * The products subgraph: no collaborators (it calls no one); its domain context is the kit's (unit of
 * work, caller, request id, logger); its background work is the outbox relay, stopped before it.
 */
export const { definition, typeDefs, resolvers, schema, start, service } = defineSubgraphService({
  name: 'products',
  dir: __dirname,
  services: (_opts?: ProductsStartOptions) => ({}),
  parts: () => ({
    resolvers: productsResolvers,
    entities,
    migrations,
    createLoaders,
    permissions,
    textCodes: TEXT_CODES,
  }),
  background: (running, _services, opts) => ({
    /**
     * Publishes the catalogue's events to `<REDIS_PREFIX>events:products` (docs/events.md): every
     * process runs it, the relay's advisory lock lets one publish at a time.
     */
    relay: startSubgraphOutboxRelay('products', running, opts),
  }),
  seed: seedProducts,
});

export type RunningProducts = Awaited<ReturnType<typeof start>>;
