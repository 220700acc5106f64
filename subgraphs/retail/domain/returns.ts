import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  checkQuantity,
  legacyExecute,
  inTransaction,
  legacyProjectedRow,
  legacyQueryOne,
  legacyQueryRows,
  sagaStore,
  userError,
  type ReserveLine,
  type TransitionTable,
  type UserError,
} from '../../kit/domain';
import type { ReturnSaleInput } from '../generated/resolvers';
import { assertStaffAt } from './access';
import type { RetailContext } from './context';
import { recordRetailEvents, saleReturned } from './events';
import {
  registersByIds,
  RETURN,
  returnById,
  returnByKey,
  returnLinesAsSold,
  returnLinesByReturns,
  saleById,
  saleLinesBySales,
  storeById,
} from './reads';
import type { ReturnLine, ReturnStatus, ReturnView, SaleLine, SaleReturn } from './types';
import { checkIdempotencyKey, checkReason, MAX_SALE_LINES, validId } from './validation';

/**
 * returnSale: units of a completed sale come back and are refunded. Retail is the authority on what was
 * returned: one transaction, under the sale's row lock, raises the lines' returned quantities with a
 * conditional UPDATE (never above what was sold, so concurrent returns cannot both take the last
 * unit) and records the return with its refund, PENDING. Then the units go back on the store's
 * shelf in inventory (returnStock, RETURN movements, idempotent by return id): COMPLETED. The refund
 * is never taken back because inventory did not answer: a PENDING return is driven on by recovery. Only
 * a definitive refusal of inventory undoes the return (FAILED, quantities given back).
 */

export interface ReturnResult {
  return: ReturnView | null;
  errors: UserError[];
}

const refused = (errors: UserError[]): ReturnResult => ({ return: null, errors });

interface WantedLine {
  saleLineId: string;
  quantity: number;
}

function checkInput(input: ReturnSaleInput): { key: string; lines: WantedLine[]; errors: UserError[] } {
  const { key, error } = checkIdempotencyKey(input.idempotencyKey, ['input', 'idempotencyKey']);
  const errors: UserError[] = error ? [error] : [];
  const reason = checkReason(input.reason, ['input', 'reason'], {
    required: false,
    code: 'INVALID_REASON',
    label: 'Reason',
  });
  if (reason) errors.push(reason);
  if (input.lines.length === 0 || input.lines.length > MAX_SALE_LINES) {
    errors.push(userError('INVALID_LINES', `A return has 1 to ${MAX_SALE_LINES} lines`, ['input', 'lines']));
  }
  const seen = new Set<string>();
  input.lines.forEach((line, i) => {
    const at = ['input', 'lines', String(i)];
    const quantity = checkQuantity(line.quantity, [...at, 'quantity']);
    if (quantity) errors.push(quantity);
    if (seen.has(line.saleLineId)) {
      errors.push(userError('DUPLICATE_LINE', 'Each sale line appears once per return', [...at, 'saleLineId']));
    }
    seen.add(line.saleLineId);
  });
  return { key, lines: input.lines.map(({ saleLineId, quantity }) => ({ saleLineId, quantity })), errors };
}

// ---------- the restock step ----------

export interface ReturnLease {
  returnId: string;
  owner: string;
}

const RETURN_TRANSITIONS: TransitionTable<ReturnStatus> = {
  PENDING: ['COMPLETED', 'FAILED'],
  COMPLETED: [],
  FAILED: [],
};

/** returns as the kit's saga store writes them: a one-step saga (the restock), re-run at each claim. */
export const RETURNS = sagaStore({
  table: 'returns',
  key: 'id',
  idOf: (lease: ReturnLease) => lease.returnId,
  noun: 'return',
  row: RETURN,
  transitions: RETURN_TRANSITIONS,
  // returns_pending_idx's predicate.
  open: "status = 'PENDING'",
  claimIsAttempt: true,
});

/** One product and quantity per line, as inventory takes them back. */
function stockLines(lines: readonly ReturnLine[]): ReserveLine[] {
  const byProduct = new Map<string, number>();
  for (const l of lines) byProduct.set(l.productId, (byProduct.get(l.productId) ?? 0) + l.quantity);
  return [...byProduct].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Puts the returned units back in the store's stock and settles the return. Every write is
 * conditional on the lease and on PENDING (lean SQL: the row count is the answer), so a taken-over
 * runner stops. Returns the return as it was left.
 */
export async function runReturn(
  ctx: RetailContext,
  lease: ReturnLease,
  known: { ret: SaleReturn; lines?: ReturnLine[]; locationId?: string },
): Promise<SaleReturn> {
  const { ret } = known;
  const lines = known.lines ?? (await returnLinesByReturns(ctx, [ret.id]));
  let locationId = known.locationId;
  if (!locationId) {
    const store = await storeById(ctx, ret.storeId);
    if (!store) throw new Error(`return ${ret.id} has no store ${ret.storeId}`);
    locationId = store.locationId;
  }
  let res;
  try {
    res = await ctx.inventory.returnStock(ret.id, locationId, stockLines(lines), ret.reason ?? 'customer return');
  } catch (err) {
    res = { ok: false as const, transient: true, code: 'INVENTORY_ERROR', message: (err as Error).message };
  }
  if (res.ok) {
    // sale.returned with the move to COMPLETED, in one transaction: a return is reported once it is
    // final (a refused restock undoes it below, and reports never sees it).
    const done = await ctx.em.transactional(async (tx) => {
      const row = await legacyProjectedRow(
        tx,
        RETURN,
        `update returns set status = 'COMPLETED', last_error = null, updated_at = now()
          where id = ? and owner = ? and status = 'PENDING' returning ${RETURN.columns}`,
        [ret.id, lease.owner],
      );
      if (!row) return null;
      const asSold = await returnLinesAsSold({ em: tx }, row.id);
      await recordRetailEvents({ em: tx, requestId: ctx.requestId }, [saleReturned(row, asSold, ctx.clock())]);
      return row;
    });
    if (done) ctx.events.returnSettled(ret.id, 'completed');
    return done ?? ret;
  }
  if (res.transient) {
    ctx.log.warn({ returnId: ret.id, code: res.code, err: res.message }, 'return restock did not get an answer');
    await RETURNS.recordError(ctx.em, lease, res.message);
    return { ...ret, lastError: res.message };
  }
  ctx.log.error({ returnId: ret.id, code: res.code, err: res.message }, 'inventory refused a return; undoing it');
  const failed = await ctx.em.transactional(async (tx) => {
    const row = await legacyProjectedRow(
      tx,
      RETURN,
      `update returns set status = 'FAILED', failure_code = ?, last_error = ?, updated_at = now()
        where id = ? and owner = ? and status = 'PENDING' returning ${RETURN.columns}`,
      [res.code, res.message.slice(0, 1000), ret.id, lease.owner],
    );
    if (!row) return null;
    await legacyExecute(
      tx,
      `update sale_lines sl set returned_quantity = sl.returned_quantity - rl.quantity
         from return_lines rl where rl.return_id = ? and rl.sale_line_id = sl.id`,
      [ret.id],
    );
    return row;
  });
  if (failed) ctx.events.returnSettled(ret.id, 'failed');
  return failed ?? ret;
}

// ---------- record ----------

type Recorded =
  | { kind: 'recorded'; ret: SaleReturn; lines: ReturnLine[] }
  | { kind: 'refused'; errors: UserError[] }
  | { kind: 'duplicate' };

interface NewReturn {
  saleId: string;
  storeId: string;
  registerId: string;
  key: string;
  lines: { wanted: WantedLine; saleLine: SaleLine }[];
  input: ReturnSaleInput;
  returnedBy: string;
  owner: string;
}

/** The return in one transaction under the sale's row lock; nothing is kept unless every line fits. */
function recordReturn(ctx: RetailContext, r: NewReturn): Promise<Recorded> {
  return inTransaction<Recorded>(ctx.em, async (tx) => {
    const sale = await legacyQueryOne<{ status: string }>(tx, 'select status from sales where id = ? for update', [r.saleId]);
    if (sale?.status !== 'COMPLETED') {
      return { commit: false, result: { kind: 'refused', errors: [notReturnable()] } };
    }
    const session = await legacyQueryOne<{ id: string }>(
      tx,
      "select id from register_sessions where register_id = ? and status = 'OPEN' for share",
      [r.registerId],
    );
    if (!session) {
      return {
        commit: false,
        result: {
          kind: 'refused',
          errors: [userError('REGISTER_CLOSED', 'Open the register first', ['input', 'registerId'])],
        },
      };
    }
    // The conditional UPDATE is the rule: a line is raised only while returned + asked <= sold.
    const raised = await legacyQueryRows<{ id: string }>(
      tx,
      `update sale_lines sl set returned_quantity = sl.returned_quantity + t.quantity
         from unnest(?::text[], ?::int[]) as t(id, quantity)
        where sl.id = t.id and sl.sale_id = ? and sl.returned_quantity + t.quantity <= sl.quantity
        returning sl.id`,
      [r.lines.map((l) => l.saleLine.id), r.lines.map((l) => l.wanted.quantity), r.saleId],
    );
    if (raised.length !== r.lines.length) {
      const ok = new Set(raised.map((x) => x.id));
      const current = await saleLinesBySales({ em: tx }, [r.saleId]);
      const errors = r.lines.flatMap(({ saleLine }, i) => {
        if (ok.has(saleLine.id)) return [];
        const line = current.find((c) => c.id === saleLine.id);
        const left = line ? line.quantity - line.returnedQuantity : 0;
        return [
          userError(
            'RETURN_EXCEEDS_SOLD',
            `Only ${left} unit${left === 1 ? '' : 's'} of this line can still be returned`,
            ['input', 'lines', String(i), 'quantity'],
          ),
        ];
      });
      return { commit: false, result: { kind: 'refused', errors } };
    }
    const returnId = randomUUID();
    const currency = r.lines[0]?.saleLine.currency ?? 'CAD';
    const lines: ReturnLine[] = r.lines.map(({ wanted, saleLine }) => ({
      id: randomUUID(),
      returnId,
      saleLineId: saleLine.id,
      productId: saleLine.productId,
      quantity: wanted.quantity,
      refundCents: saleLine.unitPriceCents * wanted.quantity,
    }));
    const ret = await legacyProjectedRow(
      tx,
      RETURN,
      `with ins as (
         insert into returns (id, sale_id, store_id, register_id, session_id, status, refund_method, refund_cents,
                              currency, reason, returned_by, idempotency_key, owner, attempts)
         values (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, 1)
         on conflict (store_id, idempotency_key) do nothing
         returning *
       ), lines as (
         insert into return_lines (id, return_id, sale_line_id, product_id, quantity, refund_cents)
         select t.id, ins.id, t.sale_line_id, t.product_id, t.quantity, t.refund
           from ins cross join unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::int[])
                as t(id, sale_line_id, product_id, quantity, refund)
       )
       select ${RETURN.columns} from ins`,
      [
        returnId,
        r.saleId,
        r.storeId,
        r.registerId,
        session.id,
        r.input.refundMethod,
        lines.reduce((sum, l) => sum + l.refundCents, 0),
        currency,
        r.input.reason?.trim() || null,
        r.returnedBy,
        r.key,
        r.owner,
        lines.map((l) => l.id),
        lines.map((l) => l.saleLineId),
        lines.map((l) => l.productId),
        lines.map((l) => l.quantity),
        lines.map((l) => l.refundCents),
      ],
    );
    // A concurrent call with the same key won: undo this one's quantities, answer with the winner.
    if (!ret) return { commit: false, result: { kind: 'duplicate' } };
    return { commit: true, result: { kind: 'recorded', ret, lines } };
  });
}

const notReturnable = () =>
  userError('SALE_NOT_RETURNABLE', 'Only a completed sale can take returns', ['input', 'saleId']);

// ---------- replay ----------

async function replay(
  ctx: RetailContext,
  existing: SaleReturn,
  input: ReturnSaleInput,
  wanted: WantedLine[],
): Promise<ReturnResult> {
  const lines = await returnLinesByReturns(ctx, [existing.id]);
  const same =
    existing.saleId === input.saleId &&
    lines.length === wanted.length &&
    wanted.every((w) => lines.some((l) => l.saleLineId === w.saleLineId && l.quantity === w.quantity));
  if (!same) {
    return refused([
      userError('IDEMPOTENCY_KEY_REUSED', 'Key already used for another return; use a new key', [
        'input',
        'idempotencyKey',
      ]),
    ]);
  }
  let current = existing;
  const deadline = Date.now() + ctx.settings.replayWaitMs;
  while (current.status === 'PENDING' && Date.now() < deadline && !current.lastError) {
    await sleep(50);
    current = (await returnById(ctx, existing.id)) ?? current;
  }
  return answer(current, lines);
}

/** The return with the UserError a refusal of inventory deserves: the same answer on every replay. */
function answer(ret: SaleReturn, lines: ReturnLine[]): ReturnResult {
  const errors =
    ret.status === 'FAILED' && ret.failureCode
      ? [userError(ret.failureCode, ret.lastError ?? 'Inventory refused the units back', ['input', 'lines'])]
      : [];
  return { return: { ...ret, lines }, errors };
}

// ---------- the whole return ----------

export async function returnSale(ctx: RetailContext, input: ReturnSaleInput): Promise<ReturnResult> {
  const { key, lines: wanted, errors } = checkInput(input);
  const saleField = ['input', 'saleId'];
  const sale = validId(input.saleId) ? await saleById(ctx, input.saleId) : null;
  if (!sale) return refused([userError('UNKNOWN_SALE', `No sale with id ${input.saleId}`, saleField), ...errors]);
  const caller = assertStaffAt(ctx, sale.storeId);
  if (errors.some((e) => e.code === 'INVALID_IDEMPOTENCY_KEY')) return refused(errors);
  const existing = await returnByKey(ctx, sale.storeId, key);
  if (existing) return replay(ctx, existing, input, wanted);

  if (sale.status !== 'COMPLETED') errors.push(notReturnable());
  const register = validId(input.registerId) ? (await registersByIds(ctx, [input.registerId]))[0] : undefined;
  if (!register)
    errors.push(userError('UNKNOWN_REGISTER', `No register with id ${input.registerId}`, ['input', 'registerId']));
  else if (register.storeId !== sale.storeId) {
    errors.push(
      userError('REGISTER_NOT_IN_STORE', "The refund is paid at a register of the sale's store", [
        'input',
        'registerId',
      ]),
    );
  }
  const saleLines = await saleLinesBySales(ctx, [sale.id]);
  const matched: NewReturn['lines'] = [];
  wanted.forEach((w, i) => {
    const saleLine = saleLines.find((l) => l.id === w.saleLineId);
    if (!saleLine) {
      errors.push(
        userError('UNKNOWN_SALE_LINE', 'No such line in this sale', ['input', 'lines', String(i), 'saleLineId']),
      );
    } else matched.push({ wanted: w, saleLine });
  });
  if (errors.length || !register) return refused(errors);

  const owner = `return:${ctx.settings.instanceId}:${randomUUID()}`;
  const recorded = await recordReturn(ctx, {
    saleId: sale.id,
    storeId: sale.storeId,
    registerId: register.id,
    key,
    lines: matched,
    input,
    returnedBy: caller.sub,
    owner,
  });
  if (recorded.kind === 'refused') return refused(recorded.errors);
  if (recorded.kind === 'duplicate') {
    const winner = await returnByKey(ctx, sale.storeId, key);
    if (!winner) throw new Error('idempotency conflict without an existing return');
    return replay(ctx, winner, input, wanted);
  }
  const settled = await runReturn(
    ctx,
    { returnId: recorded.ret.id, owner },
    { ret: recorded.ret, lines: recorded.lines },
  );
  return answer(settled, recorded.lines);
}
