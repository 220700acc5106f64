import { setTimeout as sleep } from 'node:timers/promises';
import {
  defineSaga,
  sagaRun,
  eventsWritten,
  outboxInsertPart,
  formatMinor,
  IllegalTransition,
  LeaseLost,
  ONLINE_LOCATION_ID,
  queryOne,
  requireFound,
  type Move,
  type MoveParts,
  type SagaRun,
  type StepResult,
  type StepValue,
} from '../../kit/domain';
import type { EcommerceContext } from './context';
import { orderCancelled, orderConfirmed } from './events';
import { orderById, orderLinesByOrders, SAGA, sagaByOrder } from './reads';
import {
  isCancellable,
  isTerminal,
  OPEN_STATES,
  outcomeLabel,
  TRANSITIONS,
  type CompensationStep,
  type OrderStatus,
  type SagaState,
  type SagaStep,
} from './saga';
import { LOCK_ORDER, ORDER_MOVE } from './sql/checkout';
import type { CheckoutSaga, Order, OrderLine } from './types';

/**
 * The checkout saga, declared on the kit's saga engine (kit/saga.ts, ADR 0023): reserve the stock
 * online, authorise the payment, commit the stock; each step with the compensation that undoes it
 * and what its failure means. The engine persists the step before each call and the move after it,
 * fences runs by lease, compensates in reverse and recovers interrupted checkouts. What is
 * ecommerce's own: the order's status and history follow every move, a confirmed order leaves the
 * cart, and the order's events are written with the move that causes them.
 */

export { IllegalTransition, LeaseLost };

/** The run driving one saga: its order and the lease it holds. */
export interface SagaLease {
  orderId: string;
  owner: string;
}

/** One drive of a checkout: what it knows already, so that the live path reads nothing twice. */
export interface CheckoutRun extends SagaRun<CheckoutSaga> {
  ctx: EcommerceContext;
  /** The order (totals, card), when the caller holds it. */
  order?: Order;
  /** Its lines, when the caller holds them. */
  lines?: OrderLine[];
}

/** Failure codes a customer can act on; the checkout payload returns them as UserErrors. */
const FAILURE_MESSAGES: Record<string, string> = {
  INSUFFICIENT_STOCK: 'Not enough stock online for this order',
  PAYMENT_DECLINED: 'The card issuer declined the payment',
  PAYMENT_TIMEOUT: 'The payment provider did not answer in time; nothing was charged',
};

const COMPENSATION_TEXT: Record<CompensationStep, string> = {
  VOID_PAYMENT: 'payment authorisation voided',
  REFUND_PAYMENT: 'payment refunded',
  RELEASE_STOCK: 'stock reservation released',
  RESTOCK: `stock returned to ${ONLINE_LOCATION_ID}`,
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function orderOf(run: CheckoutRun): Promise<Order | null> {
  run.order ??= (await orderById(run.ctx, run.lease.id)) ?? undefined;
  return run.order ?? null;
}

async function linesOf(run: CheckoutRun): Promise<OrderLine[]> {
  run.lines ??= await orderLinesByOrders(run.ctx, [run.lease.id]);
  return run.lines;
}

// ---------- the steps ----------

/**
 * The stock leaves the online location in one call to inventory (takeStock: every line or none, idempotent
 * by order id), once the payment is authorised.
 */
async function takeStock(run: CheckoutRun): Promise<StepResult<StepValue>> {
  const { ctx } = run;
  const lines = await linesOf(run);
  const wanted = lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
  let res = await ctx.inventory.take(run.lease.id, wanted);
  // Retried a few times in this run while its outcome is unknown (idempotent by order id), then left to recovery.
  for (let i = 1; i < ctx.config.commitTriesPerRun && !res.ok && res.transient; i += 1) {
    await sleep(200 * 2 ** i);
    res = await ctx.inventory.take(run.lease.id, wanted);
  }
  if (!res.ok) return res;
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  return {
    ok: true,
    value: {
      note: `Took ${plural(units, 'unit')} of ${plural(lines.length, 'product')} from ${ONLINE_LOCATION_ID} (reservation ${res.value.reservationId}); ordered products removed from the cart`,
    },
  };
}

/** The provider's authorisation, raced against the saga's own timeout; no transaction is open meanwhile. */
async function authorizePayment(run: CheckoutRun): Promise<StepResult<StepValue>> {
  const { ctx, row: saga } = run;
  const order = await orderOf(run);
  if (!order) return { ok: false, transient: false, code: 'ORDER_MISSING', message: 'the order row is gone' };
  if (!saga.paymentToken) {
    return { ok: false, transient: false, code: 'PAYMENT_DECLINED', message: 'No payment method on the order' };
  }
  const controller = new AbortController();
  const timeoutMs = ctx.config.paymentTimeoutMs;
  // Enforced here whatever the provider does with the signal: a provider that ignores it still loses the race.
  const timedOut = new Promise<'timeout'>((resolve) => {
    const timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
    timer.unref();
    controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
  const attempt = ctx.payments
    .authorize(
      { orderId: order.id, token: saga.paymentToken, amountCents: order.totalCents, currency: order.currency },
      controller.signal,
    )
    .catch((err: unknown) => ({ error: err as Error }));
  const res = await Promise.race([attempt, timedOut]);
  if (!controller.signal.aborted) controller.abort();
  if (res === 'timeout') {
    return {
      ok: false,
      transient: false,
      code: 'PAYMENT_TIMEOUT',
      message: `The payment provider did not answer within ${timeoutMs} ms`,
    };
  }
  if ('error' in res) {
    return { ok: false, transient: false, code: 'PAYMENT_ERROR', message: `Payment failed: ${res.error.message}` };
  }
  if (!res.ok) return { ok: false, transient: false, code: res.code, message: res.message };
  return {
    ok: true,
    value: {
      set: { authorizationId: res.authorizationId },
      note: `Payment of ${formatMinor(order.totalCents)} ${order.currency} authorised on ${order.paymentBrand} ending ${order.paymentLast4} (${res.authorizationId})`,
    },
  };
}

const reason = (run: CheckoutRun) => run.row.failureCode ?? 'cancelled';
const done = { ok: true as const, value: undefined };

// ---------- the declaration ----------

const CHECKOUT = defineSaga<OrderStatus, SagaStep, CheckoutSaga, CheckoutRun>({
  name: 'checkout',
  noun: 'order',
  table: {
    table: 'checkout_sagas',
    key: 'order_id',
    stateColumn: 'state',
    stateOf: (row) => row.state,
    keyOf: (row) => row.orderId,
    row: SAGA,
    settable: { authorizationId: 'payment_authorization_id' },
  },
  initial: 'PENDING',
  steps: [
    {
      name: 'AUTHORIZE_PAYMENT',
      reaches: 'PAYMENT_AUTHORIZED',
      action: authorizePayment,
      compensation: 'VOID_PAYMENT',
      // A decline authorised nothing; anything else (a timeout, an error) may have: voided.
      onFailure: (failure) => (failure.code === 'PAYMENT_DECLINED' ? 'abort' : 'compensate'),
    },
    {
      name: 'TAKE_STOCK',
      reaches: 'CONFIRMED',
      action: takeStock,
      // A take whose answer was lost is undone by a release, which refuses (and falls back to a
      // restock) when the take did happen, and stops a take still on its way when it did not.
      compensation: 'RELEASE_STOCK',
      // The pivot: retried while its outcome is unknown; a refusal (INSUFFICIENT_STOCK) voids the payment.
      onFailure: (failure, attempts, run) =>
        failure.transient && attempts < run.ctx.config.maxCommitAttempts ? 'retry' : 'compensate',
    },
  ],
  compensations: [
    {
      name: 'RELEASE_STOCK',
      action: (run) => run.ctx.inventory.release(run.lease.id, `order cancelled: ${reason(run)}`),
      // Refused because the stock was taken after all (the take's answer was lost): the units left
      // the stock, so they are put back with a restock instead.
      fallback: { code: 'RESERVATION_NOT_ACTIVE', then: 'RESTOCK' },
    },
    {
      name: 'VOID_PAYMENT',
      action: async (run) => {
        await run.ctx.payments.void(run.lease.id, run.row.paymentAuthorizationId);
        return done;
      },
    },
    {
      name: 'REFUND_PAYMENT',
      action: async (run) => {
        const order = await orderOf(run);
        await run.ctx.payments.refund(
          run.lease.id,
          run.row.paymentAuthorizationId,
          order?.totalCents ?? 0,
          order?.currency ?? 'CAD',
        );
        return done;
      },
    },
    { name: 'RESTOCK', action: (run) => run.ctx.inventory.restock(run.lease.id, `order cancelled: ${reason(run)}`) },
  ],
  aborted: 'CANCELLED',
  failed: { during: 'CANCELLING', done: 'CANCELLED' },
  // cancelOrder after confirmation: the payment is refunded and the stock returned; compensations
  // never give up, a refusal is recorded for people to look at.
  reversal: { during: 'CANCELLING', done: 'CANCELLED', steps: ['REFUND_PAYMENT', 'RESTOCK'], refused: 'continue' },
  transitions: TRANSITIONS,
  open: OPEN_STATES,
  onMove: { writes: () => true, prepare: prepareOrderSide, parts: orderSideParts },
  afterMove: (run, move) => {
    const to = move.to as SagaState;
    // The order as this move left it, for the next move's event.
    if (run.order) {
      const { cancelReason } = describe(move);
      run.order = { ...run.order, status: to, cancelReason: cancelReason ?? run.order.cancelReason };
    }
    if (isTerminal(to)) {
      run.ctx.sagaEvents.finished(run.lease.id, outcomeLabel(to, run.row.failureCode), run.order ?? null);
    }
    run.ctx.sagaEvents.entered(run.lease.id, to);
  },
});

export const CHECKOUT_SAGA = CHECKOUT;

/** What the order's history says of a move, and the cancellation reason it gives the order. */
function describe(move: Move<OrderStatus, SagaStep>): { note: string | null; cancelReason: string | null } {
  const detail = move.detail as { note?: string; cancelReason?: string } | undefined;
  const failure = move.failure;
  const known = failure ? FAILURE_MESSAGES[failure.code] : undefined;
  const cancelReason = failure ? (known ? `${known}: ${failure.message}` : failure.message) : null;
  switch (move.cause) {
    case 'step':
      return { note: move.value?.note ?? null, cancelReason: null };
    case 'abort':
      return {
        note: `${move.step} refused (${failure?.code}): ${failure?.message}; nothing was held`,
        cancelReason,
      };
    case 'compensate':
      return { note: `${move.step} failed (${failure?.code}): ${failure?.message}; compensating`, cancelReason };
    case 'finish': {
      const texts = move.done.map((c) => COMPENSATION_TEXT[c as CompensationStep] ?? c);
      return {
        note: texts.length ? `Compensated: ${texts.join(', ')}` : 'Cancelled; nothing to compensate',
        cancelReason: null,
      };
    }
    default:
      return { note: detail?.note ?? null, cancelReason: detail?.cancelReason ?? null };
  }
}

/** What the order's side of a move needs that a resumed run does not hold yet: the order and its lines. */
async function prepareOrderSide(run: CheckoutRun): Promise<void> {
  await orderOf(run);
  await linesOf(run);
}

/**
 * The order's side of a move, as parts of the move's own statement (one round trip, atomic with it):
 * the order's status and history entry, the ordered products out of the cart once confirmed, and
 * order.confirmed / order.cancelled, built from the order and lines the run holds.
 */
function orderSideParts(run: CheckoutRun, move: Move<OrderStatus, SagaStep>): MoveParts {
  const { order, lines = [] } = run;
  const { note, cancelReason } = describe(move);
  const ctes: string[] = [ORDER_MOVE.status, ORDER_MOVE.history];
  const values: Record<string, unknown> = { orderCancelReason: cancelReason, orderNote: note };
  if (move.to === 'CONFIRMED') {
    ctes.push(ORDER_MOVE.clearCart, ORDER_MOVE.touchCart);
    values.orderedProducts = lines.map((l) => l.productId);
  }
  const event = !order
    ? null
    : move.to === 'CONFIRMED'
      ? orderConfirmed(order, lines)
      : move.to === 'CANCELLED'
        ? orderCancelled(
            { ...order, cancelReason: cancelReason ?? order.cancelReason },
            lines,
            // Undoing a confirmed order (its reversal) is the only way a confirmed order is cancelled.
            run.row.compensateFrom === 'CONFIRMED',
          )
        : null;
  if (!event) return { ctes, values };
  const events = outboxInsertPart('ev', ORDER_MOVE.guard, run.ctx.requestId, [event]);
  return { ctes: [...ctes, events.sql], values: { ...values, ...events.values }, after: eventsWritten };
}

function runOf(
  ctx: EcommerceContext,
  lease: SagaLease,
  row: CheckoutSaga,
  known: Partial<CheckoutRun> = {},
): CheckoutRun {
  return sagaRun(ctx, { id: lease.orderId, owner: lease.owner }, row, known);
}

/**
 * Drives a new checkout from its first step, which the order's creation recorded as in flight; the
 * caller holds the order and its lines, so nothing is read again.
 */
export async function runNewSaga(
  ctx: EcommerceContext,
  lease: SagaLease,
  known: { row: CheckoutSaga; order: Order; lines: OrderLine[] },
): Promise<{ order: Order; lines: OrderLine[]; saga: CheckoutSaga }> {
  const run = runOf(ctx, lease, known.row, { order: known.order, lines: known.lines });
  const { row } = await CHECKOUT.drive(run, known.row.step);
  // The run keeps its order as each move left it (afterMove), its status and reason included.
  return { order: run.order ?? known.order, lines: run.lines ?? known.lines, saga: row };
}

/**
 * Drives a saga as far as it can go now: to CONFIRMED or CANCELLED, or until a step must be retried
 * later (the recovery loop resumes it). Never throws for business reasons; an unexpected error (the
 * database gone) leaves the persisted state for recovery.
 */
export async function runSaga(ctx: EcommerceContext, lease: SagaLease): Promise<void> {
  const row = await sagaByOrder(ctx, lease.orderId);
  if (!row || row.owner !== lease.owner) return;
  await CHECKOUT.drive(runOf(ctx, lease, row));
}

export interface TransitionInput extends SagaLease {
  from: SagaState;
  to: SagaState;
  note: string | null;
  compensateFrom?: SagaState;
  failureCode?: string | null;
  cancelReason?: string;
}

/**
 * One move asked for directly (tests, operators' tools), with its history note: checked against the
 * transition table (IllegalTransition, recorded on the saga) and conditional on the lease.
 */
export async function transition(ctx: EcommerceContext, move: TransitionInput): Promise<void> {
  const row = requireFound(await sagaByOrder(ctx, move.orderId), () => new LeaseLost(move.orderId, 'order'));
  await CHECKOUT.move(runOf(ctx, move, row), {
    from: move.from,
    to: move.to,
    compensateFrom: move.compensateFrom ?? null,
    failureCode: move.failureCode ?? null,
    detail: { note: move.note, cancelReason: move.cancelReason },
  });
}

export type CancelTakeover =
  | { ok: true; from: SagaState; row: CheckoutSaga }
  | { ok: false; reason: 'NOT_FOUND' | 'INVALID_STATE'; status?: string };

export interface TakeoverInput extends SagaLease {
  failureCode: string;
  cancelReason: string;
  note: string;
}

/**
 * Takes a saga over to cancel its order (cancelOrder, or recovery of a checkout abandoned too long):
 * the order row is locked so shipping cannot slip in, the lease passes to `owner`, and the saga enters
 * CANCELLING with the compensations of the state it was in. Whoever drove it before stops at its
 * next write.
 */
export async function takeOverForCancellation(ctx: EcommerceContext, input: TakeoverInput): Promise<CancelTakeover> {
  const { orderId, owner } = input;
  return ctx.em.transactional(async (tx) => {
    const order = await queryOne(tx, LOCK_ORDER, { orderId });
    if (!order) return { ok: false, reason: 'NOT_FOUND' } as const;
    const status = order.status as OrderStatus;
    if (!isCancellable(status)) return { ok: false, reason: 'INVALID_STATE', status } as const;
    const taken = await CHECKOUT.takeOver(
      { ctx: { ...ctx, em: tx }, em: tx, log: ctx.log, lease: { id: orderId, owner } },
      {
        from: ['PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CONFIRMED'],
        failureCode: input.failureCode,
        detail: { note: input.note, cancelReason: input.cancelReason },
      },
    );
    if (!taken) return { ok: false, reason: 'INVALID_STATE', status } as const;
    return { ok: true, from: taken.compensateFrom as SagaState, row: taken } as const;
  });
}

/** The UserError code and message a checkout payload shows for a cancelled order, if any. */
export function failureForClient(
  failureCode: string | null,
  cancelReason: string | null,
): { code: string; message: string } | null {
  if (!failureCode || failureCode === 'CANCELLED_BY_REQUEST') return null;
  return { code: failureCode, message: cancelReason ?? FAILURE_MESSAGES[failureCode] ?? 'The checkout failed' };
}
