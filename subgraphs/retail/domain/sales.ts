import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkQuantity, queryOne, type ProductInfo } from '../../kit/domain';
import type { RecordSaleInput } from '../generated/resolvers';
import { assertStaffAt } from './access';
import type { RetailContext } from './context';
import { relayed, userError, type RetailErrorCode, type RetailUserError } from './errors';
import { saleById, saleByKey, saleLinesBySales } from './reads';
import { isSettled } from './sale-saga';
import { runSale, SALE_SAGA, type KnownSale } from './saga-runner';
import { FIND_TILL, INSERT_SALE, type Till } from './sql/sale-saga';
import type { PaymentMethod, Sale, SaleLine, SaleView } from './types';
import { checkIdempotencyKey, MAX_SALE_LINES, validId } from './validation';

/**
 * recordSale: a basket rung up at a register becomes a sale, in named steps: check the input's shape,
 * find the till (store, register, open session) and any sale with the same key in one statement,
 * replay that sale when there is one, check the register's clock, price the lines through the
 * request's products DataLoader (one `_entities` call for the basket), record the sale PENDING with its
 * lines at the prices read, run the saga (reserve at the store's location, commit), answer. A refusal
 * before the sale is recorded writes nothing anywhere; a refusal of inventory is a FAILED sale plus
 * its RetailUserError. Idempotent by (store, key), also for concurrent calls.
 */

export interface SaleResult {
  sale: SaleView | null;
  errors: RetailUserError[];
}

/** How far the register's clock may be from the server's: a day back (offline queues), 5 minutes ahead. */
export const MAX_SOLD_AT_AGE_MS = 24 * 3600 * 1000;
export const MAX_SOLD_AT_AHEAD_MS = 5 * 60 * 1000;

const refused = (errors: RetailUserError[]): SaleResult => ({ sale: null, errors });

// ---------- the shape of the input ----------

interface WantedLine {
  productId: string;
  quantity: number;
}

function checkLines(input: RecordSaleInput): { lines: WantedLine[]; errors: RetailUserError[] } {
  const errors: RetailUserError[] = [];
  if (input.lines.length === 0 || input.lines.length > MAX_SALE_LINES) {
    errors.push(userError('INVALID_LINES', `A sale has 1 to ${MAX_SALE_LINES} lines`, ['input', 'lines']));
    return { lines: [], errors };
  }
  const seen = new Set<string>();
  input.lines.forEach((line, i) => {
    const at = ['input', 'lines', String(i)];
    const quantity = checkQuantity(line.quantity, [...at, 'quantity']);
    if (quantity) errors.push(quantity);
    if (!validId(line.productId)) {
      errors.push(userError('UNKNOWN_PRODUCT', 'No such product in the catalogue', [...at, 'productId']));
    } else if (seen.has(line.productId)) {
      errors.push(
        userError('DUPLICATE_PRODUCT', 'Each product appears once per sale; raise its quantity instead', [
          ...at,
          'productId',
        ]),
      );
    }
    seen.add(line.productId);
  });
  return { lines: input.lines.map(({ productId, quantity }) => ({ productId, quantity })), errors };
}

function checkSoldAt(soldAt: Date | null | undefined, now: Date): RetailUserError | null {
  if (!soldAt) return null;
  const offset = soldAt.getTime() - now.getTime();
  if (offset < -MAX_SOLD_AT_AGE_MS || offset > MAX_SOLD_AT_AHEAD_MS) {
    return userError(
      'INVALID_SOLD_AT',
      "soldAt must be at most 24 hours before and 5 minutes after the server's clock",
      ['input', 'soldAt'],
    );
  }
  return null;
}

// ---------- the till ----------

/** Store, register, its open session and an earlier sale with the key: one statement. */
function findTill(ctx: RetailContext, storeId: string, registerId: string, key: string): Promise<Till | null> {
  return queryOne(ctx.em, FIND_TILL, { storeId, registerId, key });
}

/** A till that can sell now: an active register of the store with an open session. */
type OpenTill = Till & { registerId: string; sessionId: string };

/** The till when it can sell now, else why not. */
function openTill(till: Till): { till: OpenTill; error: null } | { till: null; error: RetailUserError } {
  const at = ['input', 'registerId'];
  const no = (code: RetailErrorCode, message: string, field = at) => ({
    till: null,
    error: userError(code, message, field),
  });
  const { registerId, sessionId } = till;
  if (!till.storeActive) return no('STORE_INACTIVE', 'The store is closed', ['input', 'storeId']);
  if (!registerId) return no('UNKNOWN_REGISTER', 'No such register');
  if (till.registerStoreId !== till.storeId)
    return no('REGISTER_NOT_IN_STORE', 'The register belongs to another store');
  if (!till.registerActive) return no('REGISTER_INACTIVE', 'The register is out of service');
  if (!sessionId) return no('REGISTER_CLOSED', 'Open the register before selling');
  return { till: { ...till, registerId, sessionId }, error: null };
}

// ---------- prices ----------

interface PricedLine extends WantedLine {
  product: ProductInfo;
}

/** Current prices and availability; all products in one request to the products subgraph. */
async function priceLines(
  ctx: RetailContext,
  lines: WantedLine[],
): Promise<{ ok: true; lines: PricedLine[]; currency: string } | { ok: false; errors: RetailUserError[] }> {
  const products = await Promise.all(lines.map((l) => ctx.products.load(l.productId)));
  const errors: RetailUserError[] = [];
  const priced: PricedLine[] = [];
  lines.forEach((line, i) => {
    const product = products[i];
    const at = ['input', 'lines', String(i), 'productId'];
    if (!product) errors.push(userError('UNKNOWN_PRODUCT', `No product with id ${line.productId}`, at));
    else if (!product.active) errors.push(userError('PRODUCT_INACTIVE', `${product.name} is no longer sold`, at));
    else priced.push({ ...line, product });
  });
  if (errors.length) return { ok: false, errors };
  const currencies = new Set(priced.map((l) => l.product.currency));
  if (currencies.size > 1) {
    return {
      ok: false,
      errors: [userError('MIXED_CURRENCIES', 'All products of a sale must be priced in one currency')],
    };
  }
  return { ok: true, lines: priced, currency: priced[0]?.product.currency ?? 'CAD' };
}

// ---------- record ----------

interface NewSale {
  till: OpenTill;
  key: string;
  lines: PricedLine[];
  currency: string;
  paymentMethod: PaymentMethod;
  soldAt: Date;
  soldBy: string;
  owner: string;
}

/** The sale and its lines in one statement (sql/sale-saga.ts INSERT_SALE); null when the session closed or the key was taken. */
async function insertSale(ctx: RetailContext, s: NewSale): Promise<{ sale: Sale; lines: SaleLine[] } | null> {
  const saleId = randomUUID();
  const lines: SaleLine[] = s.lines.map((l, i) => ({
    id: randomUUID(),
    saleId,
    lineNo: i + 1,
    productId: l.productId,
    quantity: l.quantity,
    unitPriceCents: l.product.priceCents,
    currency: s.currency,
    // As sold: the sale's events carry it, whatever products files the product under later.
    categoryId: l.product.categoryId,
    returnedQuantity: 0,
  }));
  const sale = await queryOne(ctx.em, INSERT_SALE, {
    sessionId: s.till.sessionId,
    storeId: s.till.storeId,
    saleId,
    registerId: s.till.registerId,
    paymentMethod: s.paymentMethod,
    currency: s.currency,
    totalCents: lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0),
    soldAt: s.soldAt,
    recordedAt: ctx.clock(),
    soldBy: s.soldBy,
    key: s.key,
    owner: s.owner,
    lineIds: lines.map((l) => l.id),
    lineNos: lines.map((l) => l.lineNo),
    productIds: lines.map((l) => l.productId),
    quantities: lines.map((l) => l.quantity),
    prices: lines.map((l) => l.unitPriceCents),
    categoryIds: lines.map((l) => l.categoryId),
  });
  return sale ? { sale, lines } : null;
}

// ---------- answer ----------

/** The sale with the RetailUserError its failure deserves: the same answer on every replay of its key. */
export function answer(sale: Sale, lines?: SaleLine[]): SaleResult {
  const errors: RetailUserError[] = [];
  if ((sale.status === 'FAILED' || sale.status === 'FAILING') && sale.failureCode) {
    errors.push(relayed(sale.failureCode, sale.lastError ?? 'Inventory refused the stock', ['input', 'lines']));
  }
  return { sale: { ...sale, lines }, errors };
}

// ---------- replay ----------

function sameBasket(sale: Sale, lines: SaleLine[], input: RecordSaleInput, wanted: WantedLine[]): boolean {
  return (
    sale.registerId === input.registerId &&
    sale.paymentMethod === input.paymentMethod &&
    lines.length === wanted.length &&
    lines.every((l, i) => l.productId === wanted[i]?.productId && l.quantity === wanted[i]?.quantity)
  );
}

/** A sale still being recorded by another call: waits a little for it to come to rest. */
async function settle(ctx: RetailContext, sale: Sale): Promise<Sale> {
  if (isSettled(sale.status)) return sale;
  const owner = `replay:${ctx.settings.instanceId}:${randomUUID()}`;
  // A runner that stopped writing (a crashed process) is taken over, so the register does not wait for recovery.
  const claimed = await SALE_SAGA.claimStale(ctx.em, sale.id, owner, ctx.settings.stuckAfterMs);
  if (claimed) return (await runSale(ctx, { lease: { saleId: sale.id, owner }, sale: claimed })).sale;
  const deadline = Date.now() + ctx.settings.replayWaitMs;
  let current = sale;
  while (!isSettled(current.status) && Date.now() < deadline) {
    await sleep(50);
    current = (await saleById(ctx, sale.id)) ?? current;
  }
  return current;
}

async function replay(
  ctx: RetailContext,
  sale: Sale,
  input: RecordSaleInput,
  wanted: WantedLine[],
): Promise<SaleResult> {
  const lines = await saleLinesBySales(ctx, [sale.id]);
  if (!sameBasket(sale, lines, input, wanted)) {
    return refused([
      userError(
        'IDEMPOTENCY_KEY_REUSED',
        `Key already used for sale ${sale.number} with another basket; use a new key for a new sale`,
        ['input', 'idempotencyKey'],
      ),
    ]);
  }
  return answer(await settle(ctx, sale), lines);
}

// ---------- the whole sale ----------

export async function recordSale(ctx: RetailContext, input: RecordSaleInput): Promise<SaleResult> {
  const { key, error: keyError } = checkIdempotencyKey(input.idempotencyKey, ['input', 'idempotencyKey']);
  const shape = checkLines(input);
  const shapeErrors = [...(keyError ? [keyError] : []), ...shape.errors];
  const storeField = ['input', 'storeId'];
  if (!validId(input.storeId))
    return refused([userError('UNKNOWN_STORE', 'No such store', storeField), ...shapeErrors]);
  if (keyError) return refused(shapeErrors);

  const till = await findTill(ctx, input.storeId, validId(input.registerId) ? input.registerId : '', key);
  if (!till) return refused([userError('UNKNOWN_STORE', `No store with id ${input.storeId}`, storeField)]);
  const caller = assertStaffAt(ctx, till.storeId);
  if (till.existingSaleId) {
    const existing = await saleById(ctx, till.existingSaleId);
    if (existing) return replay(ctx, existing, input, shape.lines);
  }
  const problems = [...shapeErrors];
  const now = ctx.clock();
  const soldAtError = checkSoldAt(input.soldAt, now);
  if (soldAtError) problems.push(soldAtError);
  const open = openTill(till);
  if (open.error) problems.push(open.error);
  if (problems.length || !open.till) return refused(problems);

  const priced = await priceLines(ctx, shape.lines);
  if (!priced.ok) return refused(priced.errors);

  const owner = `sale:${ctx.settings.instanceId}:${randomUUID()}`;
  const created = await insertSale(ctx, {
    till: open.till,
    key,
    lines: priced.lines,
    currency: priced.currency,
    paymentMethod: input.paymentMethod,
    soldAt: input.soldAt ?? now,
    soldBy: caller.sub,
    owner,
  });
  if (!created) {
    // A concurrent call with the same key won the insert (its sale is the answer), or the register
    // was closed in between.
    const winner = await saleByKey(ctx, till.storeId, key);
    if (winner) return replay(ctx, winner, input, shape.lines);
    return refused([userError('REGISTER_CLOSED', 'The register was closed', ['input', 'registerId'])]);
  }
  const run: KnownSale = {
    lease: { saleId: created.sale.id, owner },
    sale: created.sale,
    lines: created.lines,
    locationId: till.locationId,
    recorded: 'TAKE_STOCK',
  };
  const { sale } = await runSale(ctx, run);
  return answer(sale, created.lines);
}
