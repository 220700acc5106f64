import { exitAtFault, type Logger, type Metrics } from '../kit';
import type { EcommerceConfig } from './config';
import type { SagaObserver } from './domain/ports';
import { ecommerceMetrics } from './metrics';

/**
 * The saga runner's observer: counts finished checkouts and the confirmed orders' revenue (metrics.ts),
 * and implements the test-only fault CHECKOUT_FAULT=crash_after_authorize (the process dies right after
 * PAYMENT_AUTHORIZED is committed, so the crash e2e test can prove that a restart finishes the saga
 * from the database alone).
 */
export function sagaObserver(opts: {
  metrics: Pick<Metrics, 'registry'>;
  fault: EcommerceConfig['fault'];
  log: Logger;
}): SagaObserver {
  // saga_outcomes_total{saga,outcome} (alerted on, see monitoring/) and the confirmed orders' revenue.
  const business = ecommerceMetrics(opts.metrics);
  return {
    finished: (_orderId, outcome, order) => business.checkoutFinished(outcome, order),
    entered: (orderId, state) => {
      if (opts.fault === 'crash_after_authorize' && state === 'PAYMENT_AUTHORIZED') {
        exitAtFault(
          opts.log,
          { orderId },
          'CHECKOUT_FAULT=crash_after_authorize: exiting right after PAYMENT_AUTHORIZED was persisted',
        );
      }
    },
  };
}
