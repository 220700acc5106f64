/**
 * The subgraphs that exist and how they run, typed: the one list that `npm start`
 * (scripts/services.ts), the test stack (test/helpers/stack.ts), the bench, `npm run codegen` and
 * `npm run migration:create` use. What codegen alone needs (the resolvers' parent types) is in
 * codegen-mappers.ts. Adding a subgraph means adding its entry here, in codegen-mappers.ts and in
 * schema/supergraph.yaml.
 */
import path from 'node:path';
import { PORTS, type ServiceName, type SubgraphService } from './kit';

export interface RegistryEntry {
  name: ServiceName;
  /** Default port of the local topology. */
  port: number;
  /** Folder of the subgraph: schema.graphql, migrations/, generated/. */
  dir: string;
  /** Entry file that `npm start` runs, relative to the repository root. */
  entry: string;
  /** Subgraphs this one calls directly (sagas, lookups); they start first and their URLs are passed in. */
  calls: readonly ServiceName[];
  /** Replicas `npm start` runs (inventory is a cluster). */
  replicas: number;
  /** Loaded on demand, so listing the registry imports no subgraph. */
  load: () => Promise<SubgraphService>;
}

function entry(
  name: ServiceName,
  load: RegistryEntry['load'],
  extra: Partial<Pick<RegistryEntry, 'calls' | 'replicas'>> = {},
): RegistryEntry {
  return {
    name,
    port: PORTS[name],
    dir: path.join(__dirname, name),
    entry: `subgraphs/${name}/index.ts`,
    calls: extra.calls ?? [],
    replicas: extra.replicas ?? 1,
    load,
  };
}

/**
 * Each subgraph's server module, loaded on first use. `import()` with a computed path: in this
 * CommonJS project a literal `import('./x/server')` is resolved as an ES module and would need a file
 * extension that tsx, jest and tsc disagree on; the type query keeps the result typed.
 */
async function load<M extends { service: SubgraphService }>(name: ServiceName): Promise<SubgraphService> {
  const mod = (await import(path.join(__dirname, name, 'server'))) as M;
  return mod.service;
}

export const REGISTRY = {
  products: entry('products', () => load<typeof import('./products/server')>('products')),
  inventory: entry('inventory', () => load<typeof import('./inventory/server')>('inventory'), {
    // adjustStock checks product ids with products (ADR 0015).
    calls: ['products'],
    replicas: 3,
  }),
  ecommerce: entry('ecommerce', () => load<typeof import('./ecommerce/server')>('ecommerce'), {
    calls: ['products', 'inventory'],
  }),
  retail: entry('retail', () => load<typeof import('./retail/server')>('retail'), {
    // Prices from products; the stock of every sale, return and new store from inventory.
    calls: ['products', 'inventory'],
  }),
  // Calls no subgraph to serve: it reads its own read models, fed by the producers' streams.
  reports: entry('reports', () => load<typeof import('./reports/server')>('reports')),
} as const satisfies Record<ServiceName, RegistryEntry>;

export type RegisteredName = keyof typeof REGISTRY;

/** Every registered subgraph, in start order (those a subgraph calls come before it). */
export const SUBGRAPH_LIST: readonly RegistryEntry[] = Object.values(REGISTRY);

export function registryEntry(name: string): RegistryEntry {
  const found = SUBGRAPH_LIST.find((e) => e.name === name);
  if (!found) throw new Error(`no subgraph named ${name} in subgraphs/registry.ts`);
  return found;
}
