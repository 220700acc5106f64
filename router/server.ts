import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import {
  closeGracefully,
  connectRedis,
  createHttpHost,
  createLogger,
  identityFromHeader,
  InvalidTokenError,
  listen,
  makeFormatError,
  noVendorReporting,
  redisPrefix,
  redisUrlFromEnv,
  type Logger,
  revocationsFromEnv,
  type RawGraphQLRequest,
  type Revocations,
  type ScreenedAnswer,
} from '../subgraphs/kit';
import { startCacheInvalidation } from './cache-invalidation';
import { ResponseCache } from './response-cache';
import { CachePolicies, entityTypesOf } from './cache-policy';
import { consumerPolicyFromEnv, edgeCallerOf, type ConsumerPolicy } from './consumers';
import { corsHandler, corsOriginsFromEnv } from './cors';
import { SubgraphDataSource, type RouterContext } from './datasource';
import { EDGE_CODES, edgePlugin, trustedDocumentsModeFromEnv, type TrustedDocumentsMode } from './edge';
import { cacheHintsOf, EntityCache } from './entity-cache';
import { createGateway } from './gateway';
import { createRouterMetrics, type RouterMetrics } from './metrics';
import { LIMIT_CODES, limitsFromEnv, OperationScreen, type OperationLimits } from './operation-limits';
import { isSha256Hex, loadManifest, PersistedQueryStore, type PersistedQueryManifest } from './persisted-queries';
import { useKitScalarRules } from './scalar-rules';
import { createAgent } from './subgraph-client';

export const SUPERGRAPH_PATH = path.join(__dirname, '..', 'schema', 'supergraph.graphql');

export interface RouterOptions {
  /** Composed supergraph SDL; default: the committed schema/supergraph.graphql. */
  supergraphSdl?: string;
  port?: number;
  /** Bind address; default 127.0.0.1 (the router is reached through Kong, or locally). */
  host?: string;
  /**
   * Routing URL overrides by subgraph name; a value may list several replica URLs (array or
   * comma-separated string) which are round-robined. Unset names fall back to <NAME>_URL in the
   * environment, then to the routing URL in the supergraph.
   */
  subgraphUrls?: Record<string, string | string[]>;
  /** Refuse requests whose x-gateway-secret header differs (403). Default: from env (gatewaySecretFromEnv). */
  gatewaySecret?: string | null;
  /** Production: no landing page, no introspection. Default: NODE_ENV === 'production'. */
  production?: boolean;
  /** Retries of a query fetch after a connection error. Default 2. */
  maxRetries?: number;
  /** Connections per subgraph origin in the keep-alive pool. Default 128. */
  connectionsPerOrigin?: number;
  /** Operation limits; unset ones come from the environment (MAX_QUERY_*), then the defaults (ADR 0014). */
  limits?: Partial<OperationLimits>;
  /** Token revocation list; default: from REDIS_URL (revocationsFromEnv), closed on stop. */
  revocations?: Revocations;
  /**
   * Identical queries in flight share one execution, and identical subgraph query fetches one call
   * (never mutations, never across callers). Default: on, unless ROUTER_SHARE_IN_FLIGHT=off.
   */
  shareInFlight?: boolean;
  /**
   * The entity cache (router/entity-cache.ts) for the fields their owners mark @cacheControl,
   * invalidated by their events. Default: on when REDIS_URL is set, unless ENTITY_CACHE=off; only the
   * types of ENTITY_CACHE_TYPES (comma-separated, `Query` for root fields) when it is set.
   */
  entityCache?: boolean;
  /**
   * Whole public answers kept for anonymous queries (router/response-cache.ts); needs the entity
   * cache (its invalidation) and in-flight sharing (its key). Default: ROUTER_RESPONSE_CACHE, on.
   */
  responseCache?: boolean;
  /**
   * Which consumer groups (Kong's X-Consumer-Groups) are read-only and which may send only trusted
   * documents. Default: ROUTER_READ_ONLY_GROUPS (partner), ROUTER_TRUSTED_DOCUMENT_GROUPS (first-party).
   */
  consumers?: Partial<ConsumerPolicy>;
  /** Trusted documents: off | log | enforce. Default: ROUTER_TRUSTED_DOCUMENTS, else log. */
  trustedDocuments?: TrustedDocumentsMode;
  /** Persisted queries (router/persisted-queries.ts); unset fields come from the environment. */
  persistedQueries?: {
    /** Default: ROUTER_PERSISTED_QUERY_MANIFEST, else schema/operations/persisted-query-manifest.json. */
    manifest?: PersistedQueryManifest;
    /** Redis for automatic persisted queries; null: this process's memory only. Default: REDIS_URL. */
    redisUrl?: string | null;
    /** Default: ROUTER_APQ_TTL_SECONDS, else 86400. */
    ttlSeconds?: number;
    /** Default: ROUTER_APQ_MEMORY_ENTRIES, else 2000. */
    memoryEntries?: number;
  };
  /** Origins browsers may call the router from. Default: ROUTER_CORS_ORIGINS (cors.ts). */
  corsOrigins?: string[];
}

export interface RunningRouter {
  url: string;
  port: number;
  server: Server;
  metrics: RouterMetrics;
  log: Logger;
  /** The resolved URLs per subgraph, after overrides. */
  subgraphUrls: Record<string, string[]>;
  stop: () => Promise<void>;
}

export function loadSupergraphSdl(file = SUPERGRAPH_PATH): string {
  return fs.readFileSync(file, 'utf8');
}

export function envVarForSubgraph(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

export function splitUrls(value: string | string[]): string[] {
  const list = Array.isArray(value) ? value : value.split(',');
  return list.map((u) => u.trim()).filter((u) => u.length > 0);
}

/** Override > <NAME>_URL env > the supergraph's routing URL. */
export function resolveSubgraphUrls(
  name: string,
  supergraphUrl: string | undefined,
  overrides: Record<string, string | string[]> | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const override = overrides?.[name];
  if (override !== undefined && splitUrls(override).length) return splitUrls(override);
  const fromEnv = env[envVarForSubgraph(name)];
  if (fromEnv && splitUrls(fromEnv).length) return splitUrls(fromEnv);
  if (!supergraphUrl) throw new Error(`no URL for subgraph ${name}: set ${envVarForSubgraph(name)}`);
  return [supergraphUrl];
}

const TRUTHY = new Set(['1', 'true', 'yes', 'on']);
const FALSY = new Set(['0', 'false', 'no', 'off']);

/**
 * KONG_SHARED_SECRET=<secret> makes the router refuse requests without `x-gateway-secret: <secret>`.
 * REQUIRE_GATEWAY_SECRET=true without a secret is a configuration error (fail closed); any other
 * non-boolean REQUIRE_GATEWAY_SECRET value is taken as the secret itself.
 */
export function gatewaySecretFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const secret = env.KONG_SHARED_SECRET?.trim();
  if (secret) return secret;
  const required = env.REQUIRE_GATEWAY_SECRET?.trim();
  if (!required || FALSY.has(required.toLowerCase())) return null;
  if (TRUTHY.has(required.toLowerCase())) {
    throw new Error('REQUIRE_GATEWAY_SECRET is set but KONG_SHARED_SECRET is empty: refusing to start open');
  }
  return required;
}

function secretMatches(given: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof given !== 'string') return false;
  const buf = Buffer.from(given);
  return buf.length === expected.length && timingSafeEqual(buf, expected);
}

/** Codes the router itself answers with (persisted queries, trusted documents, limits), shown as they are. */
const ROUTER_CODES = new Set<string>([...EDGE_CODES, ...LIMIT_CODES]);

/**
 * Router-side formatError: errors a subgraph returned (the gateway tags them with serviceName)
 * were already masked by that subgraph's own formatError and keep their code and message, as do the
 * router's own refusals; other errors raised in the router go through the kit's masking (no stack,
 * no socket text).
 */
function makeRouterFormatError(log: Logger) {
  const kitFormat = makeFormatError(log);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (formatted.extensions?.serviceName !== undefined || (typeof code === 'string' && ROUTER_CODES.has(code))) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return kitFormat(formatted, error);
  };
}

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * The router's operation limits (operation-limits.ts) as the HTTP host's screen: a refusal is a 400
 * with its own code, the limit and the value, counted by kind, before Apollo Server sees the request.
 */
function operationScreen(
  screen: OperationScreen,
  metrics: RouterMetrics,
): (request: RawGraphQLRequest) => ScreenedAnswer | null {
  return (request) => {
    if (typeof request.query !== 'string') return null;
    const variables = request.variables;
    const refusal = screen.screen({
      query: request.query,
      operationName: typeof request.operationName === 'string' ? request.operationName : null,
      variables: variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : null,
    });
    if (!refusal) return null;
    metrics.operationRefusals.inc({ kind: refusal.kind });
    return {
      status: 400,
      errors: [
        { message: refusal.message, extensions: { code: refusal.code, limit: refusal.limit, value: refusal.value } },
      ],
    };
  };
}

/** The subgraphs a supergraph names (its join__Graph enum), by their names. */
function subgraphNames(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((m) => m[1]!);
}

/** The entity cache and its invalidation reader, when on (RouterOptions.entityCache). */
function entityCacheFromEnv(
  supergraphSdl: string,
  wanted: boolean | undefined,
  metrics: RouterMetrics,
  log: Logger,
): { cache: EntityCache; stop: () => Promise<void> } | null {
  const url = redisUrlFromEnv();
  const on = wanted ?? !FALSY.has((process.env.ENTITY_CACHE ?? 'on').toLowerCase());
  if (!on) return null;
  if (!url) {
    // Without the owners' event streams nothing could be invalidated: no cache rather than a stale one.
    log.warn('REDIS_URL is not set: the entity cache is off');
    return null;
  }
  const types = process.env.ENTITY_CACHE_TYPES?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const prefix = redisPrefix();
  const hints = cacheHintsOf(supergraphSdl);
  const cache = new EntityCache({
    hints,
    redis: connectRedis(url, 'router-entity-cache', log),
    prefix,
    log,
    types: types?.length ? new Set(types) : null,
    metrics: {
      lookup: (subgraph, type, result) => metrics.entityCacheLookups.inc({ subgraph, type, result }),
      invalidated: (subgraph, kind) => metrics.entityCacheInvalidations.inc({ subgraph, kind }),
    },
  });
  const reader = startCacheInvalidation({
    redis: connectRedis(url, 'router-cache-invalidation', log),
    prefix,
    // Only the owners of cached fields: another subgraph's events change nothing kept (a sale or an
    // order would otherwise drop a subgraph's every entry, and the response cache, once per event).
    subgraphs: hints.ownerSubgraphs ? [...hints.ownerSubgraphs] : subgraphNames(supergraphSdl),
    cache,
    log,
  });
  return {
    cache,
    stop: async () => {
      await reader.stop();
      await cache.close();
    },
  };
}

function responseCacheOn(option: boolean | undefined): boolean {
  return option ?? !FALSY.has((process.env.ROUTER_RESPONSE_CACHE ?? 'on').toLowerCase());
}

/**
 * Headers besides the request itself that change a query's answer: who asks (the token, Kong's
 * consumer and its groups) and how the answer is encoded or guarded (accept, content type, the CSRF
 * headers Apollo Server checks). Requests that differ in any of these never share an answer.
 */
const ANSWER_HEADERS = [
  'authorization',
  'x-consumer-username',
  'x-consumer-groups',
  'accept',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
] as const;

/**
 * The document a persisted query id names, when this process knows it without waiting (the manifest,
 * or a document registered here): POST `extensions`, or GET `?extensions=`.
 */
function persistedText(req: IncomingMessage, request: RawGraphQLRequest, store: PersistedQueryStore): string | null {
  let extensions: unknown = (request as { extensions?: unknown }).extensions;
  if (req.method === 'GET') {
    const raw = new URL(req.url ?? '/', 'http://localhost').searchParams.get('extensions');
    try {
      extensions = raw ? JSON.parse(raw) : undefined;
    } catch {
      return null;
    }
  }
  const id = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery
    ?.sha256Hash;
  return isSha256Hex(id) ? (store.peek(id) ?? null) : null;
}

/**
 * Identical client queries in flight share one execution (kit/http.ts share): the key is the method,
 * the request as sent (POST body, or GET query string) and the answer-changing headers. Mutations
 * (and documents that do not parse, or persisted ids this process does not hold) never share.
 */
function shareKey(screen: OperationScreen, store: PersistedQueryStore) {
  return (req: IncomingMessage, request: RawGraphQLRequest, rawBody: string | null): string | null => {
    const text = typeof request.query === 'string' ? request.query : persistedText(req, request, store);
    if (text === null) return null;
    const name = typeof request.operationName === 'string' ? request.operationName : null;
    if (screen.operationType(text, name) !== 'query') return null;
    const parts: string[] = [req.method ?? 'GET', rawBody ?? req.url ?? ''];
    for (const header of ANSWER_HEADERS) {
      const value = req.headers[header];
      parts.push(Array.isArray(value) ? value.join(', ') : (value ?? ''));
    }
    return parts.join('\n');
  };
}

/**
 * The refusals Apollo Server and the gateway make before any subgraph is called, counted with the
 * operation limits' (router_operation_refusals_total): `validation` for a document that fails
 * validation (a literal a scalar refuses among others), `variables` for variables that cannot be
 * coerced (ADR 0024). Both are 400s.
 */
function refusalsPlugin(metrics: RouterMetrics): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      let executing = false;
      return {
        async validationDidStart() {
          return async (errors) => {
            if (errors?.length) metrics.operationRefusals.inc({ kind: 'validation' });
          };
        },
        async executionDidStart() {
          executing = true;
        },
        async didEncounterErrors({ errors }) {
          // The gateway's coercion errors point at the variable's definition; errors from subgraphs
          // carry no AST node, and validation errors are counted above (they end the request before
          // execution starts).
          if (executing && errors.some((e) => e.nodes?.length === 1 && e.nodes[0]?.kind === Kind.VARIABLE_DEFINITION)) {
            metrics.operationRefusals.inc({ kind: 'variables' });
          }
        },
      };
    },
  };
}

function contextFor(req: IncomingMessage, requestId: string, revocations: Revocations): RouterContext {
  const authorization = req.headers.authorization;
  try {
    // Refuse bad or revoked tokens here, before any subgraph work; each subgraph verifies again.
    identityFromHeader(authorization, revocations);
  } catch (err) {
    if (err instanceof InvalidTokenError) {
      throw new GraphQLError(err.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
    throw err;
  }
  const forward: Record<string, string> = { 'x-request-id': requestId };
  if (authorization) forward.authorization = authorization;
  const caller = edgeCallerOf(req.headers);
  if (caller.username !== null) forward['x-consumer-username'] = caller.username;
  return { requestId, forward, caller, persisted: null };
}

/** The persisted query store: the manifest, this process's memory, and Redis when there is one. */
function persistedQueryStore(opts: RouterOptions['persistedQueries'], log: Logger): PersistedQueryStore {
  const file = process.env.ROUTER_PERSISTED_QUERY_MANIFEST;
  const manifest = opts?.manifest ?? (file ? loadManifest(file) : loadManifest());
  const url = opts?.redisUrl === undefined ? redisUrlFromEnv() : opts.redisUrl;
  return new PersistedQueryStore({
    manifest,
    redis: url ? connectRedis(url, 'router-persisted-queries', log) : null,
    prefix: redisPrefix(),
    ttlSeconds: opts?.ttlSeconds ?? envNumber('ROUTER_APQ_TTL_SECONDS', 86_400),
    memoryEntries: opts?.memoryEntries ?? envNumber('ROUTER_APQ_MEMORY_ENTRIES', 2_000),
    log,
  });
}

export async function startRouter(opts: RouterOptions = {}): Promise<RunningRouter> {
  const log = createLogger('router');
  const metrics = createRouterMetrics();
  const production = opts.production ?? process.env.NODE_ENV === 'production';
  const secret = opts.gatewaySecret === undefined ? gatewaySecretFromEnv() : opts.gatewaySecret;
  const secretBuf = secret ? Buffer.from(secret) : null;
  const supergraphSdl = opts.supergraphSdl ?? loadSupergraphSdl();
  const revocations = opts.revocations ?? (await revocationsFromEnv(log));
  const apiSchema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const operations = new OperationScreen(apiSchema, { ...limitsFromEnv(), ...opts.limits });
  const screen = operationScreen(operations, metrics);
  const trustedDocuments = opts.trustedDocuments ?? trustedDocumentsModeFromEnv();
  const consumerPolicy = { ...consumerPolicyFromEnv(), ...opts.consumers };
  const corsOrigins = opts.corsOrigins ?? corsOriginsFromEnv(production);
  const persisted = persistedQueryStore(opts.persistedQueries, log);
  const shareInFlight = opts.shareInFlight ?? !FALSY.has((process.env.ROUTER_SHARE_IN_FLIGHT ?? 'on').toLowerCase());
  const cache = entityCacheFromEnv(supergraphSdl, opts.entityCache, metrics, log);
  const cachePolicies = new CachePolicies(apiSchema, cacheHintsOf(supergraphSdl), entityTypesOf(supergraphSdl));
  const agent = createAgent({ connectionsPerOrigin: opts.connectionsPerOrigin });
  const resolvedUrls: Record<string, string[]> = {};

  const gateway = createGateway({
    supergraphSdl,
    logger: log,
    buildService: ({ name, url }) => {
      const urls = resolveSubgraphUrls(name, url, opts.subgraphUrls);
      resolvedUrls[name] = urls;
      return new SubgraphDataSource({
        name,
        urls,
        agent,
        metrics,
        log,
        maxRetries: opts.maxRetries,
        shareInFlight,
        cache: cache?.cache ?? null,
      });
    },
  });
  // Before apollo.start() loads the gateway: the API schema has the kit's scalar rules from the first request.
  useKitScalarRules(gateway, log);

  let ready = false;
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    logger: log,
    // Nothing is reported to Apollo Studio (kit/plugins.ts noVendorReporting): those plugins
    // only cost CPU per request (traces, usage signatures) or make network calls.
    plugins: [
      ...noVendorReporting<RouterContext>(),
      // Apollo's cache-control plugin reads hints that resolvers set, and the gateway runs none: the
      // edge plugin computes Cache-Control from the supergraph's @cacheControl marks instead.
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      edgePlugin({
        store: persisted,
        policy: consumerPolicy,
        trustedDocuments,
        screen: operations,
        cachePolicies,
        metrics,
        log,
      }),
      refusalsPlugin(metrics),
    ],
    // The edge plugin serves persisted queries (manifest, memory, Redis); Apollo Server's own APQ
    // (an unbounded in-memory cache per process) is off.
    persistedQueries: false,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    formatError: makeRouterFormatError(log),
    // index.ts handles signals (and a cluster primary coordinates workers).
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  ready = true;

  const cors = corsHandler(corsOrigins);
  const extraRoutes = (req: IncomingMessage, res: ServerResponse): boolean => {
    // A preflight runs nothing: it is answered before the gateway secret is asked for.
    if (cors(req, res)) return true;
    if (!secretBuf || secretMatches(req.headers['x-gateway-secret'], secretBuf)) return false;
    const body = JSON.stringify({
      errors: [{ message: 'Requests must come through the API gateway', extensions: { code: 'FORBIDDEN' } }],
    });
    res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };

  const responses =
    cache && shareInFlight && responseCacheOn(opts.responseCache)
      ? new ResponseCache({
          policies: cachePolicies,
          live: () => cache.cache.isLive,
          documentOf: (req, request) =>
            typeof request.query === 'string' ? request.query : persistedText(req, request, persisted),
          lookups: (result) => metrics.responseCacheLookups.inc({ result }),
        })
      : null;
  if (responses) cache?.cache.onChange(() => responses.changed());

  const server = createHttpHost<RouterContext>({
    apollo,
    context: async (req, requestId) => contextFor(req, requestId, revocations),
    metrics,
    log,
    ready: async () => ready,
    extraRoutes,
    screen,
    share: shareInFlight ? shareKey(operations, persisted) : undefined,
    onShared: () => metrics.sharedRequests.inc(),
    answers: responses ?? undefined,
  });
  const host = opts.host ?? process.env.ROUTER_HOST ?? '127.0.0.1';
  const port = await listen(server, opts.port ?? 0, host);
  const url = `http://${host}:${port}/graphql`;
  if (!secretBuf && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
    log.warn(
      { host },
      'router listens beyond loopback without KONG_SHARED_SECRET: requests need not come through Kong',
    );
  }
  log.info(
    {
      url,
      subgraphs: resolvedUrls,
      gatewaySecret: Boolean(secretBuf),
      production,
      trustedDocuments,
      readOnlyGroups: [...consumerPolicy.readOnlyGroups],
      corsOrigins,
    },
    'router listening',
  );

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      await closeGracefully(server);
      await apollo.stop();
      await agent.close();
      await cache?.stop();
      await persisted.close();
      if (!opts.revocations) await revocations.close();
      log.info('router stopped');
    })();
    return stopping;
  };
  return { url, port, server, metrics, log, subgraphUrls: resolvedUrls, stop };
}

export type { RouterContext };
