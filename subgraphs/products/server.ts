import { defineSubgraphService, isStaffManager, withPermissions } from '../kit';
import { TEXT_CODES } from './domain/errors';
import { entities } from './entities';
import { createLoaders } from './loaders';
import { migrations } from './migrations';
import { resolvers as productsResolvers } from './resolvers';
import { seedProducts } from './seed';

/** Catalogue reads are public; every change needs a MANAGER or ADMIN token (deny by default). */
const permissions = withPermissions({
  Mutation: {
    createProduct: isStaffManager,
    changeProductPrice: isStaffManager,
    updateProduct: isStaffManager,
  },
});

/**
 * The products subgraph: no collaborators (it calls no one), no background work; its domain context is
 * the kit's (unit of work, caller, request id, logger).
 */
export const { definition, typeDefs, resolvers, schema, start, service } = defineSubgraphService({
  name: 'products',
  dir: __dirname,
  services: () => ({}),
  parts: () => ({
    resolvers: productsResolvers,
    entities,
    migrations,
    createLoaders,
    permissions,
    textCodes: TEXT_CODES,
  }),
  seed: seedProducts,
});
