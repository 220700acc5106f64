import { businessCounter, type Metrics } from '../kit';

/**
 * Inventory's business counters, counted by the resolvers and the sweeper (never by domain code) in
 * the process's kit registry. The names are what the dashboards and alerts in monitoring/ query.
 */

export function reservationOutcomes(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'inventory_reservation_operations_total',
    help: 'Reservation saga steps by outcome (reserved, duplicate, insufficient_stock, committed, released, expired, ...)',
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
