import { queryOne, queryPage, queryRows, type DbContext } from '../../kit/domain';
import { ADDRESS_BY_ID, ADDRESSES_BY_CUSTOMERS } from './sql/addresses';
import { ACTIVE_CART, CART_LINES_BY_CARTS } from './sql/carts';
import { CUSTOMER_BY_EMAIL, CUSTOMERS_BY_IDS } from './sql/customers';
import {
  COUNT_ORDERS,
  HISTORY_BY_ORDERS,
  ORDER_ID_BY_KEY,
  ORDER_LINES_BY_ORDERS,
  ORDERS_BY_IDS,
  ORDERS_PAGE,
  SAGA_BY_ORDER,
} from './sql/orders';
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
 * Lean reads (ADR 0003): the statements of domain/sql/ returning the tables' own row types
 * (domain/types.ts), without entity hydration, for the DataLoaders and mutation payloads.
 */

export { SAGA } from './sql/orders';

export function customersByIds(ctx: DbContext, ids: readonly string[]): Promise<CustomerProfile[]> {
  return queryRows(ctx.em, CUSTOMERS_BY_IDS, { ids });
}

/** The account with its password hash, for login only. */
export function customerByEmail(ctx: DbContext, email: string): Promise<Customer | null> {
  return queryOne(ctx.em, CUSTOMER_BY_EMAIL, { email });
}

/** Addresses of the customers, each customer's default first, then oldest first. */
export function addressesByCustomers(ctx: DbContext, customerIds: readonly string[]): Promise<Address[]> {
  return queryRows(ctx.em, ADDRESSES_BY_CUSTOMERS, { customerIds });
}

export function addressById(ctx: DbContext, id: string): Promise<Address | null> {
  return queryOne(ctx.em, ADDRESS_BY_ID, { id });
}

export function activeCart(ctx: DbContext, customerId: string): Promise<Cart | null> {
  return queryOne(ctx.em, ACTIVE_CART, { customerId });
}

/** Lines of the carts, oldest first. */
export function cartLinesByCarts(ctx: DbContext, cartIds: readonly string[]): Promise<CartLine[]> {
  return queryRows(ctx.em, CART_LINES_BY_CARTS, { cartIds });
}

export function ordersByIds(ctx: DbContext, ids: readonly string[]): Promise<Order[]> {
  return queryRows(ctx.em, ORDERS_BY_IDS, { ids });
}

export async function orderById(ctx: DbContext, id: string): Promise<Order | null> {
  return (await ordersByIds(ctx, [id]))[0] ?? null;
}

export async function orderIdByKey(ctx: DbContext, customerId: string, idempotencyKey: string): Promise<string | null> {
  return (await queryOne(ctx.em, ORDER_ID_BY_KEY, { customerId, idempotencyKey }))?.id ?? null;
}

/** Which orders a list shows: all, one customer's, one status. */
export interface OrderFilter {
  customerId?: string;
  status?: Order['status'] | null;
}

const listFilter = (filter: OrderFilter) => ({ customerId: filter.customerId ?? null, status: filter.status ?? null });

/**
 * Up to `first + 1` orders newest first after the keyset `afterSeq` (the extra row tells whether a
 * next page exists).
 */
export async function ordersPage(
  ctx: DbContext,
  page: { filter: OrderFilter; first: number; afterSeq: string | null },
): Promise<Order[]> {
  return queryPage(ctx.em, ORDERS_PAGE, page.first, { ...listFilter(page.filter), afterSeq: page.afterSeq });
}

export async function countOrders(ctx: DbContext, filter: OrderFilter): Promise<number> {
  const row = await queryOne(ctx.em, COUNT_ORDERS, listFilter(filter));
  return Number(row?.count ?? 0);
}

/** Lines of the orders, in line order. */
export function orderLinesByOrders(ctx: DbContext, orderIds: readonly string[]): Promise<OrderLine[]> {
  return queryRows(ctx.em, ORDER_LINES_BY_ORDERS, { orderIds });
}

/** Status history of the orders, oldest first. */
export function historyByOrders(ctx: DbContext, orderIds: readonly string[]): Promise<OrderStatusChange[]> {
  return queryRows(ctx.em, HISTORY_BY_ORDERS, { orderIds });
}

/** The order with its lines and history read now (mutation payloads). */
export async function orderWithDetails(ctx: DbContext, id: string): Promise<OrderView | null> {
  const order = await orderById(ctx, id);
  if (!order) return null;
  const [lines, history] = await Promise.all([orderLinesByOrders(ctx, [id]), historyByOrders(ctx, [id])]);
  return { ...order, lines, history };
}

export function sagaByOrder(ctx: DbContext, orderId: string): Promise<CheckoutSaga | null> {
  return queryOne(ctx.em, SAGA_BY_ORDER, { orderId });
}
