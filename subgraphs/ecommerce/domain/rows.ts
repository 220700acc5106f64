import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrderStatus, SagaState } from './saga';
import { query, queryOne } from './sql';

/** Plain domain objects read with lean SQL; resolvers map them to GraphQL types. */

export interface CustomerView {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  createdAt: Date;
}

export interface AddressFields {
  recipient: string | null;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  country: string;
}

export interface AddressView extends AddressFields {
  id: string;
  customerId: string;
  isDefault: boolean;
  createdAt: Date;
}

export interface CartLineView {
  id: string;
  cartId: string;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export interface CartView {
  id: string;
  customerId: string;
  updatedAt: Date;
  /** Present when the producer already read the lines (mutation payloads), so no stale loader is used. */
  lines?: CartLineView[];
}

export interface OrderLineView {
  id: string;
  orderId: string;
  lineNo: number;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export interface StatusChangeView {
  orderId: string;
  status: OrderStatus;
  at: Date;
  note: string | null;
}

export interface OrderView {
  id: string;
  /** Keyset pagination key (bigint as string). */
  seq: string;
  number: string;
  customerId: string;
  status: OrderStatus;
  currency: string;
  subtotalCents: number;
  totalCents: number;
  shippingAddress: AddressFields;
  billingAddress: AddressFields;
  paymentBrand: string;
  paymentLast4: string;
  idempotencyKey: string;
  cancelReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Attached by mutations that return the order, so the payload shows the state they produced. */
  lines?: OrderLineView[];
  history?: StatusChangeView[];
}

export interface SagaView {
  orderId: string;
  state: SagaState;
  step: string | null;
  compensateFrom: SagaState | null;
  compensationsDone: string[];
  attempts: number;
  lastError: string | null;
  failureCode: string | null;
  paymentToken: string | null;
  paymentAuthorizationId: string | null;
  owner: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** timestamptz columns arrive as strings (MikroORM's pg type parsers) or Dates; domain objects hold Dates. */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

export const CUSTOMER_COLUMNS = 'id, email, first_name, last_name, phone, created_at';
export interface CustomerRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  created_at: Date | string;
}
export function toCustomer(r: CustomerRow): CustomerView {
  return {
    id: r.id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    phone: r.phone,
    createdAt: toDate(r.created_at),
  };
}

export const ADDRESS_COLUMNS =
  'id, customer_id, recipient, line1, line2, city, region, postal_code, country, is_default, created_at';
export interface AddressRow {
  id: string;
  customer_id: string;
  recipient: string | null;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postal_code: string;
  country: string;
  is_default: boolean;
  created_at: Date | string;
}
export function toAddress(r: AddressRow): AddressView {
  return {
    id: r.id,
    customerId: r.customer_id,
    recipient: r.recipient,
    line1: r.line1,
    line2: r.line2,
    city: r.city,
    region: r.region,
    postalCode: r.postal_code,
    country: r.country,
    isDefault: r.is_default,
    createdAt: toDate(r.created_at),
  };
}

export const CART_LINE_COLUMNS = 'id, cart_id, product_id, quantity, unit_price_cents, currency';
export interface CartLineRow {
  id: string;
  cart_id: string;
  product_id: string;
  quantity: number;
  unit_price_cents: number;
  currency: string;
}
export function toCartLine(r: CartLineRow): CartLineView {
  return {
    id: r.id,
    cartId: r.cart_id,
    productId: r.product_id,
    quantity: r.quantity,
    unitPriceCents: r.unit_price_cents,
    currency: r.currency,
  };
}

export const ORDER_COLUMNS =
  'id, seq, number, customer_id, status, currency, subtotal_cents, total_cents, shipping_address, billing_address, ' +
  'payment_brand, payment_last4, idempotency_key, cancel_reason, created_at, updated_at';
export interface OrderRow {
  id: string;
  seq: string;
  number: string;
  customer_id: string;
  status: OrderStatus;
  currency: string;
  subtotal_cents: number;
  total_cents: number;
  shipping_address: AddressFields;
  billing_address: AddressFields;
  payment_brand: string;
  payment_last4: string;
  idempotency_key: string;
  cancel_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}
export function toOrder(r: OrderRow): OrderView {
  return {
    id: r.id,
    seq: String(r.seq),
    number: r.number,
    customerId: r.customer_id,
    status: r.status,
    currency: r.currency,
    subtotalCents: r.subtotal_cents,
    totalCents: r.total_cents,
    shippingAddress: r.shipping_address,
    billingAddress: r.billing_address,
    paymentBrand: r.payment_brand,
    paymentLast4: r.payment_last4,
    idempotencyKey: r.idempotency_key,
    cancelReason: r.cancel_reason,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

interface OrderLineRow {
  id: string;
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price_cents: number;
  currency: string;
}
interface StatusChangeRow {
  order_id: string;
  status: OrderStatus;
  at: Date | string;
  note: string | null;
}
interface SagaRow {
  order_id: string;
  state: SagaState;
  step: string | null;
  compensate_from: SagaState | null;
  compensations_done: string[];
  attempts: number;
  last_error: string | null;
  failure_code: string | null;
  payment_token: string | null;
  payment_authorization_id: string | null;
  owner: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

// ---------- batched reads (loaders.ts) and single reads ----------

export async function customersByIds(em: EntityManager, ids: readonly string[]): Promise<CustomerView[]> {
  const rows = await query<CustomerRow>(em, `select ${CUSTOMER_COLUMNS} from customers where id = any(?::text[])`, [
    ids,
  ]);
  return rows.map(toCustomer);
}

export async function addressesByCustomers(em: EntityManager, customerIds: readonly string[]): Promise<AddressView[]> {
  const rows = await query<AddressRow>(
    em,
    `select ${ADDRESS_COLUMNS} from addresses where customer_id = any(?::text[])
     order by customer_id, is_default desc, created_at, id`,
    [customerIds],
  );
  return rows.map(toAddress);
}

export async function addressById(em: EntityManager, id: string): Promise<AddressView | null> {
  const row = await queryOne<AddressRow>(em, `select ${ADDRESS_COLUMNS} from addresses where id = ?`, [id]);
  return row ? toAddress(row) : null;
}

export async function cartLinesByCarts(em: EntityManager, cartIds: readonly string[]): Promise<CartLineView[]> {
  const rows = await query<CartLineRow>(
    em,
    `select ${CART_LINE_COLUMNS} from cart_lines where cart_id = any(?::text[]) order by cart_id, created_at, id`,
    [cartIds],
  );
  return rows.map(toCartLine);
}

export async function ordersByIds(em: EntityManager, ids: readonly string[]): Promise<OrderView[]> {
  const rows = await query<OrderRow>(em, `select ${ORDER_COLUMNS} from orders where id = any(?::text[])`, [ids]);
  return rows.map(toOrder);
}

export async function orderById(em: EntityManager, id: string): Promise<OrderView | null> {
  return (await ordersByIds(em, [id]))[0] ?? null;
}

export async function orderLinesByOrders(em: EntityManager, orderIds: readonly string[]): Promise<OrderLineView[]> {
  const rows = await query<OrderLineRow>(
    em,
    `select id, order_id, line_no, product_id, quantity, unit_price_cents, currency
       from order_lines where order_id = any(?::text[]) order by order_id, line_no`,
    [orderIds],
  );
  return rows.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    lineNo: r.line_no,
    productId: r.product_id,
    quantity: r.quantity,
    unitPriceCents: r.unit_price_cents,
    currency: r.currency,
  }));
}

export async function historyByOrders(em: EntityManager, orderIds: readonly string[]): Promise<StatusChangeView[]> {
  const rows = await query<StatusChangeRow>(
    em,
    'select order_id, status, at, note from order_status_changes where order_id = any(?::text[]) order by order_id, id',
    [orderIds],
  );
  return rows.map((r) => ({ orderId: r.order_id, status: r.status, at: toDate(r.at), note: r.note }));
}

/** The order with its lines and history read now (for mutation payloads). */
export async function fullOrder(em: EntityManager, id: string): Promise<OrderView | null> {
  const order = await orderById(em, id);
  if (!order) return null;
  const [lines, history] = await Promise.all([orderLinesByOrders(em, [id]), historyByOrders(em, [id])]);
  return { ...order, lines, history };
}

export async function sagaByOrder(em: EntityManager, orderId: string): Promise<SagaView | null> {
  const r = await queryOne<SagaRow>(
    em,
    `select order_id, state, step, compensate_from, compensations_done, attempts, last_error, failure_code,
            payment_token, payment_authorization_id, owner, created_at, updated_at
       from checkout_sagas where order_id = ?`,
    [orderId],
  );
  if (!r) return null;
  return {
    orderId: r.order_id,
    state: r.state,
    step: r.step,
    compensateFrom: r.compensate_from,
    compensationsDone: r.compensations_done ?? [],
    attempts: r.attempts,
    lastError: r.last_error,
    failureCode: r.failure_code,
    paymentToken: r.payment_token,
    paymentAuthorizationId: r.payment_authorization_id,
    owner: r.owner,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}
