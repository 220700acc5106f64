/**
 * The demo till history (seed.ts) against real PostgreSQL, with the inventory and products doubles:
 * its days are the chain's calendar days (America/Toronto), so a seed run in the Toronto evening, when
 * the date in UTC is already tomorrow, rings up nothing dated today in Toronto (the Dashboard's "today"
 * showed dozens of store sales while every register was closed when the days were UTC's).
 */
import { DEMO_PRODUCT_COUNT, DEMO_STORES, demoProductId } from '../../../subgraphs/kit';
import { localDate } from '../../../subgraphs/retail/domain/validation';
import { backgroundContext } from '../../../subgraphs/retail/server';
import { seedRetail, type SeedContext } from '../../../subgraphs/retail/seed';
import { startTestRetail, type TestRetail } from './helpers';

const ZONE = 'America/Toronto';
/** 19:38 on Wednesday 14 January 2026 in Toronto (EST, UTC-5): already the 15th in UTC. */
const EVENING = new Date('2026-01-15T00:38:00Z');

describe('retail demo history in the chain time zone', () => {
  let t: TestRetail;
  let makeContext: SeedContext;

  beforeAll(async () => {
    t = await startTestRetail();
    // The whole demo catalogue on sale, with stock at every store.
    for (let n = 1; n <= DEMO_PRODUCT_COUNT; n += 1) {
      const id = demoProductId(n);
      if (!t.products.products.has(id)) {
        t.products.products.set(id, {
          id,
          name: `Product ${n}`,
          active: true,
          priceCents: 500 + n,
          currency: 'CAD',
          categoryId: null,
        });
      }
      for (const store of DEMO_STORES) t.inventory.setStock(store.locationId, id, 100);
    }
    makeContext = (identity, clock) => ({
      ...backgroundContext(t.running, t.running.services, 'demo-seed'),
      identity,
      clock,
    });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('seeded at 19:38 in Toronto: the two days before, in Toronto, and nothing dated today there', async () => {
    const report = await seedRetail(t.running.orm, { days: 2, makeContext, clock: () => EVENING });
    expect(report).toMatchObject({ days: 2, sessions: 2 * DEMO_STORES.length * 2 });
    expect(report!.sales).toBeGreaterThan(0);

    const sales = await t.sql<{ sold_at: Date; recorded_at: Date }>('select sold_at, recorded_at from sales');
    expect(sales.length).toBeGreaterThan(0);
    const today = localDate(EVENING, ZONE);
    expect(today).toBe('2026-01-14');
    expect(new Set(sales.map((s) => localDate(s.sold_at, ZONE)))).toEqual(new Set(['2026-01-12', '2026-01-13']));
    expect(sales.filter((s) => s.sold_at >= EVENING || s.recorded_at >= EVENING)).toEqual([]);

    // Every register opened at the store's opening time and counted ten minutes before its closing,
    // Toronto time: Monday and Tuesday 09:00 to 20:50 (14:00Z to 01:50Z the next day in winter).
    const utc = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"')`;
    const sessions = await t.sql<{ opened: string; closed: string; n: number }>(
      `select ${utc('opened_at')} as opened, ${utc('closed_at')} as closed, count(*)::int as n
         from register_sessions group by 1, 2 order by 1`,
    );
    expect(sessions).toEqual([
      { opened: '2026-01-12T14:00Z', closed: '2026-01-13T01:50Z', n: 10 },
      { opened: '2026-01-13T14:00Z', closed: '2026-01-14T01:50Z', n: 10 },
    ]);
    const events = await t.outbox();
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => localDate(e.occurredAt, ZONE) === today)).toEqual([]);
  });

  it('seeds once: a run the next day resumes the same days and finds nothing left to do', async () => {
    const before = await t.counts();
    const report = await seedRetail(t.running.orm, {
      days: 2,
      makeContext,
      clock: () => new Date(EVENING.getTime() + 24 * 3600 * 1000),
    });
    expect(report).toMatchObject({ sessions: 0, sales: 0 });
    expect(await t.counts()).toEqual(before);
  });
});
