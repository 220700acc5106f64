import { randomUUID } from 'node:crypto';
import { inTransaction, legacyProjectedRow, legacyQueryOne, userError, type UserError } from '../../kit/domain';
import type { CancelSaleInput } from '../generated/resolvers';
import { assertManagerAt } from './access';
import type { RetailContext } from './context';
import { SALE, saleById, storeById } from './reads';
import { canTransition } from './sale-saga';
import { runSale } from './saga-runner';
import type { Sale } from './types';
import { answer, type SaleResult } from './sales';
import { checkReason, localDate, validId } from './validation';

/**
 * cancelSale: a manager voids a completed sale on its day, while its register session is still open
 * (the cash goes back out of the same drawer; once the register is closed, a return is the way). The
 * sale's lease passes to this call and the sale enters CANCELLING with RESTOCK in flight, in one
 * transaction under the sale's row lock (which returns take too, so a sale is never both cancelled
 * and returned); then inventory puts every unit back (restock, RETURN movements): CANCELLED.
 */

const refusedWith = (code: string, message: string, field = ['input', 'saleId']): SaleResult => ({
  sale: null,
  errors: [userError(code, message, field)],
});

export async function cancelSale(ctx: RetailContext, input: CancelSaleInput): Promise<SaleResult> {
  const reasonError = checkReason(input.reason, ['input', 'reason'], {
    required: true,
    code: 'INVALID_REASON',
    label: 'Reason',
  });
  const sale = validId(input.saleId) ? await saleById(ctx, input.saleId) : null;
  if (!sale) {
    const errors: UserError[] = [userError('UNKNOWN_SALE', `No sale with id ${input.saleId}`, ['input', 'saleId'])];
    return { sale: null, errors: reasonError ? [...errors, reasonError] : errors };
  }
  const manager = assertManagerAt(ctx, sale.storeId);
  if (reasonError) return { sale: null, errors: [reasonError] };
  if (!canTransition(sale.status, 'CANCELLING')) {
    return refusedWith('INVALID_STATE', `A ${sale.status} sale cannot be cancelled`);
  }
  const store = await storeById(ctx, sale.storeId);
  const zone = store?.timeZone ?? 'America/Toronto';
  if (localDate(sale.soldAt, zone) !== localDate(ctx.clock(), zone)) {
    return refusedWith('NOT_SAME_DAY', 'A sale can be cancelled on its day only; take a return instead');
  }

  const owner = `cancel:${ctx.settings.instanceId}:${randomUUID()}`;
  const taken = await inTransaction<Sale | UserError>(ctx.em, async (tx) => {
    const no = (code: string, message: string) => ({
      commit: false,
      result: userError(code, message, ['input', 'saleId']),
    });
    const row = await legacyQueryOne<{ status: string }>(tx, 'select status from sales where id = ? for update', [sale.id]);
    if (row?.status !== 'COMPLETED')
      return no('INVALID_STATE', `A ${row?.status ?? 'missing'} sale cannot be cancelled`);
    const returned = await legacyQueryOne(tx, "select 1 from returns where sale_id = ? and status <> 'FAILED' limit 1", [
      sale.id,
    ]);
    if (returned) return no('SALE_HAS_RETURNS', 'Units of this sale were returned; take a return for the rest');
    const session = await legacyQueryOne(tx, "select 1 from register_sessions where id = ? and status = 'OPEN' for share", [
      sale.sessionId,
    ]);
    if (!session) return no('REGISTER_CLOSED', "The sale's register session is closed; take a return instead");
    // Lean SQL: the takeover is conditional on the state, and the lease passes in the same statement.
    const updated = await legacyProjectedRow(
      tx,
      SALE,
      `update sales set status = 'CANCELLING', owner = ?, step = 'RESTOCK', attempts = 1, last_error = null,
              cancel_reason = ?, cancelled_by = ?, updated_at = now()
        where id = ? and status = 'COMPLETED' returning ${SALE.columns}`,
      [owner, input.reason.trim(), manager.sub, sale.id],
    );
    if (!updated) return no('INVALID_STATE', 'The sale changed meanwhile');
    return { commit: true, result: updated };
  });
  if ('code' in taken) return { sale: null, errors: [taken] };
  const { sale: after, refusal } = await runSale(ctx, {
    lease: { saleId: sale.id, owner },
    sale: taken,
    locationId: store?.locationId,
    recorded: 'RESTOCK',
  });
  if (after.status === 'COMPLETED' && refusal) {
    return {
      sale: null,
      errors: [userError('CANCEL_REFUSED', `Inventory refused the restock: ${refusal.message}`, ['input', 'saleId'])],
    };
  }
  return answer(after);
}
