/**
 * The retail demo seed against the real products and inventory: four weeks of till history rung up
 * through the domain code of live sales, on the days of the chain's time zone (nothing dated today in
 * Toronto, whatever the hour), so that inventory's stock movements agree with every sale and return,
 * and its outbox holds the events the live paths write, at the history's own times, for reports;
 * seeded once (a second run changes nothing) and within the start-up budget.
 */
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { DEMO_STORES } from '../../subgraphs/kit';
import { REGISTRY } from '../../subgraphs/registry';
import type { RetainedEventPage } from '../../subgraphs/reports/domain/rebuild';
import { RETAINED_EVENTS_QUERY } from '../../subgraphs/reports/event-sources';
import { contractViolations, readEventContract } from '../helpers/event-contract';
import { startStack, type Stack } from '../helpers/stack';
import { tokens, waitFor } from '../helpers/toolkit';

/** The chain's time zone: the days of the history and of reports. */
const ZONE = 'America/Toronto';

/** What these checks read of the events' data (docs/events.md has all of it). */
interface EventData {
  soldAt?: string;
  returnId?: string;
  lines?: { productId: string; categoryId: string | null }[];
}

describe('retail demo seed (products, inventory, retail)', () => {
  let stack: Stack;
  let retailDb: Client;
  let inventoryDb: Client;
  let productsDb: Client;
  let startMs: number;

  beforeAll(async () => {
    const started = Date.now();
    stack = await startStack({ services: ['products', 'inventory', 'retail'], inventoryReplicas: 3, seed: true });
    startMs = Date.now() - started;
    retailDb = new Client({ connectionString: stack.databases.retail!.url });
    inventoryDb = new Client({ connectionString: stack.databases.inventory!.url });
    productsDb = new Client({ connectionString: stack.databases.products!.url });
    await Promise.all([retailDb.connect(), inventoryDb.connect(), productsDb.connect()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([retailDb?.end(), inventoryDb?.end(), productsDb?.end()]);
    await stack?.stop();
  });

  it('rings up four weeks of sales and returns at every store, within the start-up budget', async () => {
    const { rows } = await retailDb.query<{
      sessions: number;
      open: number;
      sales: number;
      returns: number;
      stores: number;
      days: number;
      today: number;
    }>(
      `select (select count(*) from register_sessions)::int as sessions,
              (select count(*) from register_sessions where status = 'OPEN')::int as open,
              (select count(*) from sales where status = 'COMPLETED')::int as sales,
              (select count(*) from sales where status = 'FAILED')::int as failed,
              (select count(*) from returns where status = 'COMPLETED')::int as returns,
              (select count(distinct store_id) from sales)::int as stores,
              (select count(distinct (sold_at at time zone $1)::date) from sales)::int as days,
              (select count(*) from sales
                where (sold_at at time zone $1)::date >= (now() at time zone $1)::date)::int as today`,
      [ZONE],
    );
    const summary = rows[0]!;
    console.info(`retail demo seed: ${JSON.stringify(summary)}; stack with seeds started in ${startMs} ms`);
    // 28 days of the chain's calendar, ending yesterday there: the registers are all closed and no
    // sale is dated today, even seeded in the Toronto evening (already tomorrow in UTC).
    expect(summary).toMatchObject({ sessions: 28 * DEMO_STORES.length * 2, open: 0, stores: 5, days: 28, today: 0 });
    expect(summary.sales).toBeGreaterThan(700);
    expect(summary.returns).toBeGreaterThan(20);
  });

  it("inventory's movements agree with every seeded sale and return, per store", async () => {
    const sold = await retailDb.query<{ location: string; units: number }>(
      `select st.location_id as location, sum(l.quantity)::int as units
         from sales s join sale_lines l on l.sale_id = s.id join stores st on st.id = s.store_id
        where s.status = 'COMPLETED' group by st.location_id order by 1`,
    );
    const returned = await retailDb.query<{ location: string; units: number }>(
      `select st.location_id as location, sum(l.quantity)::int as units
         from returns r join return_lines l on l.return_id = r.id join stores st on st.id = r.store_id
        where r.status = 'COMPLETED' group by st.location_id order by 1`,
    );
    const saleIds = (await retailDb.query<{ id: string }>("select id from sales where status = 'COMPLETED'")).rows.map(
      (r) => r.id,
    );
    const returnIds = (
      await retailDb.query<{ id: string }>("select id from returns where status = 'COMPLETED'")
    ).rows.map((r) => r.id);
    const taken = await inventoryDb.query<{ location: string; units: number }>(
      `select location_id as location, (-sum(on_hand_delta))::int as units from stock_movement
        where reference = any($1::text[]) and on_hand_delta < 0 group by location_id order by 1`,
      [saleIds],
    );
    const back = await inventoryDb.query<{ location: string; units: number }>(
      `select location_id as location, sum(on_hand_delta)::int as units from stock_movement
        where reason = 'RETURN' and reference = any($1::text[]) group by location_id order by 1`,
      [returnIds],
    );
    expect(taken.rows).toEqual(sold.rows);
    expect(back.rows).toEqual(returned.rows);
    // No reservation of a seeded sale is left holding stock.
    const held = await inventoryDb.query(
      "select 1 from reservation where status = 'PENDING' and order_id = any($1::text[])",
      [saleIds],
    );
    expect(held.rowCount).toBe(0);
  });

  it('writes the events of the live paths for the history, at its business times, and the relay publishes them', async () => {
    type Row = { type: string; aggregate_id: string; occurred_at: Date; correlation_id: string; data: EventData };
    const events = (
      await retailDb.query<Row>('select type, aggregate_id, occurred_at, correlation_id, data from outbox')
    ).rows;
    const byType = (type: string) => events.filter((e) => e.type === type);
    const sales = (
      await retailDb.query<{ id: string; sold_at: Date }>("select id, sold_at from sales where status = 'COMPLETED'")
    ).rows;
    const returns = (
      await retailDb.query<{ id: string; sold_at: Date; closed_at: Date }>(
        `select r.id, s.sold_at, rs.closed_at from returns r join sales s on s.id = r.sale_id
           join register_sessions rs on rs.id = r.session_id where r.status = 'COMPLETED'`,
      )
    ).rows;
    const sessions = (
      await retailDb.query<{ id: string; closed_at: Date }>(
        "select id, closed_at from register_sessions where status = 'CLOSED'",
      )
    ).rows;
    // One event per completed sale, completed return and closed session; none for the FAILED sales.
    expect({ sales: sales.length > 0, returns: returns.length > 0, sessions: sessions.length > 0 }).toEqual({
      sales: true,
      returns: true,
      sessions: true,
    });
    expect(events).toHaveLength(sales.length + returns.length + sessions.length);
    const recorded = new Map(byType('sale.recorded').map((e) => [e.aggregate_id, e]));
    expect(recorded.size).toBe(sales.length);
    for (const s of sales) {
      const e = recorded.get(s.id)!;
      expect(e.occurred_at).toEqual(s.sold_at);
      expect(e.data.soldAt).toBe(s.sold_at.toISOString());
    }
    const returned = new Map(byType('sale.returned').map((e) => [e.data.returnId, e]));
    expect(returned.size).toBe(returns.length);
    for (const r of returns) {
      const at = returned.get(r.id)!.occurred_at.getTime();
      expect(at).toBeGreaterThan(r.sold_at.getTime());
      expect(at).toBeLessThan(r.closed_at.getTime());
    }
    const closed = new Map(byType('register.closed').map((e) => [e.aggregate_id, e]));
    expect(closed.size).toBe(sessions.length);
    for (const s of sessions) expect(closed.get(s.id)!.occurred_at).toEqual(s.closed_at);
    expect(new Set(events.map((e) => e.correlation_id))).toEqual(new Set(['demo-seed']));
    // Categories as products files the seeded products.
    const categories = new Map(
      (
        await productsDb.query<{ id: string; category_id: string | null }>('select id, category_id from products')
      ).rows.map((p) => [p.id, p.category_id]),
    );
    const soldLines = byType('sale.recorded').flatMap((e) => e.data.lines ?? []);
    expect(soldLines.length).toBeGreaterThanOrEqual(sales.length);
    for (const l of soldLines) expect(l.categoryId).toBe(categories.get(l.productId) ?? null);
    // Every retained envelope conforms to docs/events.md, and all of them reach events:retail.
    const contract = readEventContract();
    const envelopes: Record<string, unknown>[] = [];
    let after: string | null = null;
    for (;;) {
      // The query reports' rebuild sends (event-sources.ts).
      const res: Response = await fetch(stack.subgraph('retail').url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.service('reports')}` },
        body: JSON.stringify({ query: RETAINED_EVENTS_QUERY, variables: { after, first: 1000 } }),
      });
      const page: RetainedEventPage = ((await res.json()) as { data: { retainedEvents: RetainedEventPage } }).data
        .retainedEvents;
      envelopes.push(...page.events.map((t) => JSON.parse(t) as Record<string, unknown>));
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    expect(envelopes).toHaveLength(events.length);
    expect(envelopes.flatMap((e) => contractViolations(contract, e))).toEqual([]);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      await waitFor(
        'the seeded events on events:retail',
        async () => (await redis.xlen(`${process.env.REDIS_PREFIX}events:retail`)) === events.length,
        30_000,
      );
    } finally {
      await redis.quit();
    }
  });

  it('seeds once: a second run changes nothing and stops after a few statements', async () => {
    const snapshot = () =>
      retailDb.query(
        'select (select count(*) from sales) as s, (select count(*) from register_sessions) as r, (select count(*) from returns) as t, (select count(*) from employees) as e, (select count(*) from outbox) as o',
      );
    const before = (await snapshot()).rows;
    const service = await REGISTRY.retail.load();
    const statements = await stack.statements('retail');
    await service.seed!(stack.subgraph('retail').orm);
    expect((await snapshot()).rows).toEqual(before);
    // Quickly: it sees the seed is there and stops (a handful of statements), rather than redoing it.
    console.info(`second seed run: ${(await stack.statements('retail')) - statements} statements`);
    expect((await stack.statements('retail')) - statements).toBeLessThan(10);
  });
});
