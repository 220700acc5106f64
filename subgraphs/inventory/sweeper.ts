import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { numberFromEnv, startPeriodic, type Logger, type Metrics } from '../kit';
import { expireDueReservations } from './domain/reservations';
import { reservationOutcomes } from './metrics';

/**
 * The reservation expiry sweeper: a background job (no request, no caller) that runs the domain's
 * expiry step on a timer and counts what it expired. Every replica runs one.
 */

export interface SweeperOptions {
  orm: MikroORM;
  log: Logger;
  metrics: Metrics;
  /** Milliseconds between sweeps; RESERVATION_SWEEP_INTERVAL_MS, default 30 s. */
  intervalMs?: number;
  /** Reservations released per transaction. */
  batchSize?: number;
}

export interface Sweeper {
  /** One sweep now (also used by tests); resolves with the number of reservations expired (0 when it failed, logged). */
  runOnce: () => Promise<number>;
  /** Stops the timer and waits for a sweep in progress, so the ORM can be closed after it. */
  stop: () => Promise<void>;
}

const MAX_BATCHES_PER_SWEEP = 20;

export function sweepIntervalFromEnv(): number {
  return numberFromEnv(process.env, 'RESERVATION_SWEEP_INTERVAL_MS', 30_000, { min: 100, lenient: true });
}

/**
 * Releases expired PENDING reservations in the background, on the kit's timer (startPeriodic: sweeps
 * never overlap, the timer is unref'd so it never keeps a process alive on its own; the first sweep
 * waits for the first tick). Replicas never take the same reservation (FOR UPDATE SKIP LOCKED in the
 * domain step).
 */
export function startReservationSweeper(opts: SweeperOptions): Sweeper {
  const batchSize = opts.batchSize ?? 100;
  const outcomes = reservationOutcomes(opts.metrics);
  // Checked between batches: a stopping process does not start another transaction.
  let stopped = false;
  const task = startPeriodic({
    name: 'reservation sweep',
    log: opts.log,
    intervalMs: opts.intervalMs ?? sweepIntervalFromEnv(),
    runAtStart: false,
    pass: async (n) => {
      const requestId = `reservation-sweep-${n}`;
      const log = opts.log.child({ requestId });
      let total = 0;
      for (let i = 0; i < MAX_BATCHES_PER_SWEEP && !stopped; i++) {
        const em = opts.orm.em.fork() as EntityManager;
        const count = await expireDueReservations({ em, identity: null, requestId, log }, { batchSize });
        total += count;
        if (count < batchSize) break;
      }
      if (total > 0) {
        outcomes.inc({ outcome: 'expired' }, total);
        log.info({ expired: total }, 'expired reservations released');
      }
      return total;
    },
  });
  return {
    runOnce: task.runNow,
    stop: () => {
      stopped = true;
      return task.stop();
    },
  };
}
