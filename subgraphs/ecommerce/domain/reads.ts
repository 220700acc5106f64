import { legacyProjectedRow, legacyProjectedRows, projection, legacyQueryOne } from '../../kit/domain';
import {
  AddressSchema,
  CartLineSchema,
  CartSchema,
  CheckoutSagaSchema,
  CustomerSchema,
  OrderLineSchema,
  OrderSchema,
  OrderStatusChangeSchema,
} from '../entities';
import type { DbContext } from './context';
import type {
  Address,
  Cart,
  CartLine,
  CheckoutSaga,
  Customer,
  CustomerProfile,
  Order,
  OrderLine,
  OrderStatusChange,
  OrderView,
} from './types';

/**
 * Lean reads (ADR 0003): parameterised SQL returning the tables' own row types (domain/types.ts),
 * without entity hydration, for the DataLoaders and mutation payloads. The select lists come from
 * the entity definitions (kit projection), so a column is described once (entities.ts).
 */

const CUSTOMER = projection(CustomerSchema, { omit: ['passwordHash'] });
const CUSTOMER_WITH_HASH = projection(CustomerSchema);
const ADDRESS = projection(AddressSchema);
const CART = projection(CartSchema);
const CART_LINE = projection(CartLineSchema);
const ORDER = projection(OrderSchema);
const ORDER_LINE = projection(OrderLineSchema);
const STATUS_CHANGE = projection(OrderStatusChangeSchema);
export const SAGA = projection(CheckoutSagaSchema);

export function customersByIds(ctx: DbContext, ids: readonly string[]): Promise<CustomerProfile[]> {
  return legacyProjectedRows(ctx.em, CUSTOMER, `select ${CUSTOMER.columns} from customers where id = any(?::text[])`, [ids]);
}

/** The account with its password hash, for login only; `lower(email)` is what the unique index covers. */
export function customerByEmail(ctx: DbContext, email: string): Promise<Customer | null> {
  return legacyProjectedRow(
    ctx.em,
    CUSTOMER_WITH_HASH,
    `select ${CUSTOMER_WITH_HASH.columns} from customers where lower(email) = lower(?)`,
    [email],
  );
}

/** Addresses of the customers, each customer's default first, then oldest first. */
export function addressesByCustomers(ctx: DbContext, customerIds: readonly string[]): Promise<Address[]> {
  return legacyProjectedRows(
    ctx.em,
    ADDRESS,
    `select ${ADDRESS.columns} from addresses where customer_id = any(?::text[])
     order by customer_id, is_default desc, created_at, id`,
    [customerIds],
  );
}

export function addressById(ctx: DbContext, id: string): Promise<Address | null> {
  return legacyProjectedRow(ctx.em, ADDRESS, `select ${ADDRESS.columns} from addresses where id = ?`, [id]);
}

export function activeCart(ctx: DbContext, customerId: string): Promise<Cart | null> {
  return legacyProjectedRow(ctx.em, CART, `select ${CART.columns} from carts where customer_id = ? and status = 'ACTIVE'`, [
    customerId,
  ]);
}

/** Lines of the carts, oldest first. */
export function cartLinesByCarts(ctx: DbContext, cartIds: readonly string[]): Promise<CartLine[]> {
  return legacyProjectedRows(
    ctx.em,
    CART_LINE,
    `select ${CART_LINE.columns} from cart_lines where cart_id = any(?::text[]) order by cart_id, created_at, id`,
    [cartIds],
  );
}

export function ordersByIds(ctx: DbContext, ids: readonly string[]): Promise<Order[]> {
  return legacyProjectedRows(ctx.em, ORDER, `select ${ORDER.columns} from orders where id = any(?::text[])`, [ids]);
}

export async function orderById(ctx: DbContext, id: string): Promise<Order | null> {
  return (await ordersByIds(ctx, [id]))[0] ?? null;
}

export function orderIdByKey(ctx: DbContext, customerId: string, idempotencyKey: string): Promise<string | null> {
  return legacyQueryOne<{ id: string }>(ctx.em, 'select id from orders where customer_id = ? and idempotency_key = ?', [
    customerId,
    idempotencyKey,
  ]).then((row) => row?.id ?? null);
}

/** Which orders a list shows: all, one customer's, one status. */
export interface OrderFilter {
  customerId?: string;
  status?: Order['status'] | null;
}

function orderConditions(filter: OrderFilter): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (filter.customerId) {
    sql.push('customer_id = ?');
    params.push(filter.customerId);
  }
  if (filter.status) {
    sql.push('status = ?');
    params.push(filter.status);
  }
  return { sql, params };
}

const where = (conditions: string[]) => (conditions.length ? `where ${conditions.join(' and ')}` : '');

/**
 * Up to `first + 1` orders newest first after the keyset `afterSeq` (the extra row tells whether a
 * next page exists). Keyset, not offset, so pages stay stable while orders are placed.
 */
export async function ordersPage(
  ctx: DbContext,
  page: { filter: OrderFilter; first: number; afterSeq: string | null },
): Promise<Order[]> {
  if (page.first === 0) return [];
  const { sql, params } = orderConditions(page.filter);
  if (page.afterSeq !== null) {
    sql.push('seq < ?::bigint');
    params.push(page.afterSeq);
  }
  return legacyProjectedRows(ctx.em, ORDER, `select ${ORDER.columns} from orders ${where(sql)} order by seq desc limit ?`, [
    ...params,
    page.first + 1,
  ]);
}

export async function countOrders(ctx: DbContext, filter: OrderFilter): Promise<number> {
  const { sql, params } = orderConditions(filter);
  const row = await legacyQueryOne<{ count: string }>(ctx.em, `select count(*) from orders ${where(sql)}`, params);
  return Number(row?.count ?? 0);
}

/** Lines of the orders, in line order. */
export function orderLinesByOrders(ctx: DbContext, orderIds: readonly string[]): Promise<OrderLine[]> {
  return legacyProjectedRows(
    ctx.em,
    ORDER_LINE,
    `select ${ORDER_LINE.columns} from order_lines where order_id = any(?::text[]) order by order_id, line_no`,
    [orderIds],
  );
}

/** Status history of the orders, oldest first. */
export function historyByOrders(ctx: DbContext, orderIds: readonly string[]): Promise<OrderStatusChange[]> {
  return legacyProjectedRows(
    ctx.em,
    STATUS_CHANGE,
    `select ${STATUS_CHANGE.columns} from order_status_changes where order_id = any(?::text[]) order by order_id, id`,
    [orderIds],
  );
}

/** The order with its lines and history read now (mutation payloads). */
export async function orderWithDetails(ctx: DbContext, id: string): Promise<OrderView | null> {
  const order = await orderById(ctx, id);
  if (!order) return null;
  const [lines, history] = await Promise.all([orderLinesByOrders(ctx, [id]), historyByOrders(ctx, [id])]);
  return { ...order, lines, history };
}

export function sagaByOrder(ctx: DbContext, orderId: string): Promise<CheckoutSaga | null> {
  return legacyProjectedRow(ctx.em, SAGA, `select ${SAGA.columns} from checkout_sagas where order_id = ?`, [orderId]);
}
