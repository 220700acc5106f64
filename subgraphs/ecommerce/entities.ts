import { BigIntType, EntitySchema } from '@mikro-orm/postgresql';
import type {
  Address,
  Cart,
  CartLine,
  CheckoutSaga,
  Customer,
  Order,
  OrderLine,
  OrderStatusChange,
} from './domain/types';
import { CART_STATUSES } from './domain/types';
import { ORDER_STATUSES, SAGA_STATES } from './domain/saga';
import { foreignKey, optionalText, sagaColumns, text, timestamps } from '../kit/columns';
import { OutboxEvent } from '../kit/outbox';

/**
 * The complete description of the ecommerce tables (ADR 0003): columns with their exact types and
 * defaults, keys, foreign keys, unique and partial indexes and CHECK constraints, so that
 * `npm run migration:create -- ecommerce --check` finds nothing the migrations do not already do.
 * Each schema is built on the row's one TypeScript shape (domain/types.ts). Foreign keys are
 * ManyToOne relations mapped to their plain id (kit/columns.ts foreignKey): the domain sets and reads
 * ids, never relation proxies. Constraint and index names are the migrations' (PostgreSQL's `_fkey` defaults).
 * CHECK expressions are written the way PostgreSQL normalises them (`between` becomes `>= and <=`,
 * `in (...)` becomes `= any (array[...])`), which is what the schema comparator reads back.
 * The order_number_seq sequence stays migration-only: the ORM neither models nor diffs sequences.
 */

/** bigint columns as decimal strings, like lean reads (pg's int8) and cursors carry them: no precision lost. */
const bigint = () => new BigIntType('string');

export const CustomerSchema = new EntitySchema<Customer>({
  name: 'Customer',
  tableName: 'customers',
  properties: {
    id: { ...text, primary: true },
    email: text,
    firstName: { ...text, fieldName: 'first_name' },
    lastName: { ...text, fieldName: 'last_name' },
    phone: optionalText,
    passwordHash: { ...text, fieldName: 'password_hash', hidden: true },
    ...timestamps,
  },
  indexes: [
    // Unique regardless of case: Alice@Example.com and alice@example.com are one account.
    {
      name: 'customers_email_lower_unique',
      expression: 'create unique index customers_email_lower_unique on customers (lower(email))',
    },
  ],
  checks: [
    { name: 'customers_email_length', expression: 'length(email) >= 3 and length(email) <= 254' },
    {
      name: 'customers_first_name_length',
      expression: 'length(btrim(first_name)) >= 1 and length(btrim(first_name)) <= 100',
    },
    {
      name: 'customers_last_name_length',
      expression: 'length(btrim(last_name)) >= 1 and length(btrim(last_name)) <= 100',
    },
  ],
});

export const AddressSchema = new EntitySchema<Address>({
  name: 'Address',
  tableName: 'addresses',
  properties: {
    id: { ...text, primary: true },
    customerId: foreignKey('Customer', 'addresses', 'customer_id', { onDelete: 'cascade' }),
    recipient: optionalText,
    line1: text,
    line2: optionalText,
    city: text,
    region: optionalText,
    postalCode: { ...text, fieldName: 'postal_code' },
    country: text,
    isDefault: { type: 'boolean', fieldName: 'is_default', default: false },
    ...timestamps,
  },
  indexes: [
    { name: 'addresses_customer_idx', properties: ['customerId', 'createdAt', 'id'] },
    // At most one default address per customer.
    {
      name: 'addresses_one_default',
      expression: 'create unique index addresses_one_default on addresses (customer_id) where is_default',
    },
  ],
  checks: [{ name: 'addresses_country_format', expression: "country ~ '^[A-Z]{2}$'" }],
});

export const CartSchema = new EntitySchema<Cart>({
  name: 'Cart',
  tableName: 'carts',
  properties: {
    id: { ...text, primary: true },
    customerId: foreignKey('Customer', 'carts', 'customer_id', { onDelete: 'cascade' }),
    status: { enum: true, items: () => CART_STATUSES, columnType: 'text', default: 'ACTIVE' },
    ...timestamps,
  },
  indexes: [
    // Exactly one active cart per customer; older carts may be kept as ABANDONED.
    {
      name: 'carts_one_active',
      expression: "create unique index carts_one_active on carts (customer_id) where status = 'ACTIVE'",
    },
  ],
});

export const CartLineSchema = new EntitySchema<CartLine>({
  name: 'CartLine',
  tableName: 'cart_lines',
  properties: {
    id: { ...text, primary: true },
    cartId: foreignKey('Cart', 'cart_lines', 'cart_id', { onDelete: 'cascade' }),
    productId: { ...text, fieldName: 'product_id' },
    quantity: { type: 'integer' },
    unitPriceCents: { type: 'integer', fieldName: 'unit_price_cents' },
    currency: text,
    ...timestamps,
  },
  uniques: [{ name: 'cart_lines_product_unique', properties: ['cartId', 'productId'] }],
  checks: [
    { name: 'cart_lines_quantity', expression: 'quantity >= 1 and quantity <= 999' },
    { name: 'cart_lines_price', expression: 'unit_price_cents >= 0' },
  ],
});

export const OrderSchema = new EntitySchema<Order>({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: { ...text, primary: true },
    // From order_number_seq, with `number` (checkout's insert); the ORM never generates it.
    seq: { type: bigint() },
    number: text,
    customerId: foreignKey('Customer', 'orders', 'customer_id', { onDelete: 'no action' }),
    status: { enum: true, items: () => ORDER_STATUSES, columnType: 'text' },
    currency: text,
    subtotalCents: { type: 'integer', fieldName: 'subtotal_cents' },
    totalCents: { type: 'integer', fieldName: 'total_cents' },
    shippingAddress: { type: 'json', columnType: 'jsonb', fieldName: 'shipping_address' },
    billingAddress: { type: 'json', columnType: 'jsonb', fieldName: 'billing_address' },
    paymentBrand: { ...text, fieldName: 'payment_brand' },
    paymentLast4: { ...text, fieldName: 'payment_last4' },
    idempotencyKey: { ...text, fieldName: 'idempotency_key' },
    cancelReason: { ...optionalText, fieldName: 'cancel_reason' },
    ...timestamps,
  },
  uniques: [
    { name: 'orders_seq_unique', properties: ['seq'] },
    { name: 'orders_number_unique', properties: ['number'] },
    // One order per checkout attempt: concurrent duplicates of a checkout return the one order.
    { name: 'orders_idempotency_unique', properties: ['customerId', 'idempotencyKey'] },
  ],
  indexes: [
    // Keyset pagination newest first on seq: per customer, and per status (all orders use orders_seq_unique).
    {
      name: 'orders_customer_seq_idx',
      expression: 'create index orders_customer_seq_idx on orders (customer_id, seq desc)',
    },
    { name: 'orders_status_seq_idx', expression: 'create index orders_status_seq_idx on orders (status, seq desc)' },
  ],
  checks: [
    { name: 'orders_totals', expression: 'subtotal_cents >= 0 and total_cents >= 0' },
    { name: 'orders_last4', expression: "payment_last4 ~ '^[0-9]{4}$'" },
  ],
});

export const OrderLineSchema = new EntitySchema<OrderLine>({
  name: 'OrderLine',
  tableName: 'order_lines',
  properties: {
    id: { ...text, primary: true },
    orderId: foreignKey('Order', 'order_lines', 'order_id', { onDelete: 'cascade' }),
    lineNo: { type: 'integer', fieldName: 'line_no' },
    productId: { ...text, fieldName: 'product_id' },
    // Captured at checkout rather than looked up when an event is written: the category as sold.
    categoryId: { ...optionalText, fieldName: 'category_id' },
    quantity: { type: 'integer' },
    unitPriceCents: { type: 'integer', fieldName: 'unit_price_cents' },
    currency: text,
  },
  uniques: [{ name: 'order_lines_no_unique', properties: ['orderId', 'lineNo'] }],
  checks: [
    { name: 'order_lines_quantity', expression: 'quantity >= 1 and quantity <= 999' },
    { name: 'order_lines_price', expression: 'unit_price_cents >= 0' },
  ],
});

export const OrderStatusChangeSchema = new EntitySchema<OrderStatusChange>({
  name: 'OrderStatusChange',
  tableName: 'order_status_changes',
  properties: {
    id: { type: bigint(), primary: true, autoincrement: true, generated: 'by default as identity' },
    orderId: foreignKey('Order', 'order_status_changes', 'order_id', { onDelete: 'cascade' }),
    status: text,
    // clock_timestamp(), not now(): entries written in one transaction keep their real order in time.
    at: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'clock_timestamp()', onCreate: () => new Date() },
    note: optionalText,
  },
  indexes: [{ name: 'order_status_changes_order_idx', properties: ['orderId', 'id'] }],
});

export const CheckoutSagaSchema = new EntitySchema<CheckoutSaga>({
  name: 'CheckoutSaga',
  tableName: 'checkout_sagas',
  properties: {
    orderId: foreignKey('Order', 'checkout_sagas', 'order_id', { onDelete: 'cascade', primary: true }),
    state: { enum: true, items: () => SAGA_STATES, columnType: 'text' },
    // step, owner, attempts, errors, compensate_from, compensations_done: the kit saga engine's bookkeeping.
    ...sagaColumns,
    paymentToken: { ...optionalText, fieldName: 'payment_token', hidden: true },
    paymentAuthorizationId: { ...optionalText, fieldName: 'payment_authorization_id' },
    ...timestamps,
  },
  indexes: [
    // The recovery loop scans only unfinished sagas.
    {
      name: 'checkout_sagas_open_idx',
      expression:
        "create index checkout_sagas_open_idx on checkout_sagas (updated_at) where state not in ('CONFIRMED', 'CANCELLED')",
    },
  ],
});

export const entities = [
  CustomerSchema,
  AddressSchema,
  CartSchema,
  CartLineSchema,
  OrderSchema,
  OrderLineSchema,
  OrderStatusChangeSchema,
  CheckoutSagaSchema,
  // The order events (domain/events.ts), written in the transaction of each change (docs/events.md).
  OutboxEvent,
];
