import { randomUUID } from 'node:crypto';
import { inTransaction, queryOne } from '../../kit/domain';
import type { CancelSaleInput } from '../generated/resolvers';
import { assertManagerAt } from './access';
import type { RetailContext } from './context';
import { userError, type RetailErrorCode, type RetailUserError } from './errors';
import { saleById, storeById } from './reads';
import { canTransition } from './sale-saga';
import { runSale, SALE_SAGA } from './saga-runner';
import { LOCK_SALE, OPEN_SESSION_BY_ID, SALE_HAS_RETURNS } from './sql/sale-saga';
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

const refusedWith = (code: RetailErrorCode, message: string, field = ['input', 'saleId']): SaleResult => ({
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
    const errors: RetailUserError[] = [
      userError('UNKNOWN_SALE', `No sale with id ${input.saleId}`, ['input', 'saleId']),
    ];
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
  const taken = await inTransaction<Sale | RetailUserError>(ctx.em, async (tx) => {
    const no = (code: RetailErrorCode, message: string) => ({
      commit: false,
      result: userError(code, message, ['input', 'saleId']),
    });
    const row = await queryOne(tx, LOCK_SALE, { saleId: sale.id });
    if (row?.status !== 'COMPLETED')
      return no('INVALID_STATE', `A ${row?.status ?? 'missing'} sale cannot be cancelled`);
    if (await queryOne(tx, SALE_HAS_RETURNS, { saleId: sale.id }))
      return no('SALE_HAS_RETURNS', 'Units of this sale were returned; take a return for the rest');
    if (!(await queryOne(tx, OPEN_SESSION_BY_ID, { sessionId: sale.sessionId })))
      return no('REGISTER_CLOSED', "The sale's register session is closed; take a return instead");
    // The saga engine's takeover: the lease passes and the sale enters CANCELLING with RESTOCK in flight.
    const updated = await SALE_SAGA.takeOver(
      { ctx: { ...ctx, em: tx }, em: tx, log: ctx.log, lease: { id: sale.id, owner } },
      { from: ['COMPLETED'], values: { cancelReason: input.reason.trim(), cancelledBy: manager.sub } },
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
