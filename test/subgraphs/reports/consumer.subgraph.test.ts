/**
 * The reports consumer against real PostgreSQL and Redis (REDIS_URL, a key prefix of this file's
 * own): a known mix of events gives totals exact to the cent in every breakdown; duplicates and
 * replays count once; malformed and unknown entries are recorded and acknowledged; entries a dead
 * consumer left are claimed and applied once; the order of events does not change the figures; a
 * Redis outage is waited out with a backoff; a rebuild from the retained events gives the same
 * totals, also while the live consumer runs.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { startLocalRedis } from '../../../scripts/redis-server';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { client, freePort, tokens, waitFor, type Gql } from '../../helpers/toolkit';
import { createLogger } from '../../../subgraphs/kit';
import { configFromEnv, type ReportsConfig } from '../../../subgraphs/reports/config';
import { StreamConsumer } from '../../../subgraphs/reports/consumer';
import { applyEvents } from '../../../subgraphs/reports/domain/apply';
import { chainDay, addDays } from '../../../subgraphs/reports/domain/calendar';
import { KNOWN_EVENTS } from '../../../subgraphs/reports/domain/events';
import { listSource, rebuildReadModels } from '../../../subgraphs/reports/domain/rebuild';
import { reportsMetrics } from '../../../subgraphs/reports/metrics';
import { startReports, type RunningReports } from '../../../subgraphs/reports/server';
import {
  amount,
  drained,
  events,
  expectedFigures,
  parsed,
  publish,
  reportsQuery,
  type AmountOut,
  type Envelope,
  type Line,
  type MoneyOut,
  type PeriodVars,
  type RefOut,
} from './helpers';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN = { token: tokens.admin() };

function testConfig(prefix: string, extra: Partial<ReportsConfig> = {}): ReportsConfig {
  return {
    ...configFromEnv({ REDIS_URL, REDIS_PREFIX: prefix }),
    blockMs: 100,
    claimIdleMs: 300,
    claimEveryMs: 100,
    maxBackoffMs: 500,
    jobIntervalMs: 0,
    ...extra,
  };
}

interface ReportOut {
  revenue: MoneyOut;
  transactions: number;
  unitsSold: number;
  averageBasket: AmountOut;
  returns: number;
  byChannel: { channel: 'ONLINE' | 'STORE'; revenue: AmountOut; transactions: number; unitsSold: number }[];
  byStore: { store: RefOut; revenue: AmountOut; transactions: number; unitsSold: number; returns: number }[];
  byCategory: { category: RefOut | null; revenue: AmountOut; unitsSold: number }[];
  topProducts: { product: RefOut; unitsSold: number; revenue: AmountOut }[];
  daily: { date: string; revenue: AmountOut; transactions: number; unitsSold: number }[];
}

const REPORT = reportsQuery<{ salesReport: ReportOut }, { period: PeriodVars }>(`query Report($period: PeriodInput!) {
  salesReport(period: $period) {
    revenue { amount currency } transactions unitsSold averageBasket { amount } returns
    byChannel { channel revenue { amount } transactions unitsSold }
    byStore { store { id } revenue { amount } transactions unitsSold returns }
    byCategory { category { id } revenue { amount } unitsSold }
    topProducts(limit: 100) { product { id } unitsSold revenue { amount } }
    daily { date revenue { amount } transactions unitsSold }
  }
}`);

const today = chainDay(new Date());
const yesterday = addDays(today, -1);
const PERIOD = { from: yesterday, to: today };
/** Noon in Toronto yesterday, whatever the time of day the test runs. */
const YESTERDAY_NOON = new Date(`${yesterday}T17:00:00Z`);

const p = (n: number) => `prod-${String(n).padStart(4, '0')}`;
const line = (
  n: number,
  quantity: number,
  unitPriceCents: number,
  categoryId: string | null = `cat-${n % 3}`,
): Line => ({
  productId: p(n),
  categoryId,
  quantity,
  unitPriceCents,
});

/** A known mix: online orders (one cancelled after confirmation, one checkout never completed), POS sales in two stores on two days, a cancellation, returns, and events reports ignores. */
function knownMix(tag: string): Envelope[] {
  const o1 = [line(1, 2, 1999), line(2, 1, 4550)];
  const o2 = [line(3, 3, 333)];
  const o3 = [line(1, 1, 1999), line(4, 2, 12_345, null)];
  const s1 = [line(1, 1, 1999), line(5, 4, 250)];
  const s2 = [line(2, 2, 4550)];
  const s3 = [line(6, 7, 101), line(3, 1, 333)];
  const s4 = [line(7, 1, 99_999)];
  const s5 = [line(5, 10, 250, null)];
  return [
    events.orderConfirmed(`ord-${tag}-1`, o1),
    events.orderConfirmed(`ord-${tag}-2`, o2),
    events.orderCancelled(`ord-${tag}-2`, o2),
    events.orderCancelled(`ord-${tag}-x`, null),
    events.orderConfirmed(`ord-${tag}-3`, o3, YESTERDAY_NOON),
    events.orderShipped(`ord-${tag}-1`),
    events.saleRecorded(`sale-${tag}-1`, 'store-1', s1),
    events.saleRecorded(`sale-${tag}-2`, 'store-2', s2),
    events.saleRecorded(`sale-${tag}-3`, 'store-1', s3, YESTERDAY_NOON),
    events.saleRecorded(`sale-${tag}-4`, 'store-2', s4),
    events.saleCancelled(`sale-${tag}-4`, 'store-2', s4),
    events.saleRecorded(`sale-${tag}-5`, 'store-3', s5),
    events.saleReturned(`sale-${tag}-1`, 'store-1', [line(5, 2, 250)]),
    events.saleReturned(`sale-${tag}-3`, 'store-1', [line(6, 1, 101)]),
    events.stockChanged(p(1)),
  ];
}

/** Every figure of the report checked against the sums of the events, to the cent. */
function expectReportMatches(report: ReportOut, mix: Envelope[]) {
  const ex = expectedFigures(mix, PERIOD.from, PERIOD.to);
  expect(report.revenue).toEqual({ amount: amount(ex.revenueCents), currency: 'CAD' });
  expect(report.transactions).toBe(ex.transactions);
  expect(report.unitsSold).toBe(ex.unitsSold);
  expect(report.returns).toBe(ex.returns);
  expect(report.averageBasket.amount).toBe(amount(Math.round(ex.revenueCents / ex.transactions)));
  expect(report.byChannel.map((c) => c.channel)).toEqual(['ONLINE', 'STORE']);
  for (const c of report.byChannel) {
    const want = ex.byChannel[c.channel];
    expect({ channel: c.channel, revenue: c.revenue.amount, transactions: c.transactions, units: c.unitsSold }).toEqual(
      {
        channel: c.channel,
        revenue: amount(want.revenueCents),
        transactions: want.transactions,
        units: want.unitsSold,
      },
    );
  }
  expect(
    Object.fromEntries(
      report.byStore.map((s) => [s.store.id, [s.revenue.amount, s.transactions, s.unitsSold, s.returns]]),
    ),
  ).toEqual(
    Object.fromEntries(
      Object.entries(ex.byStore).map(([id, s]) => [
        id,
        [amount(s.revenueCents), s.transactions, s.unitsSold, s.returns],
      ]),
    ),
  );
  expect(
    Object.fromEntries(report.byCategory.map((c) => [c.category?.id ?? '', [c.revenue.amount, c.unitsSold]])),
  ).toEqual(
    Object.fromEntries(Object.entries(ex.byCategory).map(([id, c]) => [id, [amount(c.revenueCents), c.unitsSold]])),
  );
  expect(Object.fromEntries(report.topProducts.map((t) => [t.product.id, [t.revenue.amount, t.unitsSold]]))).toEqual(
    // Products that net no unit sold are not "top products".
    Object.fromEntries(
      Object.entries(ex.byProduct)
        .filter(([, c]) => c.unitsSold > 0)
        .map(([id, c]) => [id, [amount(c.revenueCents), c.unitsSold]]),
    ),
  );
  expect(report.daily.map((d) => d.date)).toEqual([yesterday, today]);
  for (const d of report.daily) {
    const want = ex.daily[d.date] ?? { revenueCents: 0, transactions: 0, unitsSold: 0 };
    expect([d.revenue.amount, d.transactions, d.unitsSold]).toEqual([
      amount(want.revenueCents),
      want.transactions,
      want.unitsSold,
    ]);
  }
  // The breakdowns add up to the totals, to the cent.
  const cents = (a: string) => Math.round(Number(a) * 100);
  const sum = (list: { revenue: AmountOut }[]) => list.reduce((n, x) => n + cents(x.revenue.amount), 0);
  expect(sum(report.byChannel)).toBe(ex.revenueCents);
  expect(sum(report.byCategory)).toBe(ex.revenueCents);
  expect(sum(report.daily)).toBe(ex.revenueCents);
  expect(sum(report.byStore)).toBe(ex.byChannel.STORE.revenueCents);
}

describe('reports consumer (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  let sg: RunningReports;
  let redis: Redis;
  let pg: Client;
  let gql: Gql;
  const prefix = `test:reports-consumer:${randomBytes(4).toString('hex')}:`;
  const published: Envelope[] = [];

  beforeAll(async () => {
    db = await freshDatabase('reports_consumer');
    sg = await startReports({ dbUrl: db.url, port: 0, config: testConfig(prefix) });
    redis = new Redis(REDIS_URL);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    gql = client(sg.url);
  });

  afterAll(async () => {
    await sg?.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis?.quit();
    await pg?.end();
    await db?.drop();
  });

  const report = async () => {
    const res = await gql(REPORT, { period: PERIOD }, ADMIN);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.salesReport;
  };
  /** Another process's consumer in the same group, on this file's database. */
  const otherConsumer = (name: string) =>
    new StreamConsumer({
      config: { ...sg.config, consumer: name },
      redis: new Redis(REDIS_URL),
      orm: sg.orm,
      log: createLogger('reports-test'),
      metrics: reportsMetrics(sg.metrics, (t) => t in KNOWN_EVENTS),
    });
  const count = async (sql: string) => Number((await pg.query<{ n: string }>(sql)).rows[0]?.n ?? -1);

  it('applies a known mix of orders, sales, returns and cancellations: every breakdown exact to the cent', async () => {
    const mix = knownMix('a');
    published.push(...mix);
    await publish(redis, prefix, mix);
    await drained(redis, prefix);
    expectReportMatches(await report(), published);
    // order.shipped and stock.changed are known and ignored (no processed row); nothing was rejected.
    expect(await count('select count(*) as n from rejected_events')).toBe(0);
    expect(await count('select count(*) as n from processed_events')).toBe(mix.length - 2);
  });

  it('counts a replayed or duplicated event once (same ids published again, twice)', async () => {
    const before = await report();
    await publish(redis, prefix, [...published, ...published]);
    await drained(redis, prefix);
    expect(await report()).toEqual(before);
    expect(sg.consumer!.stats.duplicates).toBeGreaterThanOrEqual(2 * (published.length - 2));
    const metric = await sg.metrics.registry.getSingleMetric('reports_events_processed_total')!.get();
    const duplicates = metric.values.filter((v) => v.labels.outcome === 'duplicate').reduce((n, v) => n + v.value, 0);
    expect(duplicates).toBeGreaterThanOrEqual(2 * (published.length - 2));
  });

  it('records and acknowledges malformed, unknown and foreign entries, and goes on with the next ones', async () => {
    const good = events.saleRecorded('sale-after-junk', 'store-4', [line(8, 1, 1000)]);
    const wrongVersion = { ...events.saleRecorded('sale-v9', 'store-4', [line(8, 1, 1000)]), version: 9 };
    const unknownType = { ...events.orderShipped('ord-z'), type: 'order.teleported' };
    const badData = events.saleRecorded('sale-bad', 'store-4', [{ ...line(8, 1, 1000), quantity: -3 }]);
    const usd = {
      ...events.orderConfirmed('ord-usd', [line(1, 1, 100)]),
      data: { ...events.orderConfirmed('x', [line(1, 1, 100)]).data, currency: 'USD' },
    };
    const onWrongStream = { ...events.orderConfirmed('ord-wrong', [line(1, 1, 100)]), source: 'retail' as const };
    await publish(redis, prefix, [
      { raw: 'not json at all', source: 'retail' },
      { raw: '{"id":"nope","type":"sale.recorded"}', source: 'retail' },
      { raw: `{"weird":"\u0000nul"}`, source: 'inventory' },
      wrongVersion,
      unknownType,
      badData,
      usd,
      { raw: JSON.stringify({ ...onWrongStream, source: 'ecommerce' }), source: 'retail' },
      good,
    ]);
    published.push(good);
    await drained(redis, prefix);
    const rows = await pg.query<{ reason_code: string }>('select reason_code from rejected_events order by id');
    expect(rows.rows.map((r) => r.reason_code).sort()).toEqual(
      [
        'malformed_json',
        'invalid_envelope',
        'malformed_json',
        'unknown_version',
        'unknown_type',
        'invalid_data',
        'wrong_currency',
        'wrong_source',
      ].sort(),
    );
    expectReportMatches(await report(), published);
  });

  it('takes over what a dead consumer was delivered and never acknowledged, and applies it once', async () => {
    const config = sg.config;
    // A consumer that read entries and died before its commit...
    const lost = [
      events.saleRecorded('sale-dead-1', 'store-5', [line(9, 2, 700)]),
      events.orderConfirmed('ord-dead-1', [line(9, 1, 700)]),
    ];
    // ...and one that died after its commit, before XACK: its entries are applied already.
    const committed = [events.saleRecorded('sale-dead-2', 'store-5', [line(10, 1, 5000)])];
    await sg.consumer!.stop();
    await publish(redis, prefix, [...lost, ...committed]);
    for (const key of ['retail', 'ecommerce']) {
      await redis.call(
        'XREADGROUP',
        'GROUP',
        config.group,
        'dead-consumer',
        'COUNT',
        100,
        'STREAMS',
        `${prefix}events:${key}`,
        '>',
      );
    }
    await applyEvents({ em: sg.orm.em.fork() }, committed.map(parsed));
    published.push(...lost, ...committed);
    // A new consumer (another process) claims them once they are idle for claimIdleMs.
    const consumer = otherConsumer('successor');
    consumer.start();
    try {
      await drained(redis, prefix);
      expect(consumer.stats.claimed).toBe(3);
      expect(consumer.stats.applied).toBe(2);
      expect(consumer.stats.duplicates).toBe(1);
      expectReportMatches(await report(), published);
    } finally {
      await consumer.stop();
    }
  });

  it('gives the same figures whatever the order the events are applied in (deltas)', async () => {
    const other = await freshDatabase('reports_order');
    const shuffled = await startReports({
      dbUrl: other.url,
      port: 0,
      config: testConfig(`${prefix}x:`),
      consume: false,
    });
    try {
      const all = published.map(parsed);
      // Reversed, one event per transaction: every cancellation and return before what it reverses.
      for (const e of [...all].reverse()) await applyEvents({ em: shuffled.orm.em.fork() }, [e]);
      const res = await client(shuffled.url)(REPORT, { period: PERIOD }, ADMIN);
      expect(res.body.data?.salesReport).toEqual(await report());
    } finally {
      await shuffled.stop();
      await other.drop();
    }
  });

  it('rebuilds the read models from the retained events to exactly the live totals, also while events flow', async () => {
    const live = await report();
    const bySource = (s: string) => published.filter((e) => e.source === s).map((e) => JSON.stringify(e));
    const sources = (['ecommerce', 'retail', 'inventory'] as const).map((s) => listSource(s, bySource(s)));
    const ctx = { em: sg.orm.em.fork(), identity: null, requestId: 'rebuild-test', log: createLogger('reports-test') };
    const summary = await rebuildReadModels(ctx, sources, { currency: 'CAD', pageSize: 4 });
    expect(summary.applied).toBe(published.filter((e) => !['order.shipped', 'stock.changed'].includes(e.type)).length);
    expect(summary.rejected).toBe(0);
    expect(await report()).toEqual(live);

    // Live consumption during a rebuild: new events, some of them also in the retained set.
    const consumer = otherConsumer('during-rebuild');
    consumer.start();
    try {
      const more = knownMix('b');
      published.push(...more);
      const streaming = publish(redis, prefix, more);
      await rebuildReadModels(
        { ...ctx, em: sg.orm.em.fork() },
        sources.map((s) => listSource(s.source, bySource(s.source))),
        {
          currency: 'CAD',
          pageSize: 3,
        },
      );
      await streaming;
      await drained(redis, prefix);
      expectReportMatches(await report(), published);
    } finally {
      await consumer.stop();
    }
    const gauge = await sg.metrics.registry.getSingleMetric('reports_rebuild_duration_seconds')!.get();
    expect(gauge.values[0]?.value).toBeGreaterThanOrEqual(0);
  });

  it('reports lag and pending per stream as gauges', async () => {
    const consumer = otherConsumer('gauges');
    await publish(redis, prefix, [events.stockChanged(p(1)), events.stockChanged(p(2))]);
    await consumer.refreshGauges();
    const lag = await sg.metrics.registry.getSingleMetric('stream_consumer_lag')!.get();
    expect(lag.values.find((v) => v.labels.stream === 'events:inventory')?.value).toBe(2);
    consumer.start();
    await drained(redis, prefix);
    await consumer.refreshGauges();
    const after = await sg.metrics.registry.getSingleMetric('stream_consumer_lag')!.get();
    expect(after.values.find((v) => v.labels.stream === 'events:inventory')?.value).toBe(0);
    expect(after.values.every((v) => v.value === 0)).toBe(true);
    await consumer.stop();
  });
});

describe('reports consumer through a Redis outage', () => {
  it('waits with a backoff (no busy loop) while Redis is down and resumes where the group left off', async () => {
    const port = await freePort();
    let server = await startLocalRedis(port);
    const db = await freshDatabase('reports_outage');
    const prefix = 'outage:';
    const sg = await startReports({
      dbUrl: db.url,
      port: 0,
      config: { ...testConfig(prefix), redisUrl: server.url, maxBackoffMs: 400 },
    });
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    try {
      const first = [events.saleRecorded('sale-o-1', 'store-1', [line(1, 1, 1000)])];
      await publish(redis, prefix, first);
      await drained(redis, prefix);
      await server.stop();
      await new Promise((r) => setTimeout(r, 2_000));
      const failuresDuringOutage = sg.consumer!.stats.failures;
      // About one failed round per backoff (250, 400, 400... ms), not thousands.
      expect(failuresDuringOutage).toBeGreaterThan(0);
      expect(failuresDuringOutage).toBeLessThan(15);
      // Redis comes back empty (no persistence): the group is created again and new events flow.
      server = await startLocalRedis(port);
      const second = [events.saleRecorded('sale-o-2', 'store-1', [line(2, 2, 1500)])];
      await waitFor('redis client back', async () => (await redis.ping().catch(() => null)) === 'PONG');
      await publish(redis, prefix, second);
      await drained(redis, prefix, 'reports', 20_000);
      const res = await client(sg.url)(REPORT, { period: PERIOD }, ADMIN);
      expect(res.body.data?.salesReport.revenue.amount).toBe(amount(1000 + 3000));
    } finally {
      await sg.stop();
      redis.disconnect();
      await server.stop();
      await db.drop();
    }
  });
});
