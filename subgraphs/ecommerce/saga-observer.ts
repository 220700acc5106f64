import { businessCounter, type Logger, type Metrics } from '../kit';
import type { EcommerceConfig } from './config';
import type { SagaObserver } from './domain/ports';

/** saga_outcomes_total{saga,outcome} in this process's registry (alerted on, see monitoring/). */
export function sagaOutcomes(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'saga_outcomes_total',
    help: 'Finished sagas by saga and outcome (confirmed, insufficient_stock, payment_declined, payment_timeout, cancelled_by_request, failed)',
    labelNames: ['saga', 'outcome'],
  });
}

/**
 * The saga runner's observer: counts finished checkouts, and implements the test-only fault
 * CHECKOUT_FAULT=crash_after_reserve (the process dies right after STOCK_RESERVED is committed, so
 * the crash e2e test can prove that a restart finishes the saga from the database alone).
 */
export function sagaObserver(opts: {
  metrics: Pick<Metrics, 'registry'>;
  fault: EcommerceConfig['fault'];
  log: Logger;
}): SagaObserver {
  const outcomes = sagaOutcomes(opts.metrics);
  return {
    finished: (_orderId, outcome) => outcomes.inc({ saga: 'checkout', outcome }),
    entered: (orderId, state) => {
      if (opts.fault === 'crash_after_reserve' && state === 'STOCK_RESERVED') {
        opts.log.fatal(
          { orderId },
          'CHECKOUT_FAULT=crash_after_reserve: exiting right after STOCK_RESERVED was persisted',
        );
        process.exit(86);
      }
    },
  };
}
