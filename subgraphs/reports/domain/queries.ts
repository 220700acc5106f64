/**
 * Reads of the read models, each ONE statement whatever the number of rows it sums (the SalesReport
 * of 30 days x 5 stores x 300 products is three: salesSummary, categoryFigures, topProducts).
 * Sums are bigint in SQL and exact integers here (minor units; far below 2^53).
 */
import { legacyQueryRows, type DomainContext } from '../../kit/domain';
import { eachDay } from './calendar';
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

export type ReadContext = Pick<DomainContext, 'em'>;

/** Largest `limit` of topProducts; a saved SALES report keeps this many. */
export const MAX_TOP_PRODUCTS = 100;

type Num = string | number | null;
const n = (v: Num): number => (v === null ? 0 : Number(v));

const FIGURES = `
  coalesce(sum(transactions), 0) as transactions,
  coalesce(sum(units - returned_units), 0) as units,
  coalesce(sum(gross_cents - refund_cents), 0) as revenue,
  coalesce(sum(returns), 0) as returns,
  coalesce(sum(refund_cents), 0) as refunds`;

interface FiguresRow {
  transactions: Num;
  units: Num;
  revenue: Num;
  returns: Num;
  refunds: Num;
}

function figures(r: FiguresRow | undefined): Figures {
  return {
    revenueCents: n(r?.revenue ?? null),
    transactions: n(r?.transactions ?? null),
    unitsSold: n(r?.units ?? null),
    returns: n(r?.returns ?? null),
    refundCents: n(r?.refunds ?? null),
  };
}

export const ZERO: Figures = { revenueCents: 0, transactions: 0, unitsSold: 0, returns: 0, refundCents: 0 };

/** `and store_id = ?` for a store scope, with its parameter. */
function scopeFilter(scope: Scope): { sql: string; params: string[] } {
  return scope.kind === 'store' ? { sql: 'and store_id = ?', params: [scope.storeId] } : { sql: '', params: [] };
}

interface SummaryRow extends FiguresRow {
  g_channel: number;
  g_store: number;
  g_day: number;
  channel: Channel | null;
  store_id: string | null;
  day: string | null;
}

/**
 * Totals, per channel, per store and per day in one statement (GROUPING SETS over daily_store_facts).
 * Every channel and every day of the period is listed, zeros included; stores only with activity.
 */
export async function salesSummary(ctx: ReadContext, input: { period: Period; scope: Scope }): Promise<SalesSummary> {
  const f = scopeFilter(input.scope);
  const rows = await legacyQueryRows<SummaryRow>(
    ctx.em,
    `select grouping(channel) as g_channel, grouping(store_id) as g_store, grouping(day) as g_day,
            channel, store_id, day::text as day, ${FIGURES}
     from daily_store_facts
     where day between ?::date and ?::date ${f.sql}
     group by grouping sets ((), (channel), (store_id), (day))`,
    [input.period.from, input.period.to, ...f.params],
  );
  const total = rows.find((r) => r.g_channel === 1 && r.g_store === 1 && r.g_day === 1);
  const channels = new Map(rows.filter((r) => r.g_channel === 0).map((r) => [r.channel, r]));
  const days = new Map(rows.filter((r) => r.g_day === 0).map((r) => [r.day, r]));
  const byChannel: ChannelFigures[] = CHANNELS.map((channel) => ({ channel, ...figures(channels.get(channel)) }));
  const byStore: StoreFigures[] = rows
    .filter((r) => r.g_store === 0 && r.store_id !== null && r.store_id !== NO_STORE)
    .map((r) => ({ storeId: r.store_id!, ...figures(r) }))
    .sort((a, b) => b.revenueCents - a.revenueCents || (a.storeId < b.storeId ? -1 : 1));
  const daily: DayFigures[] = eachDay(input.period).map((date) => ({ date, ...figures(days.get(date)) }));
  return { totals: figures(total), byChannel, byStore, daily };
}

/** Revenue and units per category, highest revenue first (one statement over daily_product_facts). */
export async function categoryFigures(
  ctx: ReadContext,
  input: { period: Period; scope: Scope },
): Promise<CategoryFigures[]> {
  const f = scopeFilter(input.scope);
  const rows = await legacyQueryRows<{ category_id: string; revenue: Num; units: Num }>(
    ctx.em,
    `select category_id, sum(gross_cents - refund_cents) as revenue, sum(units - returned_units) as units
     from daily_product_facts
     where day between ?::date and ?::date ${f.sql}
     group by category_id
     order by revenue desc, category_id`,
    [input.period.from, input.period.to, ...f.params],
  );
  return rows.map((r) => ({
    categoryId: r.category_id === NO_CATEGORY ? null : r.category_id,
    revenueCents: n(r.revenue),
    unitsSold: n(r.units),
  }));
}

interface ProductRow {
  product_id: string;
  revenue: Num;
  units: Num;
  returned: Num;
}

const productFigures = (r: ProductRow): ProductFigures => ({
  productId: r.product_id,
  revenueCents: n(r.revenue),
  unitsSold: n(r.units),
  unitsReturned: n(r.returned),
});

const PRODUCT_SUMS = `sum(gross_cents - refund_cents) as revenue, sum(units - returned_units) as units,
  sum(returned_units) as returned`;

/**
 * The `limit` products with the most net units, then revenue, then id (one statement, LIMIT in SQL).
 * Only products that net a sale in the period: one whose units were all cancelled or returned is not
 * a "top product".
 */
export async function topProducts(
  ctx: ReadContext,
  input: { period: Period; scope: Scope; limit: number },
): Promise<ProductFigures[]> {
  const f = scopeFilter(input.scope);
  const rows = await legacyQueryRows<ProductRow>(
    ctx.em,
    `select product_id, ${PRODUCT_SUMS}
     from daily_product_facts
     where day between ?::date and ?::date ${f.sql}
     group by product_id
     having sum(units - returned_units) > 0
     order by units desc, revenue desc, product_id
     limit ?`,
    [input.period.from, input.period.to, ...f.params, input.limit],
  );
  return rows.map(productFigures);
}

/** Figures of many products at once (Product.salesStats through a DataLoader); absent ids sold nothing. */
export async function productsFigures(
  ctx: ReadContext,
  input: { period: Period; scope: Scope; productIds: readonly string[] },
): Promise<ProductFigures[]> {
  const f = scopeFilter(input.scope);
  const rows = await legacyQueryRows<ProductRow>(
    ctx.em,
    `select product_id, ${PRODUCT_SUMS}
     from daily_product_facts
     where product_id = any(?::text[]) and day between ?::date and ?::date ${f.sql}
     group by product_id`,
    [input.productIds, input.period.from, input.period.to, ...f.params],
  );
  return rows.map(productFigures);
}

/** Point-of-sale figures of many stores at once (Store.performance through a DataLoader). */
export async function storesFigures(
  ctx: ReadContext,
  input: { period: Period; storeIds: readonly string[] },
): Promise<StoreFigures[]> {
  const rows = await legacyQueryRows<FiguresRow & { store_id: string }>(
    ctx.em,
    `select store_id, ${FIGURES}
     from daily_store_facts
     where store_id = any(?::text[]) and channel = 'STORE' and day between ?::date and ?::date
     group by store_id`,
    [input.storeIds, input.period.from, input.period.to],
  );
  return rows.map((r) => ({ storeId: r.store_id, ...figures(r) }));
}

/** One day's figures per channel (the dashboard's), one statement. */
export async function dayFigures(
  ctx: ReadContext,
  input: { day: string; scope: Scope },
): Promise<Record<Channel, Figures>> {
  const f = scopeFilter(input.scope);
  const rows = await legacyQueryRows<FiguresRow & { channel: Channel }>(
    ctx.em,
    `select channel, ${FIGURES}
     from daily_store_facts
     where day = ?::date ${f.sql}
     group by channel`,
    [input.day, ...f.params],
  );
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
