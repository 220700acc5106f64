import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:http';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { identityFromHeader, InvalidTokenError, type Identity } from './auth';
import { isReady, migrate, openOrm, type DbOptions } from './db';
import { makeFormatError } from './errors';
import { closeGracefully, createHttpHost, listen } from './http';
import { withInputHygiene, type TextCodes } from './input-hygiene';
import type { DbContext, DomainContext } from './domain-context';
import { createLogger, type Logger } from './logger';
import type { ServiceName } from './env';
import { createMetrics, type Metrics } from './metrics';
import { metricsPlugin, noVendorReporting } from './plugins';
import { revocationsFromEnv, type Revocations } from './revocations';

/**
 * What the kit knows of a request, from which the subgraph's domain context is built. `em` (the
 * request's unit of work, a fork of the ORM's EntityManager) and `log` (a child logger carrying the
 * request id) are made on first use: a request served by lean reads alone (`reads` of LoaderDeps)
 * forks no unit of work.
 */
export interface RequestScope<L = unknown> {
  readonly em: EntityManager;
  loaders: L;
  requestId: string;
  /** Verified caller from "Authorization: Bearer"; null when anonymous. */
  identity: Identity | null;
  readonly log: Logger;
  metrics: Metrics;
  /** The process's token revocation list; a subgraph that deactivates accounts revokes through it. */
  revocations: Revocations;
}

/**
 * What every resolver receives: the request's DataLoaders and metrics (the adapters' business), and
 * `domain`, the request as the domain sees it (unit of work, caller, request id, logger, and the
 * subgraph's ports), built once per request by the definition's `domainContext`. Resolvers pass
 * `ctx.domain` to every domain call; the unit of work and the caller are only there, so the resolver
 * context itself cannot be passed to a domain function (it has neither `em` nor `identity`).
 */
export interface Context<L = unknown, D extends DomainContext = DomainContext> {
  loaders: L;
  metrics: Metrics;
  readonly domain: D;
}

/**
 * The kit's part of a request's domain context: its unit of work, caller, request id and logger,
 * nothing else. `em` and `log` are the request's, read when first used (see RequestScope); a context
 * that spreads this one (`{ ...requestDomainContext(request), ports }`) reads them then.
 */
export function requestDomainContext(request: RequestScope<unknown>): DomainContext {
  return {
    get em() {
      return request.em;
    },
    identity: request.identity,
    requestId: request.requestId,
    get log() {
      return request.log;
    },
  };
}

export interface LoaderDeps {
  /** The request's unit of work (forked when first read). */
  readonly em: EntityManager;
  metrics: Metrics;
  /**
   * For lean reads only (kit/sql.ts `queryRows`, `queryOne`, `queryPage`): one per process
   * (`leanReadContext`), so that loaders whose batches are lean statements fork no unit of work per
   * request. It holds nothing between statements: lean reads use only its connection pool, never an
   * identity map or a transaction, and every other use of its `em` (find, create, flush,
   * transactional...) throws, since what it kept would outlive the request and reach other callers.
   * Always given by the kit; loaders built by hand (a test) may leave it out: read it with
   * `leanReads(deps)`.
   */
  reads?: DbContext;
}

/** Where a request's loaders run their lean reads: the kit's `reads`, else the request's unit of work. */
export function leanReads(deps: LoaderDeps): DbContext {
  return deps.reads ?? deps;
}

/** What kit/sql.ts takes from an EntityManager to run a named statement: its connection, and its transaction. */
const LEAN_MEMBERS = new Set<PropertyKey>(['getConnection', 'getTransactionContext']);

/**
 * The process's context for lean reads (LoaderDeps `reads`): an EntityManager of its own that lends
 * kit/sql.ts its connection pool and refuses everything else. It is shared by every request, so it
 * must never hold an entity or a transaction: the ORM's own methods throw on it (a mistake shows in
 * the first test that makes it, instead of one caller's entities reaching another). A lean statement
 * joins the transaction of the EntityManager it is given, and this one never has any: it cannot open
 * one, and a fork does not share the transaction of the EntityManager it was forked from.
 */
export function leanReadContext(orm: MikroORM): DbContext {
  const em = orm.em.fork({ disableContextResolution: true }) as EntityManager;
  const allowed = {
    getConnection: em.getConnection.bind(em),
    getTransactionContext: em.getTransactionContext.bind(em),
  };
  const guarded = new Proxy(em, {
    get(target, prop) {
      if (LEAN_MEMBERS.has(prop)) return allowed[prop as keyof typeof allowed];
      // Symbols (inspection, Symbol.toPrimitive) and `then` (what `await` looks for) say nothing of the
      // unit of work; they answer as on any object.
      if (typeof prop === 'symbol' || prop === 'then') return Reflect.get(target, prop) as unknown;
      throw new Error(
        `em.${prop} on the kit's lean reads (LoaderDeps.reads): they run named statements only (kit/sql.ts); ` +
          "the ORM needs the request's own unit of work (ctx.domain.em)",
      );
    },
    set() {
      throw new Error("the kit's lean reads (LoaderDeps.reads) are shared by every request and never changed");
    },
  });
  return Object.freeze({ em: guarded });
}

export interface SubgraphDefinition<L, D extends DomainContext = DomainContext> {
  /** Service name: products, inventory, ecommerce, retail, reports. */
  name: string;
  typeDefs: DocumentNode;
  /**
   * The subgraph's resolver map, typed by its generated `Resolvers` (npm run codegen) so that a
   * misspelled field or a wrong argument type fails the type check; checked again at start-up
   * against the schema (checkResolverNames).
   */
  resolvers: object;
  entities: DbOptions['entities'];
  migrations: DbOptions['migrations'];
  /** Request-scoped DataLoaders, created fresh per request so nothing is cached across callers. */
  createLoaders: (deps: LoaderDeps) => L;
  /**
   * The request as the subgraph's domain sees it (its context type with its ports), built on first
   * use and kept for the request. Default: the kit's DomainContext (requestDomainContext).
   */
  domainContext?: (request: RequestScope<L>) => D;
  /** Wraps the built schema, e.g. with graphql-shield permissions. */
  decorateSchema?: (schema: GraphQLSchema) => GraphQLSchema;
  /**
   * The codes of input fields with text rules of their own (`{ note: 'INVALID_NOTE' }`): input
   * hygiene refuses control characters and over-long text in those fields with that code, as the
   * domain does (kit/input-hygiene.ts).
   */
  textCodes?: TextCodes;
}

/** What defineSubgraph needs: a definition without its SDL, and the folder that holds the SDL. */
export interface SubgraphParts<L, D extends DomainContext = DomainContext> extends Omit<
  SubgraphDefinition<L, D>,
  'typeDefs' | 'decorateSchema'
> {
  /** The subgraph's folder (`__dirname` in its server.ts); its SDL is `schema.graphql` there. */
  dir: string;
  /** The subgraph's graphql-shield rules (`withPermissions(...)`), wrapped around the built schema. */
  permissions?: (schema: GraphQLSchema) => GraphQLSchema;
}

/** Parsed SDL by file: a subgraph that builds several definitions (tests) reads its file once. */
const typeDefsByFile = new Map<string, DocumentNode>();

/**
 * A subgraph's definition from its parts, with `typeDefs` parsed from `dir/schema.graphql`: what
 * every server.ts would otherwise repeat. Build the schema with buildSchema(definition).
 */
export function defineSubgraph<L, D extends DomainContext = DomainContext>({
  dir,
  permissions,
  ...parts
}: SubgraphParts<L, D>): SubgraphDefinition<L, D> {
  const file = path.join(dir, 'schema.graphql');
  let typeDefs = typeDefsByFile.get(file);
  if (!typeDefs) {
    typeDefs = parse(readFileSync(file, 'utf8'));
    typeDefsByFile.set(file, typeDefs);
  }
  return { ...parts, typeDefs, decorateSchema: permissions };
}

const SPECIAL_KEYS = new Set(['__resolveReference', '__resolveType', '__isTypeOf']);

/**
 * @apollo/subgraph silently ignores resolvers for types or fields the SDL does not have; a typo
 * would then leave a field to the default resolver. Refuse to start instead.
 */
export function checkResolverNames(schema: GraphQLSchema, resolvers: object): void {
  const unknown: string[] = [];
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) {
      unknown.push(typeName);
      continue;
    }
    if (isScalarType(type) || isUnionType(type) || isInputObjectType(type)) continue;
    const known = new Set<string>(
      isEnumType(type)
        ? type.getValues().map((v) => v.name)
        : isObjectType(type) || isInterfaceType(type)
          ? Object.keys(type.getFields())
          : [],
    );
    for (const field of Object.keys(fields as object)) {
      if (!SPECIAL_KEYS.has(field) && !known.has(field)) unknown.push(`${typeName}.${field}`);
    }
  }
  if (unknown.length) throw new Error(`resolvers name what the schema does not have: ${unknown.join(', ')}`);
}

export function buildSchema<L, D extends DomainContext>(def: SubgraphDefinition<L, D>): GraphQLSchema {
  // The generated Resolvers types are structurally what @apollo/subgraph expects, but its
  // GraphQLResolverMap is an index-signature type that no generated object type is assignable to.
  const resolvers = def.resolvers as GraphQLResolverMap<Context<L, D>>;
  const schema = buildSubgraphSchema([{ typeDefs: def.typeDefs, resolvers }]);
  checkResolverNames(schema, def.resolvers);
  // Hygiene first, permissions around it: an anonymous caller learns nothing about its input.
  withInputHygiene(schema, def.textCodes);
  return def.decorateSchema ? def.decorateSchema(schema) : schema;
}

export interface StartOptions {
  /** This subgraph's database URL. */
  dbUrl: string;
  port?: number;
  host?: string;
  /** Run committed migrations before serving (false for cluster workers: the primary did). */
  runMigrations?: boolean;
  /** Runs after migrations, before serving: demo data seeding. */
  afterMigrate?: (orm: MikroORM) => Promise<unknown>;
  poolMax?: number;
  /** Token revocation list; default: from REDIS_URL (revocationsFromEnv), closed on stop. */
  revocations?: Revocations;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  orm: MikroORM;
  metrics: Metrics;
  log: Logger;
  server: Server;
  revocations: Revocations;
  stop: () => Promise<void>;
}

/**
 * One request as the kit holds it: its RequestScope and its loaders' LoaderDeps in one object. The
 * unit of work and the child logger cost something to make (an EntityManager fork is a unit of
 * work, an identity map, loaders...): each is made on first use, then the same for the request.
 */
class RequestState<L, D> implements RequestScope<L>, LoaderDeps {
  #em: EntityManager | undefined;
  #log: Logger | undefined;
  /** The request's domain context, built on first use (RequestContext.domain). */
  domain: D | undefined;
  loaders!: L;

  constructor(
    private readonly fork: () => EntityManager,
    readonly reads: DbContext,
    readonly metrics: Metrics,
    readonly requestId: string,
    readonly identity: Identity | null,
    private readonly baseLog: Logger,
    readonly revocations: Revocations,
  ) {}

  get em(): EntityManager {
    return (this.#em ??= this.fork());
  }

  get log(): Logger {
    return (this.#log ??= this.baseLog.child({ requestId: this.requestId }));
  }
}

/**
 * What resolvers receive. `domain` is built on first use (a request that reaches no domain call or
 * permission rule builds none), then the same object for every resolver of the request. Apollo
 * Server shallow-copies the context for each operation (Object.assign onto an object of the same
 * prototype), which would run an own getter at once and would not copy private fields: the getter
 * sits on the prototype, and what it builds is kept on the request's state, which the copies share.
 */
class RequestContext<L, D extends DomainContext> implements Context<L, D> {
  readonly loaders: L;
  readonly metrics: Metrics;

  constructor(
    private readonly state: RequestState<L, D>,
    private readonly buildDomain: (request: RequestScope<L>) => D,
  ) {
    this.loaders = state.loaders;
    this.metrics = state.metrics;
  }

  get domain(): D {
    return (this.state.domain ??= this.buildDomain(this.state));
  }
}

function contextFactory<L, D extends DomainContext>(
  def: SubgraphDefinition<L, D>,
  orm: MikroORM,
  metrics: Metrics,
  log: Logger,
  revocations: Revocations,
) {
  // Without a builder of its own, a subgraph's domain context is the kit's (D is DomainContext then).
  const buildDomain = def.domainContext ?? (requestDomainContext as (request: RequestScope<L>) => D);
  // Forks of the ORM's own EntityManager, never of a transaction's that the caller may be running in.
  const fork = () => orm.em.fork({ disableContextResolution: true }) as EntityManager;
  const reads = leanReadContext(orm);
  return async (req: IncomingMessage, requestId: string): Promise<Context<L, D>> => {
    let identity: Identity | null;
    try {
      identity = identityFromHeader(req.headers.authorization, revocations);
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        throw new GraphQLError(err.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
      }
      throw err;
    }
    const state = new RequestState<L, D>(fork, reads, metrics, requestId, identity, log, revocations);
    state.loaders = def.createLoaders(state);
    return new RequestContext(state, buildDomain);
  };
}

/** Opens the database, migrates, and serves the subgraph over HTTP. */
export async function startSubgraph<L, D extends DomainContext>(
  def: SubgraphDefinition<L, D>,
  opts: StartOptions,
): Promise<RunningSubgraph> {
  const log = createLogger(def.name);
  const metrics = createMetrics(def.name);
  const orm = await openOrm({
    url: opts.dbUrl,
    entities: def.entities,
    migrations: def.migrations,
    metrics,
    poolMax: opts.poolMax,
  });
  if (opts.runMigrations !== false) await migrate(orm);
  if (opts.afterMigrate) await opts.afterMigrate(orm);
  const revocations = opts.revocations ?? (await revocationsFromEnv(log));

  const apollo = new ApolloServer<Context<L, D>>({
    schema: buildSchema(def),
    // No reporting to Apollo Studio and no inline traces (kit/plugins.ts); no HTTP cache sits in
    // front, so cache-control hints would be computed for nothing.
    plugins: [...noVendorReporting<Context<L, D>>(), ApolloServerPluginCacheControlDisabled(), metricsPlugin(metrics)],
    includeStacktraceInErrorResponses: false,
    formatError: makeFormatError(log),
    introspection: process.env.NODE_ENV !== 'production',
  });
  await apollo.start();

  const server = createHttpHost({
    apollo,
    context: contextFactory(def, orm, metrics, log, revocations),
    metrics,
    log,
    ready: () => isReady(orm),
  });
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  const port = await listen(server, opts.port ?? 0, host);
  const url = `http://${host}:${port}/graphql`;
  log.info({ url }, 'subgraph listening');

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await closeGracefully(server);
      await apollo.stop();
      await orm.close();
      if (!opts.revocations) await revocations.close();
      log.info('subgraph stopped');
    })();
    return stopping;
  };
  return { name: def.name, url, port, orm, metrics, log, server, revocations, stop };
}

/**
 * What the registry (subgraphs/registry.ts), `npm start`, the test stack and the bench know of a
 * subgraph: its definition, how to start one instance, and its demo seed.
 */
export interface SubgraphService {
  name: ServiceName;
  // Each subgraph's loaders type differs; callers only pass the definition through (composition,
  // start), never call its loaders.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: SubgraphDefinition<any, any>;
  /** One instance: database opened (and migrated unless told not to), HTTP served, background work started. */
  start: (opts: StartOptions) => Promise<RunningSubgraph>;
  /** Idempotent demo data (SEED_DEMO=1, tests); runs after migrations. */
  seed?: (orm: MikroORM) => Promise<unknown>;
}

/** For index.ts files: stop cleanly on SIGINT/SIGTERM. */
export function stopOnSignals(stop: () => Promise<void>): void {
  const handler = () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
