import { setTimeout as sleep } from 'node:timers/promises';
import {
  driveSaga,
  legacyExecute,
  formatMinor,
  IllegalTransition,
  LeaseLost,
  ONLINE_LOCATION_ID,
  legacyQueryOne,
  sagaStore,
  type StepResult,
} from '../../kit/domain';
import type { EcommerceContext } from './context';
import { recordOrderEvents, sagaTransitionEvent } from './events';
import { orderById, orderLinesByOrders, SAGA, sagaByOrder } from './reads';
import {
  compensationFallback,
  isCancellable,
  isTerminal,
  nextAction,
  onStepFailure,
  outcomeLabel,
  TRANSITIONS,
  type CompensationStep,
  type ForwardStep,
  type SagaState,
} from './saga';
import type { CheckoutSaga } from './types';

/**
 * Executes the checkout saga (domain/saga.ts) step by step on the kit's saga machinery (kit/saga.ts):
 * before each step the saga row records the step and its attempt; after it, one transaction moves saga
 * and order to the next state and appends the history entry. The saga row's `owner` is a lease: every
 * write is conditional on it, so when the recovery loop or a cancellation takes a saga over, the
 * previous runner's next write fails and it stops (LeaseLost) instead of racing. These writes are lean
 * SQL, not the unit of work, because each is conditional (`where owner = ? and state = ?`) and its row
 * count is the answer.
 */

export { IllegalTransition, LeaseLost };

/** The run driving one saga: its order and the lease it holds. */
export interface SagaLease {
  orderId: string;
  owner: string;
}

/** checkout_sagas as the kit's saga store writes it; recovery claims what `open` selects. */
export const CHECKOUT_SAGAS = sagaStore({
  table: 'checkout_sagas',
  key: 'order_id',
  idOf: (lease: SagaLease) => lease.orderId,
  noun: 'order',
  row: SAGA,
  transitions: TRANSITIONS,
  // checkout_sagas_open_idx's predicate.
  open: "state not in ('CONFIRMED', 'CANCELLED')",
});

/** Failure codes a customer can act on; the checkout payload returns them as UserErrors. */
const FAILURE_MESSAGES: Record<string, string> = {
  INSUFFICIENT_STOCK: 'Not enough stock online for this order',
  PAYMENT_DECLINED: 'The card issuer declined the payment',
  PAYMENT_TIMEOUT: 'The payment provider did not answer in time; nothing was charged',
};

export interface TransitionInput extends SagaLease {
  from: SagaState;
  to: SagaState;
  note: string | null;
  compensateFrom?: SagaState;
  failureCode?: string | null;
  cancelReason?: string;
  authorizationId?: string;
}

/**
 * Moves saga and order from `from` to `to` in one transaction, with a history entry and, for
 * CONFIRMED and CANCELLED, the order's event (domain/events.ts), and tells the observer. A move the transition table does not allow is refused before anything is written: the
 * refusal is recorded on the saga (last_error) and thrown as IllegalTransition.
 */
export async function transition(ctx: EcommerceContext, move: TransitionInput): Promise<void> {
  const { orderId, owner, from, to } = move;
  await CHECKOUT_SAGAS.checkTransition(ctx.em, move, from, to);
  await ctx.em.transactional(async (tem) => {
    const n = await legacyExecute(
      tem,
      `update checkout_sagas
          set state = ?, step = null, attempts = 0, last_error = null,
              compensate_from = coalesce(?, compensate_from),
              failure_code = coalesce(?, failure_code),
              payment_authorization_id = coalesce(?, payment_authorization_id),
              updated_at = now()
        where order_id = ? and owner = ? and state = ?`,
      [to, move.compensateFrom ?? null, move.failureCode ?? null, move.authorizationId ?? null, orderId, owner, from],
    );
    if (n === 0) throw new LeaseLost(orderId, 'order');
    await legacyExecute(
      tem,
      'update orders set status = ?, cancel_reason = coalesce(?, cancel_reason), updated_at = now() where id = ?',
      [to, move.cancelReason ?? null, orderId],
    );
    await legacyExecute(tem, 'insert into order_status_changes (order_id, status, note) values (?, ?, ?)', [
      orderId,
      to,
      move.note,
    ]);
    if (to === 'CONFIRMED') {
      // The ordered products leave the cart; lines added meanwhile for other products stay.
      await legacyExecute(
        tem,
        `delete from cart_lines cl
          using carts c, orders o
          where cl.cart_id = c.id and c.status = 'ACTIVE' and c.customer_id = o.customer_id and o.id = ?
            and cl.product_id in (select product_id from order_lines where order_id = ?)`,
        [orderId, orderId],
      );
      await legacyExecute(
        tem,
        `update carts set updated_at = now()
          where status = 'ACTIVE' and customer_id = (select customer_id from orders where id = ?)`,
        [orderId],
      );
    }
    // order.confirmed / order.cancelled: committed with the move, or not at all.
    const event = await sagaTransitionEvent(tem, orderId, to);
    if (event) await recordOrderEvents(tem, ctx.requestId, [event]);
  });
  if (isTerminal(to)) ctx.sagaEvents.finished(orderId, outcomeLabel(to, move.failureCode ?? null));
  ctx.sagaEvents.entered(orderId, to);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

type ForwardResult = StepResult<{ note: string; authorizationId?: string }>;

/** The provider's authorisation, raced against the saga's own timeout. */
async function authorizeWithTimeout(ctx: EcommerceContext, saga: CheckoutSaga): Promise<ForwardResult> {
  const order = await orderById(ctx, saga.orderId);
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
      authorizationId: res.authorizationId,
      note: `Payment of ${formatMinor(order.totalCents)} ${order.currency} authorised on ${order.paymentBrand} ending ${order.paymentLast4} (${res.authorizationId})`,
    },
  };
}

async function reserveStock(ctx: EcommerceContext, orderId: string): Promise<ForwardResult> {
  const lines = await orderLinesByOrders(ctx, [orderId]);
  const res = await ctx.inventory.reserve(
    orderId,
    lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
    ctx.config.reservationTtlSeconds,
  );
  if (!res.ok) return res;
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  return {
    ok: true,
    value: {
      note: `Reserved ${plural(units, 'unit')} of ${plural(lines.length, 'product')} at ${ONLINE_LOCATION_ID} (reservation ${res.value.reservationId})`,
    },
  };
}

/** The pivot: retried a few times in this run when its outcome is unknown, then left to recovery. */
async function commitStock(ctx: EcommerceContext, orderId: string): Promise<ForwardResult> {
  let res: StepResult = await ctx.inventory.commit(orderId);
  for (let i = 1; i < ctx.config.commitTriesPerRun && !res.ok && res.transient; i += 1) {
    await sleep(200 * 2 ** i);
    res = await ctx.inventory.commit(orderId);
  }
  if (!res.ok) return res;
  return {
    ok: true,
    value: { note: `Stock committed at ${ONLINE_LOCATION_ID}; ordered products removed from the cart` },
  };
}

function performForward(ctx: EcommerceContext, saga: CheckoutSaga, step: ForwardStep): Promise<ForwardResult> {
  switch (step) {
    case 'RESERVE_STOCK':
      return reserveStock(ctx, saga.orderId);
    case 'AUTHORIZE_PAYMENT':
      return authorizeWithTimeout(ctx, saga);
    case 'COMMIT_STOCK':
      return commitStock(ctx, saga.orderId);
  }
}

async function performCompensation(
  ctx: EcommerceContext,
  saga: CheckoutSaga,
  step: CompensationStep,
): Promise<StepResult> {
  const orderId = saga.orderId;
  const reason = saga.failureCode ?? 'cancelled';
  try {
    switch (step) {
      case 'VOID_PAYMENT':
        await ctx.payments.void(orderId, saga.paymentAuthorizationId);
        return { ok: true, value: undefined };
      case 'REFUND_PAYMENT': {
        const order = await orderById(ctx, orderId);
        await ctx.payments.refund(
          orderId,
          saga.paymentAuthorizationId,
          order?.totalCents ?? 0,
          order?.currency ?? 'CAD',
        );
        return { ok: true, value: undefined };
      }
      case 'RELEASE_STOCK':
        return await ctx.inventory.release(orderId, `order cancelled: ${reason}`);
      case 'RESTOCK':
        return await ctx.inventory.restock(orderId, `order cancelled: ${reason}`);
    }
  } catch (err) {
    return { ok: false, transient: true, code: 'COMPENSATION_ERROR', message: (err as Error).message };
  }
}

const COMPENSATION_TEXT: Record<CompensationStep, string> = {
  VOID_PAYMENT: 'payment authorisation voided',
  REFUND_PAYMENT: 'payment refunded',
  RELEASE_STOCK: 'stock reservation released',
  RESTOCK: `stock returned to ${ONLINE_LOCATION_ID}`,
};

/** One forward step; true when the saga should go on with the next action. */
async function runForward(
  ctx: EcommerceContext,
  lease: SagaLease,
  saga: CheckoutSaga,
  action: { step: ForwardStep; next: SagaState },
): Promise<boolean> {
  const { step, next } = action;
  await CHECKOUT_SAGAS.markStep(ctx.em, lease, step);
  const res = await performForward(ctx, saga, step);
  if (res.ok) {
    await transition(ctx, {
      ...lease,
      from: saga.state,
      to: next,
      note: res.value.note,
      authorizationId: res.value.authorizationId,
    });
    return next !== 'CONFIRMED';
  }
  ctx.log.warn(
    { orderId: saga.orderId, step, code: res.code, transient: res.transient, err: res.message },
    'saga step failed',
  );
  const decision = onStepFailure(step, res, saga.attempts + 1, ctx.config.maxCommitAttempts);
  const known = FAILURE_MESSAGES[res.code];
  const cancelReason = known ? `${known}: ${res.message}` : res.message;
  switch (decision.kind) {
    case 'cancel':
      await transition(ctx, {
        ...lease,
        from: saga.state,
        to: 'CANCELLED',
        note: `${step} refused (${res.code}): ${res.message}; nothing was held`,
        failureCode: res.code,
        cancelReason,
      });
      return false;
    case 'compensate':
      await transition(ctx, {
        ...lease,
        from: saga.state,
        to: 'CANCELLING',
        note: `${step} failed (${res.code}): ${res.message}; compensating`,
        compensateFrom: decision.from,
        failureCode: res.code,
        cancelReason,
      });
      return true;
    case 'retry-later':
      await CHECKOUT_SAGAS.recordError(ctx.em, lease, `${step}: ${res.message}`);
      return false;
  }
}

async function markCompensated(ctx: EcommerceContext, lease: SagaLease, steps: CompensationStep[]): Promise<void> {
  const n = await legacyExecute(
    ctx.em,
    `update checkout_sagas
        set compensations_done = compensations_done || array(
              select t.s from unnest(?::text[]) with ordinality as t(s, i)
               where not (t.s = any(compensations_done)) order by t.i),
            step = null, attempts = 0, updated_at = now()
      where order_id = ? and owner = ?`,
    [steps, lease.orderId, lease.owner],
  );
  if (n === 0) throw new LeaseLost(lease.orderId, 'order');
}

/** One compensation (with its fallback); true when the saga should go on with the next action. */
async function runCompensation(
  ctx: EcommerceContext,
  lease: SagaLease,
  saga: CheckoutSaga,
  step: CompensationStep,
): Promise<boolean> {
  await CHECKOUT_SAGAS.markStep(ctx.em, lease, step);
  let res = await performCompensation(ctx, saga, step);
  const done: CompensationStep[] = [step];
  if (!res.ok && !res.transient) {
    const fallback = compensationFallback(step, res.code);
    if (fallback) {
      await CHECKOUT_SAGAS.markStep(ctx.em, lease, fallback);
      res = await performCompensation(ctx, saga, fallback);
      done.push(fallback);
    }
  }
  if (res.ok) {
    await markCompensated(ctx, lease, done);
    return true;
  }
  if (!res.transient) {
    // A definitive refusal will not change by retrying; record it for people to look at and go on.
    ctx.log.error({ orderId: saga.orderId, step, code: res.code, err: res.message }, 'compensation refused');
    await CHECKOUT_SAGAS.recordError(ctx.em, lease, `${step} refused (${res.code}): ${res.message}`);
    await markCompensated(ctx, lease, done);
    return true;
  }
  await CHECKOUT_SAGAS.recordError(ctx.em, lease, `${step}: ${res.message}`);
  return false;
}

async function finishCompensation(ctx: EcommerceContext, lease: SagaLease, saga: CheckoutSaga): Promise<void> {
  const done = saga.compensationsDone.map((c) => COMPENSATION_TEXT[c] ?? c);
  await transition(ctx, {
    ...lease,
    from: 'CANCELLING',
    to: 'CANCELLED',
    note: done.length ? `Compensated: ${done.join(', ')}` : 'Cancelled; nothing to compensate',
    // Unchanged in the row (coalesce); named so the outcome is labelled by the original failure.
    failureCode: saga.failureCode,
  });
}

/**
 * Drives a saga as far as it can go now: to CONFIRMED or CANCELLED, or until a step must be retried
 * later (the recovery loop resumes it). Never throws for business reasons; an unexpected error (the
 * database gone) leaves the persisted state for recovery (kit driveSaga).
 */
export async function runSaga(ctx: EcommerceContext, lease: SagaLease): Promise<void> {
  const { orderId, owner } = lease;
  await driveSaga(ctx.log, { label: 'saga', fields: { orderId } }, async () => {
    // Bounded: the longest path is 3 forward steps, the switch to CANCELLING, 2 compensations and the end.
    for (let i = 0; i < 12; i += 1) {
      const saga = await sagaByOrder(ctx, orderId);
      if (!saga || saga.owner !== owner) return;
      const action = nextAction(saga);
      if (action.kind === 'none') return;
      if (action.kind === 'finish') {
        await finishCompensation(ctx, lease, saga);
        return;
      }
      const goOn =
        action.kind === 'forward'
          ? await runForward(ctx, lease, saga, action)
          : await runCompensation(ctx, lease, saga, action.step);
      if (!goOn) return;
    }
  });
}

export type CancelTakeover =
  { ok: true; from: SagaState } | { ok: false; reason: 'NOT_FOUND' | 'INVALID_STATE'; status?: string };

export interface TakeoverInput extends SagaLease {
  failureCode: string;
  cancelReason: string;
  note: string;
}

/**
 * Takes a saga over to cancel its order (cancelOrder, or recovery of a checkout abandoned too long):
 * the order row is locked so shipping cannot slip in, the lease passes to `owner`, and the saga enters
 * CANCELLING with the compensations of the state it was in. Whoever drove it before stops at its
 * next write. Lean SQL: the lease change is conditional on the saga's state.
 */
export async function takeOverForCancellation(ctx: EcommerceContext, input: TakeoverInput): Promise<CancelTakeover> {
  const { orderId, owner } = input;
  return ctx.em.transactional(async (tem) => {
    const order = await legacyQueryOne<{ status: SagaState | 'SHIPPED' }>(
      tem,
      'select status from orders where id = ? for update',
      [orderId],
    );
    if (!order) return { ok: false, reason: 'NOT_FOUND' } as const;
    if (!isCancellable(order.status)) return { ok: false, reason: 'INVALID_STATE', status: order.status } as const;
    const saga = await legacyQueryOne<{ compensateFrom: SagaState }>(
      tem,
      `update checkout_sagas
          set owner = ?, state = 'CANCELLING', compensate_from = state, compensations_done = '{}',
              failure_code = ?, step = null, attempts = 0, last_error = null, updated_at = now()
        where order_id = ? and state in ('PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CONFIRMED')
        returning compensate_from as "compensateFrom"`,
      [owner, input.failureCode, orderId],
    );
    if (!saga) return { ok: false, reason: 'INVALID_STATE', status: order.status } as const;
    await legacyExecute(tem, "update orders set status = 'CANCELLING', cancel_reason = ?, updated_at = now() where id = ?", [
      input.cancelReason,
      orderId,
    ]);
    await legacyExecute(tem, "insert into order_status_changes (order_id, status, note) values (?, 'CANCELLING', ?)", [
      orderId,
      input.note,
    ]);
    return { ok: true, from: saga.compensateFrom } as const;
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
