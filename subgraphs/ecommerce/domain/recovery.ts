import { recoveryOwner, sagaRun, type DbContext, type StuckClaim } from '../../kit/domain';
import type { EcommerceContext } from './context';
import { CHECKOUT_SAGA, takeOverForCancellation } from './saga-runner';
import type { CheckoutSaga } from './types';

export type ClaimedSaga = Pick<CheckoutSaga, 'orderId' | 'state' | 'createdAt'>;

/**
 * Claims sagas left in a non-terminal state by a runner that stopped writing (crashed process, lost
 * connection): the saga engine's claim (FOR UPDATE SKIP LOCKED, the owner set in the same statement)
 * lets every ecommerce process run this at once without two of them claiming the same saga.
 */
export function claimStuckSagas(ctx: DbContext, claim: StuckClaim): Promise<ClaimedSaga[]> {
  return CHECKOUT_SAGA.claimStuck(ctx.em, claim);
}

/**
 * One pass of recovery: completes what can still be completed, and compensates checkouts that were
 * abandoned for longer than maxForwardAgeMs (their customer gave up long ago; their reservation has
 * expired in inventory anyway). Returns the number of sagas handled.
 */
export async function recoverOnce(ctx: EcommerceContext, pass: { runId: string; limit?: number }): Promise<number> {
  const owner = recoveryOwner(ctx.config.instanceId, pass.runId);
  const claim = { owner, stuckAfterMs: ctx.config.stuckAfterMs, limit: pass.limit ?? 20 };
  const runOf = (row: CheckoutSaga) => sagaRun(ctx, { id: row.orderId, owner }, row, {});
  return CHECKOUT_SAGA.recover(ctx.em, claim, runOf, async (run) => {
    const saga = run.row;
    const age = Date.now() - saga.createdAt.getTime();
    const forward = saga.state === 'PENDING' || saga.state === 'PAYMENT_AUTHORIZED';
    // STOCK_RESERVED is left only by checkouts from before the one-call take: they are undone.
    const legacy = saga.state === 'STOCK_RESERVED';
    if (!legacy && (!forward || age <= ctx.config.maxForwardAgeMs)) return;
    run.log.warn({ orderId: saga.orderId, state: saga.state }, 'abandoned checkout too old to complete; compensating');
    const taken = await takeOverForCancellation(ctx, {
      orderId: saga.orderId,
      owner,
      failureCode: 'CHECKOUT_ABANDONED',
      cancelReason: 'The checkout was interrupted and could not be completed in time',
      note: `Recovered after an interruption in ${saga.state}; too old to complete, compensating`,
    });
    if (taken.ok) run.row = taken.row;
  });
}
