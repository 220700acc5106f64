/**
 * The one way e2e tests start the supergraph: fresh databases, the registered subgraphs
 * (subgraphs/registry.ts) in-process on free ports, a supergraph composed in memory from their
 * current SDL, and the router in front.
 *
 *   const stack = await startStack({ services: ['products', 'inventory'], inventoryReplicas: 2, seed: true });
 *   const { status, body } = await stack.gql(CatalogPageDocument, { first: 20 }, { token });
 *   await stack.stop();
 */
import { randomBytes } from 'node:crypto';
import type { DocumentNode } from 'graphql';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RunningSubgraph, SubgraphService } from '../../subgraphs/kit';
import { REGISTRY, SUBGRAPH_LIST, type RegisteredName } from '../../subgraphs/registry';
import { composeSubgraphs, type SubgraphSource } from '../../schema/compose';
import { envVarForSubgraph, startRouter, type RouterOptions, type RunningRouter } from '../../router/server';
import { startWaves } from '../../scripts/services';
import { freshDatabase, type TestDatabase } from './db';
import { client, statementCount, type Gql } from './toolkit';

export type { GqlOptions, GqlResult } from './toolkit';

/** A subgraph the stack can start: every entry of the registry. */
export type StackService = RegisteredName;

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
  externalSubgraphs?: Record<string, { url: string | string[]; typeDefs: DocumentNode }>;
}

export interface Stack {
  routerUrl: string;
  router: RunningRouter;
  /** One RunningSubgraph per subgraph; an array of replicas for those the registry replicates (inventory). */
  services: Partial<Record<StackService, RunningSubgraph | RunningSubgraph[]>>;
  /** Every running instance of a subgraph (one, or the inventory replicas). */
  instances: (name: StackService) => RunningSubgraph[];
  /** The first (or only) instance of a subgraph. */
  subgraph: (name: StackService) => RunningSubgraph;
  databases: Partial<Record<StackService, TestDatabase>>;
  supergraphSdl: string;
  /** SQL statements counted by a subgraph so far (db_statements_total summed over replicas and kinds). */
  statements: (name: StackService) => Promise<number>;
  /** The toolkit's GraphQL client bound to the router (text or typed documents). */
  gql: Gql;
  stop: () => Promise<void>;
}

/** Subgraphs some registered subgraph calls directly: their URLs go to the callers through <NAME>_URL. */
const CALLED = new Set(SUBGRAPH_LIST.flatMap((e) => e.calls));

export async function startStack(opts: StackOptions): Promise<Stack> {
  const savedEnv: Record<string, string | undefined> = {};
  const setEnv = (key: string, value: string) => {
    if (!(key in savedEnv)) savedEnv[key] = process.env[key];
    process.env[key] = value;
  };
  // Redis keys and channels of this stack (token revocations, later event streams) are its own.
  setEnv('REDIS_PREFIX', `test:${randomBytes(4).toString('hex')}:`);
  for (const [k, v] of Object.entries(opts.env ?? {})) setEnv(k, v);
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

  const instances = (name: StackService): RunningSubgraph[] => {
    const list = running[name];
    if (!list) throw new Error(`${name} is not part of this stack`);
    return list;
  };

  try {
    const names = [...new Set(opts.services)];
    const loaded = await Promise.all(
      names.map(async (name) => ({ name, calls: REGISTRY[name].calls, service: await REGISTRY[name].load() })),
    );

    const startOne = async (name: StackService, service: SubgraphService) => {
      const db = await freshDatabase(name);
      databases[name] = db;
      const seed = opts.seed ? service.seed : undefined;
      const afterMigrate = seed ? async (orm: MikroORM) => void (await seed(orm)) : undefined;
      const first = await service.start({ dbUrl: db.url, port: 0, afterMigrate });
      const list = [first];
      running[name] = list;
      const replicas = name === 'inventory' ? Math.max(1, opts.inventoryReplicas ?? 1) : 1;
      // Replicas share the database the first instance migrated (like the cluster's workers).
      const more = await Promise.all(
        Array.from({ length: replicas - 1 }, () => service.start({ dbUrl: db.url, port: 0, runMigrations: false })),
      );
      list.push(...more);
      // A subgraph that others call (products' prices, inventory's saga steps) is found through
      // <NAME>_URL by the callers that start after it, unless the test chose the URL itself.
      const urlVar = envVarForSubgraph(name);
      if (CALLED.has(name) && opts.env?.[urlVar] === undefined) setEnv(urlVar, list.map((s) => s.url).join(','));
    };
    // The same order as `npm start`: a subgraph starts once those it calls are serving.
    for (const wave of startWaves(loaded)) {
      await Promise.all(wave.map(({ name, service }) => startOne(name, service)));
    }

    const sources: SubgraphSource[] = loaded.map(({ name, service }) => ({
      name,
      url: instances(name)[0]!.url,
      typeDefs: service.definition.typeDefs,
    }));
    const subgraphUrls: Record<string, string[]> = {};
    for (const { name } of loaded) subgraphUrls[name] = instances(name).map((s) => s.url);
    for (const [name, ext] of Object.entries(opts.externalSubgraphs ?? {})) {
      const urls = Array.isArray(ext.url) ? ext.url : [ext.url];
      sources.push({ name, url: urls[0]!, typeDefs: ext.typeDefs });
      subgraphUrls[name] = urls;
    }
    const composed = composeSubgraphs(sources);
    if (composed.errors) throw new Error(`supergraph does not compose:\n${composed.errors.join('\n')}`);

    router = await startRouter({
      port: 0,
      host: '127.0.0.1',
      gatewaySecret: null,
      // Off unless a test asks for it: most tests read their own writes at once, which the cache
      // gives only within the owners' event lag (test/e2e/entity-cache.e2e.test.ts proves it).
      entityCache: false,
      ...opts.router,
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls: { ...subgraphUrls, ...opts.router?.subgraphUrls },
    });

    const servicesView: Stack['services'] = {};
    for (const [name, list] of Object.entries(running) as [StackService, RunningSubgraph[]][]) {
      servicesView[name] = REGISTRY[name].replicas > 1 ? list : list[0];
    }

    return {
      routerUrl: router.url,
      router,
      services: servicesView,
      instances,
      subgraph: (name) => instances(name)[0]!,
      databases,
      supergraphSdl: composed.supergraphSdl,
      statements: async (name) => {
        let total = 0;
        for (const s of instances(name)) total += await statementCount(s.metrics);
        return total;
      },
      gql: client(router.url),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
