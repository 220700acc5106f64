import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  checkQuantity,
  DEFAULT_CURRENCY,
  defineSaga,
  sagaRun,
  eventsWritten,
  inTransaction,
  outboxInsertPart,
  queryOne,
  queryRows,
  requireFound,
  type Move,
  type MoveParts,
  type ReserveLine,
  type SagaRun,
  type StepResult,
  type TransitionTable,
} from '../../kit/domain';
import type { ReturnSaleInput } from '../generated/resolvers';
import { assertStaffAt } from './access';
import type { RetailContext } from './context';
import { saleReturned } from './events';
import { relayed, userError, type RetailUserError } from './errors';
import {
  registersByIds,
  returnById,
  returnByKey,
  returnLinesAsSold,
  returnLinesByReturns,
  saleById,
  saleLinesBySales,
  storeById,
} from './reads';
import {
  INSERT_RETURN,
  LOCK_SALE,
  LOWER_RETURNED_PART,
  OPEN_SESSION_OF_REGISTER,
  RAISE_RETURNED,
} from './sql/sale-saga';
import { RETURN } from './sql/rows';
import type { ReturnLine, ReturnLineAsSold, ReturnStatus, ReturnStep, ReturnView, SaleLine, SaleReturn } from './types';
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
  errors: RetailUserError[];
}

/** The currency a return line is refunded in: that of the sale line its units come from. */
export function refundCurrency(saleLine: Pick<SaleLine, 'currency'> | null): string {
  return saleLine?.currency ?? DEFAULT_CURRENCY;
}

const refused = (errors: RetailUserError[]): ReturnResult => ({ return: null, errors });

interface WantedLine {
  saleLineId: string;
  quantity: number;
}

function checkInput(input: ReturnSaleInput): { key: string; lines: WantedLine[]; errors: RetailUserError[] } {
  const { key, error } = checkIdempotencyKey(input.idempotencyKey, ['input', 'idempotencyKey']);
  const errors: RetailUserError[] = error ? [error] : [];
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

/** One drive of a return: what it knows already, so that the live path reads nothing twice. */
export interface ReturnRun extends SagaRun<SaleReturn> {
  ctx: RetailContext;
  /** Its lines as sold, for sale.returned. */
  asSold?: ReturnLineAsSold[];
  lines?: ReturnLine[];
  locationId?: string;
}

const RETURN_TRANSITIONS: TransitionTable<ReturnStatus> = {
  PENDING: ['COMPLETED', 'FAILED'],
  COMPLETED: [],
  FAILED: [],
};

/** One product and quantity per line, as inventory takes them back. */
function stockLines(lines: readonly ReturnLine[]): ReserveLine[] {
  const byProduct = new Map<string, number>();
  for (const l of lines) byProduct.set(l.productId, (byProduct.get(l.productId) ?? 0) + l.quantity);
  return [...byProduct].map(([productId, quantity]) => ({ productId, quantity }));
}

/** The units go back on the store's shelf (inventory's returnStock, RETURN movements, idempotent by return id). */
async function returnStock(run: ReturnRun): Promise<StepResult> {
  const { ctx, row: ret } = run;
  run.lines ??= await returnLinesByReturns(ctx, [ret.id]);
  if (!run.locationId) {
    const store = requireFound(
      await storeById(ctx, ret.storeId),
      () => new Error(`return ${ret.id} has no store ${ret.storeId}`),
    );
    run.locationId = store.locationId;
  }
  return ctx.inventory.returnStock(ret.id, run.locationId, stockLines(run.lines), ret.reason ?? 'customer return');
}

/** A return's lines as sold (with their sale lines' categories), for its event. */
async function prepareReturnSide(run: ReturnRun, move: Move<ReturnStatus, ReturnStep>): Promise<void> {
  if (move.to === 'COMPLETED') run.asSold ??= await returnLinesAsSold(run.ctx, run.row.id);
}

/**
 * A return's side of its move, as parts of the move's statement: sale.returned once it is final
 * (reports never sees a return inventory refused), or the returned quantities given back when it is
 * undone.
 */
function returnSideParts(run: ReturnRun, move: Move<ReturnStatus, ReturnStep>): MoveParts {
  if (move.to === 'FAILED') return { ctes: [LOWER_RETURNED_PART], values: {} };
  const part = outboxInsertPart('ev', 'moved', run.ctx.requestId, [
    saleReturned(run.row, run.asSold ?? [], run.ctx.clock()),
  ]);
  return { ctes: [part.sql], values: part.values, after: eventsWritten };
}

/**
 * The return's saga on the kit's engine (ADR 0023): one step, the restock. The refund is never taken
 * back because inventory did not answer: a PENDING return is driven on by recovery. Only a definitive
 * refusal of inventory undoes the return (FAILED, quantities given back).
 */
export const RETURN_SAGA = defineSaga<ReturnStatus, ReturnStep, SaleReturn, ReturnRun>({
  name: 'return',
  noun: 'return',
  table: {
    table: 'returns',
    key: 'id',
    stateColumn: 'status',
    stateOf: (row) => row.status,
    keyOf: (row) => row.id,
    row: RETURN,
  },
  initial: 'PENDING',
  steps: [
    {
      name: 'RETURN_STOCK',
      reaches: 'COMPLETED',
      action: returnStock,
      onFailure: (failure) => (failure.transient ? 'retry' : 'abort'),
    },
  ],
  aborted: 'FAILED',
  transitions: RETURN_TRANSITIONS,
  open: ['PENDING'],
  onMove: { writes: () => true, prepare: prepareReturnSide, parts: returnSideParts },
  afterMove: (run, move) => {
    if (move.to === 'FAILED') run.log.error({ returnId: run.row.id }, 'inventory refused a return; undone');
    run.ctx.events.returnSettled(run.row.id, move.to === 'COMPLETED' ? 'completed' : 'failed');
  },
});

function runOf(ctx: RetailContext, lease: ReturnLease, ret: SaleReturn, known: Partial<ReturnRun> = {}): ReturnRun {
  return sagaRun(ctx, { id: lease.returnId, owner: lease.owner }, ret, known);
}

/** Puts the returned units back in the store's stock and settles the return; the return as it was left. */
export async function runReturn(
  ctx: RetailContext,
  lease: ReturnLease,
  known: { ret: SaleReturn; lines?: ReturnLine[]; locationId?: string },
): Promise<SaleReturn> {
  const run = runOf(ctx, lease, known.ret, { lines: known.lines, locationId: known.locationId });
  return (await RETURN_SAGA.drive(run, known.ret.step)).row;
}

/** One recovery pass over returns: each claimed return's restock tried again. */
export function recoverReturns(ctx: RetailContext, claim: { owner: string; stuckAfterMs: number; limit: number }) {
  return RETURN_SAGA.recover(ctx.em, claim, (ret) => runOf(ctx, { returnId: ret.id, owner: claim.owner }, ret));
}

// ---------- record ----------

type Recorded =
  | { kind: 'recorded'; ret: SaleReturn; lines: ReturnLine[] }
  | { kind: 'refused'; errors: RetailUserError[] }
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
    const sale = await queryOne(tx, LOCK_SALE, { saleId: r.saleId });
    if (sale?.status !== 'COMPLETED') {
      return { commit: false, result: { kind: 'refused', errors: [notReturnable()] } };
    }
    const session = await queryOne(tx, OPEN_SESSION_OF_REGISTER, { registerId: r.registerId });
    if (!session) {
      return {
        commit: false,
        result: {
          kind: 'refused',
          errors: [userError('REGISTER_CLOSED', 'Open the register first', ['input', 'registerId'])],
        },
      };
    }
    const raised = await queryRows(tx, RAISE_RETURNED, {
      saleId: r.saleId,
      ids: r.lines.map((l) => l.saleLine.id),
      quantities: r.lines.map((l) => l.wanted.quantity),
    });
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
    const ret = await queryOne(tx, INSERT_RETURN, {
      returnId,
      saleId: r.saleId,
      storeId: r.storeId,
      registerId: r.registerId,
      sessionId: session.id,
      refundMethod: r.input.refundMethod,
      refundCents: lines.reduce((sum, l) => sum + l.refundCents, 0),
      currency,
      reason: r.input.reason?.trim() || null,
      returnedBy: r.returnedBy,
      key: r.key,
      owner: r.owner,
      lineIds: lines.map((l) => l.id),
      saleLineIds: lines.map((l) => l.saleLineId),
      productIds: lines.map((l) => l.productId),
      quantities: lines.map((l) => l.quantity),
      refunds: lines.map((l) => l.refundCents),
    });
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

/** The return with the RetailUserError a refusal of inventory deserves: the same answer on every replay. */
function answer(ret: SaleReturn, lines: ReturnLine[]): ReturnResult {
  const errors =
    ret.status === 'FAILED' && ret.failureCode
      ? [relayed(ret.failureCode, ret.lastError ?? 'Inventory refused the units back', ['input', 'lines'])]
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
    const winner = requireFound(
      await returnByKey(ctx, sale.storeId, key),
      () => new Error('idempotency conflict without an existing return'),
    );
    return replay(ctx, winner, input, wanted);
  }
  const settled = await runReturn(
    ctx,
    { returnId: recorded.ret.id, owner },
    { ret: recorded.ret, lines: recorded.lines },
  );
  return answer(settled, recorded.lines);
}
