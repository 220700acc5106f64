import {
  buildSchema,
  defineSubgraph,
  isStaffManager,
  startSubgraph,
  withPermissions,
  type SubgraphDefinition,
  type SubgraphService,
} from '../kit';
import { seedProducts } from './seed';
import { entities } from './entities';
import { createLoaders, type ProductLoaders } from './loaders';
import { migrations } from './migrations';
import { resolvers } from './resolvers';
import { TEXT_CODES } from './domain/errors';

export { resolvers };

/** Catalogue reads are public; every change needs a MANAGER or ADMIN token (deny by default). */
const permissions = withPermissions({
  Mutation: {
    createProduct: isStaffManager,
    changeProductPrice: isStaffManager,
    updateProduct: isStaffManager,
  },
});

export const definition: SubgraphDefinition<ProductLoaders> = defineSubgraph({
  name: 'products',
  dir: __dirname,
  resolvers,
  entities,
  migrations,
  createLoaders,
  permissions,
  textCodes: TEXT_CODES,
});

export const typeDefs = definition.typeDefs;
export const schema = buildSchema(definition);

export const service: SubgraphService = {
  name: 'products',
  definition,
  start: (opts) => startSubgraph(definition, opts),
  seed: seedProducts,
};
