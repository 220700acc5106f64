import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * What the ORM knows about the ecommerce tables (ADR 0003). Foreign keys are scalar columns, as in
 * the other subgraphs: writes set ids they have validated, reads go through lean SQL. Rules the ORM
 * does not model (lower(email) uniqueness, partial unique indexes, CHECKs) are in the migrations.
 */

export interface CustomerEntity {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  /** Versioned scrypt hash (domain/passwords.ts); never leaves this subgraph. */
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

const timestamps = {
  createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at', onCreate: () => new Date() },
  updatedAt: {
    type: 'Date',
    columnType: 'timestamptz',
    fieldName: 'updated_at',
    onCreate: () => new Date(),
    onUpdate: () => new Date(),
  },
} as const;

export const CustomerSchema = new EntitySchema<CustomerEntity>({
  name: 'Customer',
  tableName: 'customers',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    email: { type: 'string', columnType: 'text' },
    firstName: { type: 'string', columnType: 'text', fieldName: 'first_name' },
    lastName: { type: 'string', columnType: 'text', fieldName: 'last_name' },
    phone: { type: 'string', columnType: 'text', nullable: true },
    passwordHash: { type: 'string', columnType: 'text', fieldName: 'password_hash', hidden: true },
    ...timestamps,
  },
});

export interface AddressEntity {
  id: string;
  customerId: string;
  recipient: string | null;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  country: string;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const AddressSchema = new EntitySchema<AddressEntity>({
  name: 'Address',
  tableName: 'addresses',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    customerId: { type: 'string', columnType: 'text', fieldName: 'customer_id' },
    recipient: { type: 'string', columnType: 'text', nullable: true },
    line1: { type: 'string', columnType: 'text' },
    line2: { type: 'string', columnType: 'text', nullable: true },
    city: { type: 'string', columnType: 'text' },
    region: { type: 'string', columnType: 'text', nullable: true },
    postalCode: { type: 'string', columnType: 'text', fieldName: 'postal_code' },
    country: { type: 'string', columnType: 'text' },
    isDefault: { type: 'boolean', fieldName: 'is_default' },
    ...timestamps,
  },
});

export interface CartEntity {
  id: string;
  customerId: string;
  status: 'ACTIVE' | 'ABANDONED';
  createdAt: Date;
  updatedAt: Date;
}

export const CartSchema = new EntitySchema<CartEntity>({
  name: 'Cart',
  tableName: 'carts',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    customerId: { type: 'string', columnType: 'text', fieldName: 'customer_id' },
    status: { type: 'string', columnType: 'text' },
    ...timestamps,
  },
});

export interface CartLineEntity {
  id: string;
  cartId: string;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}

export const CartLineSchema = new EntitySchema<CartLineEntity>({
  name: 'CartLine',
  tableName: 'cart_lines',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    cartId: { type: 'string', columnType: 'text', fieldName: 'cart_id' },
    productId: { type: 'string', columnType: 'text', fieldName: 'product_id' },
    quantity: { type: 'integer' },
    unitPriceCents: { type: 'integer', fieldName: 'unit_price_cents' },
    currency: { type: 'string', columnType: 'text' },
    ...timestamps,
  },
});

export interface OrderEntity {
  id: string;
  /** The order number's integer (bigint, mapped to string): keyset pagination key, newest = highest. */
  seq: string;
  number: string;
  customerId: string;
  status: string;
  currency: string;
  subtotalCents: number;
  totalCents: number;
  shippingAddress: Record<string, unknown>;
  billingAddress: Record<string, unknown>;
  paymentBrand: string;
  paymentLast4: string;
  idempotencyKey: string;
  cancelReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const OrderSchema = new EntitySchema<OrderEntity>({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    seq: { type: 'bigint', unique: true },
    number: { type: 'string', columnType: 'text', unique: true },
    customerId: { type: 'string', columnType: 'text', fieldName: 'customer_id' },
    status: { type: 'string', columnType: 'text' },
    currency: { type: 'string', columnType: 'text' },
    subtotalCents: { type: 'integer', fieldName: 'subtotal_cents' },
    totalCents: { type: 'integer', fieldName: 'total_cents' },
    shippingAddress: { type: 'json', columnType: 'jsonb', fieldName: 'shipping_address' },
    billingAddress: { type: 'json', columnType: 'jsonb', fieldName: 'billing_address' },
    paymentBrand: { type: 'string', columnType: 'text', fieldName: 'payment_brand' },
    paymentLast4: { type: 'string', columnType: 'text', fieldName: 'payment_last4' },
    idempotencyKey: { type: 'string', columnType: 'text', fieldName: 'idempotency_key' },
    cancelReason: { type: 'string', columnType: 'text', fieldName: 'cancel_reason', nullable: true },
    ...timestamps,
  },
});

export interface OrderLineEntity {
  id: string;
  orderId: string;
  lineNo: number;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export const OrderLineSchema = new EntitySchema<OrderLineEntity>({
  name: 'OrderLine',
  tableName: 'order_lines',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    orderId: { type: 'string', columnType: 'text', fieldName: 'order_id' },
    lineNo: { type: 'integer', fieldName: 'line_no' },
    productId: { type: 'string', columnType: 'text', fieldName: 'product_id' },
    quantity: { type: 'integer' },
    unitPriceCents: { type: 'integer', fieldName: 'unit_price_cents' },
    currency: { type: 'string', columnType: 'text' },
  },
});

export interface OrderStatusChangeEntity {
  /** bigint identity; MikroORM maps bigint to string so no precision is lost. */
  id?: string;
  orderId: string;
  status: string;
  at: Date;
  note: string | null;
}

export const OrderStatusChangeSchema = new EntitySchema<OrderStatusChangeEntity>({
  name: 'OrderStatusChange',
  tableName: 'order_status_changes',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    orderId: { type: 'string', columnType: 'text', fieldName: 'order_id' },
    status: { type: 'string', columnType: 'text' },
    at: { type: 'Date', columnType: 'timestamptz', onCreate: () => new Date() },
    note: { type: 'string', columnType: 'text', nullable: true },
  },
});

export interface CheckoutSagaEntity {
  orderId: string;
  state: string;
  step: string | null;
  compensateFrom: string | null;
  compensationsDone: string[];
  attempts: number;
  lastError: string | null;
  failureCode: string | null;
  /** The payment provider's token for the card (never the card number). */
  paymentToken: string | null;
  paymentAuthorizationId: string | null;
  /** Lease holder: the process-local run id driving the saga. */
  owner: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const CheckoutSagaSchema = new EntitySchema<CheckoutSagaEntity>({
  name: 'CheckoutSaga',
  tableName: 'checkout_sagas',
  properties: {
    orderId: { type: 'string', primary: true, columnType: 'text', fieldName: 'order_id' },
    state: { type: 'string', columnType: 'text' },
    step: { type: 'string', columnType: 'text', nullable: true },
    compensateFrom: { type: 'string', columnType: 'text', fieldName: 'compensate_from', nullable: true },
    compensationsDone: { type: 'string[]', columnType: 'text[]', fieldName: 'compensations_done' },
    attempts: { type: 'integer' },
    lastError: { type: 'string', columnType: 'text', fieldName: 'last_error', nullable: true },
    failureCode: { type: 'string', columnType: 'text', fieldName: 'failure_code', nullable: true },
    paymentToken: { type: 'string', columnType: 'text', fieldName: 'payment_token', nullable: true, hidden: true },
    paymentAuthorizationId: {
      type: 'string',
      columnType: 'text',
      fieldName: 'payment_authorization_id',
      nullable: true,
    },
    owner: { type: 'string', columnType: 'text', nullable: true },
    ...timestamps,
  },
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
];
