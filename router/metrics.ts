import { Counter, Histogram } from 'prom-client';
import { createMetrics, type Metrics } from '../subgraphs/kit';

/**
 * The router's request and error metrics keep the kit's names with one more label, `consumer`: Kong's
 * consumer, bounded to the known names, `anonymous` or `other` (router/consumers.ts).
 */
const OPERATION_LABELS = ['operation', 'type', 'consumer'] as const;
const ERROR_LABELS = ['code', 'consumer'] as const;

/** The kit's metrics (HTTP, operations and errors by consumer) plus what only the router measures. */
export interface RouterMetrics extends Metrics {
  operationDuration: Histogram<'operation' | 'type' | 'consumer'>;
  errors: Counter<'code' | 'consumer'>;
  subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  subgraphRetries: Counter<'subgraph'>;
  operationRefusals: Counter<'kind'>;
  sharedRequests: Counter;
  sharedFetches: Counter<'subgraph'>;
  entityCacheLookups: Counter<'subgraph' | 'type' | 'result'>;
  entityCacheInvalidations: Counter<'subgraph' | 'kind'>;
  responseCacheLookups: Counter<'result'>;
  persistedQueries: Counter<'result'>;
  untrustedDocuments: Counter<'consumer' | 'action'>;
}

/** The kit's latency buckets (subgraphs/kit/metrics.ts), so the router's histogram is comparable. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const FETCH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createRouterMetrics(): RouterMetrics {
  const base = createMetrics('router');
  // Same names and buckets as the kit's, plus the consumer: replaced rather than registered twice.
  base.registry.removeSingleMetric('graphql_operation_duration_seconds');
  base.registry.removeSingleMetric('graphql_errors_total');
  return {
    ...base,
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operation latency by operation name, type and Kong consumer',
      labelNames: OPERATION_LABELS,
      buckets: LATENCY_BUCKETS,
      registers: [base.registry],
    }),
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by extensions.code and Kong consumer',
      labelNames: ERROR_LABELS,
      registers: [base.registry],
    }),
    subgraphFetchDuration: new Histogram({
      name: 'subgraph_fetch_duration_seconds',
      help: "Latency of the router's calls to each subgraph (all attempts), by outcome",
      labelNames: ['subgraph', 'outcome'],
      buckets: FETCH_BUCKETS,
      registers: [base.registry],
    }),
    subgraphRetries: new Counter({
      name: 'subgraph_fetch_retries_total',
      help: 'Subgraph calls retried after a connection error (queries only)',
      labelNames: ['subgraph'],
      registers: [base.registry],
    }),
    operationRefusals: new Counter({
      name: 'router_operation_refusals_total',
      help: 'Operations refused before any subgraph is called, by kind: an operation limit (tokens, depth, aliases, root_fields, directives, cost), a document that fails validation (validation), variables that cannot be coerced (variables)',
      labelNames: ['kind'],
      registers: [base.registry],
    }),
    sharedRequests: new Counter({
      name: 'router_shared_requests_total',
      help: 'Client queries answered by joining an identical one in flight (same document, variables and caller) instead of executing',
      labelNames: [],
      registers: [base.registry],
    }),
    sharedFetches: new Counter({
      name: 'router_shared_fetches_total',
      help: 'Subgraph query fetches answered by joining an identical one in flight (same request and caller) instead of calling the subgraph',
      labelNames: ['subgraph'],
      registers: [base.registry],
    }),
    entityCacheLookups: new Counter({
      name: 'router_entity_cache_lookups_total',
      help: 'Entity cache lookups by subgraph, entity type (Query for root fetches) and result (hit, miss)',
      labelNames: ['subgraph', 'type', 'result'],
      registers: [base.registry],
    }),
    entityCacheInvalidations: new Counter({
      name: 'router_entity_cache_invalidations_total',
      help: "Entity cache entries dropped by the owners' events, by subgraph and kind (entity, root)",
      labelNames: ['subgraph', 'kind'],
      registers: [base.registry],
    }),
    responseCacheLookups: new Counter({
      name: 'router_response_cache_lookups_total',
      help: 'Anonymous queries looked up in the response cache of whole public answers, by result (hit, miss)',
      labelNames: ['result'],
      registers: [base.registry],
    }),
    persistedQueries: new Counter({
      name: 'router_persisted_queries_total',
      help: 'Requests that carried a persisted query id, by result: manifest, memory, redis (found there), miss (PERSISTED_QUERY_NOT_FOUND), registered (a new document kept), mismatch (PERSISTED_QUERY_HASH_MISMATCH)',
      labelNames: ['result'],
      registers: [base.registry],
    }),
    untrustedDocuments: new Counter({
      name: 'router_untrusted_documents_total',
      help: 'Documents outside the trusted manifest sent by a consumer of a trusted-document group, by consumer and action (logged, refused)',
      labelNames: ['consumer', 'action'],
      registers: [base.registry],
    }),
  };
}
