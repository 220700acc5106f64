import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type { Dispatcher } from 'undici';
import type { Logger } from '../subgraphs/kit';
import type { RouterMetrics } from './metrics';
import { InFlight } from '../subgraphs/kit/inflight';
import type { EdgeCaller } from './consumers';
import type { EntityCache } from './entity-cache';
import { createUndiciFetcher, Endpoints, isConnectionError, postWithRetry, type PostResult } from './subgraph-client';

/** A persisted query id the request carried, and what the router did with it (router/edge.ts). */
export interface PersistedRequest {
  id: string;
  /** Where the document came from: the manifest, this process's memory, Redis, or the request's own text. */
  source: 'manifest' | 'memory' | 'redis' | 'request';
  /** The request's text, checked against the id, is kept once it validates. */
  register: boolean;
}

/** What the router keeps per client request; the subset that is forwarded lives in `forward`. */
export interface RouterContext {
  requestId: string;
  /** Headers copied onto every subgraph call: x-request-id, authorization, x-consumer-username. */
  forward: Record<string, string>;
  /** Kong's consumer and groups (router/consumers.ts). */
  caller: EdgeCaller;
  /** Set by the edge plugin when the request carried a persisted query id. */
  persisted: PersistedRequest | null;
}

export interface SubgraphDataSourceOptions {
  name: string;
  urls: string[];
  agent: Dispatcher;
  metrics: RouterMetrics;
  log: Logger;
  /** Retries after a connection error, for query fetches only. */
  maxRetries?: number;
  /** Identical query fetches in flight (same subgraph, request and caller) share one call. Default true. */
  shareInFlight?: boolean;
  /** Answers the fetches whose fields their owner marks cacheable (router/entity-cache.ts); null: none. */
  cache?: EntityCache | null;
}

const MUTATION_OR_SUBSCRIPTION = /^\s*(mutation|subscription)\b/;

/**
 * The router's subgraph data source. Compared with a stock RemoteGraphQLDataSource it
 *  - sends over undici keep-alive pools (the `fetcher` is undici too, for the base class's paths),
 *  - round-robins over several replica URLs of one subgraph,
 *  - forwards the client's x-request-id and Authorization (and Kong's consumer name),
 *  - retries a query fetch on a connection error (a killed inventory worker), never a mutation,
 *  - skips the node-fetch Request/Headers objects the base class builds on every call,
 *  - passes a subgraph's own GraphQL errors through even when it answered with a 4xx status.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  readonly subgraph: string;
  private readonly endpoints: Endpoints;
  private readonly agent: Dispatcher;
  private readonly metrics: RouterMetrics;
  private readonly log: Logger;
  private readonly maxRetries: number;
  private readonly inFlight: InFlight<PostResult> | null;
  private readonly cache: EntityCache | null;

  constructor(opts: SubgraphDataSourceOptions) {
    super({ url: opts.urls[0], fetcher: createUndiciFetcher(opts.agent), honorSubgraphCacheControlHeader: false });
    this.subgraph = opts.name;
    this.endpoints = new Endpoints(opts.urls);
    this.agent = opts.agent;
    this.metrics = opts.metrics;
    this.log = opts.log;
    this.maxRetries = opts.maxRetries ?? 2;
    this.inFlight =
      opts.shareInFlight === false ? null : new InFlight(() => opts.metrics.sharedFetches.inc({ subgraph: opts.name }));
    this.cache = opts.cache ?? null;
  }

  get urls(): string[] {
    return this.endpoints.urls;
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const query = request.query;
    if (!query) throw new Error('Missing query');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    // Fetches the gateway makes outside a client request (none today) have no context.
    const context = options.context as Partial<RouterContext> | undefined;
    const forward = context?.forward;
    const consumer = context?.caller?.label;
    if (forward) Object.assign(headers, forward);
    const retryable = !MUTATION_OR_SUBSCRIPTION.test(query);

    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      const post = (variables: Record<string, unknown> | undefined) => {
        const body = JSON.stringify({ query, variables, operationName: request.operationName });
        const call = () =>
          postWithRetry(this.agent, this.endpoints, headers, body, {
            retryable,
            maxRetries: this.maxRetries,
            onRetry: (err, attempt) => {
              this.metrics.subgraphRetries.inc({ subgraph: this.subgraph });
              this.log.warn(
                {
                  subgraph: this.subgraph,
                  attempt,
                  err: (err as Error).message,
                  requestId: forward?.['x-request-id'],
                  consumer,
                },
                'retrying subgraph query after a connection error',
              );
            },
          });
        // A query fetch identical to one in flight for the same caller joins it; each caller parses the
        // text itself, because the gateway merges entities into the objects a fetch returns.
        return retryable && this.inFlight
          ? this.inFlight.run(`${headers.authorization ?? ''}\n${headers['x-consumer-username'] ?? ''}\n${body}`, call)
          : call();
      };
      const variables = request.variables as Record<string, unknown> | undefined;
      if (!retryable && this.cache) {
        // A change made through this router: its subgraph's cached lists and root answers go now, so
        // the caller reads its own write; the owner's event drops the entities it changed.
        await this.cache.invalidate(this.subgraph, []);
      }
      const res =
        (retryable && this.cache
          ? await this.cache.fetch({
              subgraph: this.subgraph,
              query,
              variables,
              operationName: request.operationName,
              call: post,
            })
          : null) ?? (await post(variables));
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.text);
      } catch {
        parsed = null;
      }
      const isGraphQLBody = parsed !== null && typeof parsed === 'object' && ('data' in parsed || 'errors' in parsed);
      if (res.status >= 200 && res.status < 300 && isGraphQLBody) return parsed as GatewayGraphQLResponse;
      // A subgraph that refused the request with a GraphQL body (401, 400) explains why; pass it on.
      if (isGraphQLBody && Array.isArray((parsed as { errors?: unknown }).errors)) {
        outcome = 'error';
        return parsed as GatewayGraphQLResponse;
      }
      outcome = 'error';
      throw this.unavailable(`answered HTTP ${res.status}`);
    } catch (err) {
      outcome = 'error';
      if (err instanceof GraphQLError) throw err;
      this.log.error(
        {
          subgraph: this.subgraph,
          err: (err as Error).message,
          requestId: forward?.['x-request-id'],
          consumer,
        },
        'subgraph fetch failed',
      );
      throw this.unavailable(isConnectionError(err) ? 'is unreachable' : 'failed');
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.subgraphFetchDuration.observe({ subgraph: this.subgraph, outcome }, seconds);
    }
  }

  /** Client-safe: names the subgraph, never its URL or the socket error. */
  private unavailable(what: string): GraphQLError {
    return new GraphQLError(`The ${this.subgraph} service ${what}; try again`, {
      extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: this.subgraph },
    });
  }
}
