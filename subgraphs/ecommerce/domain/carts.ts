import { randomUUID } from 'node:crypto';
import {
  AccessDenied,
  checkQuantity,
  execute,
  lineTotalCents,
  MAX_LINE_QUANTITY,
  queryOne,
  queryRows,
  requireFound,
  withEm,
  type DbContext,
  type ProductInfo,
} from '../../kit/domain';
import type { AddToCartInput, RemoveCartLineInput, UpdateCartLineInput } from '../generated/resolvers';
import { signedInCustomer, type EcommerceContext } from './context';
import { userError, type EcommerceUserError } from './errors';
import { activeCart, cartLinesByCarts } from './reads';
import {
  ADD_CART_LINE,
  CART_LINE_COUNT,
  CART_LINE_OWNER,
  DELETE_CART_LINE,
  INSERT_ACTIVE_CART,
  LOCK_CART,
  SET_CART_LINE,
  TOUCH_ACTIVE_CART,
  TOUCH_CART,
  type CartLineOwner,
} from './sql/carts';
import type { CartLine, CartView } from './types';

/**
 * The cart mutations are the storefront's hot write path (every "add to cart" click) and each write
 * is one conditional statement by id, so they are lean SQL rather than the unit of work, which would
 * first load every row it changes.
 */

/** Distinct products per cart; also the most lines inventory reserves in one go. */
export const MAX_CART_LINES = 100;

/** A cart's figures: the units in it, its subtotal in minor units and its currency (none while empty). */
export function cartTotals(lines: readonly CartLine[]): {
  itemCount: number;
  subtotalCents: number;
  currency: string | undefined;
} {
  return {
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    subtotalCents: lines.reduce((n, l) => n + lineTotalCents(l), 0),
    currency: lines[0]?.currency,
  };
}

export interface CartResult {
  cart: CartView | null;
  errors: EcommerceUserError[];
}

/**
 * The customer's active cart, created on first use (every customer has exactly one). Two first uses
 * at the same moment both insert; the partial unique index carts_one_active lets one win and the
 * other's `on conflict do nothing` reads the winner's.
 */
export async function ensureCart(ctx: DbContext, customerId: string): Promise<CartView> {
  const found = await activeCart(ctx, customerId);
  if (found) return found;
  await execute(ctx.em, INSERT_ACTIVE_CART, { id: randomUUID(), customerId });
  const created = requireFound(
    await activeCart(ctx, customerId),
    () => new Error(`no active cart for customer ${customerId}`),
  );
  return created;
}

/** The cart with its lines read now, so a payload shows what the mutation did. */
async function loadCart(ctx: DbContext, customerId: string): Promise<CartView> {
  const cart = await ensureCart(ctx, customerId);
  return { ...cart, lines: await cartLinesByCarts(ctx, [cart.id]) };
}

/** UNKNOWN_PRODUCT / PRODUCT_INACTIVE, or the product when it can be sold. */
export async function sellableProduct(
  ctx: Pick<EcommerceContext, 'products'>,
  { productId, field }: { productId: string; field?: string[] },
): Promise<{ product: ProductInfo; error: null } | { product: null; error: EcommerceUserError }> {
  const product = await ctx.products.load(productId);
  if (!product) return { product: null, error: userError('UNKNOWN_PRODUCT', `No product has id ${productId}`, field) };
  if (!product.active) {
    return { product: null, error: userError('PRODUCT_INACTIVE', `${product.name} is no longer sold`, field) };
  }
  return { product, error: null };
}

async function answer(ctx: DbContext, customerId: string, errors: EcommerceUserError[]): Promise<CartResult> {
  return { cart: await loadCart(ctx, customerId), errors };
}

/** Puts units of a product in the caller's cart at its current price (added to its line if there is one). */
export async function addToCart(ctx: EcommerceContext, input: AddToCartInput): Promise<CartResult> {
  const customerId = signedInCustomer(ctx);
  const bad = checkQuantity(input.quantity, ['input', 'quantity']);
  if (bad) return answer(ctx, customerId, [bad]);
  const { product, error } = await sellableProduct(ctx, { productId: input.productId, field: ['input', 'productId'] });
  if (!product) return answer(ctx, customerId, [error]);

  const outcome = await ctx.em.transactional(async (tem): Promise<EcommerceUserError | null> => {
    const cart = await ensureCart(withEm(ctx, tem), customerId);
    await queryRows(tem, LOCK_CART, { cartId: cart.id });
    const counts = await queryOne(tem, CART_LINE_COUNT, { cartId: cart.id, productId: product.id });
    if (!counts?.has && Number(counts?.lines ?? 0) >= MAX_CART_LINES) {
      return userError('CART_FULL', `A cart holds at most ${MAX_CART_LINES} different products`, [
        'input',
        'productId',
      ]);
    }
    const rows = await queryRows(tem, ADD_CART_LINE, {
      id: randomUUID(),
      cartId: cart.id,
      productId: product.id,
      quantity: input.quantity,
      unitPriceCents: product.priceCents,
      currency: product.currency,
      maxQuantity: MAX_LINE_QUANTITY,
    });
    if (rows.length === 0) {
      return userError(
        'INVALID_QUANTITY',
        `The cart would hold more than ${MAX_LINE_QUANTITY} units of ${product.name}`,
        ['input', 'quantity'],
      );
    }
    await execute(tem, TOUCH_CART, { cartId: cart.id });
    return null;
  });
  return answer(ctx, customerId, outcome ? [outcome] : []);
}

/** A cart line of the caller; FORBIDDEN when it is in another customer's cart, null when unknown. */
async function ownLine(ctx: DbContext, customerId: string, lineId: string): Promise<CartLineOwner | null> {
  const line = await queryOne(ctx.em, CART_LINE_OWNER, { lineId });
  if (line && line.customerId !== customerId) throw new AccessDenied('This cart line belongs to another customer');
  return line;
}

const unknownLine = () => userError('UNKNOWN_CART_LINE', 'No such line in your cart', ['input', 'lineId']);

/** Sets a line's quantity and re-prices it at the product's current price. */
export async function updateCartLine(ctx: EcommerceContext, input: UpdateCartLineInput): Promise<CartResult> {
  const customerId = signedInCustomer(ctx);
  const line = await ownLine(ctx, customerId, input.lineId);
  if (!line) return answer(ctx, customerId, [unknownLine()]);
  const bad = checkQuantity(input.quantity, ['input', 'quantity']);
  if (bad) return answer(ctx, customerId, [bad]);
  const { product, error } = await sellableProduct(ctx, { productId: line.productId, field: ['input', 'lineId'] });
  if (!product) return answer(ctx, customerId, [error]);
  const n = await ctx.em.transactional(async (tem) => {
    const changed = await execute(tem, SET_CART_LINE, {
      lineId: line.id,
      quantity: input.quantity,
      unitPriceCents: product.priceCents,
      currency: product.currency,
    });
    await execute(tem, TOUCH_ACTIVE_CART, { customerId });
    return changed;
  });
  return answer(ctx, customerId, n ? [] : [unknownLine()]);
}

export async function removeCartLine(ctx: EcommerceContext, input: RemoveCartLineInput): Promise<CartResult> {
  const customerId = signedInCustomer(ctx);
  const line = await ownLine(ctx, customerId, input.lineId);
  if (!line) return answer(ctx, customerId, [unknownLine()]);
  const n = await ctx.em.transactional(async (tem) => {
    const removed = await execute(tem, DELETE_CART_LINE, { lineId: line.id });
    await execute(tem, TOUCH_ACTIVE_CART, { customerId });
    return removed;
  });
  return answer(ctx, customerId, n ? [] : [unknownLine()]);
}
