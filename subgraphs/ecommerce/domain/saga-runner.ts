import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { formatMinor, ONLINE_LOCATION_ID } from '../../kit';
import type { StepResult } from '../clients/inventory';
import type { DomainDeps } from './deps';
import { orderById, orderLinesByOrders, sagaByOrder, type SagaView } from './rows';
import {
  compensationFallback,
  isCancellable,
  nextAction,
  onStepFailure,
  outcomeLabel,
  type CompensationStep,
  type ForwardStep,
  type SagaState,
} from './saga';
import { execute, queryOne } from './sql';

/**
 * Executes the checkout saga (domain/saga.ts) step by step. Before each step the saga row records the
 * step and its attempt; after it, one transaction moves saga and order to the next state and appends
 * the history entry. The saga row's `owner` is a lease: every write is conditional on it, so when the
 * recovery loop or a cancellation takes a saga over, the previous runner's next write fails and it
 * stops (LeaseLost) instead of racing.
 */

export class LeaseLost extends Error {
  constructor(orderId: string) {
    super(`saga of order ${orderId} is driven by another runner`);
    this.name = 'LeaseLost';
  }
}

/** Failure codes a customer can act on; the checkout payload returns them as UserErrors. */
const FAILURE_MESSAGES: Record<string, string> = {
  INSUFFICIENT_STOCK: 'Not enough stock online for this order',
  PAYMENT_DECLINED: 'The card issuer declined the payment',
  PAYMENT_TIMEOUT: 'The payment provider did not answer in time; nothing was charged',
};

interface TransitionOptions {
  note: string | null;
  compensateFrom?: SagaState;
  failureCode?: string;
  cancelReason?: string;
  authorizationId?: string;
}

async function markStep(em: EntityManager, orderId: string, owner: string, step: string): Promise<void> {
  const n = await execute(
    em,
    'update checkout_sagas set step = ?, attempts = attempts + 1, updated_at = now() where order_id = ? and owner = ?',
    [step, orderId, owner],
  );
  if (n === 0) throw new LeaseLost(orderId);
}

async function recordError(em: EntityManager, orderId: string, owner: string, message: string): Promise<void> {
  await execute(em, 'update checkout_sagas set last_error = ?, updated_at = now() where order_id = ? and owner = ?', [
    message.slice(0, 1000),
    orderId,
    owner,
  ]);
}

/** Moves saga and order from `from` to `to` in one transaction, with a history entry. */
export async function transition(
  em: EntityManager,
  orderId: string,
  owner: string,
  from: SagaState,
  to: SagaState,
  opts: TransitionOptions,
): Promise<void> {
  await em.transactional(async (tem) => {
    const n = await execute(
      tem,
      `update checkout_sagas
          set state = ?, step = null, attempts = 0, last_error = null,
              compensate_from = coalesce(?, compensate_from),
              failure_code = coalesce(?, failure_code),
              payment_authorization_id = coalesce(?, payment_authorization_id),
              updated_at = now()
        where order_id = ? and owner = ? and state = ?`,
      [to, opts.compensateFrom ?? null, opts.failureCode ?? null, opts.authorizationId ?? null, orderId, owner, from],
    );
    if (n === 0) throw new LeaseLost(orderId);
    await execute(
      tem,
      'update orders set status = ?, cancel_reason = coalesce(?, cancel_reason), updated_at = now() where id = ?',
      [to, opts.cancelReason ?? null, orderId],
    );
    await execute(tem, 'insert into order_status_changes (order_id, status, note) values (?, ?, ?)', [
      orderId,
      to,
      opts.note,
    ]);
    if (to === 'CONFIRMED') {
      // The ordered products leave the cart; lines added meanwhile for other products stay.
      await execute(
        tem,
        `delete from cart_lines cl
          using carts c, orders o
          where cl.cart_id = c.id and c.status = 'ACTIVE' and c.customer_id = o.customer_id and o.id = ?
            and cl.product_id in (select product_id from order_lines where order_id = ?)`,
        [orderId, orderId],
      );
      await execute(
        tem,
        `update carts set updated_at = now()
          where status = 'ACTIVE' and customer_id = (select customer_id from orders where id = ?)`,
        [orderId],
      );
    }
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

type ForwardResult = StepResult<{ note: string; authorizationId?: string }>;

async function authorizeWithTimeout(deps: DomainDeps, saga: SagaView): Promise<ForwardResult> {
  const order = await orderById(deps.em, saga.orderId);
  if (!order) return { ok: false, transient: false, code: 'ORDER_MISSING', message: 'the order row is gone' };
  if (!saga.paymentToken) {
    return { ok: false, transient: false, code: 'PAYMENT_DECLINED', message: 'No payment method on the order' };
  }
  const controller = new AbortController();
  const timeoutMs = deps.config.paymentTimeoutMs;
  // Enforced here whatever the provider does with the signal: a provider that ignores it still loses the race.
  const timedOut = new Promise<'timeout'>((resolve) => {
    const timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
    timer.unref();
    controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
  const attempt = deps.payments
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

async function performForward(deps: DomainDeps, saga: SagaView, step: ForwardStep): Promise<ForwardResult> {
  const orderId = saga.orderId;
  switch (step) {
    case 'RESERVE_STOCK': {
      const lines = await orderLinesByOrders(deps.em, [orderId]);
      const res = await deps.inventory.reserve(
        orderId,
        lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
        deps.config.reservationTtlSeconds,
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
    case 'AUTHORIZE_PAYMENT':
      return authorizeWithTimeout(deps, saga);
    case 'COMMIT_STOCK': {
      let res: StepResult = await deps.inventory.commit(orderId);
      for (let i = 1; i < deps.config.commitTriesPerRun && !res.ok && res.transient; i += 1) {
        await sleep(200 * 2 ** i);
        res = await deps.inventory.commit(orderId);
      }
      if (!res.ok) return res;
      return {
        ok: true,
        value: { note: `Stock committed at ${ONLINE_LOCATION_ID}; ordered products removed from the cart` },
      };
    }
  }
}

async function performCompensation(deps: DomainDeps, saga: SagaView, step: CompensationStep): Promise<StepResult> {
  const orderId = saga.orderId;
  const reason = saga.failureCode ?? 'cancelled';
  try {
    switch (step) {
      case 'VOID_PAYMENT':
        await deps.payments.void(orderId, saga.paymentAuthorizationId);
        return { ok: true, value: undefined };
      case 'REFUND_PAYMENT': {
        const order = await orderById(deps.em, orderId);
        await deps.payments.refund(
          orderId,
          saga.paymentAuthorizationId,
          order?.totalCents ?? 0,
          order?.currency ?? 'CAD',
        );
        return { ok: true, value: undefined };
      }
      case 'RELEASE_STOCK':
        return await deps.inventory.release(orderId, `order cancelled: ${reason}`);
      case 'RESTOCK':
        return await deps.inventory.restock(orderId, `order cancelled: ${reason}`);
    }
  } catch (err) {
    return { ok: false, transient: true, code: 'COMPENSATION_ERROR', message: (err as Error).message };
  }
}

const COMPENSATION_TEXT: Record<string, string> = {
  VOID_PAYMENT: 'payment authorisation voided',
  REFUND_PAYMENT: 'payment refunded',
  RELEASE_STOCK: 'stock reservation released',
  RESTOCK: `stock returned to ${ONLINE_LOCATION_ID}`,
};

function crash(deps: DomainDeps, orderId: string): never {
  deps.log.fatal({ orderId }, 'CHECKOUT_FAULT=crash_after_reserve: exiting right after STOCK_RESERVED was persisted');
  process.exit(86);
}

/** One forward step; true when the saga should go on with the next action. */
async function runForward(
  deps: DomainDeps,
  saga: SagaView,
  owner: string,
  step: ForwardStep,
  next: SagaState,
): Promise<boolean> {
  await markStep(deps.em, saga.orderId, owner, step);
  const res = await performForward(deps, saga, step);
  if (res.ok) {
    await transition(deps.em, saga.orderId, owner, saga.state, next, {
      note: res.value.note,
      authorizationId: res.value.authorizationId,
    });
    if (next === 'CONFIRMED') deps.outcomes.inc({ saga: 'checkout', outcome: 'confirmed' });
    if (step === 'RESERVE_STOCK' && deps.config.fault === 'crash_after_reserve') crash(deps, saga.orderId);
    return next !== 'CONFIRMED';
  }
  deps.log.warn(
    { orderId: saga.orderId, step, code: res.code, transient: res.transient, err: res.message },
    'saga step failed',
  );
  const decision = onStepFailure(step, res, saga.attempts + 1, deps.config.maxCommitAttempts);
  const cancelReason = FAILURE_MESSAGES[res.code] ? `${FAILURE_MESSAGES[res.code]}: ${res.message}` : res.message;
  switch (decision.kind) {
    case 'cancel':
      await transition(deps.em, saga.orderId, owner, saga.state, 'CANCELLED', {
        note: `${step} refused (${res.code}): ${res.message}; nothing was held`,
        failureCode: res.code,
        cancelReason,
      });
      deps.outcomes.inc({ saga: 'checkout', outcome: outcomeLabel('CANCELLED', res.code) });
      return false;
    case 'compensate':
      await transition(deps.em, saga.orderId, owner, saga.state, 'CANCELLING', {
        note: `${step} failed (${res.code}): ${res.message}; compensating`,
        compensateFrom: decision.from,
        failureCode: res.code,
        cancelReason,
      });
      return true;
    case 'retry-later':
      await recordError(deps.em, saga.orderId, owner, `${step}: ${res.message}`);
      return false;
  }
}

async function markCompensated(em: EntityManager, orderId: string, owner: string, steps: string[]): Promise<void> {
  const n = await execute(
    em,
    `update checkout_sagas
        set compensations_done = compensations_done || array(
              select t.s from unnest(?::text[]) with ordinality as t(s, i)
               where not (t.s = any(compensations_done)) order by t.i),
            step = null, attempts = 0, updated_at = now()
      where order_id = ? and owner = ?`,
    [steps, orderId, owner],
  );
  if (n === 0) throw new LeaseLost(orderId);
}

async function runCompensation(
  deps: DomainDeps,
  saga: SagaView,
  owner: string,
  step: CompensationStep,
): Promise<boolean> {
  await markStep(deps.em, saga.orderId, owner, step);
  let res = await performCompensation(deps, saga, step);
  const done: string[] = [step];
  if (!res.ok && !res.transient) {
    const fallback = compensationFallback(step, res.code);
    if (fallback) {
      await markStep(deps.em, saga.orderId, owner, fallback);
      res = await performCompensation(deps, saga, fallback);
      done.push(fallback);
    }
  }
  if (res.ok) {
    await markCompensated(deps.em, saga.orderId, owner, done);
    return true;
  }
  if (!res.transient) {
    // A definitive refusal will not change by retrying; record it for people to look at and go on.
    deps.log.error({ orderId: saga.orderId, step, code: res.code, err: res.message }, 'compensation refused');
    await recordError(deps.em, saga.orderId, owner, `${step} refused (${res.code}): ${res.message}`);
    await markCompensated(deps.em, saga.orderId, owner, done);
    return true;
  }
  await recordError(deps.em, saga.orderId, owner, `${step}: ${res.message}`);
  return false;
}

async function finishCompensation(deps: DomainDeps, saga: SagaView, owner: string): Promise<void> {
  const done = saga.compensationsDone.map((c) => COMPENSATION_TEXT[c] ?? c);
  await transition(deps.em, saga.orderId, owner, 'CANCELLING', 'CANCELLED', {
    note: done.length ? `Compensated: ${done.join(', ')}` : 'Cancelled; nothing to compensate',
  });
  deps.outcomes.inc({ saga: 'checkout', outcome: outcomeLabel('CANCELLED', saga.failureCode) });
}

/**
 * Drives a saga as far as it can go now: to CONFIRMED or CANCELLED, or until a step must be retried
 * later (the recovery loop resumes it). Never throws for business reasons; an unexpected error (the
 * database gone) leaves the persisted state for recovery.
 */
export async function runSaga(deps: DomainDeps, orderId: string, owner: string): Promise<void> {
  try {
    // Bounded: the longest path is 3 forward steps, the switch to CANCELLING, 2 compensations and the end.
    for (let i = 0; i < 12; i += 1) {
      const saga = await sagaByOrder(deps.em, orderId);
      if (!saga || saga.owner !== owner) return;
      const action = nextAction(saga);
      if (action.kind === 'none') return;
      if (action.kind === 'finish') {
        await finishCompensation(deps, saga, owner);
        return;
      }
      const goOn =
        action.kind === 'forward'
          ? await runForward(deps, saga, owner, action.step, action.next)
          : await runCompensation(deps, saga, owner, action.step);
      if (!goOn) return;
    }
  } catch (err) {
    if (err instanceof LeaseLost) {
      deps.log.info({ orderId }, 'saga taken over by another runner; stopping here');
      return;
    }
    deps.log.error({ err, orderId }, 'saga run interrupted; the recovery loop will resume it');
  }
}

export type CancelTakeover =
  { ok: true; from: SagaState } | { ok: false; reason: 'NOT_FOUND' | 'INVALID_STATE'; status?: string };

/**
 * Takes a saga over to cancel its order (cancelOrder, or recovery of a checkout abandoned too long):
 * the order row is locked so shipping cannot slip in, the lease passes to `owner`, and the saga enters
 * CANCELLING with the compensations of the state it was in. Whoever drove it before stops at its
 * next write.
 */
export async function takeOverForCancellation(
  em: EntityManager,
  orderId: string,
  owner: string,
  failureCode: string,
  cancelReason: string,
  note: string,
): Promise<CancelTakeover> {
  return em.transactional(async (tem) => {
    const order = await queryOne<{ status: string }>(tem, 'select status from orders where id = ? for update', [
      orderId,
    ]);
    if (!order) return { ok: false, reason: 'NOT_FOUND' } as const;
    if (!isCancellable(order.status as SagaState))
      return { ok: false, reason: 'INVALID_STATE', status: order.status } as const;
    const saga = await queryOne<{ compensate_from: SagaState }>(
      tem,
      `update checkout_sagas
          set owner = ?, state = 'CANCELLING', compensate_from = state, compensations_done = '{}',
              failure_code = ?, step = null, attempts = 0, last_error = null, updated_at = now()
        where order_id = ? and state in ('PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CONFIRMED')
        returning compensate_from`,
      [owner, failureCode, orderId],
    );
    if (!saga) return { ok: false, reason: 'INVALID_STATE', status: order.status } as const;
    await execute(tem, "update orders set status = 'CANCELLING', cancel_reason = ?, updated_at = now() where id = ?", [
      cancelReason,
      orderId,
    ]);
    await execute(tem, "insert into order_status_changes (order_id, status, note) values (?, 'CANCELLING', ?)", [
      orderId,
      note,
    ]);
    return { ok: true, from: saga.compensate_from } as const;
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
