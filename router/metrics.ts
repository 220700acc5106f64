import { Counter, Histogram } from 'prom-client';
import { createMetrics, type Metrics } from '../subgraphs/kit';

/** The kit's metrics (HTTP, operations, errors) plus what only the router measures. */
export interface RouterMetrics extends Metrics {
  subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  subgraphRetries: Counter<'subgraph'>;
  operationRefusals: Counter<'kind'>;
  sharedRequests: Counter;
  sharedFetches: Counter<'subgraph'>;
  entityCacheLookups: Counter<'subgraph' | 'type' | 'result'>;
  entityCacheInvalidations: Counter<'subgraph' | 'kind'>;
}

const FETCH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createRouterMetrics(): RouterMetrics {
  const base = createMetrics('router');
  return {
    ...base,
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
  };
}
