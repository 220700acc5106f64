import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/postgresql';
import { AccessDenied, checkText, NotAuthenticated, type DomainContext } from '../../kit/domain';
import { OrderSchema, OrderStatusChangeSchema } from '../entities';
import type { CancelOrderInput, ShipOrderInput } from '../generated/resolvers';
import type { EcommerceContext } from './context';
import { userError, type EcommerceUserError } from './errors';
import { orderShipped, recordOrderEvents } from './events';
import { orderById, orderWithDetails } from './reads';
import { runSaga, takeOverForCancellation } from './saga-runner';
import { canTransition } from './saga';
import type { Order, OrderView } from './types';

/** The longest cancellation reason kept (the order's cancelReason), as the SDL documents it. */
export const MAX_CANCEL_REASON_LENGTH = 500;
/** The longest shipping note kept (the history entry's note), as the SDL documents it. */
export const MAX_SHIP_NOTE_LENGTH = 200;

/** Staff roles that see and manage every order. */
const ORDER_STAFF = new Set(['MANAGER', 'ADMIN', 'SERVICE']);

/** Throws FORBIDDEN unless the caller placed the order or is head office / a manager. */
export function assertCanSeeOrder(ctx: Pick<DomainContext, 'identity'>, order: Pick<Order, 'customerId'>): void {
  const identity = ctx.identity;
  if (!identity) throw new AccessDenied('Sign in to see orders');
  if (ORDER_STAFF.has(identity.role)) return;
  if (identity.role === 'CUSTOMER' && identity.sub === order.customerId) return;
  throw new AccessDenied('This order belongs to another customer');
}

/** An order read by id for the caller: null when there is none, FORBIDDEN when it is not theirs to see. */
export function visibleOrder<O extends Pick<Order, 'customerId'>>(
  ctx: Pick<DomainContext, 'identity'>,
  order: O | null,
): O | null {
  if (order) assertCanSeeOrder(ctx, order);
  return order;
}

export interface OrderResult {
  order: OrderView | null;
  errors: EcommerceUserError[];
}

const unknownOrder = (): OrderResult => ({
  order: null,
  errors: [userError('UNKNOWN_ORDER', 'No such order', ['input', 'orderId'])],
});

const invalidState = (order: OrderView | null, message: string): OrderResult => ({
  order,
  errors: [userError('INVALID_STATE', message, ['input', 'orderId'])],
});

/**
 * Cancels an order that has not shipped. A confirmed order gets its payment refunded and its stock
 * returned; a checkout still running is taken over and compensated. Runs the compensations now and
 * returns the order as they left it (CANCELLED, or CANCELLING if a step must be retried later).
 */
export async function cancelOrder(ctx: EcommerceContext, input: CancelOrderInput): Promise<OrderResult> {
  const identity = ctx.identity;
  if (!identity) throw new NotAuthenticated();
  // Refused, never cut: what the caller wrote is kept as written or not at all.
  const tooLong = checkText(input.reason, ['input', 'reason'], {
    required: false,
    max: MAX_CANCEL_REASON_LENGTH,
    code: 'INVALID_REASON',
    label: 'Reason',
  });
  if (tooLong) return { order: null, errors: [tooLong] };
  const order = await orderById(ctx, input.orderId);
  if (!order) return unknownOrder();
  assertCanSeeOrder(ctx, order);
  const reason = input.reason?.trim() || 'Cancelled at the customer’s request';
  const by = identity.role === 'CUSTOMER' ? 'the customer' : `${identity.role.toLowerCase()} ${identity.sub}`;
  const owner = `cancel:${ctx.config.instanceId}:${randomUUID()}`;
  const taken = await takeOverForCancellation(ctx, {
    orderId: order.id,
    owner,
    failureCode: 'CANCELLED_BY_REQUEST',
    cancelReason: reason,
    note: `Cancellation requested by ${by}: ${reason}`,
  });
  if (!taken.ok) {
    if (taken.reason === 'NOT_FOUND') return unknownOrder();
    return invalidState(
      await orderWithDetails(ctx, order.id),
      `An order that is ${taken.status ?? order.status} cannot be cancelled`,
    );
  }
  await runSaga(ctx, { orderId: order.id, owner });
  return { order: await orderWithDetails(ctx, order.id), errors: [] };
}

/**
 * Marks a CONFIRMED order as shipped (staff); after this it can no longer be cancelled. One unit of
 * work under the order's row lock, which a cancellation takes too, so shipping and cancelling never
 * both succeed; order.shipped is written in it.
 */
export async function shipOrder(ctx: DomainContext, input: ShipOrderInput): Promise<OrderResult> {
  const tooLong = checkText(input.note, ['input', 'note'], {
    required: false,
    max: MAX_SHIP_NOTE_LENGTH,
    code: 'INVALID_NOTE',
    label: 'Note',
  });
  if (tooLong) return { order: null, errors: [tooLong] };
  const outcome = await ctx.em.transactional(async (tx) => {
    const order = await tx.findOne(OrderSchema, { id: input.orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!order) return 'UNKNOWN';
    if (!canTransition(order.status, 'SHIPPED')) return order.status;
    const now = new Date();
    const note = input.note?.trim() || 'Parcel handed to the carrier';
    order.status = 'SHIPPED';
    tx.create(OrderStatusChangeSchema, { orderId: order.id, status: 'SHIPPED', at: now, note });
    // The order's row first (its lock is already held), then its event, in the same transaction.
    await tx.flush();
    await recordOrderEvents(tx, ctx.requestId, [orderShipped(order.id, note)]);
    return 'OK';
  });
  if (outcome === 'UNKNOWN') return unknownOrder();
  const order = await orderWithDetails(ctx, input.orderId);
  if (outcome !== 'OK') return invalidState(order, `Only CONFIRMED orders can be shipped; this one is ${outcome}`);
  return { order, errors: [] };
}
