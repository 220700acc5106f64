import { projection, sql, type Projection } from '../../../kit/domain';
import { AddressSchema, CartLineSchema, OrderSchema } from '../../entities';
import type { Address, CartLine, Order } from '../types';

const ORDER = projection(OrderSchema);
const ADDRESS = projection(AddressSchema);
const CART_LINE = projection(CartLineSchema);

/**
 * The checkout's statements (ADR 0022): creating the order, and the order's side of each saga move
 * (its status, its history, the cart, the lock a cancellation takes). The saga row itself is written
 * by the kit's saga engine.
 */

/** What a checkout reads before it prices the cart (CHECKOUT_INPUTS). */
export interface CheckoutInputs {
  /** The order an earlier checkout with the same key made; null when the key is new. */
  previousOrderId: string | null;
  /** The addresses by the ids the input names, whoever's they are (the caller checks); null: no such id. */
  shipping: Address | null;
  billing: Address | null;
  /** The lines of the customer's active cart, oldest first (none without a cart). */
  lines: CartLine[];
}

const INPUTS_ROW: Projection<CheckoutInputs> = {
  columns: '',
  // JSON objects of the projections: their instants as text until shaped.
  fromRow: (row) => ({
    previousOrderId: (row.previousOrderId as string | null) ?? null,
    shipping: row.shipping ? ADDRESS.fromRow(row.shipping as Record<string, unknown>) : null,
    billing: row.billing ? ADDRESS.fromRow(row.billing as Record<string, unknown>) : null,
    lines: ((row.lines as Record<string, unknown>[] | null) ?? []).map((l) => CART_LINE.fromRow(l)),
  }),
};

/**
 * Everything a checkout reads before it prices the cart, in ONE round trip: the order of an earlier
 * attempt with the same key, the two addresses, the lines of the active cart. Reads only: a refused
 * checkout writes nothing (no cart is created for a customer who has none).
 */
export const CHECKOUT_INPUTS = sql<
  { customerId: string; idempotencyKey: string; shippingId: string; billingId: string | null },
  CheckoutInputs
>(
  `with cart as (select id from carts where customer_id = :customerId and status = 'ACTIVE')
   select (select o.id from orders o where o.customer_id = :customerId and o.idempotency_key = :idempotencyKey)
            as "previousOrderId",
          (select row_to_json(a) from (select ${ADDRESS.columns} from addresses where id = :shippingId) a) as "shipping",
          (select row_to_json(a) from (select ${ADDRESS.columns} from addresses where id = :billingId) a) as "billing",
          (select coalesce(json_agg(l order by l."createdAt", l.id), '[]'::json)
             from (select ${CART_LINE.columns} from cart_lines where cart_id = (select id from cart)) l) as "lines"`,
  { row: INPUTS_ROW },
);

/**
 * The order with its lines, first history entry and saga row (PENDING, its first step recorded as in
 * flight) in ONE statement, so the checkout's writes before its first step are one round trip and
 * atomic without a transaction. Conditional on the idempotency key: `on conflict ... do nothing` on
 * orders_idempotency_unique decides between concurrent duplicates (no row then, nothing written), and
 * the number comes from order_number_seq in the same statement. The cart shows the prices charged.
 */
export const CREATE_ORDER = sql<
  {
    orderId: string;
    customerId: string;
    currency: string;
    subtotalCents: number;
    totalCents: number;
    shipping: string;
    billing: string;
    brand: string;
    last4: string;
    key: string;
    lineIds: string[];
    lineNos: number[];
    productIds: string[];
    categoryIds: (string | null)[];
    quantities: number[];
    prices: number[];
    note: string;
    owner: string;
    paymentToken: string;
    step: string;
    repriceIds: string[];
    repricePrices: number[];
  },
  Order
>(
  `with n as (select nextval('order_number_seq') as v),
   ins as (
     insert into orders (id, seq, number, customer_id, status, currency, subtotal_cents, total_cents,
                         shipping_address, billing_address, payment_brand, payment_last4, idempotency_key)
     select :orderId, n.v, 'W-' || lpad(n.v::text, 6, '0'), :customerId, 'PENDING', :currency, :subtotalCents,
            :totalCents, :shipping::jsonb, :billing::jsonb, :brand, :last4, :key
       from n
     on conflict (customer_id, idempotency_key) do nothing
     returning *
   ),
   -- every line, whatever their number; the category as sold, for the order's events
   lines as (
     insert into order_lines (id, order_id, line_no, product_id, category_id, quantity, unit_price_cents, currency)
     select t.id, ins.id, t.no, t.product_id, t.category_id, t.quantity, t.price, ins.currency
       from ins cross join unnest(:lineIds::text[], :lineNos::int[], :productIds::text[], :categoryIds::text[],
                                  :quantities::int[], :prices::int[])
            as t(id, no, product_id, category_id, quantity, price)
   ),
   history as (insert into order_status_changes (order_id, status, note) select ins.id, 'PENDING', :note from ins),
   saga as (
     insert into checkout_sagas (order_id, state, owner, payment_token, step, attempts)
     select ins.id, 'PENDING', :owner, :paymentToken, :step, 1 from ins
   ),
   -- the cart shows the prices the order was placed at
   repriced as (
     update cart_lines cl set unit_price_cents = t.price, updated_at = now()
       from unnest(:repriceIds::text[], :repricePrices::int[]) as t(id, price)
      where cl.id = t.id and exists (select 1 from ins)
   )
   select ${ORDER.columns} from ins`,
  { row: ORDER },
);

/**
 * The order's side of a saga move, as parts of the move's statement (kit/saga.ts MoveParts): they
 * read `moved` (the saga row as the move wrote it) and `:id`/`:to`, and write nothing when the move
 * changed no row. `o` (the order, its status following the saga's) guards the others.
 */
export const ORDER_MOVE = {
  guard: 'o',
  status: `o as (update orders set status = :to, cancel_reason = coalesce(:orderCancelReason, cancel_reason), updated_at = now()
          where id = :id and exists (select 1 from moved) returning id, customer_id)`,
  history: `h as (insert into order_status_changes (order_id, status, note) select o.id, :to, :orderNote from o)`,
  /** A confirmed order's products leave the customer's active cart; lines added meanwhile for other products stay. */
  clearCart: `cleared as (delete from cart_lines cl using carts c, o
                 where cl.cart_id = c.id and c.status = 'ACTIVE' and c.customer_id = o.customer_id
                   and cl.product_id = any(:orderedProducts::text[]))`,
  touchCart: `touched as (update carts set updated_at = now() from o
                 where carts.status = 'ACTIVE' and carts.customer_id = o.customer_id)`,
} as const;

/** The order row, locked: shipping cannot slip in while a cancellation takes the saga over. */
export const LOCK_ORDER = sql<{ orderId: string }, { status: string }>(
  'select status from orders where id = :orderId for update',
);
