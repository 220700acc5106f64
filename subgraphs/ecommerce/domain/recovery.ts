import { recoveryOwner, type StuckClaim } from '../../kit/domain';
import type { DbContext, EcommerceContext } from './context';
import { CHECKOUT_SAGAS, runSaga, takeOverForCancellation } from './saga-runner';
import type { CheckoutSaga } from './types';

export type ClaimedSaga = Pick<CheckoutSaga, 'orderId' | 'state' | 'createdAt'>;

/**
 * Claims sagas left in a non-terminal state by a runner that stopped writing (crashed process, lost
 * connection); the kit's claim (kit/saga.ts: FOR UPDATE SKIP LOCKED, the owner set in the same
 * statement) lets every ecommerce process run this at once without two of them claiming the same saga.
 */
export function claimStuckSagas(ctx: DbContext, claim: StuckClaim): Promise<ClaimedSaga[]> {
  return CHECKOUT_SAGAS.claimStuck(ctx.em, claim);
}

/**
 * One pass of recovery: completes what can still be completed, and compensates checkouts that were
 * abandoned for longer than maxForwardAgeMs (their customer gave up long ago; their reservation has
 * expired in inventory anyway). Returns the number of sagas handled.
 */
export async function recoverOnce(ctx: EcommerceContext, pass: { runId: string; limit?: number }): Promise<number> {
  const owner = recoveryOwner(ctx.config.instanceId, pass.runId);
  const claimed = await claimStuckSagas(ctx, { owner, stuckAfterMs: ctx.config.stuckAfterMs, limit: pass.limit ?? 20 });
  for (const saga of claimed) {
    const log = ctx.log.child({ orderId: saga.orderId, state: saga.state });
    const age = Date.now() - saga.createdAt.getTime();
    const forward = saga.state === 'PENDING' || saga.state === 'STOCK_RESERVED' || saga.state === 'PAYMENT_AUTHORIZED';
    if (forward && age > ctx.config.maxForwardAgeMs) {
      log.warn('abandoned checkout too old to complete; compensating');
      await takeOverForCancellation(ctx, {
        orderId: saga.orderId,
        owner,
        failureCode: 'CHECKOUT_ABANDONED',
        cancelReason: 'The checkout was interrupted and could not be completed in time',
        note: `Recovered after an interruption in ${saga.state}; too old to complete, compensating`,
      });
    } else {
      log.info('resuming interrupted saga');
    }
    await runSaga(ctx, { orderId: saga.orderId, owner });
  }
  return claimed.length;
}
