/**
 * The bench's reports scenarios (issue 9, "Benchmark"), against a stack whose reports database and
 * Redis streams the bench can reach:
 *
 * - Data. The read scenarios ask for the 30 days ending today over the 5 demo stores and the ~300
 *   sellable demo products. What the demo seed gave reports (retail's till history through its
 *   outbox relay) is read from reports' own tables; every (day, store, product) it does not cover
 *   gets a sale, and every day fewer than ONLINE_ORDERS_PER_DAY online orders, as documented events
 *   (docs/events.md envelopes, XADDed to the producers' streams as their relays publish them). The
 *   bench then waits until reports has consumed them. Those events exist only in the streams and
 *   in reports: `npm run reports:rebuild` would drop them (it reads the producers' outboxes).
 * - Reads. SalesReport (ADMIN), StorePerformance (the store's MANAGER), Dashboard (ADMIN: the
 *   chain's), the contract's operation texts, each checked on its first response.
 * - Event lag. For the events whose occurred_at (the producer's time) falls inside a load window,
 *   applied_at (the start of reports' transaction that applied it) minus occurred_at, once the
 *   producers' outboxes are empty and reports' group has nothing unread or unacknowledged.
 */
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { operation } from '../schema/operations';
import type { DashboardQuery, SalesReportQuery, StorePerformanceQuery } from '../schema/operations/generated';
import { signToken } from '../subgraphs/kit/auth';
import { DEMO_STORES, demoStaffIds, seededRandom } from '../subgraphs/kit/demo-ids';
import { demoProducts } from '../subgraphs/products/seed';
import { addDays, chainDay } from '../subgraphs/reports/domain/calendar';
import { drained, events, type Envelope, type Line } from '../test/subgraphs/reports/helpers';
import { metricSum, metricsText, round, withDb } from './util';

/** Days of the read scenarios' period, ending today (the issue's 30). */
export const PERIOD_DAYS = 30;
/** Online orders a day of the period should have at least (ecommerce seeds none). */
const ONLINE_ORDERS_PER_DAY = 20;
/** Entries XADDed per pipeline. */
const PUBLISH_CHUNK = 500;

/** Where reports' data lives for a stack: its database and the streams it reads. */
export interface ReportsAccess {
  reportsDatabaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Subgraph name -> /graphql URL: the producers' /metrics tell their outbox backlog. */
  subgraphUrls: Record<string, string>;
}

export interface Period {
  from: string;
  to: string;
}

export function benchPeriod(now = new Date()): Period {
  const to = chainDay(now);
  return { from: addDays(to, -(PERIOD_DAYS - 1)), to };
}

type Log = (message: string) => void;

/** Rows written to the producers' outboxes and not yet published, per producer (absent: no relay metrics). */
async function outboxBacklog(access: ReportsAccess): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  for (const name of ['retail', 'ecommerce', 'inventory']) {
    const url = access.subgraphUrls[name];
    if (!url) continue;
    // inventory is a cluster: its primary serves the workers' metrics on PORT + 100; they all read
    // the same table, so the figure is zero exactly when it has nothing pending.
    const text = await metricsText(url, name === 'inventory' ? 100 : 0);
    out[name] = text.includes('outbox_backlog') ? metricSum(text, 'outbox_backlog') : null;
  }
  return out;
}

/**
 * Waits until every event committed so far is in reports: the producers' outboxes have nothing
 * pending (so it is on the streams), then reports' group has read and acknowledged every entry
 * (XACK follows reports' commit). Returns the producers that report no outbox metrics (no relay).
 */
export async function settle(access: ReportsAccess, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let noRelay: string[] = [];
  for (;;) {
    const backlog = await outboxBacklog(access);
    noRelay = Object.entries(backlog)
      .filter(([, n]) => n === null)
      .map(([name]) => name);
    const pending = Object.values(backlog).reduce<number>((a, n) => a + (n ?? 0), 0);
    if (pending === 0) break;
    if (Date.now() > deadline) throw new Error(`outbox rows still unpublished after ${timeoutMs} ms: ${pending}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const redis = new Redis(access.redisUrl, { maxRetriesPerRequest: 2 });
  try {
    await drained(redis, access.redisPrefix, 'reports', Math.max(1_000, deadline - Date.now()));
  } finally {
    redis.disconnect();
  }
  return noRelay;
}

export interface ReportsVolume {
  period: Period;
  /** Events reports applied whose time falls in the period (sales, returns, orders, cancellations). */
  events: number;
  /** Sales and orders, less cancellations, in the period. */
  transactions: number;
  days: number;
  stores: number;
  products: number;
  /** daily_product_facts rows of the period: what SalesReport's product and category sums read. */
  productDayRows: number;
}

export interface ReportsData {
  volume: ReportsVolume;
  /** What the bench published to fill the period this run (zeros when reports had it all). */
  topUp: { sales: number; orders: number; lines: number; consumedS: number; eventsPerSecond: number | null };
  /** Producers without outbox metrics (their events cannot be reaching reports yet). */
  producersWithoutRelay: string[];
}

async function volume(db: Client, period: Period): Promise<ReportsVolume> {
  const r = await db.query<{
    events: number;
    transactions: number;
    days: number;
    stores: number;
    products: number;
    product_day_rows: number;
  }>(
    `select
       (select count(*)::int from processed_events
         where occurred_at >= ($1::date)::timestamp at time zone 'America/Toronto'
           and occurred_at < ($2::date + 1)::timestamp at time zone 'America/Toronto') as events,
       (select coalesce(sum(transactions), 0)::int from daily_store_facts where day between $1 and $2) as transactions,
       (select count(distinct day)::int from daily_store_facts where day between $1 and $2) as days,
       (select count(distinct store_id)::int from daily_store_facts where day between $1 and $2 and store_id <> '') as stores,
       (select count(distinct product_id)::int from daily_product_facts where day between $1 and $2) as products,
       (select count(*)::int from daily_product_facts where day between $1 and $2) as product_day_rows`,
    [period.from, period.to],
  );
  const row = r.rows[0];
  if (!row) throw new Error('reports volume: no row');
  return {
    period,
    events: row.events,
    transactions: row.transactions,
    days: row.days,
    stores: row.stores,
    products: row.products,
    productDayRows: row.product_day_rows,
  };
}

/** The period's (day, store) -> products sold, and day -> online transactions, as reports holds them. */
async function coverage(db: Client, period: Period) {
  const sold = await db.query<{ day: string; store_id: string; products: string[] }>(
    `select day::text as day, store_id, array_agg(distinct product_id) as products
       from daily_product_facts
      where channel = 'STORE' and day between $1 and $2 and units > 0
      group by day, store_id`,
    [period.from, period.to],
  );
  const online = await db.query<{ day: string; n: number }>(
    `select day::text as day, sum(transactions)::int as n
       from daily_store_facts where channel = 'ONLINE' and day between $1 and $2 group by day`,
    [period.from, period.to],
  );
  return {
    sold: new Map(sold.rows.map((r) => [`${r.day}|${r.store_id}`, new Set(r.products)])),
    online: new Map(online.rows.map((r) => [r.day, r.n])),
  };
}

/** A past day's instants during opening hours (14:00-23:00 UTC is 09/10:00-18/19:00 in Toronto); today: now. */
function instantOn(day: string, today: string, i: number, n: number): Date {
  if (day === today) return new Date();
  return new Date(Date.parse(`${day}T14:00:00Z`) + Math.floor(((i + 0.5) / n) * 9 * 3600 * 1000));
}

/** Baskets of 1 to 5 lines that together sell each product once, quantities 1 or 2. */
function baskets(products: Line[], random: () => number): Line[][] {
  const shuffled = [...products];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as Line, shuffled[i] as Line];
  }
  const out: Line[][] = [];
  for (let i = 0; i < shuffled.length;) {
    const n = 1 + Math.floor(random() * 5);
    out.push(shuffled.slice(i, i + n).map((l) => ({ ...l, quantity: random() < 0.8 ? 1 : 2 })));
    i += n;
  }
  return out;
}

/** The events that give every (day, store, sellable product) of the period a sale and every day its online orders. */
function topUpEvents(period: Period, have: Awaited<ReturnType<typeof coverage>>, run: string) {
  const sellable: Line[] = demoProducts()
    .filter((p) => p.active)
    .map((p) => ({ productId: p.id, categoryId: p.categoryId, quantity: 1, unitPriceCents: p.priceCents }));
  const list: Envelope[] = [];
  let sales = 0;
  let orders = 0;
  let lines = 0;
  for (let d = 0; d < PERIOD_DAYS; d++) {
    const day = addDays(period.from, d);
    DEMO_STORES.forEach((store, s) => {
      const sold = have.sold.get(`${day}|${store.id}`) ?? new Set<string>();
      const missing = sellable.filter((p) => !sold.has(p.productId));
      const dayBaskets = baskets(missing, seededRandom(d * 31 + s + 1));
      dayBaskets.forEach((basket, i) => {
        const at = instantOn(day, period.to, i, dayBaskets.length);
        list.push(bench(events.saleRecorded(`bench-${run}-${day}-${store.id}-${i + 1}`, store.id, basket, at)));
        sales++;
        lines += basket.length;
      });
    });
    const wanted = ONLINE_ORDERS_PER_DAY - (have.online.get(day) ?? 0);
    const random = seededRandom(1_000 + d);
    for (let i = 0; i < wanted; i++) {
      const basket = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        ...(sellable[Math.floor(random() * sellable.length)] as Line),
        quantity: 1 + Math.floor(random() * 2),
      }));
      // A basket names a product once.
      const unique = [...new Map(basket.map((l) => [l.productId, l])).values()];
      list.push(
        bench(
          events.orderConfirmed(`bench-${run}-${day}-order-${i + 1}`, unique, instantOn(day, period.to, i, wanted)),
        ),
      );
      orders++;
      lines += unique.length;
    }
  }
  return { list, sales, orders, lines };
}

/** An envelope marked as the bench's (the correlation id says where it came from). */
function bench(e: Envelope): Envelope {
  return { ...e, correlationId: 'bench-top-up' };
}

async function publishAll(access: ReportsAccess, list: readonly Envelope[]): Promise<void> {
  const redis = new Redis(access.redisUrl, { maxRetriesPerRequest: 2 });
  try {
    for (let i = 0; i < list.length; i += PUBLISH_CHUNK) {
      const pipeline = redis.pipeline();
      for (const e of list.slice(i, i + PUBLISH_CHUNK)) {
        // As the relays publish (kit/outbox-relay.ts): one field `event`, approximate MAXLEN.
        pipeline.xadd(
          `${access.redisPrefix}events:${e.source}`,
          'MAXLEN',
          '~',
          '100000',
          '*',
          'event',
          JSON.stringify(e),
        );
      }
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * Makes sure reports holds the period the read scenarios ask for (see the file's comment), and
 * says how much it holds.
 */
export async function ensureReportsData(access: ReportsAccess, period: Period, log: Log): Promise<ReportsData> {
  log('reports: waiting until the producers have published and reports has consumed everything so far');
  const producersWithoutRelay = await settle(access, 300_000);
  if (producersWithoutRelay.length)
    log(
      `reports: no outbox metrics at ${producersWithoutRelay.join(', ')} (no relay: their events do not reach reports)`,
    );
  return withDb(access.reportsDatabaseUrl, async (db) => {
    const before = await volume(db, period);
    log(
      `reports: ${before.events} events in ${period.from}..${period.to}: ${before.days} days, ${before.stores} stores, ${before.products} products`,
    );
    const planned = topUpEvents(period, await coverage(db, period), Date.now().toString(36));
    let consumedS = 0;
    if (planned.list.length > 0) {
      log(
        `reports: topping up with ${planned.sales} sales and ${planned.orders} online orders (${planned.lines} lines) as documented events`,
      );
      const t0 = performance.now();
      await publishAll(access, planned.list);
      await settle(access, 600_000);
      consumedS = (performance.now() - t0) / 1000;
      log(`reports: consumed in ${consumedS.toFixed(1)} s`);
    }
    return {
      volume: await volume(db, period),
      topUp: {
        sales: planned.sales,
        orders: planned.orders,
        lines: planned.lines,
        consumedS: round(consumedS, 1),
        eventsPerSecond: consumedS > 0 ? round(planned.list.length / consumedS, 0) : null,
      },
      producersWithoutRelay,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Read scenarios
// ---------------------------------------------------------------------------------------------

export interface ReadScenario {
  key: 'salesReport' | 'storePerformance' | 'dashboard';
  label: string;
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
  token: string;
  /** What is wrong with the first response, or null when it is right. */
  check: (body: unknown) => string | null;
  /** The response's data field, for the cheap per-response test under load. */
  marker: string;
  /** Paced requests per second: a normal load, well under what the saturated phase serves (docs/benchmarks.md). */
  rate: number;
}

/**
 * A response body as its operation's generated type says it should be; the checks below still test
 * every field they touch, since a failing server may answer partial data or none.
 */
interface Answer<T> {
  data?: T | null;
  errors?: { message: string }[];
}

const positive = (m: { amount: string } | null | undefined) => Number(m?.amount) > 0;

export function readScenarios(period: Period): ReadScenario[] {
  const admin = signToken({ sub: 'emp-admin', role: 'ADMIN' });
  const store = DEMO_STORES[0]!.id;
  const manager = signToken({ sub: demoStaffIds(store).manager, role: 'MANAGER', storeId: store });
  return [
    {
      key: 'salesReport',
      label: `SalesReport(${PERIOD_DAYS} days), ADMIN`,
      operationName: 'SalesReport',
      query: operation('SalesReport'),
      variables: { period },
      token: admin,
      marker: '"salesReport":{',
      rate: 5,
      check: (raw) => {
        const body = raw as Answer<SalesReportQuery> | null;
        const r = body?.data?.salesReport;
        if (body?.errors?.length || !r) return `errors: ${JSON.stringify(body?.errors ?? body)}`;
        if (!positive(r.revenue)) return `revenue ${JSON.stringify(r.revenue)}`;
        const stores = (r.byStore ?? []).filter((s) => s.store?.name);
        if (stores.length !== DEMO_STORES.length) return `${stores.length} named stores in byStore`;
        const top = (r.topProducts ?? []).filter((p) => p.product?.name && p.unitsSold > 0);
        if (top.length === 0) return 'no top products';
        const days = (r.daily ?? []).filter((d) => positive(d.revenue));
        if (days.length !== PERIOD_DAYS) return `${days.length} of ${PERIOD_DAYS} days with revenue in daily`;
        if (!(r.byChannel ?? []).some((c) => c.channel === 'ONLINE' && positive(c.revenue))) return 'no online revenue';
        return null;
      },
    },
    {
      key: 'storePerformance',
      label: `StorePerformance(${store}, ${PERIOD_DAYS} days), MANAGER`,
      operationName: 'StorePerformance',
      query: operation('StorePerformance'),
      variables: { id: store, period },
      token: manager,
      marker: '"performance":{',
      rate: 20,
      check: (raw) => {
        const body = raw as Answer<StorePerformanceQuery> | null;
        const s = body?.data?.store;
        if (body?.errors?.length || !s) return `errors: ${JSON.stringify(body?.errors ?? body)}`;
        if (s.id !== store || !s.name) return `store ${JSON.stringify(s)}`;
        if (!positive(s.performance?.revenue) || !((s.performance?.transactions ?? 0) > 0))
          return `performance ${JSON.stringify(s.performance)}`;
        return null;
      },
    },
    {
      key: 'dashboard',
      label: 'Dashboard (chain), ADMIN',
      operationName: 'Dashboard',
      query: operation('Dashboard'),
      variables: {},
      token: admin,
      marker: '"dashboard":{',
      rate: 20,
      check: (raw) => {
        const body = raw as Answer<DashboardQuery> | null;
        const d = body?.data?.dashboard;
        if (body?.errors?.length || !d) return `errors: ${JSON.stringify(body?.errors ?? body)}`;
        if (!positive(d.revenueToday) || !(d.salesToday > 0) || !(d.ordersToday > 0))
          return `today ${JSON.stringify(d)}`;
        if (typeof d.lowStockCount !== 'number' || typeof d.pendingReplenishments !== 'number')
          return `inventory's half ${JSON.stringify(d)}`;
        return null;
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Event lag
// ---------------------------------------------------------------------------------------------

export interface LagFigures {
  events: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface EventLagResult extends LagFigures {
  window: { from: string; to: string; seconds: number };
  bySource: Record<string, LagFigures>;
  byType: Record<string, number>;
  /** Producers that publish no outbox metrics: none of their events can be in the count. */
  producersWithoutRelay: string[];
}

/**
 * Commit-to-read-model lag of the events that occurred in [from, to], once all of them are in
 * reports (settle). Percentiles are PostgreSQL's percentile_disc, so they are measured values.
 */
export async function measureEventLag(access: ReportsAccess, from: Date, to: Date): Promise<EventLagResult> {
  const producersWithoutRelay = await settle(access, 300_000);
  return withDb(access.reportsDatabaseUrl, async (db) => {
    const rows = await db.query<{ source: string | null; n: number; p50: number; p95: number; max: number }>(
      `with lag as (
         select source, extract(epoch from applied_at - occurred_at) * 1000 as ms
           from processed_events where occurred_at between $1 and $2)
       select source, count(*)::int as n,
              coalesce(percentile_disc(0.5) within group (order by ms), 0)::float8 as p50,
              coalesce(percentile_disc(0.95) within group (order by ms), 0)::float8 as p95,
              coalesce(max(ms), 0)::float8 as max
         from lag group by grouping sets ((), (source))`,
      [from, to],
    );
    const types = await db.query<{ type: string; n: number }>(
      `select type, count(*)::int as n from processed_events where occurred_at between $1 and $2 group by type order by type`,
      [from, to],
    );
    const figures = (r: { n: number; p50: number; p95: number; max: number }): LagFigures => ({
      events: r.n,
      p50Ms: round(r.p50, 1),
      p95Ms: round(r.p95, 1),
      maxMs: round(r.max, 1),
    });
    const all = rows.rows.find((r) => r.source === null) ?? { n: 0, p50: 0, p95: 0, max: 0 };
    return {
      ...figures(all),
      window: { from: from.toISOString(), to: to.toISOString(), seconds: round((+to - +from) / 1000, 1) },
      bySource: Object.fromEntries(rows.rows.filter((r) => r.source !== null).map((r) => [r.source, figures(r)])),
      byType: Object.fromEntries(types.rows.map((r) => [r.type, r.n])),
      producersWithoutRelay,
    };
  });
}
