/**
 * Reports through the router (products, inventory, retail and reports with their demo data): a known
 * mix of online orders, POS sales, returns and cancellations, published to the streams as the
 * producers' relays will publish them (XADD of the envelope, docs/events.md), gives the contract's
 * SalesReport exact to the cent in every breakdown, with store, category and product names and stock
 * joined by the router from their owners; reports answers it in 3 statements and every other
 * subgraph in a bounded number, whatever the rows. StorePerformance and ProductDetail's salesStats
 * for a MANAGER of the store only; CUSTOMER and CLERK FORBIDDEN. Saved reports end READY with the
 * same figures.
 */
import { Redis } from 'ioredis';
import { DEMO_STORES } from '../../subgraphs/kit';
import { DEMO_CATEGORIES, demoCategoryId, demoProducts } from '../../subgraphs/products/seed';
import { addDays, chainDay } from '../../subgraphs/reports/domain/calendar';
import {
  amount,
  drained,
  events,
  expectedFigures,
  publish,
  reportsQuery,
  type Envelope,
  type Line,
  type MoneyOut,
} from '../subgraphs/reports/helpers';
import {
  GenerateReportDocument,
  ProductDetailDocument,
  ReportDocument,
  ReportsDocument,
  SalesReportDocument,
  StorePerformanceDocument,
} from '../../schema/operations/generated';
import { startStack, type Stack } from '../helpers/stack';
import { errorCodes, tokens, waitFor } from '../helpers/toolkit';

const PRODUCTS = new Map(demoProducts().map((p) => [p.id, p]));
const CATEGORY_NAMES = new Map(
  DEMO_CATEGORIES.flatMap((root) => root.children.map((c) => [demoCategoryId(root.key, c.key), c.name] as const)),
);
const STORE_NAMES = new Map(DEMO_STORES.map((s) => [s.id, { name: s.name, city: s.city }]));

const today = chainDay(new Date());
const PERIOD = { from: addDays(today, -6), to: today };
const noon = (day: string) => new Date(`${day}T17:00:00Z`);

/** A demo product sold at its shelf price, filed under its demo category. */
function line(n: number, quantity: number): Line {
  const p = PRODUCTS.get(`prod-${String(n).padStart(4, '0')}`)!;
  return { productId: p.id, categoryId: p.categoryId, quantity, unitPriceCents: p.priceCents };
}

function knownMix(): Envelope[] {
  const list: Envelope[] = [];
  for (let d = 0; d < 7; d++) {
    const day = addDays(PERIOD.from, d);
    list.push(events.orderConfirmed(`ord-e2e-${d}`, [line(1 + d, 1), line(20 + d, 2)], noon(day)));
    DEMO_STORES.forEach((s, i) => {
      list.push(
        events.saleRecorded(`sale-e2e-${d}-${s.id}`, s.id, [line(3 + i, 1 + (d % 2)), line(40 + d + i, 1)], noon(day)),
      );
    });
  }
  list.push(events.orderCancelled('ord-e2e-2', [line(3, 1), line(22, 2)]));
  list.push(events.orderCancelled('ord-e2e-never', null));
  list.push(events.saleCancelled(`sale-e2e-6-store-2`, 'store-2', [line(4, 1), line(47, 1)]));
  list.push(events.saleReturned(`sale-e2e-1-store-1`, 'store-1', [line(3, 1)]));
  list.push(events.saleReturned(`sale-e2e-3-store-1`, 'store-1', [line(44, 1)]));
  list.push(events.orderShipped('ord-e2e-0'));
  list.push(events.stockChanged('prod-0001'));
  return list;
}

/** Reports' half of the dashboard (the Dashboard operation adds inventory's figures: dashboard.e2e). */
const REPORTS_DASHBOARD = reportsQuery<{
  dashboard: { id: string; date: string; revenueToday: MoneyOut; ordersToday: number; salesToday: number };
}>('{ dashboard { id date revenueToday { amount currency } ordersToday salesToday } }');

describe('reports through the router', () => {
  let stack: Stack;
  let redis: Redis;
  let prefix: string;
  const mix = knownMix();

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'retail', 'reports'],
      seed: true,
      // The report job runs when generateReport nudges it (no timer: its claims would blur the counts).
      env: {
        RETAIL_SEED_HISTORY_DAYS: '0',
        REPORTS_BLOCK_MS: '100',
        REPORTS_JOB_INTERVAL_MS: '0',
        // Background passes (retail's sale recovery, inventory's expiry sweep) would add their
        // statements to the counts this file asserts; nothing here needs them after start.
        SALE_RECOVERY_INTERVAL_MS: '3600000',
        RESERVATION_SWEEP_INTERVAL_MS: '3600000',
      },
    });
    prefix = process.env.REDIS_PREFIX!;
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await publish(redis, prefix, mix);
    await drained(redis, prefix);
  }, 180_000);

  afterAll(async () => {
    const keys = await redis?.keys(`${prefix}*`);
    if (keys?.length) await redis.del(...keys);
    await redis?.quit();
    await stack?.stop();
  });

  it('answers the contract SalesReport exact to the cent, names, categories and stock joined, in bounded statements', async () => {
    const names = ['reports', 'products', 'inventory', 'retail'] as const;
    const before = await Promise.all(names.map((n) => stack.statements(n)));
    const res = await stack.gql(SalesReportDocument, { period: PERIOD }, { token: tokens.admin() });
    const after = await Promise.all(names.map((n) => stack.statements(n)));
    expect(res.body.errors).toBeUndefined();
    const used = Object.fromEntries(names.map((n, i) => [n, after[i]! - before[i]!]));
    // reports: summary (GROUPING SETS), categories, top products. The owners: one batched lookup each.
    expect(used.reports).toBe(3);
    expect(used.products).toBeLessThanOrEqual(2);
    expect(used.inventory).toBeLessThanOrEqual(2);
    expect(used.retail).toBeLessThanOrEqual(1);

    const r = res.body.data!.salesReport;
    const ex = expectedFigures(mix, PERIOD.from, PERIOD.to);
    expect(r.revenue).toEqual({ amount: amount(ex.revenueCents), currency: 'CAD' });
    expect(r.transactions).toBe(ex.transactions);
    expect(r.unitsSold).toBe(ex.unitsSold);
    expect(r.averageBasket.amount).toBe(amount(Math.round(ex.revenueCents / ex.transactions)));
    expect(r.byChannel.map((c) => [c.channel, c.revenue.amount, c.transactions])).toEqual(
      (['ONLINE', 'STORE'] as const).map((c) => [
        c,
        amount(ex.byChannel[c].revenueCents),
        ex.byChannel[c].transactions,
      ]),
    );
    expect(
      Object.fromEntries(
        r.byStore.map((s) => [s.store.id, [s.store.name, s.store.city, s.revenue.amount, s.transactions]]),
      ),
    ).toEqual(
      Object.fromEntries(
        Object.entries(ex.byStore).map(([id, s]) => [
          id,
          [STORE_NAMES.get(id)!.name, STORE_NAMES.get(id)!.city, amount(s.revenueCents), s.transactions],
        ]),
      ),
    );
    expect(
      Object.fromEntries(r.byCategory.map((c) => [c.category?.id, [c.category?.name, c.revenue.amount, c.unitsSold]])),
    ).toEqual(
      Object.fromEntries(
        Object.entries(ex.byCategory).map(([id, c]) => [
          id,
          [CATEGORY_NAMES.get(id), amount(c.revenueCents), c.unitsSold],
        ]),
      ),
    );
    expect(r.topProducts).toHaveLength(10);
    for (const t of r.topProducts) {
      const p = PRODUCTS.get(t.product.id)!;
      expect([t.product.name, t.product.sku, t.unitsSold, t.revenue.amount]).toEqual([
        p.name,
        p.sku,
        ex.byProduct[p.id]!.unitsSold,
        amount(ex.byProduct[p.id]!.revenueCents),
      ]);
      expect(typeof t.product.stock.available).toBe('number');
    }
    expect(r.daily.map((d) => [d.date, d.revenue.amount, d.unitsSold])).toEqual(
      Object.keys(ex.daily)
        .sort()
        .map((day) => [day, amount(ex.daily[day]!.revenueCents), ex.daily[day]!.unitsSold]),
    );
  });

  it("gives today's figures on reports' half of the dashboard, the same as the report for today", async () => {
    const res = await stack.gql(REPORTS_DASHBOARD, {}, { token: tokens.admin() });
    const ex = expectedFigures(mix, today, today);
    expect(res.body.data?.dashboard).toEqual({
      id: 'chain',
      date: today,
      revenueToday: { amount: amount(ex.revenueCents), currency: 'CAD' },
      ordersToday: ex.byChannel.ONLINE.transactions,
      salesToday: ex.byChannel.STORE.transactions,
    });
  });

  it("shows a MANAGER their store's performance only; CUSTOMER and CLERK get FORBIDDEN", async () => {
    const own = await stack.gql(
      StorePerformanceDocument,
      { id: 'store-1', period: PERIOD },
      { token: tokens.manager('store-1') },
    );
    expect(own.body.errors).toBeUndefined();
    const ex = expectedFigures(mix, PERIOD.from, PERIOD.to, 'store-1');
    expect(own.body.data?.store).toEqual({
      id: 'store-1',
      name: STORE_NAMES.get('store-1')!.name,
      performance: {
        revenue: { amount: amount(ex.revenueCents), currency: 'CAD' },
        transactions: ex.transactions,
        averageBasket: { amount: amount(Math.round(ex.revenueCents / ex.transactions)), currency: 'CAD' },
        returnsRate: 2 / ex.transactions,
      },
    });
    const other = await stack.gql(
      StorePerformanceDocument,
      { id: 'store-2', period: PERIOD },
      { token: tokens.manager('store-1') },
    );
    expect(other.body.data?.store).toMatchObject({ id: 'store-2', performance: null });
    expect(errorCodes(other.body.errors)).toEqual(['FORBIDDEN']);
    for (const token of [tokens.customer(), tokens.clerk('store-1')]) {
      const res = await stack.gql(StorePerformanceDocument, { id: 'store-1', period: PERIOD }, { token });
      expect(errorCodes(res.body.errors)).toEqual(['FORBIDDEN']);
      const report = await stack.gql(SalesReportDocument, { period: PERIOD }, { token });
      expect(errorCodes(report.body.errors)).toEqual(['FORBIDDEN']);
    }
  });

  it("serves ProductDetail's salesStats to staff managers; a customer gets the product and FORBIDDEN for the figures", async () => {
    const year2026 = { from: '2026-01-01', to: '2026-12-31' };
    const admin = await stack.gql(
      ProductDetailDocument,
      { id: 'prod-0003', period: year2026 },
      { token: tokens.admin() },
    );
    expect(admin.body.errors).toBeUndefined();
    const year = expectedFigures(mix, '2026-01-01', '2026-12-31').byProduct['prod-0003'] ?? {
      unitsSold: 0,
      revenueCents: 0,
    };
    expect(admin.body.data?.product?.salesStats).toEqual({
      unitsSold: year.unitsSold,
      revenue: { amount: amount(year.revenueCents), currency: 'CAD' },
    });
    const customer = await stack.gql(
      ProductDetailDocument,
      { id: 'prod-0003', period: year2026 },
      { token: tokens.customer() },
    );
    expect(customer.body.data?.product).toMatchObject({ id: 'prod-0003', salesStats: null });
    expect(errorCodes(customer.body.errors)).toEqual(['FORBIDDEN']);
  });

  it('produces a saved report in the background with the live figures and the names joined', async () => {
    const admin = { token: tokens.admin() };
    const gen = await stack.gql(GenerateReportDocument, { input: { type: 'SALES', period: PERIOD } }, admin);
    const created = gen.body.data!.generateReport;
    expect(created).toMatchObject({ errors: [], report: { status: 'PENDING', type: 'SALES', store: null } });
    const id = created.report!.id;
    const ready = await waitFor('report READY', async () => {
      const r = (await stack.gql(ReportDocument, { id }, admin)).body.data?.report;
      return r?.status === 'READY' ? r : null;
    });
    const live = (await stack.gql(SalesReportDocument, { period: PERIOD }, admin)).body.data!.salesReport;
    const data = ready.data;
    // A SALES report's figures: the SalesReport fragment (StorePerformance has no byCategory).
    if (!data || !('byCategory' in data)) throw new Error(`not a SalesReport: ${JSON.stringify(data)}`);
    expect(data.revenue).toEqual(live.revenue);
    expect(data.byStore.map((s) => [s.store.name, s.revenue])).toEqual(
      live.byStore.map((s) => [s.store.name, s.revenue]),
    );
    expect(data.byCategory).toEqual(live.byCategory);
    const list = (await stack.gql(ReportsDocument, { first: 10 }, admin)).body.data!.reports;
    expect(list.edges.map((e) => e.node.id)).toContain(id);
  });

  it('answers a SalesReport over 30 days x 5 stores x 300 products in the same statements and one batched fetch per owner', async () => {
    // 30 days that the other cases' period does not cover, every store selling every product each day.
    const from = addDays(today, -40);
    const to = addDays(from, 29);
    const big: Envelope[] = [];
    for (let d = 0; d < 30; d++) {
      DEMO_STORES.forEach((s, i) => {
        for (let k = 0; k < 15; k++) {
          const lines = Array.from({ length: 20 }, (_, j) => line(1 + ((k * 20 + j + i * 7) % 300), 1 + ((d + j) % 3)));
          big.push(events.saleRecorded(`sale-big-${d}-${s.id}-${k}`, s.id, lines, noon(addDays(from, d))));
        }
      });
    }
    await publish(redis, prefix, big);
    await drained(redis, prefix, 'reports', 120_000);

    const names = ['reports', 'products', 'inventory', 'retail'] as const;
    const before = await Promise.all(names.map((n) => stack.statements(n)));
    const res = await stack.gql(SalesReportDocument, { period: { from, to } }, { token: tokens.admin() });
    const after = await Promise.all(names.map((n) => stack.statements(n)));
    expect(res.body.errors).toBeUndefined();
    const r = res.body.data!.salesReport;
    const ex = expectedFigures(big, from, to);
    expect(r.revenue.amount).toBe(amount(ex.revenueCents));
    expect(r.unitsSold).toBe(ex.unitsSold);
    expect(r.byStore).toHaveLength(5);
    expect(r.daily).toHaveLength(30);
    expect(Object.keys(ex.byProduct)).toHaveLength(300);
    // The same statements as for a week of a few sales: reports 3, each owner one batched lookup.
    expect(Object.fromEntries(names.map((n, i) => [n, after[i]! - before[i]!]))).toEqual({
      reports: 3,
      products: expect.any(Number),
      inventory: expect.any(Number),
      retail: expect.any(Number),
    });
    expect(after[1]! - before[1]!).toBeLessThanOrEqual(2);
    expect(after[2]! - before[2]!).toBeLessThanOrEqual(2);
    expect(after[3]! - before[3]!).toBeLessThanOrEqual(1);
  });
});
