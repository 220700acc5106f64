import { recoveryOwner } from '../../kit/domain';
import type { RetailContext } from './context';
import { recoverReturns } from './returns';
import { recoverSales } from './saga-runner';

/**
 * Recovery of sales and returns left mid-saga by a runner that stopped writing (a crashed process, a
 * lost connection): the saga engine's claim (FOR UPDATE SKIP LOCKED, the owner set in the same
 * statement) lets every retail process run this at once without two of them claiming the same row,
 * and its drive loop resumes each where it stopped. Sales are always driven forward (the customer has
 * the goods): a step that gets no answer is simply tried again next pass.
 */
export async function recoverOnce(ctx: RetailContext, pass: { runId: string; limit?: number }): Promise<number> {
  const owner = recoveryOwner(ctx.settings.instanceId, pass.runId);
  const claim = { owner, stuckAfterMs: ctx.settings.stuckAfterMs, limit: pass.limit ?? 20 };
  return (await recoverSales(ctx, claim)) + (await recoverReturns(ctx, claim));
}
