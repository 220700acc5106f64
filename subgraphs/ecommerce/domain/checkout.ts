import { randomUUID } from 'node:crypto';
import { formatMinor, userError, type UserError } from '../../kit';
import type { ProductInfo } from '../clients/products';
import { sellableProduct } from './carts';
import type { DomainDeps, ProductLookup } from './deps';
import { ensureCart } from './carts';
import { addressById, cartLinesByCarts, fullOrder, sagaByOrder, type AddressFields, type OrderView } from './rows';
import { failureForClient, runSaga } from './saga-runner';
import { execute, query, queryOne } from './sql';
import { checkCard, type CardInputShape } from './validation';

export interface CheckoutInput {
  shippingAddressId: string;
  billingAddressId?: string | null;
  paymentMethod: CardInputShape;
  idempotencyKey: string;
}

export interface CheckoutResult {
  order: OrderView | null;
  errors: UserError[];
}

const MAX_KEY_LENGTH = 100;

/** The order a checkout produced, with the UserError its failure deserves (same answer on every retry). */
async function answerWith(deps: DomainDeps, orderId: string): Promise<CheckoutResult> {
  const order = await fullOrder(deps.em, orderId);
  const saga = await sagaByOrder(deps.em, orderId);
  const errors: UserError[] = [];
  if (order && (order.status === 'CANCELLED' || order.status === 'CANCELLING')) {
    const failure = failureForClient(saga?.failureCode ?? null, order.cancelReason);
    if (failure) errors.push(userError(failure.code, failure.message));
  }
  return { order, errors };
}

async function existingOrderId(deps: DomainDeps, customerId: string, key: string): Promise<string | null> {
  const row = await queryOne<{ id: string }>(
    deps.em,
    'select id from orders where customer_id = ? and idempotency_key = ?',
    [customerId, key],
  );
  return row?.id ?? null;
}

async function ownAddressSnapshot(
  deps: DomainDeps,
  customerId: string,
  addressId: string,
  field: string[],
): Promise<{ address: AddressFields | null; error: UserError | null }> {
  const a = await addressById(deps.em, addressId);
  // Another customer's address is reported exactly like a missing one: nothing to learn from probing.
  if (!a || a.customerId !== customerId) {
    return { address: null, error: userError('UNKNOWN_ADDRESS', 'No such address among yours', field) };
  }
  const { recipient, line1, line2, city, region, postalCode, country } = a;
  return { address: { recipient, line1, line2, city, region, postalCode, country }, error: null };
}

/**
 * Turns the customer's cart into an order and runs the checkout saga to its end. Input problems are
 * UserErrors with nothing written; a failure after the order exists (stock, payment) is a CANCELLED
 * order plus a UserError. Idempotent by (customer, idempotencyKey), also for concurrent calls: the
 * unique constraint lets exactly one insert win, the others return the winner's order.
 */
export async function checkout(
  deps: DomainDeps,
  products: ProductLookup,
  customerId: string,
  input: CheckoutInput,
): Promise<CheckoutResult> {
  const key = input.idempotencyKey.trim();
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    return {
      order: null,
      errors: [
        userError('INVALID_IDEMPOTENCY_KEY', `Idempotency key must be 1 to ${MAX_KEY_LENGTH} characters`, [
          'input',
          'idempotencyKey',
        ]),
      ],
    };
  }
  const previous = await existingOrderId(deps, customerId, key);
  if (previous) return answerWith(deps, previous);

  const errors: UserError[] = [];
  const { card, errors: cardErrors } = checkCard(input.paymentMethod, ['input', 'paymentMethod']);
  errors.push(...cardErrors);
  const shipping = await ownAddressSnapshot(deps, customerId, input.shippingAddressId, ['input', 'shippingAddressId']);
  if (shipping.error) errors.push(shipping.error);
  const billing = input.billingAddressId
    ? await ownAddressSnapshot(deps, customerId, input.billingAddressId, ['input', 'billingAddressId'])
    : shipping;
  if (billing.error && billing !== shipping) errors.push(billing.error);

  const cart = await ensureCart(deps.em, customerId);
  const lines = await cartLinesByCarts(deps.em, [cart.id]);
  if (lines.length === 0) errors.push(userError('CART_EMPTY', 'The cart is empty', ['input']));
  if (errors.length) return { order: null, errors };

  // Current prices and availability, all products in one request to the products subgraph.
  const checked = await Promise.all(lines.map((l) => sellableProduct(products, l.productId)));
  const productErrors = checked.map((c) => c.error).filter((e): e is UserError => e !== null);
  if (productErrors.length) return { order: null, errors: productErrors };
  const current = checked.map((c) => c.product as ProductInfo);

  const priceNotes: string[] = [];
  const orderLines = lines.map((line, i) => {
    const product = current[i] as ProductInfo;
    if (product.priceCents !== line.unitPriceCents) {
      priceNotes.push(
        `price of ${product.name} (${product.id}) changed from ${formatMinor(line.unitPriceCents)} to ${formatMinor(product.priceCents)} ${product.currency}; the current price is charged`,
      );
    }
    return { line, product };
  });
  const currencies = new Set(orderLines.map((l) => l.product.currency));
  if (currencies.size > 1) {
    return {
      order: null,
      errors: [userError('MIXED_CURRENCIES', 'All products of an order must be priced in one currency')],
    };
  }
  const currency = orderLines[0]?.product.currency ?? 'CAD';
  const subtotal = orderLines.reduce((sum, l) => sum + l.product.priceCents * l.line.quantity, 0);
  const units = orderLines.reduce((sum, l) => sum + l.line.quantity, 0);
  const tokenized = await deps.payments.tokenize(card as NonNullable<typeof card>);

  const orderId = randomUUID();
  const owner = `checkout:${deps.config.instanceId}:${orderId}`;
  const created = await deps.em.transactional(async (tem) => {
    const inserted = await query<{ id: string }>(
      tem,
      `with n as (select nextval('order_number_seq') as v)
       insert into orders (id, seq, number, customer_id, status, currency, subtotal_cents, total_cents,
                           shipping_address, billing_address, payment_brand, payment_last4, idempotency_key)
       select ?, n.v, 'W-' || lpad(n.v::text, 6, '0'), ?, 'PENDING', ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ? from n
       on conflict (customer_id, idempotency_key) do nothing
       returning id`,
      [
        orderId,
        customerId,
        currency,
        subtotal,
        subtotal,
        JSON.stringify(shipping.address),
        JSON.stringify(billing.address),
        tokenized.brand,
        tokenized.last4,
        key,
      ],
    );
    if (inserted.length === 0) return false;
    await execute(
      tem,
      `insert into order_lines (id, order_id, line_no, product_id, quantity, unit_price_cents, currency)
       select gen_random_uuid()::text, ?, t.no, t.product_id, t.quantity, t.price, ?
         from unnest(?::int[], ?::text[], ?::int[], ?::int[]) as t(no, product_id, quantity, price)`,
      [
        orderId,
        currency,
        orderLines.map((_l, i) => i + 1),
        orderLines.map((l) => l.product.id),
        orderLines.map((l) => l.line.quantity),
        orderLines.map((l) => l.product.priceCents),
      ],
    );
    const placed = `Order placed: ${units} unit${units === 1 ? '' : 's'}, total ${formatMinor(subtotal)} ${currency}`;
    await execute(tem, "insert into order_status_changes (order_id, status, note) values (?, 'PENDING', ?)", [
      orderId,
      priceNotes.length ? `${placed}; ${priceNotes.join('; ')}` : placed,
    ]);
    await execute(
      tem,
      "insert into checkout_sagas (order_id, state, owner, payment_token) values (?, 'PENDING', ?, ?)",
      [orderId, owner, tokenized.token],
    );
    // The cart shows the prices the order was placed at.
    for (const { line, product } of orderLines) {
      if (line.unitPriceCents !== product.priceCents) {
        await execute(tem, 'update cart_lines set unit_price_cents = ?, updated_at = now() where id = ?', [
          product.priceCents,
          line.id,
        ]);
      }
    }
    return true;
  });

  if (!created) {
    // A concurrent call with the same key won the insert: its order is the answer.
    const winner = await existingOrderId(deps, customerId, key);
    if (!winner) throw new Error('idempotency conflict without an existing order');
    return answerWith(deps, winner);
  }
  await runSaga(deps, orderId, owner);
  return answerWith(deps, orderId);
}
