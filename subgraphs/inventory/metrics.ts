import { businessCounter, scrapedGauge, type Logger, type Metrics } from '../kit';

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

/**
 * Every counter above, registered when the process starts rather than at its first use, so that
 * Prometheus (and the dashboards) see each family from the first scrape.
 */
export function registerInventoryCounters(metrics: Pick<Metrics, 'registry'>): void {
  reservationOutcomes(metrics);
  adjustmentOutcomes(metrics);
  returnOutcomes(metrics);
  replenishmentOutcomes(metrics);
  replenishmentSagas(metrics);
}

/**
 * inventory_replenishment_requests_pending{store_id}: PENDING requests per store (0 included) and
 * inventory_low_stock_levels{location_id,store_id}: levels at or below their reorder point per location
 * (0 included; store_id empty for the warehouse and online), read from the database at each scrape
 * (kit scrapedGauge), with the dashboard's own definitions of "pending" and "low".
 */
export function registerStockGauges(
  metrics: Pick<Metrics, 'registry'>,
  read: {
    pending: () => Promise<{ storeId: string; count: number }[]>;
    low: () => Promise<{ locationId: string; storeId: string | null; count: number }[]>;
  },
  log: Logger,
): void {
  scrapedGauge(metrics, {
    name: 'inventory_replenishment_requests_pending',
    help: 'Replenishment requests waiting for head office, per store',
    labelNames: ['store_id'],
    read: async () => (await read.pending()).map((r) => ({ labels: { store_id: r.storeId }, value: r.count })),
    log,
  });
  scrapedGauge(metrics, {
    name: 'inventory_low_stock_levels',
    help: 'Stock levels at or below their reorder point (available = on hand - reserved), per location',
    labelNames: ['location_id', 'store_id'],
    read: async () =>
      (await read.low()).map((r) => ({
        labels: { location_id: r.locationId, store_id: r.storeId ?? '' },
        value: r.count,
      })),
    log,
  });
}
