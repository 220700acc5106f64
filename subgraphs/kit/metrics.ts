import client, { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger';

/**
 * One registry per process. Metric names are shared by every subgraph and the router; the
 * `service` default label tells them apart in Prometheus.
 */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  operationDuration: Histogram<'operation' | 'type'>;
  errors: Counter<'code'>;
  dbStatements: Counter<'kind'>;
  loaderBatchSize: Histogram<'loader'>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operation latency by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by extensions.code',
      labelNames: ['code'],
      registers: [registry],
    }),
    dbStatements: new Counter({
      name: 'db_statements_total',
      help: 'SQL statements sent to PostgreSQL, by first keyword',
      labelNames: ['kind'],
      registers: [registry],
    }),
    loaderBatchSize: new Histogram({
      name: 'dataloader_batch_size',
      help: 'Keys per DataLoader batch',
      labelNames: ['loader'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
  };
}

const extraCounters = new WeakMap<Registry, Map<string, Counter<string>>>();

/**
 * A business counter (saga outcomes, stock adjustments...) in this process's registry, created on
 * first use and the same object afterwards, so resolvers and adapters can ask for it per request.
 */
export function businessCounter<L extends string>(
  metrics: Pick<Metrics, 'registry'>,
  spec: { name: string; help: string; labelNames: readonly L[] },
): Counter<L> {
  let byName = extraCounters.get(metrics.registry);
  if (!byName) {
    byName = new Map();
    extraCounters.set(metrics.registry, byName);
  }
  let counter = byName.get(spec.name) as Counter<L> | undefined;
  if (!counter) {
    counter = new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [metrics.registry],
    });
    byName.set(spec.name, counter as Counter<string>);
  }
  return counter;
}

/**
 * saga_outcomes_total{saga,outcome}: sagas that came to rest, in this process's registry (alerted on,
 * see monitoring/). `outcomes` names this subgraph's sagas and outcome labels, for the help text.
 */
export function sagaOutcomesCounter(metrics: Pick<Metrics, 'registry'>, outcomes: string) {
  return businessCounter(metrics, {
    name: 'saga_outcomes_total',
    help: `Finished sagas by saga and outcome (${outcomes})`,
    labelNames: ['saga', 'outcome'],
  });
}

/**
 * A gauge whose values are read when Prometheus scrapes (a business figure counted from the
 * subgraph's tables: low stock, pending requests), so it is right whatever process made the change
 * and after any restart, and costs nothing between scrapes. Every series is replaced by what `read`
 * returns; a failed read reports nothing rather than a stale figure. Cluster workers read the same
 * rows, so the primary's aggregate is their max, not their sum. Registered once per registry.
 */
export function scrapedGauge<L extends string>(
  metrics: Pick<Metrics, 'registry'>,
  spec: {
    name: string;
    help: string;
    labelNames: readonly L[];
    read: () => Promise<{ labels: Record<L, string>; value: number }[]>;
    log: Logger;
  },
): void {
  if (metrics.registry.getSingleMetric(spec.name)) return;
  new Gauge<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [metrics.registry],
    aggregator: 'max',
    async collect() {
      try {
        const rows = await spec.read();
        this.reset();
        for (const row of rows) this.set(row.labels, row.value);
      } catch (err) {
        this.reset();
        spec.log.warn({ err }, `${spec.name} could not be read`);
      }
    },
  });
}
