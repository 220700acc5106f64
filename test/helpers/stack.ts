/**
 * The one way e2e tests start the supergraph: fresh databases, subgraphs in-process on free ports,
 * a supergraph composed in memory from the subgraphs' current SDL, and the router in front.
 *
 *   const stack = await startStack({ services: ['products', 'inventory'], inventoryReplicas: 2, seed: true });
 *   const { status, body } = await stack.gql(CATALOG_PAGE, { first: 20 }, { token });
 *   await stack.stop();
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RunningSubgraph, StartOptions, SubgraphDefinition } from '../../subgraphs/kit';
import { startSubgraph } from '../../subgraphs/kit';
import { composeSubgraphs } from '../../schema/compose';
import { startRouter, type RouterOptions, type RunningRouter } from '../../router/server';
import { freshDatabase, type TestDatabase } from './db';

export type StackService = 'products' | 'inventory' | 'ecommerce';

export interface StackOptions {
  services: StackService[];
  /** In-process inventory instances on one database; the router round-robins over them. Default 1. */
  inventoryReplicas?: number;
  /** Set in process.env while the stack starts and runs; restored by stop(). */
  env?: Record<string, string>;
  /** Run each subgraph's demo seed after its migrations. */
  seed?: boolean;
  /** Extra router options (gatewaySecret, production...). */
  router?: Partial<RouterOptions>;
  /** Subgraph URLs not started here (e.g. a real inventory cluster a test spawned), by name. */
  externalSubgraphs?: Record<string, { url: string | string[]; typeDefs: SubgraphDefinition<unknown>['typeDefs'] }>;
}

export interface GqlOptions {
  token?: string;
  headers?: Record<string, string>;
  operationName?: string;
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  // Response bodies are GraphQL JSON: data shaped by the query, errors with extensions.
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface Stack {
  routerUrl: string;
  router: RunningRouter;
  /** products/ecommerce: one RunningSubgraph; inventory: an array of replicas. */
  services: Partial<Record<StackService, RunningSubgraph | RunningSubgraph[]>>;
  /** Every running instance of a subgraph (one, or the inventory replicas). */
  instances: (name: StackService) => RunningSubgraph[];
  /** The first (or only) instance of a subgraph. */
  subgraph: (name: StackService) => RunningSubgraph;
  databases: Partial<Record<StackService, TestDatabase>>;
  supergraphSdl: string;
  /** SQL statements counted by a subgraph so far (db_statements_total summed over replicas and kinds). */
  statements: (name: StackService) => Promise<number>;
  gql: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: GqlOptions,
  ) => Promise<GqlResult<T>>;
  stop: () => Promise<void>;
}

interface SubgraphModule {
  definition: SubgraphDefinition<unknown>;
}

type Seed = (orm: MikroORM) => Promise<unknown>;

const SUBGRAPHS_DIR = path.join(__dirname, '..', '..', 'subgraphs');

/**
 * Loaded lazily by path so that a stack of products alone runs (and typechecks) before the other
 * subgraphs exist. Each seed module exports seed<Name>(orm), e.g. seedProducts.
 */
type Start = (opts: StartOptions) => Promise<RunningSubgraph>;

async function loadService(
  name: StackService,
): Promise<{ definition: SubgraphDefinition<unknown>; start: Start; seed?: Seed }> {
  const dir = path.join(SUBGRAPHS_DIR, name);
  const mod = (await import(path.join(dir, 'server'))) as SubgraphModule & Record<string, unknown>;
  // A subgraph with background work (inventory's reservation sweeper) exports start<Name>(opts).
  const own = mod[`start${capitalise(name)}`];
  const start: Start = typeof own === 'function' ? (own as Start) : (opts) => startSubgraph(mod.definition, opts);
  let seed: Seed | undefined;
  if (fs.existsSync(path.join(dir, 'seed.ts'))) {
    const seedMod = (await import(path.join(dir, 'seed'))) as Record<string, unknown>;
    const fn = seedMod[`seed${capitalise(name)}`];
    if (typeof fn === 'function') seed = fn as Seed;
  }
  return { definition: mod.definition, start, seed };
}

function capitalise(s: string): string {
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const savedEnv: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };

  const databases: Partial<Record<StackService, TestDatabase>> = {};
  const running: Partial<Record<StackService, RunningSubgraph[]>> = {};
  let router: RunningRouter | null = null;

  const stopAll = async () => {
    if (router) await router.stop().catch(() => undefined);
    await Promise.all(
      Object.values(running)
        .flat()
        .map((s) => s.stop().catch(() => undefined)),
    );
    await Promise.all(Object.values(databases).map((db) => db.drop().catch(() => undefined)));
    restoreEnv();
  };

  try {
    const services = [...new Set(opts.services)];
    const loaded = await Promise.all(services.map(async (name) => ({ name, ...(await loadService(name)) })));
    const startOne = async ({ name, start, seed }: (typeof loaded)[number]) => {
      const db = await freshDatabase(name);
      databases[name] = db;
      const afterMigrate = opts.seed && seed ? async (orm: MikroORM) => void (await seed(orm)) : undefined;
      const first = await start({ dbUrl: db.url, port: 0, afterMigrate });
      const list = [first];
      running[name] = list;
      const replicas = name === 'inventory' ? Math.max(1, opts.inventoryReplicas ?? 1) : 1;
      // Replicas share the database the first instance migrated (like the cluster's workers).
      const more = await Promise.all(
        Array.from({ length: replicas - 1 }, () => start({ dbUrl: db.url, port: 0, runMigrations: false })),
      );
      list.push(...more);
    };
    // ecommerce calls products (price lookups) and inventory (saga steps) directly, so it starts after
    // them and is told their URLs (unless the test set PRODUCTS_URL / INVENTORY_URL itself).
    const callsOthers = (name: StackService) => name === 'ecommerce';
    await Promise.all(loaded.filter((s) => !callsOthers(s.name)).map(startOne));
    const setEnv = (key: string, value: string | undefined) => {
      if (value === undefined || opts.env?.[key] !== undefined) return;
      if (!(key in savedEnv)) savedEnv[key] = process.env[key];
      process.env[key] = value;
    };
    setEnv('PRODUCTS_URL', running.products?.[0]?.url);
    setEnv('INVENTORY_URL', running.inventory?.map((s) => s.url).join(','));
    await Promise.all(loaded.filter((s) => callsOthers(s.name)).map(startOne));

    const sources = loaded.map(({ name, definition }) => ({
      name,
      url: (running[name] as RunningSubgraph[])[0]!.url,
      typeDefs: definition.typeDefs,
    }));
    const subgraphUrls: Record<string, string[]> = {};
    for (const { name } of loaded) subgraphUrls[name] = (running[name] as RunningSubgraph[]).map((s) => s.url);
    for (const [name, ext] of Object.entries(opts.externalSubgraphs ?? {})) {
      const urls = Array.isArray(ext.url) ? ext.url : [ext.url];
      sources.push({ name: name as StackService, url: urls[0]!, typeDefs: ext.typeDefs });
      subgraphUrls[name] = urls;
    }
    const composed = composeSubgraphs(sources);
    if (composed.errors) throw new Error(`supergraph does not compose:\n${composed.errors.join('\n')}`);

    router = await startRouter({
      port: 0,
      host: '127.0.0.1',
      gatewaySecret: null,
      ...opts.router,
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls: { ...subgraphUrls, ...opts.router?.subgraphUrls },
    });
    const routerUrl = router.url;
    const runningRouter = router;

    const instances = (name: StackService): RunningSubgraph[] => {
      const list = running[name];
      if (!list) throw new Error(`${name} is not part of this stack`);
      return list;
    };
    const servicesView: Stack['services'] = {};
    for (const [name, list] of Object.entries(running) as [StackService, RunningSubgraph[]][]) {
      servicesView[name] = name === 'inventory' ? list : list[0];
    }

    const stack: Stack = {
      routerUrl,
      router: runningRouter,
      services: servicesView,
      instances,
      subgraph: (name) => instances(name)[0]!,
      databases,
      supergraphSdl: composed.supergraphSdl,
      statements: async (name) => {
        let total = 0;
        for (const s of instances(name)) {
          const metric = await s.metrics.dbStatements.get();
          for (const v of metric.values) total += v.value;
        }
        return total;
      },
      gql: async (query, variables, gqlOpts = {}) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...gqlOpts.headers };
        if (gqlOpts.token) headers.authorization = `Bearer ${gqlOpts.token}`;
        const res = await fetch(routerUrl, {
          method: 'POST',
          headers,
          body: JSON.stringify({ query, variables, operationName: gqlOpts.operationName }),
        });
        const text = await res.text();
        let body: GqlResult['body'];
        try {
          body = JSON.parse(text) as GqlResult['body'];
        } catch {
          throw new Error(`router answered ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
        }
        return { status: res.status, headers: res.headers, body } as GqlResult<never>;
      },
      stop: stopAll,
    };
    return stack;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export { OPERATIONS } from './operations';
