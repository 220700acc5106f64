import { businessCounter, type Logger, type Metrics } from '../kit';
import type { SaleFault } from './config';
import type { SaleObserver } from './domain/ports';

/** saga_outcomes_total{saga,outcome} in this process's registry: the counter ecommerce's checkout uses too. */
export function sagaOutcomes(metrics: Pick<Metrics, 'registry'>) {
  return businessCounter(metrics, {
    name: 'saga_outcomes_total',
    help: 'Finished sagas by saga and outcome (sale: completed, insufficient_stock, failed, cancelled, cancel_refused; return: completed, failed)',
    labelNames: ['saga', 'outcome'],
  });
}

/**
 * The sagas' observer: counts sales and returns that came to rest, and implements the test-only
 * faults (SALE_FAULT): the process dies right after inventory confirmed a step and before that is
 * persisted, so the crash e2e test can prove that a restart completes the sale from the database.
 */
export function saleObserver(opts: {
  metrics: Pick<Metrics, 'registry'>;
  fault: SaleFault | null;
  log: Logger;
}): SaleObserver {
  const outcomes = sagaOutcomes(opts.metrics);
  const crashAfter =
    opts.fault === 'crash_after_reserve'
      ? 'RESERVE_STOCK'
      : opts.fault === 'crash_after_commit'
        ? 'COMMIT_STOCK'
        : null;
  return {
    saleSettled: (_saleId, outcome) => outcomes.inc({ saga: 'sale', outcome }),
    returnSettled: (_returnId, outcome) => outcomes.inc({ saga: 'return', outcome }),
    stepSucceeded: (saleId, step) => {
      if (crashAfter && step === crashAfter) {
        opts.log.fatal({ saleId, step }, `SALE_FAULT=${opts.fault}: exiting before the step's result is persisted`);
        process.exit(86);
      }
    },
  };
}
