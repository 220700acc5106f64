/**
 * reports' queries and saved reports against real PostgreSQL, on read models filled through the
 * domain's own apply (no consumer): permissions (MANAGER their store only, ADMIN, CUSTOMER and CLERK
 * FORBIDDEN), bad periods and limits, the statements a SalesReport over 30 days x 5 stores x 300
 * products costs, batched entity fields, and saved reports (PENDING, READY with the live figures,
 * FAILED with a reason, taken over after a dead claim, paginated, scoped).
 */
import { Client } from 'pg';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { client, errorCodes, type Gql, statementCount, tokens, waitFor } from '../../helpers/toolkit';
import { configFromEnv } from '../../../subgraphs/reports/config';
import { applyEvents } from '../../../subgraphs/reports/domain/apply';
import { addDays, chainDay } from '../../../subgraphs/reports/domain/calendar';
import type { ReportsErrorCode } from '../../../subgraphs/reports/generated/resolvers';
import { startReports, type RunningReports } from '../../../subgraphs/reports/server';
import {
  amount,
  events,
  expectedFigures,
  parsed,
  reportsQuery,
  type AmountOut,
  type Envelope,
  type Line,
  type MoneyOut,
  type PeriodVars,
  type RefOut,
} from './helpers';

const STORES = ['store-1', 'store-2', 'store-3', 'store-4', 'store-5'];
const PRODUCTS = 300;
const DAYS = 30;
const today = chainDay(new Date());
const first = addDays(today, -(DAYS - 1));
const PERIOD = { from: first, to: today };
const p = (n: number) => `prod-${String(n).padStart(4, '0')}`;

/** Noon in Toronto on a day (17:00 UTC is noon EST, 13:00 EDT: the same day either way). */
const noon = (day: string) => new Date(`${day}T17:00:00Z`);

/**
 * One POS sale per store and day over 30 days, each selling 60 of the 300 products (so every
 * product sells in every store), plus an online order per day: 45 000 product-day-store rows.
 */
function bigMix(): Envelope[] {
  const list: Envelope[] = [];
  for (let d = 0; d < DAYS; d++) {
    const day = addDays(first, d);
    STORES.forEach((storeId, s) => {
      const lines: Line[] = [];
      for (let k = 0; k < 60; k++) {
        const n = ((d * 5 + s) * 60 + k) % PRODUCTS;
        lines.push({
          productId: p(n + 1),
          categoryId: `cat-${n % 12}`,
          quantity: 1 + (k % 3),
          unitPriceCents: 100 + n,
        });
      }
      list.push(events.saleRecorded(`sale-${d}-${storeId}`, storeId, lines, noon(day)));
    });
    list.push(
      events.orderConfirmed(
        `ord-${d}`,
        [{ productId: p(d + 1), categoryId: null, quantity: 2, unitPriceCents: 999 }],
        noon(day),
      ),
    );
  }
  list.push(
    events.saleReturned(
      'sale-0-store-1',
      'store-1',
      [{ productId: p(1), categoryId: 'cat-0', quantity: 1, unitPriceCents: 100 }],
      noon(today),
    ),
  );
  return list;
}

interface SalesReportOut {
  period: PeriodVars;
  store: RefOut | null;
  revenue: MoneyOut;
  transactions: number;
  unitsSold: number;
  averageBasket: MoneyOut;
  returns: number;
  byChannel: { channel: 'ONLINE' | 'STORE'; revenue: MoneyOut; transactions: number }[];
  byStore: { store: RefOut; revenue: MoneyOut; transactions: number }[];
  byCategory: { category: RefOut | null; revenue: MoneyOut; unitsSold: number }[];
  topProducts: { product: RefOut; unitsSold: number; revenue: MoneyOut }[];
  daily: { date: string; revenue: MoneyOut; unitsSold: number }[];
}

const REPORT = reportsQuery<{ salesReport: SalesReportOut }, { period: PeriodVars; storeId?: string }>(`
query SalesReport($period: PeriodInput!, $storeId: ID) {
  salesReport(period: $period, storeId: $storeId) {
    period { from to } store { id }
    revenue { amount currency } transactions unitsSold averageBasket { amount currency } returns
    byChannel { channel revenue { amount currency } transactions }
    byStore { store { id } revenue { amount currency } transactions }
    byCategory { category { id } revenue { amount currency } unitsSold }
    topProducts(limit: 10) { product { id } unitsSold revenue { amount currency } }
    daily { date revenue { amount currency } unitsSold }
  }
}`);

/** One entity of ENTITIES: the fields of its type, null where the caller was refused. */
interface EntityOut {
  id: string;
  performance?: {
    revenue: AmountOut;
    transactions: number;
    averageBasket: AmountOut;
    returns: number;
    returnsRate: number;
  } | null;
  salesStats?: { unitsSold: number; revenue: AmountOut; unitsReturned: number } | null;
  revenueToday?: AmountOut;
  ordersToday?: number;
  salesToday?: number;
}

const ENTITIES = reportsQuery<
  { _entities: EntityOut[] },
  { r: { __typename: 'Store' | 'Product' | 'Dashboard'; id: string }[]; period: PeriodVars }
>(`query($r: [_Any!]!, $period: PeriodInput!) {
  _entities(representations: $r) {
    ... on Store { id performance(period: $period) { revenue { amount } transactions averageBasket { amount } returns returnsRate } }
    ... on Product { id salesStats(period: $period) { unitsSold revenue { amount } unitsReturned } }
    ... on Dashboard { id revenueToday { amount } ordersToday salesToday }
  }
}`);

const DASHBOARD = reportsQuery<
  { dashboard: { id: string; date: string; revenueToday: MoneyOut; ordersToday: number; salesToday: number } },
  { storeId?: string }
>(
  `query($storeId: ID) { dashboard(storeId: $storeId) { id date revenueToday { amount currency } ordersToday salesToday } }`,
);

interface GeneratedOut {
  report: {
    id: string;
    type: 'SALES' | 'STORE_PERFORMANCE';
    status: 'PENDING' | 'READY' | 'FAILED';
    period: PeriodVars;
    store: RefOut | null;
    requestedBy: string;
  } | null;
  errors: { code: ReportsErrorCode; field: string[] | null; message: string }[];
}

const GENERATE = reportsQuery<
  { generateReport: GeneratedOut },
  { input: { type: 'SALES' | 'STORE_PERFORMANCE'; period: PeriodVars; storeId?: string } }
>(`mutation($input: GenerateReportInput!) {
  generateReport(input: $input) {
    report { id type status period { from to } store { id } requestedBy }
    errors { code field message }
  }
}`);

/** A saved report's figures: the SalesReport or StorePerformance fragment of REPORT_BY_ID. */
type SavedDataOut =
  | {
      __typename: 'SalesReport';
      revenue: AmountOut;
      transactions: number;
      unitsSold: number;
      byStore: { store: RefOut; revenue: AmountOut }[];
      topProducts: { product: RefOut; unitsSold: number }[];
      daily: { date: string }[];
    }
  | { __typename: 'StorePerformance'; store: RefOut; revenue: AmountOut; transactions: number; returnsRate: number };

interface SavedReportOut {
  id: string;
  type: 'SALES' | 'STORE_PERFORMANCE';
  status: 'PENDING' | 'READY' | 'FAILED';
  failureReason: string | null;
  generatedAt: string | null;
  store: RefOut | null;
  data: SavedDataOut | null;
}

const REPORT_BY_ID = reportsQuery<{ report: SavedReportOut | null }, { id: string }>(`query($id: ID!) {
  report(id: $id) {
    id type status failureReason generatedAt store { id }
    data {
      __typename
      ... on SalesReport { revenue { amount } transactions unitsSold byStore { store { id } revenue { amount } } topProducts(limit: 3) { product { id } unitsSold } daily { date } }
      ... on StorePerformance { store { id } revenue { amount } transactions returnsRate }
    }
  }
}`);

const LIST = reportsQuery<
  {
    reports: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: { cursor: string; node: { id: string; store: RefOut | null } }[];
    };
  },
  { first?: number; after?: string | null }
>(`query($first: Int, $after: String, $status: ReportStatus) {
  reports(first: $first, after: $after, status: $status) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id store { id } } }
  }
}`);

/** The saved report of REPORT_BY_ID, which the test knows exists. */
const savedReport = (res: { body: { data?: { report: SavedReportOut | null } | null } }): SavedReportOut =>
  res.body.data!.report!;

describe('reports queries and saved reports (PostgreSQL)', () => {
  let db: TestDatabase;
  let sg: RunningReports;
  let gql: Gql;
  let pg: Client;
  let mix: Envelope[];

  beforeAll(async () => {
    db = await freshDatabase('reports_queries');
    sg = await startReports({
      dbUrl: db.url,
      port: 0,
      config: { ...configFromEnv({}), redisUrl: null, jobIntervalMs: 0 },
      consume: false,
    });
    gql = client(sg.url);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    mix = bigMix();
    const all = mix.map(parsed);
    for (let i = 0; i < all.length; i += 20) await applyEvents({ em: sg.orm.em.fork() }, all.slice(i, i + 20));
  }, 120_000);

  afterAll(async () => {
    await pg?.end();
    await sg?.stop();
    await db?.drop();
  });

  async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const before = await statementCount(sg.metrics);
    const result = await fn();
    return { result, statements: (await statementCount(sg.metrics)) - before };
  }

  it('holds 30 days x 5 stores x 300 products of facts', async () => {
    const rows = await pg.query<{ n: number }>(
      "select count(*)::int as n from daily_product_facts where channel = 'STORE'",
    );
    expect(rows.rows[0]?.n).toBe(DAYS * STORES.length * 60);
    const products = await pg.query<{ n: number }>(
      'select count(distinct product_id)::int as n from daily_product_facts',
    );
    expect(products.rows[0]?.n).toBe(PRODUCTS);
  });

  it('answers the contract SalesReport over 30 days in 3 statements (summary, categories, top products), exact to the cent', async () => {
    const { result, statements } = await counted(() => gql(REPORT, { period: PERIOD }, { token: tokens.admin() }));
    expect(result.body.errors).toBeUndefined();
    // 1 GROUPING SETS statement for totals, channels, stores and days; 1 for categories; 1 for the top products.
    expect(statements).toBe(3);
    const r = result.body.data!.salesReport;
    const ex = expectedFigures(mix, PERIOD.from, PERIOD.to);
    expect(r.revenue).toEqual({ amount: amount(ex.revenueCents), currency: 'CAD' });
    expect(r.transactions).toBe(ex.transactions);
    expect(r.unitsSold).toBe(ex.unitsSold);
    expect(r.daily).toHaveLength(DAYS);
    expect(r.byStore.map((s) => s.store.id).sort()).toEqual(STORES);
    expect(r.byCategory).toHaveLength(13);
    expect(r.topProducts).toHaveLength(10);
    const top = Object.entries(ex.byProduct).sort(
      ([a, x], [b, y]) => y.unitsSold - x.unitsSold || y.revenueCents - x.revenueCents || (a < b ? -1 : 1),
    );
    expect(r.topProducts.map((t) => [t.product.id, t.unitsSold])).toEqual(
      top.slice(0, 10).map(([id, f]) => [id, f.unitsSold]),
    );
    // The same report for fewer fields costs fewer statements: each runs only when selected.
    const light = await counted(() =>
      gql(
        reportsQuery<{ salesReport: { revenue: AmountOut } }, { p: PeriodVars }>(
          'query($p: PeriodInput!) { salesReport(period: $p) { revenue { amount } } }',
        ),
        { p: PERIOD },
        { token: tokens.admin() },
      ),
    );
    expect(light.statements).toBe(1);
  });

  it('leaves out of topProducts a product whose units were all cancelled or returned in the period', async () => {
    const day = addDays(first, -60);
    const at = noon(day);
    const line = (n: number, quantity: number): Line => ({
      productId: p(n),
      categoryId: 'cat-x',
      quantity,
      unitPriceCents: 500,
    });
    const list = [
      events.saleRecorded('sale-net-zero', 'store-1', [line(901, 2)], at),
      events.saleCancelled('sale-net-zero', 'store-1', [line(901, 2)], at),
      events.saleRecorded('sale-returned', 'store-1', [line(902, 1), line(903, 1)], at),
      events.saleReturned('sale-returned', 'store-1', [line(902, 1)], at),
    ];
    await applyEvents({ em: sg.orm.em.fork() }, list.map(parsed));
    const res = await gql(
      reportsQuery<
        { salesReport: { unitsSold: number; topProducts: { product: RefOut; unitsSold: number }[] } },
        { p: PeriodVars }
      >(
        'query($p: PeriodInput!) { salesReport(period: $p) { unitsSold topProducts(limit: 100) { product { id } unitsSold } } }',
      ),
      { p: { from: day, to: day } },
      { token: tokens.admin() },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.salesReport).toEqual({
      unitsSold: 1,
      topProducts: [{ product: { id: p(903) }, unitsSold: 1 }],
    });
  });

  it('gives a MANAGER their own store only, and refuses them another store', async () => {
    const manager = { token: tokens.manager('store-2') };
    const own = await gql(REPORT, { period: PERIOD }, manager);
    expect(own.body.errors).toBeUndefined();
    const r = own.body.data!.salesReport;
    const ex = expectedFigures(mix, PERIOD.from, PERIOD.to, 'store-2');
    expect(r.store).toEqual({ id: 'store-2' });
    expect(r.revenue.amount).toBe(amount(ex.revenueCents));
    expect(r.byStore.map((s) => s.store.id)).toEqual(['store-2']);
    expect(r.byChannel.find((c) => c.channel === 'ONLINE')?.transactions).toBe(0);
    const other = await gql(REPORT, { period: PERIOD, storeId: 'store-3' }, manager);
    expect(errorCodes(other.body.errors)).toEqual(['FORBIDDEN']);
    // ADMIN may narrow to one store.
    const admin = await gql(REPORT, { period: PERIOD, storeId: 'store-2' }, { token: tokens.admin() });
    expect(admin.body.data!.salesReport.revenue).toEqual(r.revenue);
  });

  it('refuses customers and clerks (FORBIDDEN) and anonymous callers (UNAUTHENTICATED) everywhere', async () => {
    for (const token of [tokens.customer(), tokens.clerk('store-1'), undefined]) {
      const want = token ? 'FORBIDDEN' : 'UNAUTHENTICATED';
      expect(errorCodes((await gql(REPORT, { period: PERIOD }, { token })).body.errors)).toEqual([want]);
      expect(errorCodes((await gql(DASHBOARD, {}, { token })).body.errors)).toEqual([want]);
      expect(errorCodes((await gql(LIST, {}, { token })).body.errors)).toEqual([want]);
      const gen = await gql(GENERATE, { input: { type: 'SALES', period: PERIOD } }, { token });
      expect(errorCodes(gen.body.errors)).toEqual([want]);
      const ent = await gql(
        ENTITIES,
        {
          r: [
            { __typename: 'Store', id: 'store-1' },
            { __typename: 'Product', id: p(1) },
          ],
          period: PERIOD,
        },
        { token },
      );
      expect(errorCodes(ent.body.errors)).toEqual([want, want]);
      expect(ent.body.data!._entities).toEqual([
        { id: 'store-1', performance: null },
        { id: p(1), salesStats: null },
      ]);
    }
  });

  it('refuses bad periods and limits with BAD_USER_INPUT, and a bad period in generateReport with INVALID_PERIOD', async () => {
    const admin = { token: tokens.admin() };
    for (const period of [
      { from: '2026-03-02', to: '2026-03-01' },
      { from: '2025-01-01', to: '2026-01-02' },
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '26-01-01', to: '2026-03-01' },
    ]) {
      const res = await gql(REPORT, { period }, admin);
      expect({ period, codes: errorCodes(res.body.errors) }).toEqual({ period, codes: ['BAD_USER_INPUT'] });
      const gen = await gql(GENERATE, { input: { type: 'SALES', period } }, admin);
      if (gen.body.errors)
        expect(errorCodes(gen.body.errors)).toEqual(['BAD_USER_INPUT']); // not a calendar date: the scalar
      else
        expect(gen.body.data!.generateReport.errors.map((e) => [e.code, e.field])).toEqual([
          ['INVALID_PERIOD', ['input', 'period']],
        ]);
    }
    // A leap year is 366 days, both ends included: allowed.
    const leap = await gql(REPORT, { period: { from: '2024-01-01', to: '2024-12-31' } }, admin);
    expect(leap.body.errors).toBeUndefined();
    const limit = await gql(
      reportsQuery<{ salesReport: { topProducts: { unitsSold: number }[] } }, { p: PeriodVars }>(
        'query($p: PeriodInput!) { salesReport(period: $p) { topProducts(limit: 101) { unitsSold } } }',
      ),
      { p: PERIOD },
      admin,
    );
    expect(errorCodes(limit.body.errors)).toEqual(['BAD_USER_INPUT']);
    const noStore = await gql(GENERATE, { input: { type: 'STORE_PERFORMANCE', period: PERIOD } }, admin);
    expect(noStore.body.data!.generateReport.errors.map((e) => e.code)).toEqual(['INVALID_STORE']);
  });

  it('batches Store.performance and Product.salesStats of many entities into one statement each', async () => {
    const reps = [
      ...STORES.map((id) => ({ __typename: 'Store' as const, id })),
      ...Array.from({ length: PRODUCTS }, (_, i) => ({ __typename: 'Product' as const, id: p(i + 1) })),
    ];
    const { result, statements } = await counted(() =>
      gql(ENTITIES, { r: reps, period: PERIOD }, { token: tokens.admin() }),
    );
    expect(result.body.errors).toBeUndefined();
    expect(statements).toBe(2);
    const list = result.body.data!._entities;
    expect(list).toHaveLength(STORES.length + PRODUCTS);
    const ex1 = expectedFigures(mix, PERIOD.from, PERIOD.to, 'store-1');
    expect(list[0]!.performance).toEqual({
      revenue: { amount: amount(ex1.revenueCents) },
      transactions: ex1.transactions,
      averageBasket: { amount: amount(Math.round(ex1.revenueCents / ex1.transactions)) },
      returns: 1,
      returnsRate: 1 / ex1.transactions,
    });
    const ex = expectedFigures(mix, PERIOD.from, PERIOD.to);
    expect(list[STORES.length]!.salesStats).toEqual({
      unitsSold: ex.byProduct[p(1)]!.unitsSold,
      revenue: { amount: amount(ex.byProduct[p(1)]!.revenueCents) },
      unitsReturned: 1,
    });
  });

  it("answers Store.performance for a MANAGER's own store and FORBIDDEN for another's (one entity of the batch)", async () => {
    const res = await gql(
      ENTITIES,
      {
        r: [
          { __typename: 'Store', id: 'store-1' },
          { __typename: 'Store', id: 'store-2' },
        ],
        period: PERIOD,
      },
      { token: tokens.manager('store-1') },
    );
    const list = res.body.data!._entities;
    expect(list[0]!.performance?.transactions).toBe(DAYS);
    expect(list[1]!.performance).toBeNull();
    expect(errorCodes(res.body.errors)).toEqual(['FORBIDDEN']);
  });

  it("serves today's dashboard: the chain for ADMIN, a MANAGER's store, the same figures as the report for today", async () => {
    const chain = await gql(DASHBOARD, {}, { token: tokens.admin() });
    const d = chain.body.data!.dashboard;
    const ex = expectedFigures(mix, today, today);
    expect(d).toEqual({
      id: 'chain',
      date: today,
      revenueToday: { amount: amount(ex.revenueCents), currency: 'CAD' },
      ordersToday: ex.byChannel.ONLINE.transactions,
      salesToday: ex.byChannel.STORE.transactions,
    });
    const store = await gql(DASHBOARD, {}, { token: tokens.manager('store-4') });
    expect(store.body.data!.dashboard).toMatchObject({ id: 'store-4', ordersToday: 0, salesToday: 1 });
    expect(
      errorCodes((await gql(DASHBOARD, { storeId: 'store-5' }, { token: tokens.manager('store-4') })).body.errors),
    ).toEqual(['FORBIDDEN']);
    // The entity by key, as the router asks for it: a MANAGER may not read the chain's.
    const ent = await gql(
      ENTITIES,
      { r: [{ __typename: 'Dashboard', id: 'chain' }], period: PERIOD },
      { token: tokens.manager('store-4') },
    );
    expect(errorCodes(ent.body.errors)).toEqual(['FORBIDDEN']);
  });

  it('generates a saved report in the background: PENDING, then READY with the live figures', async () => {
    const admin = { token: tokens.admin() };
    const gen = await gql(GENERATE, { input: { type: 'SALES', period: PERIOD } }, admin);
    const created = gen.body.data!.generateReport;
    expect(created.errors).toEqual([]);
    const id = created.report!.id;
    expect(created.report).toMatchObject({
      type: 'SALES',
      status: 'PENDING',
      period: PERIOD,
      store: null,
      requestedBy: 'emp-admin',
    });
    const ready = await waitFor('report READY', async () => {
      const r = savedReport(await gql(REPORT_BY_ID, { id }, admin));
      return r.status === 'READY' ? r : null;
    });
    const live = (await gql(REPORT, { period: PERIOD }, admin)).body.data!.salesReport;
    if (ready.data?.__typename !== 'SalesReport') throw new Error(`not a SalesReport: ${JSON.stringify(ready.data)}`);
    expect(ready.data.revenue).toEqual({ amount: live.revenue.amount });
    expect(ready.data.transactions).toBe(live.transactions);
    expect(ready.data.topProducts).toEqual(
      live.topProducts.slice(0, 3).map((t) => ({ product: t.product, unitsSold: t.unitsSold })),
    );
    expect(ready.data.daily).toHaveLength(DAYS);
    expect(ready.generatedAt).toEqual(expect.any(String));
    // Reading a READY report costs the one lookup, whatever its figures.
    const { statements } = await counted(() => gql(REPORT_BY_ID, { id }, admin));
    expect(statements).toBe(1);
  });

  it("scopes saved reports: a MANAGER's are their store's, they see only those, ADMIN sees all, newest first, paginated", async () => {
    const m3 = { token: tokens.manager('store-3') };
    const perf = await gql(GENERATE, { input: { type: 'STORE_PERFORMANCE', period: PERIOD } }, m3);
    const mine = perf.body.data!.generateReport.report!;
    expect(mine.store).toEqual({ id: 'store-3' });
    const forbidden = await gql(GENERATE, { input: { type: 'SALES', period: PERIOD, storeId: 'store-1' } }, m3);
    expect(errorCodes(forbidden.body.errors)).toEqual(['FORBIDDEN']);
    await sg.job!.runNow();
    const done = savedReport(await gql(REPORT_BY_ID, { id: mine.id }, m3));
    const ex3 = expectedFigures(mix, PERIOD.from, PERIOD.to, 'store-3');
    expect(done.data).toEqual({
      __typename: 'StorePerformance',
      store: { id: 'store-3' },
      revenue: { amount: amount(ex3.revenueCents) },
      transactions: DAYS,
      returnsRate: 0,
    });
    const list = (await gql(LIST, {}, m3)).body.data!.reports;
    expect(list.totalCount).toBe(1);
    expect(list.edges.map((e) => e.node.id)).toEqual([mine.id]);
    // The chain's report of the previous test is not theirs.
    const all = (await gql(LIST, {}, { token: tokens.admin() })).body.data!.reports;
    const chainId = all.edges.find((e) => e.node.store === null)?.node.id;
    if (!chainId) throw new Error(`no chain report among ${JSON.stringify(all.edges)}`);
    expect(errorCodes((await gql(REPORT_BY_ID, { id: chainId }, m3)).body.errors)).toEqual(['FORBIDDEN']);
    // ADMIN: every report, newest first, two pages of one.
    const page1 = (await gql(LIST, { first: 1 }, { token: tokens.admin() })).body.data!.reports;
    expect(page1.totalCount).toBe(2);
    expect(page1.edges.map((e) => e.node.id)).toEqual([mine.id]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(LIST, { first: 1, after: page1.pageInfo.endCursor }, { token: tokens.admin() })).body.data!
      .reports;
    expect(page2.edges.map((e) => e.node.id)).toEqual([chainId]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(errorCodes((await gql(LIST, { after: 'bm90LWEtY3Vyc29y' }, { token: tokens.admin() })).body.errors)).toEqual(
      ['BAD_USER_INPUT'],
    );
  });

  it('takes over a report whose claimer died (lease run out), and FAILS one whose figures cannot be computed', async () => {
    const admin = { token: tokens.admin() };
    const gen = await gql(GENERATE, { input: { type: 'SALES', period: PERIOD, storeId: 'store-5' } }, admin);
    const id = gen.body.data!.generateReport.report!.id;
    // Another process claimed it and died: its lease has run out.
    await pg.query(
      "update saved_reports set claimed_by = 'dead-process', attempts = 1, lease_until = now() - interval '1 second' where id = $1",
      [id],
    );
    await sg.job!.runNow();
    const taken = savedReport(await gql(REPORT_BY_ID, { id }, admin));
    expect(taken.status).toBe('READY');
    const row = await pg.query<{ attempts: number; claimed_by: string | null }>(
      'select attempts, claimed_by from saved_reports where id = $1',
      [id],
    );
    expect(row.rows[0]).toEqual({ attempts: 2, claimed_by: null });

    const failing = await startReports({
      dbUrl: db.url,
      port: 0,
      runMigrations: false,
      config: { ...configFromEnv({}), redisUrl: null, jobIntervalMs: 0, jobMaxAttempts: 2, consumer: 'failing' },
      consume: false,
      compute: async () => {
        throw new Error('disk on fire');
      },
    });
    try {
      const bad = await client(failing.url)(GENERATE, { input: { type: 'SALES', period: PERIOD } }, admin);
      const badId = bad.body.data!.generateReport.report!.id;
      await failing.job!.runNow();
      await pg.query('update saved_reports set lease_until = null where id = $1', [badId]);
      await failing.job!.runNow();
      const failed = savedReport(await gql(REPORT_BY_ID, { id: badId }, admin));
      expect(failed).toMatchObject({
        status: 'FAILED',
        failureReason: 'The figures could not be computed',
        data: null,
      });
    } finally {
      await failing.stop();
    }
  });
});
