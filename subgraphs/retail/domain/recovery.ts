import { recoveryOwner } from '../../kit/domain';
import type { RetailContext } from './context';
import { RETURNS, runReturn } from './returns';
import { runSale, SALES } from './saga-runner';

/**
 * Recovery of sales and returns left mid-saga by a runner that stopped writing (a crashed process, a
 * lost connection), through the kit's claim (kit/saga.ts: FOR UPDATE SKIP LOCKED, the owner set in the
 * same statement), so every retail process can run this at once without two of them claiming the same
 * row. Sales are always driven forward (the customer has the goods): a step that gets no answer is
 * simply tried again next pass.
 */

export async function recoverOnce(ctx: RetailContext, pass: { runId: string; limit?: number }): Promise<number> {
  const owner = recoveryOwner(ctx.settings.instanceId, pass.runId);
  const claim = { owner, stuckAfterMs: ctx.settings.stuckAfterMs, limit: pass.limit ?? 20 };
  const sales = await SALES.claimStuck(ctx.em, claim);
  for (const sale of sales) {
    ctx.log.info({ saleId: sale.id, status: sale.status, step: sale.step }, 'resuming an interrupted sale');
    await runSale(ctx, { lease: { saleId: sale.id, owner }, sale });
  }
  const returns = await RETURNS.claimStuck(ctx.em, claim);
  for (const ret of returns) {
    ctx.log.info({ returnId: ret.id }, 'resuming an interrupted return');
    await runReturn(ctx, { returnId: ret.id, owner }, { ret });
  }
  return sales.length + returns.length;
}
