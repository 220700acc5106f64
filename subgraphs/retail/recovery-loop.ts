import { startPeriodic, type PeriodicTask } from '../kit';
import type { RetailContext } from './domain/context';
import { recoverOnce } from './domain/recovery';

/**
 * Recovery of interrupted sales and returns (domain/recovery.ts) at start and every intervalMs
 * (0: at start only); `makeContext` gives each pass a fresh EntityManager fork.
 */
export function startRecoveryLoop(makeContext: () => RetailContext, intervalMs: number): PeriodicTask {
  const log = makeContext().log;
  return startPeriodic({
    name: 'sale recovery pass',
    log,
    intervalMs,
    pass: (n) => recoverOnce(makeContext(), { runId: String(n) }),
  });
}
