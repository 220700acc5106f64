/**
 * The retail demo seed against the real products and inventory: four weeks of till history rung up
 * through the domain code of live sales, so that inventory's stock movements agree with every sale
 * and return; seeded once (a second run changes nothing) and within the start-up budget.
 */
import { Client } from 'pg';
import { DEMO_STORES } from '../../subgraphs/kit';
import { REGISTRY } from '../../subgraphs/registry';
import { startStack, type Stack } from '../helpers/stack';

describe('retail demo seed (products, inventory, retail)', () => {
  let stack: Stack;
  let retailDb: Client;
  let inventoryDb: Client;
  let startMs: number;

  beforeAll(async () => {
    const started = Date.now();
    stack = await startStack({ services: ['products', 'inventory', 'retail'], inventoryReplicas: 3, seed: true });
    startMs = Date.now() - started;
    retailDb = new Client({ connectionString: stack.databases.retail!.url });
    inventoryDb = new Client({ connectionString: stack.databases.inventory!.url });
    await Promise.all([retailDb.connect(), inventoryDb.connect()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([retailDb?.end(), inventoryDb?.end()]);
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
    }>(
      `select (select count(*) from register_sessions)::int as sessions,
              (select count(*) from register_sessions where status = 'OPEN')::int as open,
              (select count(*) from sales where status = 'COMPLETED')::int as sales,
              (select count(*) from sales where status = 'FAILED')::int as failed,
              (select count(*) from returns where status = 'COMPLETED')::int as returns,
              (select count(distinct store_id) from sales)::int as stores,
              (select count(distinct date_trunc('day', sold_at)) from sales)::int as days`,
    );
    const summary = rows[0]!;
    console.info(`retail demo seed: ${JSON.stringify(summary)}; stack with seeds started in ${startMs} ms`);
    expect(summary).toMatchObject({ sessions: 28 * DEMO_STORES.length * 2, open: 0, stores: 5, days: 28 });
    expect(summary.sales).toBeGreaterThan(700);
    expect(summary.returns).toBeGreaterThan(20);
    // Well inside `npm start`'s 180 s start-up budget (ADR 0004's machine: 2 busy cores).
    expect(startMs).toBeLessThan(120_000);
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

  it('seeds once: a second run changes nothing and returns quickly', async () => {
    const snapshot = () =>
      retailDb.query(
        'select (select count(*) from sales) as s, (select count(*) from register_sessions) as r, (select count(*) from returns) as t, (select count(*) from employees) as e',
      );
    const before = (await snapshot()).rows;
    const service = await REGISTRY.retail.load();
    const started = Date.now();
    await service.seed!(stack.subgraph('retail').orm);
    const ms = Date.now() - started;
    expect((await snapshot()).rows).toEqual(before);
    expect(ms).toBeLessThan(5_000);
  });
});
