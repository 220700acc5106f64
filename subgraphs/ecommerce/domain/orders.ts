import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  decodeCursor,
  encodeCursor,
  forbidden,
  toConnection,
  userError,
  type Connection,
  type Identity,
  type UserError,
} from '../../kit';
import type { DomainDeps } from './deps';
import { fullOrder, ORDER_COLUMNS, orderById, toOrder, type OrderRow, type OrderView } from './rows';
import { runSaga, takeOverForCancellation } from './saga-runner';
import type { OrderStatus } from './saga';
import { execute, query, queryOne } from './sql';

/** Staff roles that see and manage every order. */
const ORDER_STAFF = new Set(['MANAGER', 'ADMIN', 'SERVICE']);

/** Throws FORBIDDEN unless the caller placed the order or is head office / a manager. */
export function assertCanSeeOrder(identity: Identity | null, order: OrderView): void {
  if (!identity) throw forbidden('Sign in to see orders');
  if (ORDER_STAFF.has(identity.role)) return;
  if (identity.role === 'CUSTOMER' && identity.sub === order.customerId) return;
  throw forbidden('This order belongs to another customer');
}

/** Orders newest first, keyset-paginated on the order number's sequence. */
async function ordersPage(
  em: EntityManager,
  where: { customerId?: string; status?: OrderStatus | null },
  first: number,
  after: string | null | undefined,
): Promise<Connection<OrderView>> {
  const cursor = decodeCursor(after, ['bigint']);
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (where.customerId) {
    conditions.push('customer_id = ?');
    params.push(where.customerId);
  }
  if (where.status) {
    conditions.push('status = ?');
    params.push(where.status);
  }
  const countWhere = conditions.length ? `where ${conditions.join(' and ')}` : '';
  const countParams = [...params];
  if (cursor) {
    conditions.push('seq < ?::bigint');
    params.push(String(cursor[0]));
  }
  const pageWhere = conditions.length ? `where ${conditions.join(' and ')}` : '';
  const rows =
    first === 0
      ? []
      : await query<OrderRow>(em, `select ${ORDER_COLUMNS} from orders ${pageWhere} order by seq desc limit ?`, [
          ...params,
          first + 1,
        ]);
  return toConnection(
    rows.map(toOrder),
    first,
    (o) => encodeCursor([o.seq]),
    async () => {
      const row = await queryOne<{ count: string }>(em, `select count(*) from orders ${countWhere}`, countParams);
      return Number(row?.count ?? 0);
    },
    cursor !== null,
  );
}

export function customerOrders(em: EntityManager, customerId: string, first: number, after?: string | null) {
  return ordersPage(em, { customerId }, first, after);
}

export function allOrders(em: EntityManager, first: number, after?: string | null, status?: OrderStatus | null) {
  return ordersPage(em, { status }, first, after);
}

export interface OrderResult {
  order: OrderView | null;
  errors: UserError[];
}

const unknownOrder = (): OrderResult => ({
  order: null,
  errors: [userError('UNKNOWN_ORDER', 'No such order', ['input', 'orderId'])],
});

/**
 * Cancels an order that has not shipped. A confirmed order gets its payment refunded and its stock
 * returned; a checkout still running is taken over and compensated. Runs the compensations now and
 * returns the order as they left it (CANCELLED, or CANCELLING if a step must be retried later).
 */
export async function cancelOrder(
  deps: DomainDeps,
  identity: Identity,
  input: { orderId: string; reason?: string | null },
): Promise<OrderResult> {
  const order = await orderById(deps.em, input.orderId);
  if (!order) return unknownOrder();
  assertCanSeeOrder(identity, order);
  const reason = (input.reason?.trim() || 'Cancelled at the customer’s request').slice(0, 500);
  const by = identity.role === 'CUSTOMER' ? 'the customer' : `${identity.role.toLowerCase()} ${identity.sub}`;
  const owner = `cancel:${deps.config.instanceId}:${randomUUID()}`;
  const taken = await takeOverForCancellation(
    deps.em,
    order.id,
    owner,
    'CANCELLED_BY_REQUEST',
    reason,
    `Cancellation requested by ${by}: ${reason}`,
  );
  if (!taken.ok) {
    if (taken.reason === 'NOT_FOUND') return unknownOrder();
    return {
      order: await fullOrder(deps.em, order.id),
      errors: [
        userError('INVALID_STATE', `An order that is ${taken.status ?? order.status} cannot be cancelled`, [
          'input',
          'orderId',
        ]),
      ],
    };
  }
  await runSaga(deps, order.id, owner);
  return { order: await fullOrder(deps.em, order.id), errors: [] };
}

/** Marks a CONFIRMED order as shipped (staff); after this it can no longer be cancelled. */
export async function shipOrder(
  em: EntityManager,
  input: { orderId: string; note?: string | null },
): Promise<OrderResult> {
  const outcome = await em.transactional(async (tem) => {
    const row = await queryOne<{ status: string }>(tem, 'select status from orders where id = ? for update', [
      input.orderId,
    ]);
    if (!row) return 'UNKNOWN';
    if (row.status !== 'CONFIRMED') return row.status;
    await execute(tem, "update orders set status = 'SHIPPED', updated_at = now() where id = ?", [input.orderId]);
    await execute(tem, "insert into order_status_changes (order_id, status, note) values (?, 'SHIPPED', ?)", [
      input.orderId,
      input.note?.trim().slice(0, 200) || 'Parcel handed to the carrier',
    ]);
    return 'OK';
  });
  if (outcome === 'UNKNOWN') return unknownOrder();
  const order = await fullOrder(em, input.orderId);
  if (outcome !== 'OK') {
    return {
      order,
      errors: [
        userError('INVALID_STATE', `Only CONFIRMED orders can be shipped; this one is ${outcome}`, [
          'input',
          'orderId',
        ]),
      ],
    };
  }
  return { order, errors: [] };
}
