import { Gauge } from 'prom-client';
import { businessCounter, type Logger, type Metrics } from '../kit';

/**
 * Inventory's business counters, counted by the resolvers and the sweeper (never by domain code) in
 * the process's kit registry. The names are what the dashboards and alerts in monitoring/ query.
 */

export function reservationOutcomes(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'inventory_reservation_operations_total',
    help: 'Reservation saga steps by outcome (reserved, taken, duplicate, insufficient_stock, committed, released, expired, ...)',
    labelNames: ['outcome'],
  });
}

export function adjustmentOutcomes(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'inventory_stock_adjustments_total',
    help: 'Manual stock adjustments by outcome',
    labelNames: ['outcome'],
  });
}

export function returnOutcomes(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'inventory_stock_returns_total',
    help: 'Stock returns (retail returnStock) by outcome (returned, duplicate, unknown_product, ...)',
    labelNames: ['outcome'],
  });
}

export function replenishmentOutcomes(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'inventory_replenishment_operations_total',
    help: 'Replenishment requests, approvals and rejections by outcome (requested, approved, insufficient_stock, rejected, ...)',
    labelNames: ['operation', 'outcome'],
  });
}

/**
 * saga_outcomes_total{saga="replenishment"}: a request that came to rest, `completed` (approved, the
 * stock moved) or `rejected`; the counter ecommerce's and retail's sagas use too.
 */
export function replenishmentSagas(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'saga_outcomes_total',
    help: 'Finished sagas by saga and outcome (replenishment: completed, rejected)',
    labelNames: ['saga', 'outcome'],
  });
}

export const PENDING_REPLENISHMENTS = 'inventory_replenishment_requests_pending';

/**
 * inventory_replenishment_requests_pending{store_id}: PENDING requests per store (0 included), read
 * from the database at each scrape, so it is right whatever process took the requests and after any
 * restart. Every cluster worker reads the same number, so the primary aggregates it with `max`, not
 * the default sum. A failed read reports nothing from this process rather than a stale number.
 */
export function registerPendingReplenishments(
  metrics: Pick<Metrics, 'registry'>,
  read: () => Promise<{ storeId: string; count: number }[]>,
  log: Logger,
): void {
  if (metrics.registry.getSingleMetric(PENDING_REPLENISHMENTS)) return;
  new Gauge({
    name: 'inventory_replenishment_requests_pending',
    help: 'Replenishment requests waiting for head office, per store',
    labelNames: ['store_id'],
    registers: [metrics.registry],
    aggregator: 'max',
    async collect() {
      try {
        const rows = await read();
        this.reset();
        for (const row of rows) this.set({ store_id: row.storeId }, row.count);
      } catch (err) {
        this.reset();
        log.warn({ err }, 'pending replenishment requests could not be counted');
      }
    },
  });
}
