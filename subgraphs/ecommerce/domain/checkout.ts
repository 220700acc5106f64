import { randomUUID } from 'node:crypto';
import { formatMinor, queryOne, requireFound, type ProductInfo } from '../../kit/domain';
import type { CheckoutInput } from '../generated/resolvers';
import { signedInCustomer, type EcommerceContext } from './context';
import { sellableProduct } from './carts';
import type { CardDetails, TokenizedCard } from './ports';
import { historyByOrders, orderIdByKey, orderWithDetails, sagaByOrder } from './reads';
import { codeOr, userError, type EcommerceUserError } from './errors';
import { failureForClient, runNewSaga } from './saga-runner';
import { CHECKOUT_INPUTS, CREATE_ORDER, type CheckoutInputs } from './sql/checkout';
import type { Address, AddressSnapshot, CartLine, CheckoutSaga, Order, OrderLine, OrderView } from './types';
import { checkCard } from './validation';

/**
 * checkout: turns the caller's cart into an order and runs the checkout saga to its end, in named
 * steps: validate the input, replay an earlier attempt with the same key, snapshot the addresses,
 * price the cart at current prices, create the order, run the saga, answer. Input problems are
 * EcommerceUserErrors with nothing written; a failure after the order exists (stock, payment) is a CANCELLED
 * order plus a EcommerceUserError. Idempotent by (customer, idempotencyKey), also for concurrent calls.
 */

export interface CheckoutResult {
  order: OrderView | null;
  errors: EcommerceUserError[];
}

const MAX_KEY_LENGTH = 100;

type Step<T> = { ok: true; value: T } | { ok: false; errors: EcommerceUserError[] };

const refused = (errors: EcommerceUserError[]): CheckoutResult => ({ order: null, errors });

// ---------- validate the input ----------

function checkIdempotencyKey(raw: string): Step<string> {
  const key = raw.trim();
  if (key.length > 0 && key.length <= MAX_KEY_LENGTH) return { ok: true, value: key };
  return {
    ok: false,
    errors: [
      userError('INVALID_IDEMPOTENCY_KEY', `Idempotency key must be 1 to ${MAX_KEY_LENGTH} characters`, [
        'input',
        'idempotencyKey',
      ]),
    ],
  };
}

// ---------- snapshot the addresses ----------

/** A copy of one of the caller's addresses; another customer's is reported exactly like a missing one. */
function ownAddressSnapshot(
  a: Address | null,
  customerId: string,
  field: string[],
): { address: AddressSnapshot; error: null } | { address: null; error: EcommerceUserError } {
  if (!a || a.customerId !== customerId) {
    return { address: null, error: userError('UNKNOWN_ADDRESS', 'No such address among yours', field) };
  }
  const { recipient, line1, line2, city, region, postalCode, country } = a;
  return { address: { recipient, line1, line2, city, region, postalCode, country }, error: null };
}

interface CheckedInput {
  card: CardDetails;
  shipping: AddressSnapshot;
  billing: AddressSnapshot;
  lines: CartLine[];
}

/** Card, addresses and a non-empty cart, from what CHECKOUT_INPUTS read; every problem is reported at once. */
function checkInput(customerId: string, input: CheckoutInput, read: CheckoutInputs): Step<CheckedInput> {
  const errors: EcommerceUserError[] = [];
  const { card, errors: cardErrors } = checkCard(input.paymentMethod, ['input', 'paymentMethod']);
  errors.push(...cardErrors);
  const shipping = ownAddressSnapshot(read.shipping, customerId, ['input', 'shippingAddressId']);
  if (shipping.error) errors.push(shipping.error);
  const billing = input.billingAddressId
    ? ownAddressSnapshot(read.billing, customerId, ['input', 'billingAddressId'])
    : shipping;
  if (billing.error && billing !== shipping) errors.push(billing.error);
  if (read.lines.length === 0) errors.push(userError('CART_EMPTY', 'The cart is empty', ['input']));
  if (errors.length || !card || !shipping.address || !billing.address) return { ok: false, errors };
  return { ok: true, value: { card, shipping: shipping.address, billing: billing.address, lines: read.lines } };
}

// ---------- price the cart ----------

interface PricedLine {
  line: CartLine;
  product: ProductInfo;
}

interface PricedCart {
  lines: PricedLine[];
  currency: string;
  subtotalCents: number;
  units: number;
  /** One note per line whose price changed since it was put in the cart. */
  priceNotes: string[];
}

/** Current prices and availability; all products in one request to the products subgraph. */
async function priceCart(ctx: EcommerceContext, lines: CartLine[]): Promise<Step<PricedCart>> {
  const checked = await Promise.all(lines.map((l) => sellableProduct(ctx, { productId: l.productId })));
  const errors = checked.flatMap((c) => (c.error ? [c.error] : []));
  if (errors.length) return { ok: false, errors };
  const priced = lines.map((line, i) => ({ line, product: (checked[i] as { product: ProductInfo }).product }));
  if (new Set(priced.map((l) => l.product.currency)).size > 1) {
    return {
      ok: false,
      errors: [userError('MIXED_CURRENCIES', 'All products of an order must be priced in one currency')],
    };
  }
  const priceNotes = priced
    .filter(({ line, product }) => product.priceCents !== line.unitPriceCents)
    .map(
      ({ line, product }) =>
        `price of ${product.name} (${product.id}) changed from ${formatMinor(line.unitPriceCents)} to ${formatMinor(product.priceCents)} ${product.currency}; the current price is charged`,
    );
  return {
    ok: true,
    value: {
      lines: priced,
      currency: priced[0]?.product.currency ?? 'CAD',
      subtotalCents: priced.reduce((sum, l) => sum + l.product.priceCents * l.line.quantity, 0),
      units: priced.reduce((sum, l) => sum + l.line.quantity, 0),
      priceNotes,
    },
  };
}

// ---------- create the order ----------

interface NewOrder {
  orderId: string;
  owner: string;
  customerId: string;
  key: string;
  input: CheckedInput;
  cart: PricedCart;
  card: TokenizedCard;
}

/** What creating the order wrote: the rows the saga runs on, so it reads none of them again. */
interface CreatedOrder {
  order: Order;
  lines: OrderLine[];
  saga: CheckoutSaga;
}

/**
 * Order, lines, first history entry and saga row in one statement (sql/checkout.ts CREATE_ORDER); the
 * saga row records its first step as in flight, so the saga starts without another write, and the
 * rows the saga runs on are built here from what was written. Null when a concurrent call with the
 * same key won.
 */
async function createOrder(ctx: EcommerceContext, o: NewOrder): Promise<CreatedOrder | null> {
  const { orderId, cart } = o;
  const placed = `Order placed: ${cart.units} unit${cart.units === 1 ? '' : 's'}, total ${formatMinor(cart.subtotalCents)} ${cart.currency}`;
  const lines: OrderLine[] = cart.lines.map((l, i) => ({
    id: randomUUID(),
    orderId,
    lineNo: i + 1,
    productId: l.product.id,
    categoryId: l.product.categoryId,
    quantity: l.line.quantity,
    unitPriceCents: l.product.priceCents,
    currency: cart.currency,
  }));
  const repriced = cart.lines.filter(({ line, product }) => line.unitPriceCents !== product.priceCents);
  const order = await queryOne(ctx.em, CREATE_ORDER, {
    orderId,
    customerId: o.customerId,
    currency: cart.currency,
    subtotalCents: cart.subtotalCents,
    totalCents: cart.subtotalCents,
    shipping: JSON.stringify(o.input.shipping),
    billing: JSON.stringify(o.input.billing),
    brand: o.card.brand,
    last4: o.card.last4,
    key: o.key,
    lineIds: lines.map((l) => l.id),
    lineNos: lines.map((l) => l.lineNo),
    productIds: lines.map((l) => l.productId),
    categoryIds: lines.map((l) => l.categoryId),
    quantities: lines.map((l) => l.quantity),
    prices: lines.map((l) => l.unitPriceCents),
    note: cart.priceNotes.length ? `${placed}; ${cart.priceNotes.join('; ')}` : placed,
    owner: o.owner,
    paymentToken: o.card.token,
    step: 'AUTHORIZE_PAYMENT',
    repriceIds: repriced.map(({ line }) => line.id),
    repricePrices: repriced.map(({ product }) => product.priceCents),
  });
  if (!order) return null;
  const saga: CheckoutSaga = {
    orderId,
    state: 'PENDING',
    step: 'AUTHORIZE_PAYMENT',
    attempts: 1,
    owner: o.owner,
    lastError: null,
    failureCode: null,
    compensateFrom: null,
    compensationsDone: [],
    paymentToken: o.card.token,
    paymentAuthorizationId: null,
    createdAt: order.createdAt,
    updatedAt: order.createdAt,
  };
  return { order, lines, saga };
}

// ---------- answer ----------

/** The UserError a checkout that ended cancelled deserves (the same on every retry), if any. */
function failureOf(order: Order | null, failureCode: string | null): EcommerceUserError[] {
  if (!order || (order.status !== 'CANCELLED' && order.status !== 'CANCELLING')) return [];
  const failure = failureForClient(failureCode, order.cancelReason);
  // A code kept in the saga row (a step's refusal) reaches the client only as one of ecommerce's codes.
  return failure ? [userError(codeOr(failure.code, 'CHECKOUT_FAILED'), failure.message)] : [];
}

/** The order a checkout produced (a replay's), read now. */
async function answer(ctx: EcommerceContext, orderId: string): Promise<CheckoutResult> {
  const order = await orderWithDetails(ctx, orderId);
  const saga = await sagaByOrder(ctx, orderId);
  return { order, errors: failureOf(order, saga?.failureCode ?? null) };
}

/** The order this checkout ran, from what it holds: only its history is read. */
async function answerRun(ctx: EcommerceContext, run: { order: Order; lines: OrderLine[]; saga: CheckoutSaga }) {
  const history = await historyByOrders(ctx, [run.order.id]);
  const order: OrderView = { ...run.order, lines: run.lines, history };
  return { order, errors: failureOf(order, run.saga.failureCode) };
}

// ---------- the whole checkout ----------

export async function checkout(ctx: EcommerceContext, input: CheckoutInput): Promise<CheckoutResult> {
  const customerId = signedInCustomer(ctx);
  const key = checkIdempotencyKey(input.idempotencyKey);
  if (!key.ok) return refused(key.errors);

  // The replay's key, the addresses and the cart in one round trip.
  const read = await queryOne(ctx.em, CHECKOUT_INPUTS, {
    customerId,
    idempotencyKey: key.value,
    shippingId: input.shippingAddressId,
    billingId: input.billingAddressId ?? null,
  });
  if (!read) throw new Error('checkout inputs: the statement returned no row');
  if (read.previousOrderId) return answer(ctx, read.previousOrderId);

  const checked = checkInput(customerId, input, read);
  if (!checked.ok) return refused(checked.errors);
  const priced = await priceCart(ctx, checked.value.lines);
  if (!priced.ok) return refused(priced.errors);

  const card = await ctx.payments.tokenize(checked.value.card);
  const orderId = randomUUID();
  const owner = `checkout:${ctx.config.instanceId}:${orderId}`;
  const created = await createOrder(ctx, {
    orderId,
    owner,
    customerId,
    key: key.value,
    input: checked.value,
    cart: priced.value,
    card,
  });
  if (!created) {
    // A concurrent call with the same key won the insert: its order is the answer.
    const winner = requireFound(
      await orderIdByKey(ctx, customerId, key.value),
      () => new Error('idempotency conflict without an existing order'),
    );
    return answer(ctx, winner);
  }
  const ran = await runNewSaga(
    ctx,
    { orderId, owner },
    { row: created.saga, order: created.order, lines: created.lines },
  );
  return answerRun(ctx, ran);
}
