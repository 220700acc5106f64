import type { EntityManager } from '@mikro-orm/postgresql';
import { Gauge, Histogram } from 'prom-client';
import { businessCounter, queryOne, type Metrics } from '../kit';
import { LAST_REBUILD_DURATION } from './domain/sql/rebuilds';

/**
 * reports' metrics (monitoring/metrics-catalog.yml), counted by the adapters (the consumer, the job),
 * never by domain code. Gauges are created once per registry, like the kit's business counters.
 */
export interface ReportsMetrics {
  /** Events taken from the streams, by type and outcome (applied, duplicate, ignored). */
  processed: (type: string, outcome: string) => void;
  /** Entries refused, by type (or "unknown") and reason code. */
  rejected: (type: string | null, reason: string) => void;
  /** Entries of a stream not yet acknowledged by the group: XINFO GROUPS lag + pending. */
  lag: Gauge<'stream' | 'group'>;
  /** Entries delivered to a consumer of the group and not acknowledged yet. */
  pending: Gauge<'stream' | 'group'>;
  /** Saved reports handled by the job, by outcome (ready, failed, retried). */
  reports: (outcome: 'ready' | 'failed' | 'retried', n: number) => void;
  /** Seconds from an applied event's occurredAt to its application. */
  eventLag: (seconds: number) => void;
}

const gauges = new WeakMap<
  Metrics['registry'],
  { lag: Gauge<'stream' | 'group'>; pending: Gauge<'stream' | 'group'>; eventLag: Histogram }
>();

/** Types are a closed list (events.ts); anything else is "unknown", so labels stay few. */
function typeLabel(type: string | null, known: (t: string) => boolean): string {
  return type !== null && known(type) ? type : 'unknown';
}

export function reportsMetrics(metrics: Metrics, isKnownType: (t: string) => boolean): ReportsMetrics {
  const processed = businessCounter(metrics, {
    name: 'reports_events_processed_total',
    help: 'Events read from the producers streams, by type and outcome (applied, duplicate, ignored)',
    labelNames: ['type', 'outcome'],
  });
  const rejected = businessCounter(metrics, {
    name: 'reports_events_rejected_total',
    help: 'Stream entries reports refused (recorded in rejected_events and acknowledged), by type and reason',
    labelNames: ['type', 'reason'],
  });
  const generated = businessCounter(metrics, {
    name: 'reports_saved_reports_total',
    help: 'Saved reports handled by the report job, by outcome (ready, failed, retried)',
    labelNames: ['outcome'],
  });
  let g = gauges.get(metrics.registry);
  if (!g) {
    g = {
      lag: new Gauge({
        name: 'stream_consumer_lag',
        help: 'Entries of a Redis stream not yet acknowledged by this consumer group (XINFO GROUPS lag + pending)',
        labelNames: ['stream', 'group'],
        registers: [metrics.registry],
      }),
      pending: new Gauge({
        name: 'stream_consumer_pending',
        help: 'Entries delivered to a consumer of the group and not acknowledged yet (XPENDING count)',
        labelNames: ['stream', 'group'],
        registers: [metrics.registry],
      }),
      eventLag: new Histogram({
        name: 'reports_event_lag_seconds',
        help: "Seconds from an event's occurredAt (its producer's transaction) to its application in reports' read models",
        // An event of a demo history (occurredAt in the past) lands in +Inf once, at the first start.
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers: [metrics.registry],
      }),
    };
    gauges.set(metrics.registry, g);
  }
  return {
    processed: (type, outcome) => processed.inc({ type: typeLabel(type, isKnownType), outcome }),
    rejected: (type, reason) => rejected.inc({ type: typeLabel(type, isKnownType), reason }),
    lag: g.lag,
    pending: g.pending,
    reports: (outcome, n) => {
      if (n > 0) generated.inc({ outcome }, n);
    },
    eventLag: (seconds) => g.eventLag.observe(Math.max(0, seconds)),
  };
}

const rebuildGauges = new WeakSet<Metrics['registry']>();

/**
 * The last `npm run reports:rebuild` (a separate, short-lived process) as this long-lived process
 * sees it: read from read_model_rebuilds when Prometheus scrapes, so the figure outlives the CLI.
 */
export function registerRebuildGauge(metrics: Metrics, em: () => EntityManager): void {
  if (rebuildGauges.has(metrics.registry)) return;
  rebuildGauges.add(metrics.registry);
  new Gauge({
    name: 'reports_rebuild_duration_seconds',
    help: 'Duration of the last read-model rebuild (npm run reports:rebuild); absent before the first',
    registers: [metrics.registry],
    async collect() {
      try {
        const row = await queryOne(em(), LAST_REBUILD_DURATION, {});
        if (row) this.set(row.ms / 1000);
      } catch {
        // A scrape while the database is away keeps the last value rather than failing every metric.
      }
    },
  });
}
