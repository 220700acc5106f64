import type { Opt } from '@mikro-orm/postgresql';
import type { SagaColumns } from '../../kit/domain';
import type { CompensationStep, OrderStatus, SagaState, SagaStep } from './saga';

/**
 * The one TypeScript shape of each ecommerce table (entities.ts builds its EntitySchemas on these,
 * lean reads return them), plus the few read views that are not a copy of one row, named as such.
 * GraphQL parents are mapped to these types (subgraphs/codegen-mappers.ts).
 */

/** A customer account (customers). */
export interface Customer {
  id: string;
  /** Login email as typed at registration; unique regardless of case (customers_email_lower_unique). */
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  /** Versioned scrypt hash (kit/passwords.ts); never leaves this subgraph, never read by lean reads. */
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A customer as the API shows it: the row without its password hash (view). */
export type CustomerProfile = Omit<Customer, 'passwordHash'>;

/** The postal part of an address; an order keeps a copy of it (orders.shipping_address, jsonb). */
export interface AddressSnapshot {
  recipient: string | null;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
}

/** A saved address of a customer (addresses); at most one per customer is the default. */
export interface Address extends AddressSnapshot {
  id: string;
  customerId: string;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const CART_STATUSES = ['ACTIVE', 'ABANDONED'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

/** A customer's cart (carts); exactly one ACTIVE per customer. */
export interface Cart {
  id: string;
  customerId: string;
  status: CartStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** One product in a cart (cart_lines), priced when added or last changed. */
export interface CartLine {
  id: string;
  cartId: string;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A cart as a payload shows it (view): `lines` is set when the producer read them already. */
export interface CartView extends Cart {
  lines?: CartLine[];
}

/** An online order (orders). */
export interface Order {
  id: string;
  /** The order number's integer (bigint, carried as a string): keyset pagination key, newest highest. */
  seq: string;
  /** "W-000123". */
  number: string;
  customerId: string;
  status: OrderStatus;
  currency: string;
  subtotalCents: number;
  totalCents: number;
  shippingAddress: AddressSnapshot;
  billingAddress: AddressSnapshot;
  paymentBrand: string;
  paymentLast4: string;
  idempotencyKey: string;
  cancelReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One product of an order (order_lines), at the price charged. */
export interface OrderLine {
  id: string;
  orderId: string;
  /** 1, 2, ... in cart order. */
  lineNo: number;
  productId: string;
  /**
   * The product's category when the order was placed (products' lookup at checkout), for the order
   * events (docs/events.md); null when unclassified, or for lines written before it was kept.
   */
  categoryId: string | null;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

/** One entry of an order's status history (order_status_changes). */
export interface OrderStatusChange {
  /** bigint identity (a string so no precision is lost); the database assigns it. */
  id: Opt<string>;
  orderId: string;
  status: OrderStatus;
  at: Date;
  note: string | null;
}

/**
 * An order as a payload shows it (view): mutations attach the lines and history they produced, so
 * the answer never comes from a loader primed before the change.
 */
export interface OrderView extends Order {
  lines?: OrderLine[];
  history?: OrderStatusChange[];
}

/**
 * The persisted checkout saga of an order (checkout_sagas); see domain/saga.ts. Its step, attempts,
 * lease owner, last error and failure code are the kit's saga bookkeeping (kit/saga.ts).
 */
export interface CheckoutSaga extends SagaColumns<SagaStep> {
  orderId: string;
  state: SagaState;
  /** The state compensation started from; set while CANCELLING. */
  compensateFrom: SagaState | null;
  compensationsDone: CompensationStep[];
  /** The payment provider's token for the card (never the card number). */
  paymentToken: string | null;
  paymentAuthorizationId: string | null;
  createdAt: Date;
  updatedAt: Date;
}
