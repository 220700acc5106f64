import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger, Metrics } from '../../kit';
import { inventoryMetrics } from './metrics';
import { expireDueReservations } from './reservations';

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
 * Releases expired PENDING reservations in the background. Every replica runs one; they never
 * take the same reservation (FOR UPDATE SKIP LOCKED). The timer is unref'd so it never keeps a
 * process alive on its own.
 */
export function startReservationSweeper(opts: SweeperOptions): Sweeper {
  const batchSize = opts.batchSize ?? 100;
  const expired = inventoryMetrics(opts.metrics).reservations;
  let current: Promise<number> | null = null;
  let stopped = false;

  const sweep = async (): Promise<number> => {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP && !stopped; i++) {
      const em = opts.orm.em.fork() as EntityManager;
      const count = await expireDueReservations(em, batchSize);
      total += count;
      if (count < batchSize) break;
    }
    if (total > 0) {
      expired.inc({ outcome: 'expired' }, total);
      opts.log.info({ expired: total }, 'expired reservations released');
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
