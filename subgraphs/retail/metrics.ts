import { businessCounter, sagaOutcomesCounter, type Metrics } from '../kit';
import type { ReturnOutcome } from './domain/ports';
import type { SaleOutcome } from './domain/sale-saga';

/**
 * retail's business metrics (monitoring/metrics-catalog.yml), counted by the sagas' observer (an
 * adapter, never domain code) in the process's kit registry, once per sale or return that comes to
 * rest, by the process whose move settled it (a request, recovery).
 */
export interface RetailMetrics {
  /** A sale came to rest: its outcome; a completed sale also counts for its store, with its amount. */
  saleSettled(sale: { storeId: string; totalCents: number; currency: string }, outcome: SaleOutcome): void;
  returnSettled(outcome: ReturnOutcome): void;
}

const SALE_OUTCOMES: readonly SaleOutcome[] = [
  'completed',
  'insufficient_stock',
  'failed',
  'cancelled',
  'cancel_refused',
];
const RETURN_OUTCOMES: readonly ReturnOutcome[] = ['completed', 'failed'];
const HELP = `sale: ${SALE_OUTCOMES.join(', ')}; return: ${RETURN_OUTCOMES.join(', ')}`;

export function retailMetrics(metrics: Pick<Metrics, 'registry'>): RetailMetrics {
  // saga_outcomes_total{saga,outcome}, alerted on (see monitoring/).
  const outcomes = sagaOutcomesCounter(metrics, HELP);
  const sales = businessCounter(metrics, {
    name: 'retail_sales_total',
    help: 'Point-of-sale sales completed (the stock left the store), by store',
    labelNames: ['store_id'],
  });
  const revenue = businessCounter(metrics, {
    name: 'retail_sales_revenue_cents_total',
    help: 'Total of completed point-of-sale sales in minor units (cents), by store and currency',
    labelNames: ['store_id', 'currency'],
  });
  return {
    saleSettled: (sale, outcome) => {
      outcomes.inc({ saga: 'sale', outcome });
      // A cancellation the store refused leaves the sale COMPLETED as it was: not a second sale.
      if (outcome !== 'completed') return;
      sales.inc({ store_id: sale.storeId });
      revenue.inc({ store_id: sale.storeId, currency: sale.currency }, sale.totalCents);
    },
    returnSettled: (outcome) => outcomes.inc({ saga: 'return', outcome }),
  };
}

/**
 * Registers the counters when the process starts, every sale and return outcome at 0, so that the
 * first one is an increase Prometheus sees. Stores appear with their first sale.
 */
export function registerRetailMetrics(metrics: Pick<Metrics, 'registry'>): void {
  retailMetrics(metrics);
  const outcomes = sagaOutcomesCounter(metrics, HELP);
  for (const outcome of SALE_OUTCOMES) outcomes.inc({ saga: 'sale', outcome }, 0);
  for (const outcome of RETURN_OUTCOMES) outcomes.inc({ saga: 'return', outcome }, 0);
}
