import { projectedRows } from '../../kit/domain';
import type { RetailContext } from './context';
import { RETURN, SALE } from './reads';
import { runReturn } from './returns';
import { OPEN_STATES } from './sale-saga';
import { runSale } from './saga-runner';

/**
 * Recovery of sales and returns left mid-saga by a runner that stopped writing (a crashed process, a
 * lost connection). `FOR UPDATE SKIP LOCKED` lets every retail process run this at once without two
 * of them claiming the same row, and setting the owner fences off the previous runner should it
 * still be alive. Lean SQL: one conditional UPDATE claims a whole batch. Sales are always driven
 * forward (the customer has the goods): a step that gets no answer is simply tried again next pass.
 */

const stale = `updated_at < now() - make_interval(secs => ?::double precision / 1000)`;

export async function recoverOnce(ctx: RetailContext, pass: { runId: string; limit?: number }): Promise<number> {
  const owner = `recovery:${ctx.settings.instanceId}:${pass.runId}`;
  const limit = pass.limit ?? 20;
  const sales = await projectedRows(
    ctx.em,
    SALE,
    `update sales set owner = ?, updated_at = now()
      where id in (select id from sales where status = any(?::text[]) and ${stale}
                    order by updated_at limit ? for update skip locked)
      returning ${SALE.columns}`,
    [owner, OPEN_STATES, ctx.settings.stuckAfterMs, limit],
  );
  for (const sale of sales) {
    ctx.log.info({ saleId: sale.id, status: sale.status, step: sale.step }, 'resuming an interrupted sale');
    await runSale(ctx, { lease: { saleId: sale.id, owner }, sale });
  }
  const returns = await projectedRows(
    ctx.em,
    RETURN,
    `update returns set owner = ?, attempts = attempts + 1, updated_at = now()
      where id in (select id from returns where status = 'PENDING' and ${stale}
                    order by updated_at limit ? for update skip locked)
      returning ${RETURN.columns}`,
    [owner, ctx.settings.stuckAfterMs, limit],
  );
  for (const ret of returns) {
    ctx.log.info({ returnId: ret.id }, 'resuming an interrupted return');
    await runReturn(ctx, { returnId: ret.id, owner }, { ret });
  }
  return sales.length + returns.length;
}
