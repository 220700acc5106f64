import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import {
  buildSchema,
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

export { resolvers };

export const typeDefs = parse(readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

/** Catalogue reads are public; every change needs a MANAGER or ADMIN token (deny by default). */
const permissions = withPermissions({
  Mutation: {
    createProduct: isStaffManager,
    changeProductPrice: isStaffManager,
    updateProduct: isStaffManager,
  },
});

export const definition: SubgraphDefinition<ProductLoaders> = {
  name: 'products',
  typeDefs,
  resolvers,
  entities,
  migrations,
  createLoaders,
  decorateSchema: permissions,
};

export const schema = buildSchema(definition);

export const service: SubgraphService = {
  name: 'products',
  definition,
  start: (opts) => startSubgraph(definition, opts),
  seed: seedProducts,
};
