import { exitAtFault, sagaOutcomesCounter, type Logger, type Metrics } from '../kit';
import type { EcommerceConfig } from './config';
import type { SagaObserver } from './domain/ports';

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
  // saga_outcomes_total{saga,outcome}, alerted on (see monitoring/); the help text lists the outcomes.
  const outcomes = sagaOutcomesCounter(
    opts.metrics,
    'confirmed, insufficient_stock, payment_declined, payment_timeout, cancelled_by_request, failed',
  );
  return {
    finished: (_orderId, outcome) => outcomes.inc({ saga: 'checkout', outcome }),
    entered: (orderId, state) => {
      if (opts.fault === 'crash_after_reserve' && state === 'STOCK_RESERVED') {
        exitAtFault(
          opts.log,
          { orderId },
          'CHECKOUT_FAULT=crash_after_reserve: exiting right after STOCK_RESERVED was persisted',
        );
      }
    },
  };
}
