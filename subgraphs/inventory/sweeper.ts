import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger, Metrics } from '../kit';
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
  /** One sweep now (also used by tests); resolves with the number of reservations expired. */
  runOnce: () => Promise<number>;
  /** Stops the timer and waits for a sweep in progress, so the ORM can be closed after it. */
  stop: () => Promise<void>;
}

const MAX_BATCHES_PER_SWEEP = 20;

export function sweepIntervalFromEnv(): number {
  const value = Number(process.env.RESERVATION_SWEEP_INTERVAL_MS ?? 30_000);
  return Number.isFinite(value) && value >= 100 ? value : 30_000;
}

/**
 * Releases expired PENDING reservations in the background. Replicas never take the same reservation
 * (FOR UPDATE SKIP LOCKED in the domain step). The timer is unref'd so it never keeps a process
 * alive on its own.
 */
export function startReservationSweeper(opts: SweeperOptions): Sweeper {
  const batchSize = opts.batchSize ?? 100;
  const outcomes = reservationOutcomes(opts.metrics);
  let current: Promise<number> | null = null;
  let stopped = false;
  let sweeps = 0;

  const sweep = async (): Promise<number> => {
    const requestId = `reservation-sweep-${++sweeps}`;
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
  };

  const runOnce = (): Promise<number> => {
    // One sweep at a time per process: a slow sweep is not stacked up by the next tick.
    current ??= sweep().finally(() => {
      current = null;
    });
    return current;
  };

  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => opts.log.error({ err }, 'reservation sweep failed'));
  }, opts.intervalMs ?? sweepIntervalFromEnv());
  timer.unref();

  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await current?.catch(() => undefined);
    },
  };
}
