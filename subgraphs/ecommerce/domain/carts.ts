import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { forbidden, userError, type UserError } from '../../kit';
import type { ProductInfo } from '../clients/products';
import type { ProductLookup } from './deps';
import { cartLinesByCarts, toDate, type CartView } from './rows';
import { execute, query, queryOne } from './sql';
import { checkQuantity, MAX_LINE_QUANTITY } from './validation';

/** Distinct products per cart; also the most lines inventory reserves in one go. */
export const MAX_CART_LINES = 100;

export interface CartResult {
  cart: CartView | null;
  errors: UserError[];
}

interface CartRow {
  id: string;
  customer_id: string;
  updated_at: Date | string;
}

/** The customer's active cart, created on first use (every customer has exactly one). */
export async function ensureCart(em: EntityManager, customerId: string): Promise<CartView> {
  const find = () =>
    queryOne<CartRow>(em, "select id, customer_id, updated_at from carts where customer_id = ? and status = 'ACTIVE'", [
      customerId,
    ]);
  let row = await find();
  if (!row) {
    await execute(
      em,
      "insert into carts (id, customer_id) values (?, ?) on conflict (customer_id) where status = 'ACTIVE' do nothing",
      [randomUUID(), customerId],
    );
    row = await find();
  }
  if (!row) throw new Error(`no active cart for customer ${customerId}`);
  return { id: row.id, customerId: row.customer_id, updatedAt: toDate(row.updated_at) };
}

/** The cart with its lines read now, so a payload shows what the mutation did. */
export async function loadCart(em: EntityManager, customerId: string): Promise<CartView> {
  const cart = await ensureCart(em, customerId);
  return { ...cart, lines: await cartLinesByCarts(em, [cart.id]) };
}

/** UNKNOWN_PRODUCT / PRODUCT_INACTIVE, or the product when it can be sold. */
export async function sellableProduct(
  products: ProductLookup,
  productId: string,
  field?: string[],
): Promise<{ product: ProductInfo | null; error: UserError | null }> {
  const product = await products.load(productId);
  if (!product) return { product: null, error: userError('UNKNOWN_PRODUCT', `No product has id ${productId}`, field) };
  if (!product.active) {
    return { product: null, error: userError('PRODUCT_INACTIVE', `${product.name} is no longer sold`, field) };
  }
  return { product, error: null };
}

async function unchanged(em: EntityManager, customerId: string, errors: UserError[]): Promise<CartResult> {
  return { cart: await loadCart(em, customerId), errors };
}

export async function addToCart(
  em: EntityManager,
  products: ProductLookup,
  customerId: string,
  input: { productId: string; quantity: number },
): Promise<CartResult> {
  const bad = checkQuantity(input.quantity, ['input', 'quantity']);
  if (bad) return unchanged(em, customerId, [bad]);
  const { product, error } = await sellableProduct(products, input.productId, ['input', 'productId']);
  if (!product) return unchanged(em, customerId, [error as UserError]);

  const outcome = await em.transactional(async (tem): Promise<UserError | null> => {
    const cart = await ensureCart(tem, customerId);
    // Lock the cart so the line-count limit holds under concurrent adds.
    await query(tem, 'select id from carts where id = ? for update', [cart.id]);
    const counts = await queryOne<{ lines: string; has: boolean }>(
      tem,
      'select count(*) as lines, bool_or(product_id = ?) as has from cart_lines where cart_id = ?',
      [product.id, cart.id],
    );
    if (!counts?.has && Number(counts?.lines ?? 0) >= MAX_CART_LINES) {
      return userError('CART_FULL', `A cart holds at most ${MAX_CART_LINES} different products`, [
        'input',
        'productId',
      ]);
    }
    // Adding to an existing line sums the quantities; the WHERE keeps the sum within the limit atomically.
    const rows = await query<{ id: string }>(
      tem,
      `insert into cart_lines (id, cart_id, product_id, quantity, unit_price_cents, currency)
       values (?, ?, ?, ?, ?, ?)
       on conflict (cart_id, product_id) do update
          set quantity = cart_lines.quantity + excluded.quantity,
              unit_price_cents = excluded.unit_price_cents,
              currency = excluded.currency,
              updated_at = now()
        where cart_lines.quantity + excluded.quantity <= ?
       returning id`,
      [randomUUID(), cart.id, product.id, input.quantity, product.priceCents, product.currency, MAX_LINE_QUANTITY],
    );
    if (rows.length === 0) {
      return userError(
        'INVALID_QUANTITY',
        `The cart would hold more than ${MAX_LINE_QUANTITY} units of ${product.name}`,
        ['input', 'quantity'],
      );
    }
    await execute(tem, 'update carts set updated_at = now() where id = ?', [cart.id]);
    return null;
  });
  return unchanged(em, customerId, outcome ? [outcome] : []);
}

interface OwnedLine {
  id: string;
  product_id: string;
  customer_id: string;
}

/** A cart line of the caller; FORBIDDEN when it is in another customer's cart, null when unknown. */
async function ownLine(em: EntityManager, customerId: string, lineId: string): Promise<OwnedLine | null> {
  const line = await queryOne<OwnedLine>(
    em,
    'select cl.id, cl.product_id, c.customer_id from cart_lines cl join carts c on c.id = cl.cart_id where cl.id = ?',
    [lineId],
  );
  if (line && line.customer_id !== customerId) throw forbidden('This cart line belongs to another customer');
  return line;
}

const unknownLine = () => userError('UNKNOWN_CART_LINE', 'No such line in your cart', ['input', 'lineId']);

/** Sets a line's quantity and re-prices it at the product's current price. */
export async function updateCartLine(
  em: EntityManager,
  products: ProductLookup,
  customerId: string,
  input: { lineId: string; quantity: number },
): Promise<CartResult> {
  const line = await ownLine(em, customerId, input.lineId);
  if (!line) return unchanged(em, customerId, [unknownLine()]);
  const bad = checkQuantity(input.quantity, ['input', 'quantity']);
  if (bad) return unchanged(em, customerId, [bad]);
  const { product, error } = await sellableProduct(products, line.product_id, ['input', 'lineId']);
  if (!product) return unchanged(em, customerId, [error as UserError]);
  const n = await em.transactional(async (tem) => {
    const changed = await execute(
      tem,
      `update cart_lines set quantity = ?, unit_price_cents = ?, currency = ?, updated_at = now() where id = ?`,
      [input.quantity, product.priceCents, product.currency, line.id],
    );
    await execute(tem, "update carts set updated_at = now() where customer_id = ? and status = 'ACTIVE'", [customerId]);
    return changed;
  });
  return unchanged(em, customerId, n ? [] : [unknownLine()]);
}

export async function removeCartLine(
  em: EntityManager,
  customerId: string,
  input: { lineId: string },
): Promise<CartResult> {
  const line = await ownLine(em, customerId, input.lineId);
  if (!line) return unchanged(em, customerId, [unknownLine()]);
  const n = await em.transactional(async (tem) => {
    const removed = await execute(tem, 'delete from cart_lines where id = ?', [line.id]);
    await execute(tem, "update carts set updated_at = now() where customer_id = ? and status = 'ACTIVE'", [customerId]);
    return removed;
  });
  return unchanged(em, customerId, n ? [] : [unknownLine()]);
}
