import { projection, sql } from '../../../kit/domain';
import { CartLineSchema, CartSchema } from '../../entities';
import type { Cart, CartLine } from '../types';

/**
 * Statements on carts and their lines (ADR 0022). The cart mutations are the storefront's hot write
 * path, so each write is one conditional statement by id (domain/carts.ts says why).
 */

const CART = projection(CartSchema);
const CART_LINE = projection(CartLineSchema);

export const ACTIVE_CART = sql<{ customerId: string }, Cart>(
  `select ${CART.columns} from carts where customer_id = :customerId and status = 'ACTIVE'`,
  { row: CART },
);

/** A first cart; the partial unique index carts_one_active lets one of two concurrent inserts win. */
export const INSERT_ACTIVE_CART = sql<{ id: string; customerId: string }>(
  `insert into carts (id, customer_id) values (:id, :customerId)
   on conflict (customer_id) where status = 'ACTIVE' do nothing`,
);

/** Lines of the carts, oldest first. */
export const CART_LINES_BY_CARTS = sql<{ cartIds: readonly string[] }, CartLine>(
  `select ${CART_LINE.columns} from cart_lines where cart_id = any(:cartIds::text[]) order by cart_id, created_at, id`,
  { row: CART_LINE },
);

/** Serialises the adds to one cart, so that its line-count limit holds. */
export const LOCK_CART = sql<{ cartId: string }, { id: string }>('select id from carts where id = :cartId for update');

/** The cart's number of lines, and whether one of them is the product's. */
export const CART_LINE_COUNT = sql<{ cartId: string; productId: string }, { lines: string; has: boolean | null }>(
  'select count(*) as lines, bool_or(product_id = :productId) as has from cart_lines where cart_id = :cartId',
);

/**
 * Adds units of a product: a new line, or the existing line's quantity plus these, re-priced. The
 * WHERE of the update keeps the sum within :maxQuantity atomically; no row returned means it would not.
 */
export const ADD_CART_LINE = sql<
  Pick<CartLine, 'id' | 'cartId' | 'productId' | 'quantity' | 'unitPriceCents' | 'currency'> & { maxQuantity: number },
  { id: string }
>(
  `insert into cart_lines (id, cart_id, product_id, quantity, unit_price_cents, currency)
   values (:id, :cartId, :productId, :quantity, :unitPriceCents, :currency)
   on conflict (cart_id, product_id) do update
      set quantity = cart_lines.quantity + excluded.quantity,
          unit_price_cents = excluded.unit_price_cents,
          currency = excluded.currency,
          updated_at = now()
    where cart_lines.quantity + excluded.quantity <= :maxQuantity
   returning id`,
);

export const TOUCH_CART = sql<{ cartId: string }>('update carts set updated_at = now() where id = :cartId');

export const TOUCH_ACTIVE_CART = sql<{ customerId: string }>(
  "update carts set updated_at = now() where customer_id = :customerId and status = 'ACTIVE'",
);

/** A cart line with the customer whose cart holds it (ownership checks). */
export interface CartLineOwner {
  id: string;
  productId: string;
  customerId: string;
}

export const CART_LINE_OWNER = sql<{ lineId: string }, CartLineOwner>(
  `select cl.id, cl.product_id as "productId", c.customer_id as "customerId"
     from cart_lines cl join carts c on c.id = cl.cart_id
    where cl.id = :lineId`,
);

/** A line's new quantity at the product's current price. */
export const SET_CART_LINE = sql<{ lineId: string; quantity: number; unitPriceCents: number; currency: string }>(
  `update cart_lines set quantity = :quantity, unit_price_cents = :unitPriceCents, currency = :currency,
          updated_at = now()
    where id = :lineId`,
);

export const DELETE_CART_LINE = sql<{ lineId: string }>('delete from cart_lines where id = :lineId');
