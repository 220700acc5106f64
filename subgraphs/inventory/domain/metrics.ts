import { Counter } from 'prom-client';
import type { Metrics } from '../../kit';

/** Business counters of inventory, registered once in each process's kit registry. */
export interface InventoryMetrics {
  reservations: Counter<'outcome'>;
  adjustments: Counter<'outcome'>;
}

const byRegistry = new WeakMap<Metrics, InventoryMetrics>();

export function inventoryMetrics(metrics: Metrics): InventoryMetrics {
  let found = byRegistry.get(metrics);
  if (!found) {
    found = {
      reservations: new Counter({
        name: 'inventory_reservation_operations_total',
        help: 'Reservation saga steps by outcome (reserved, duplicate, insufficient_stock, committed, released, expired, ...)',
        labelNames: ['outcome'],
        registers: [metrics.registry],
      }),
      adjustments: new Counter({
        name: 'inventory_stock_adjustments_total',
        help: 'Manual stock adjustments by outcome',
        labelNames: ['outcome'],
        registers: [metrics.registry],
      }),
    };
    byRegistry.set(metrics, found);
  }
  return found;
}
