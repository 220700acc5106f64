import { exitAtFault, type Logger, type Metrics } from '../kit';
import type { SaleFault } from './config';
import type { SaleObserver } from './domain/ports';
import { retailMetrics } from './metrics';

/**
 * The sagas' observer: counts sales and returns that came to rest (metrics.ts), and implements the test-only
 * faults (SALE_FAULT): the process dies right after inventory confirmed a step and before that is
 * persisted, so the crash e2e test can prove that a restart completes the sale from the database.
 */
export function saleObserver(opts: {
  metrics: Pick<Metrics, 'registry'>;
  fault: SaleFault | null;
  log: Logger;
}): SaleObserver {
  // saga_outcomes_total{saga,outcome} (alerted on, see monitoring/), the stores' sales and revenue.
  const business = retailMetrics(opts.metrics);
  const crashAfter = opts.fault === 'crash_after_take' ? 'TAKE_STOCK' : null;
  return {
    saleSettled: (sale, outcome) => business.saleSettled(sale, outcome),
    returnSettled: (_returnId, outcome) => business.returnSettled(outcome),
    stepSucceeded: (saleId, step) => {
      if (crashAfter && step === crashAfter) {
        exitAtFault(
          opts.log,
          { saleId, step },
          `SALE_FAULT=${opts.fault}: exiting before the step's result is persisted`,
        );
      }
    },
  };
}
