/**
 * Reads of the read models, each ONE statement whatever the number of rows it sums (the SalesReport
 * of 30 days x 5 stores x 300 products is three: salesSummary, categoryFigures, topProducts); the
 * statements are domain/sql/figures.ts.
 */
import { InvalidArgument, queryRows, type DbContext } from '../../kit/domain';
import { eachDay } from './calendar';
import {
  CATEGORY_FIGURES,
  DAY_FIGURES,
  PRODUCTS_FIGURES,
  SALES_SUMMARY,
  STORES_FIGURES,
  TOP_PRODUCTS,
  type ProductSumsRow,
  type ScopedPeriod,
  type StoreSumsRow,
  type Sum,
} from './sql/figures';
import {
  CHANNELS,
  NO_CATEGORY,
  NO_STORE,
  type CategoryFigures,
  type Channel,
  type ChannelFigures,
  type DayFigures,
  type Figures,
  type Period,
  type ProductFigures,
  type SalesSummary,
  type Scope,
  type StoreFigures,
} from './types';

/** Largest `limit` of topProducts; a saved SALES report keeps this many. */
export const MAX_TOP_PRODUCTS = 100;

const n = (v: Sum): number => (v === null ? 0 : Number(v));

function figures(r: StoreSumsRow | undefined): Figures {
  return {
    revenueCents: n(r?.revenue ?? null),
    transactions: n(r?.transactions ?? null),
    unitsSold: n(r?.units ?? null),
    returns: n(r?.returns ?? null),
    refundCents: n(r?.refunds ?? null),
  };
}

export const ZERO: Figures = { revenueCents: 0, transactions: 0, unitsSold: 0, returns: 0, refundCents: 0 };

/** A product's sales figures in a period it sold nothing in (its read models have no row). */
export const NO_PRODUCT_SALES: Omit<ProductFigures, 'productId'> = { revenueCents: 0, unitsSold: 0, unitsReturned: 0 };

/** How many top products a report lists: 10 unless asked, 1 to MAX_TOP_PRODUCTS (InvalidArgument otherwise). */
export function topProductsLimit(limit: number | null | undefined): number {
  const n = limit ?? 10;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOP_PRODUCTS) {
    throw new InvalidArgument(`"limit" must be between 1 and ${MAX_TOP_PRODUCTS}; got ${limit}`, 'limit');
  }
  return n;
}

/** A day's revenue on the dashboard: both channels. */
export function dayRevenueCents(byChannel: Record<Channel, Figures>): number {
  return byChannel.ONLINE.revenueCents + byChannel.STORE.revenueCents;
}

/** The statements' period and scope: a store's id, or null for the whole chain. */
function scoped(period: Period, scope: Scope): ScopedPeriod {
  return { from: period.from, to: period.to, storeId: scope.kind === 'store' ? scope.storeId : null };
}

/**
 * Totals, per channel, per store and per day in one statement (GROUPING SETS over daily_store_facts).
 * Every channel and every day of the period is listed, zeros included; stores only with activity.
 */
export async function salesSummary(ctx: DbContext, input: { period: Period; scope: Scope }): Promise<SalesSummary> {
  const rows = await queryRows(ctx.em, SALES_SUMMARY, scoped(input.period, input.scope));
  const total = rows.find((r) => r.gChannel === 1 && r.gStore === 1 && r.gDay === 1);
  const channels = new Map(rows.filter((r) => r.gChannel === 0).map((r) => [r.channel, r]));
  const days = new Map(rows.filter((r) => r.gDay === 0).map((r) => [r.day, r]));
  const byChannel: ChannelFigures[] = CHANNELS.map((channel) => ({ channel, ...figures(channels.get(channel)) }));
  const byStore: StoreFigures[] = rows
    .filter((r) => r.gStore === 0 && r.storeId !== null && r.storeId !== NO_STORE)
    .map((r) => ({ storeId: r.storeId!, ...figures(r) }))
    .sort((a, b) => b.revenueCents - a.revenueCents || (a.storeId < b.storeId ? -1 : 1));
  const daily: DayFigures[] = eachDay(input.period).map((date) => ({ date, ...figures(days.get(date)) }));
  return { totals: figures(total), byChannel, byStore, daily };
}

/** Revenue and units per category, highest revenue first (one statement over daily_product_facts). */
export async function categoryFigures(
  ctx: DbContext,
  input: { period: Period; scope: Scope },
): Promise<CategoryFigures[]> {
  const rows = await queryRows(ctx.em, CATEGORY_FIGURES, scoped(input.period, input.scope));
  return rows.map((r) => ({
    categoryId: r.categoryId === NO_CATEGORY ? null : r.categoryId,
    revenueCents: n(r.revenue),
    unitsSold: n(r.units),
  }));
}

const productFigures = (r: ProductSumsRow): ProductFigures => ({
  productId: r.productId,
  revenueCents: n(r.revenue),
  unitsSold: n(r.units),
  unitsReturned: n(r.returned),
});

/**
 * The `limit` products with the most net units, then revenue, then id (one statement, LIMIT in SQL).
 * Only products that net a sale in the period: one whose units were all cancelled or returned is not
 * a "top product".
 */
export async function topProducts(
  ctx: DbContext,
  input: { period: Period; scope: Scope; limit: number },
): Promise<ProductFigures[]> {
  const rows = await queryRows(ctx.em, TOP_PRODUCTS, { ...scoped(input.period, input.scope), limit: input.limit });
  return rows.map(productFigures);
}

/** Figures of many products at once (Product.salesStats through a DataLoader); absent ids sold nothing. */
export async function productsFigures(
  ctx: DbContext,
  input: { period: Period; scope: Scope; productIds: readonly string[] },
): Promise<ProductFigures[]> {
  const rows = await queryRows(ctx.em, PRODUCTS_FIGURES, {
    ...scoped(input.period, input.scope),
    productIds: input.productIds,
  });
  return rows.map(productFigures);
}

/** Point-of-sale figures of many stores at once (Store.performance through a DataLoader). */
export async function storesFigures(
  ctx: DbContext,
  input: { period: Period; storeIds: readonly string[] },
): Promise<StoreFigures[]> {
  const rows = await queryRows(ctx.em, STORES_FIGURES, {
    from: input.period.from,
    to: input.period.to,
    storeIds: input.storeIds,
  });
  return rows.map((r) => ({ storeId: r.storeId, ...figures(r) }));
}

/** One day's figures per channel (the dashboard's), one statement. */
export async function dayFigures(
  ctx: DbContext,
  input: { day: string; scope: Scope },
): Promise<Record<Channel, Figures>> {
  const storeId = input.scope.kind === 'store' ? input.scope.storeId : null;
  const rows = await queryRows(ctx.em, DAY_FIGURES, { day: input.day, storeId });
  const by = new Map(rows.map((r) => [r.channel, r]));
  return { ONLINE: figures(by.get('ONLINE')), STORE: figures(by.get('STORE')) };
}

/** Revenue per transaction, rounded half away from zero to the cent; 0 without transactions. */
export function averageBasketCents(f: Pick<Figures, 'revenueCents' | 'transactions'>): number {
  if (f.transactions <= 0) return 0;
  // Integer arithmetic: floor((2|r| + t) / 2t) is |r|/t rounded half up, with no float rounding.
  const abs = Math.abs(f.revenueCents);
  return Math.sign(f.revenueCents) * Math.floor((2 * abs + f.transactions) / (2 * f.transactions));
}

/** Returns per transaction; 0 without transactions. */
export function returnsRate(f: Pick<Figures, 'returns' | 'transactions'>): number {
  return f.transactions > 0 ? f.returns / f.transactions : 0;
}
