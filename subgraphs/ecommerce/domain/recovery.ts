import type { EntityManager } from '@mikro-orm/postgresql';
import type { DomainDeps } from './deps';
import { runSaga, takeOverForCancellation } from './saga-runner';
import { toDate } from './rows';
import type { SagaState } from './saga';
import { query } from './sql';

interface ClaimedSaga {
  order_id: string;
  state: SagaState;
  created_at: Date | string;
}

/**
 * Claims sagas left in a non-terminal state by a runner that stopped writing (crashed process, lost
 * connection): `FOR UPDATE SKIP LOCKED` lets every ecommerce process run this at once without two of
 * them claiming the same saga, and setting the owner fences off the previous runner should it still
 * be alive.
 */
export async function claimStuckSagas(
  em: EntityManager,
  owner: string,
  stuckAfterMs: number,
  limit: number,
): Promise<ClaimedSaga[]> {
  return query<ClaimedSaga>(
    em,
    `update checkout_sagas s
        set owner = ?, updated_at = now()
      where s.order_id in (
              select order_id from checkout_sagas
               where state not in ('CONFIRMED', 'CANCELLED')
                 and updated_at < now() - make_interval(secs => ?::double precision / 1000)
               order by updated_at
               limit ?
               for update skip locked)
      returning s.order_id, s.state, s.created_at`,
    [owner, stuckAfterMs, limit],
  );
}

/**
 * One pass of recovery: completes what can still be completed, and compensates checkouts that were
 * abandoned for longer than maxForwardAgeMs (their customer gave up long ago; their reservation has
 * expired in inventory anyway). Returns the number of sagas handled.
 */
export async function recoverOnce(deps: DomainDeps, runId: string, limit = 20): Promise<number> {
  const owner = `recovery:${deps.config.instanceId}:${runId}`;
  const claimed = await claimStuckSagas(deps.em, owner, deps.config.stuckAfterMs, limit);
  for (const saga of claimed) {
    const log = deps.log.child({ orderId: saga.order_id, state: saga.state });
    const age = Date.now() - toDate(saga.created_at).getTime();
    const forward = saga.state === 'PENDING' || saga.state === 'STOCK_RESERVED' || saga.state === 'PAYMENT_AUTHORIZED';
    if (forward && age > deps.config.maxForwardAgeMs) {
      log.warn('abandoned checkout too old to complete; compensating');
      await takeOverForCancellation(
        deps.em,
        saga.order_id,
        owner,
        'CHECKOUT_ABANDONED',
        'The checkout was interrupted and could not be completed in time',
        `Recovered after an interruption in ${saga.state}; too old to complete, compensating`,
      );
    } else {
      log.info('resuming interrupted saga');
    }
    await runSaga(deps, saga.order_id, owner);
  }
  return claimed.length;
}

export interface RecoveryLoop {
  /** Runs one pass now (tests); resolves when it is done. */
  runNow: () => Promise<number>;
  stop: () => Promise<void>;
}

/**
 * Runs recoverOnce at start and every intervalMs. Passes never overlap; stop() waits for the running one.
 * `makeDeps` gives each pass a fresh EntityManager fork.
 */
export function startRecoveryLoop(makeDeps: () => DomainDeps, intervalMs: number): RecoveryLoop {
  let running: Promise<number> | null = null;
  let passes = 0;
  let stopped = false;
  const pass = (): Promise<number> => {
    if (running) return running;
    const deps = makeDeps();
    passes += 1;
    running = recoverOnce(deps, String(passes))
      .catch((err: unknown) => {
        deps.log.error({ err }, 'saga recovery pass failed');
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(() => void (stopped ? null : pass()), intervalMs) : null;
  timer?.unref();
  void pass();
  return {
    runNow: pass,
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      if (running) await running;
    },
  };
}
