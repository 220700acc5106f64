/**
 * The router's edge rules, as one Apollo Server plugin (ADR 0027):
 *
 *  - **Persisted queries**: a request carrying `extensions.persistedQuery` ({ version: 1, sha256Hash })
 *    gets its document from the manifest, this process's memory or Redis (persisted-queries.ts); with
 *    its text too, the text must hash to the id and is kept once it validates. A miss is
 *    PERSISTED_QUERY_NOT_FOUND (Apollo's protocol: the client sends the text again).
 *  - **Trusted documents**: in `enforce` mode a consumer of a trusted-document group (first-party) may
 *    only send manifest ids; the manifest's body is what runs. Anything else is refused before it is
 *    parsed. In `log` mode it runs, and is logged and counted.
 *  - **Read-only groups** (partner): a mutation is FORBIDDEN once the operation is known (after a
 *    persisted id is resolved), before anything executes.
 *  - **Cache-Control** on GET answers: public for the owners' smallest maxAge when the request is a
 *    persisted query, without Authorization, whose every field is public (cache-policy.ts), and
 *    answered without errors; `private, no-store` otherwise.
 *  - **Metrics by consumer**: operation latency and errors with Kong's consumer (metrics.ts).
 *
 * The extension is removed from the request once handled, so Apollo Server's own APQ (disabled) never
 * sees it. A refusal decided before Apollo Server parses (a miss, a bad hash, an untrusted document, a
 * limit) cannot be thrown from requestDidStart: Apollo Server 5 answers anything thrown there with a
 * 500 "Internal server error". The request's document is replaced by a constant one that runs nothing
 * and the refusal is thrown from didResolveOperation, which Apollo Server answers with the error's own
 * status, headers and code (and counts, through didEncounterErrors).
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { errorCode, type Logger } from '../subgraphs/kit';
import type { CachePolicies } from './cache-policy';
import { inAnyGroup, type ConsumerPolicy } from './consumers';
import type { PersistedRequest, RouterContext } from './datasource';
import type { RouterMetrics } from './metrics';
import type { OperationScreen } from './operation-limits';
import { isSha256Hex, Lru, sha256Hex, type PersistedQueryStore } from './persisted-queries';

export type TrustedDocumentsMode = 'off' | 'log' | 'enforce';
export const TRUSTED_DOCUMENTS_MODES: readonly TrustedDocumentsMode[] = ['off', 'log', 'enforce'];
export const DEFAULT_TRUSTED_DOCUMENTS_MODE: TrustedDocumentsMode = 'log';

/** ROUTER_TRUSTED_DOCUMENTS: off | log | enforce (default log); anything else refuses to start. */
export function trustedDocumentsModeFromEnv(env: NodeJS.ProcessEnv = process.env): TrustedDocumentsMode {
  const raw = env.ROUTER_TRUSTED_DOCUMENTS?.trim().toLowerCase();
  if (!raw) return DEFAULT_TRUSTED_DOCUMENTS_MODE;
  if ((TRUSTED_DOCUMENTS_MODES as readonly string[]).includes(raw)) return raw as TrustedDocumentsMode;
  throw new Error(`ROUTER_TRUSTED_DOCUMENTS must be one of ${TRUSTED_DOCUMENTS_MODES.join(', ')}; got "${raw}"`);
}

/** The codes the edge answers with; the router's formatError passes them (and their extensions) through. */
export const EDGE_CODES = [
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_HASH_MISMATCH',
  'PERSISTED_QUERY_INVALID',
  'PERSISTED_QUERY_NOT_IN_MANIFEST',
  'TRUSTED_DOCUMENT_REQUIRED',
] as const;

const NO_STORE = 'private, no-store';

/**
 * What Apollo Server parses and validates in place of a refused request's document: constant (so its
 * parse is cached), valid against any schema, and never executed (the refusal is thrown first).
 */
const REFUSED_PLACEHOLDER = 'query PersistedQueryRefused { __typename }';

/**
 * An error Apollo Server answers with this status and Cache-Control. Typed loosely: graphql-yoga
 * (installed for the bench's Hive gateway) declares `extensions.http.headers` as a plain record,
 * while Apollo Server reads a Map.
 */
function httpError(message: string, code: string, status: number, cacheControl: string, extra = {}): GraphQLError {
  const extensions: Record<string, unknown> = {
    code,
    ...extra,
    http: { status, headers: new HeaderMap([['cache-control', cacheControl]]) },
  };
  return new GraphQLError(message, { extensions });
}

function refusal(code: string, message: string, status: number, extra: Record<string, unknown> = {}): GraphQLError {
  return httpError(message, code, status, NO_STORE, extra);
}

export interface EdgeOptions {
  store: PersistedQueryStore;
  policy: ConsumerPolicy;
  trustedDocuments: TrustedDocumentsMode;
  screen: OperationScreen;
  cachePolicies: CachePolicies;
  metrics: RouterMetrics;
  log: Logger;
}

type Ctx = GraphQLRequestContext<RouterContext>;

export function edgePlugin(opts: EdgeOptions): ApolloServerPlugin<RouterContext> {
  const { store, policy, metrics, log } = opts;
  // One log line per (consumer, document) in log mode, not one per request.
  const reported = new Lru<true>(1000);

  const countError = (code: string, ctx: Ctx) => metrics.errors.inc({ code, consumer: ctx.contextValue.caller.label });

  /** The persisted query extension, checked; undefined when the request has none. */
  const persistedId = (ctx: Ctx): string | undefined => {
    const extensions = ctx.request.extensions;
    if (!extensions || !('persistedQuery' in extensions)) return undefined;
    const { persistedQuery, ...rest } = extensions as { persistedQuery?: unknown } & Record<string, unknown>;
    ctx.request.extensions = rest;
    const pq = persistedQuery as { version?: unknown; sha256Hash?: unknown } | null | undefined;
    if (!pq || typeof pq !== 'object' || pq.version !== 1 || !isSha256Hex(pq.sha256Hash)) {
      throw refusal(
        'PERSISTED_QUERY_INVALID',
        'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<64 lower-case hex digits>" }',
        400,
      );
    }
    return pq.sha256Hash;
  };

  /** The limits (ADR 0014) for a document the HTTP host did not see as text (it came from an id). */
  const screenResolved = (ctx: Ctx, query: string) => {
    const variables = ctx.request.variables;
    const refused = opts.screen.screen({
      query,
      operationName: ctx.request.operationName ?? null,
      variables: variables && typeof variables === 'object' ? variables : null,
    });
    if (!refused) return;
    metrics.operationRefusals.inc({ kind: refused.kind });
    throw refusal(refused.code, refused.message, 400, { limit: refused.limit, value: refused.value });
  };

  const untrusted = (ctx: Ctx, id: string | undefined): void => {
    const { caller } = ctx.contextValue;
    const code = id === undefined ? 'TRUSTED_DOCUMENT_REQUIRED' : 'PERSISTED_QUERY_NOT_IN_MANIFEST';
    const enforce = opts.trustedDocuments === 'enforce';
    metrics.untrustedDocuments.inc({ consumer: caller.label, action: enforce ? 'refused' : 'logged' });
    const document = id ?? sha256Hex(ctx.request.query ?? '');
    if (!enforce) {
      const key = `${caller.label}\n${document}`;
      if (!reported.get(key)) {
        reported.set(key, true);
        log.warn(
          { consumer: caller.label, requestId: ctx.contextValue.requestId, document, code },
          'a trusted-document consumer sent a document outside the manifest (ROUTER_TRUSTED_DOCUMENTS=log lets it run)',
        );
      }
      return;
    }
    log.info(
      { consumer: caller.label, requestId: ctx.contextValue.requestId, document, code },
      'document refused: not in the trusted manifest',
    );
    metrics.operationRefusals.inc({ kind: 'untrusted_document' });
    throw id === undefined
      ? refusal(
          'TRUSTED_DOCUMENT_REQUIRED',
          `Consumer ${caller.label} may only send trusted documents: send the manifest id as extensions.persistedQuery.sha256Hash`,
          400,
        )
      : refusal(
          'PERSISTED_QUERY_NOT_IN_MANIFEST',
          `Persisted query ${id} is not in the trusted manifest (schema/operations/persisted-query-manifest.json)`,
          400,
        );
  };

  /** Fills in the request's document from its persisted id; throws the refusals. */
  const resolve = async (ctx: Ctx): Promise<PersistedRequest | null> => {
    const id = persistedId(ctx);
    const given = typeof ctx.request.query === 'string' ? ctx.request.query : undefined;
    const trusted =
      opts.trustedDocuments !== 'off' && inAnyGroup(ctx.contextValue.caller, policy.trustedDocumentGroups);
    if (trusted) {
      const listed = id === undefined ? undefined : store.manifestOperation(id);
      if (listed) {
        // The manifest's body runs, whatever text came with the id.
        ctx.request.query = listed.body;
        metrics.persistedQueries.inc({ result: 'manifest' });
        if (given !== listed.body) screenResolved(ctx, listed.body);
        return { id: listed.id, source: 'manifest', register: false };
      }
      untrusted(ctx, id);
    }
    if (id === undefined) return null;
    if (given !== undefined) {
      if (sha256Hex(given) !== id) {
        metrics.persistedQueries.inc({ result: 'mismatch' });
        throw refusal(
          'PERSISTED_QUERY_HASH_MISMATCH',
          'extensions.persistedQuery.sha256Hash is not the sha256 of the query sent with it',
          400,
        );
      }
      return { id, source: 'request', register: store.manifestOperation(id) === undefined };
    }
    const found = await store.lookup(id);
    if (!found) {
      metrics.persistedQueries.inc({ result: 'miss' });
      // Apollo's protocol: 200, and never cached, so that the client's retry with the text gets through.
      throw httpError('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 200, 'private, no-cache, must-revalidate');
    }
    metrics.persistedQueries.inc({ result: found.source });
    ctx.request.query = found.query;
    screenResolved(ctx, found.query);
    return { id, source: found.source, register: false };
  };

  return {
    async requestDidStart(ctx) {
      const started = process.hrtime.bigint();
      const consumer = ctx.contextValue.caller.label;
      let refused: GraphQLError | null = null;
      try {
        ctx.contextValue.persisted = await resolve(ctx);
      } catch (err) {
        if (!(err instanceof GraphQLError)) throw err;
        refused = err;
        ctx.request.query = REFUSED_PLACEHOLDER;
        ctx.request.operationName = undefined;
      }
      let operation = 'invalid';
      let type = 'unknown';
      return {
        async didResolveOperation(rc) {
          if (refused) throw refused;
          operation = rc.operationName ?? 'anonymous';
          type = rc.operation?.operation ?? 'unknown';
          if (type !== 'query' && inAnyGroup(rc.contextValue.caller, policy.readOnlyGroups)) {
            metrics.operationRefusals.inc({ kind: 'read_only' });
            log.info(
              { consumer, requestId: rc.contextValue.requestId, operation, type },
              'operation refused: read-only consumer',
            );
            throw new GraphQLError(`Consumer ${consumer} is read-only: ${type} operations are not allowed`, {
              extensions: { code: 'FORBIDDEN', http: { status: 403 } },
            });
          }
          const persisted = rc.contextValue.persisted;
          if (persisted?.register) {
            store.register(persisted.id, rc.source);
            metrics.persistedQueries.inc({ result: 'registered' });
          }
        },
        async didEncounterErrors(rc) {
          for (const err of rc.errors) countError(errorCode(err), rc);
        },
        async willSendResponse(rc) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operationDuration.observe({ operation, type, consumer }, seconds);
          // A refusal sets its own (a miss must not be cached, so that the client's retry gets through).
          const headers = rc.response.http.headers;
          if (rc.request.http?.method === 'GET' && !headers.has('cache-control')) {
            headers.set('cache-control', cacheControl(rc));
          }
        },
      };
    },
  };

  function cacheControl(rc: Ctx): string {
    const body = rc.response.body;
    const answered = body?.kind === 'single' && !body.singleResult.errors?.length;
    if (
      !answered ||
      !rc.contextValue.persisted ||
      rc.operation?.operation !== 'query' ||
      rc.request.http?.headers.get('authorization') ||
      !rc.document ||
      rc.source === undefined
    ) {
      return NO_STORE;
    }
    const seconds = opts.cachePolicies.maxAge(rc.source, rc.document);
    return seconds > 0 ? `public, max-age=${seconds}` : NO_STORE;
  }
}
