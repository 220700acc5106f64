import { businessCounter, sagaOutcomesCounter, type Metrics } from '../kit';
import type { SagaOutcome } from './domain/ports';

/**
 * ecommerce's business metrics (monitoring/metrics-catalog.yml), counted by the saga observer (an
 * adapter, never domain code) in the process's kit registry, once per checkout that comes to rest: the
 * process whose move finished the saga counts it, whichever that is (a request, recovery).
 */
export interface EcommerceMetrics {
  /** A checkout came to rest: its outcome, and the order's amount when confirmed. */
  checkoutFinished(outcome: SagaOutcome, order: { totalCents: number; currency: string } | null): void;
}

const OUTCOMES: readonly SagaOutcome[] = [
  'confirmed',
  'insufficient_stock',
  'payment_declined',
  'payment_timeout',
  'cancelled_by_request',
  'failed',
];

export function ecommerceMetrics(metrics: Pick<Metrics, 'registry'>): EcommerceMetrics {
  // saga_outcomes_total{saga,outcome}: the orders (confirmed) and every other checkout outcome.
  const outcomes = sagaOutcomesCounter(metrics, OUTCOMES.join(', '));
  const revenue = businessCounter(metrics, {
    name: 'ecommerce_order_revenue_cents_total',
    help: 'Total of confirmed orders in minor units (cents), by currency, counted when the checkout confirms',
    labelNames: ['currency'],
  });
  return {
    checkoutFinished: (outcome, order) => {
      outcomes.inc({ saga: 'checkout', outcome });
      if (outcome === 'confirmed' && order) revenue.inc({ currency: order.currency }, order.totalCents);
    },
  };
}

/**
 * Registers the counters when the process starts, every checkout outcome at 0, so that the first
 * confirmed order is an increase Prometheus sees (a series that appears at 1 has no increase).
 */
export function registerEcommerceMetrics(metrics: Pick<Metrics, 'registry'>): void {
  ecommerceMetrics(metrics);
  const outcomes = sagaOutcomesCounter(metrics, OUTCOMES.join(', '));
  for (const outcome of OUTCOMES) outcomes.inc({ saga: 'checkout', outcome }, 0);
}
