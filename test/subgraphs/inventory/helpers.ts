import { Client } from 'pg';
import type { RunningSubgraph } from '../../../subgraphs/kit';
import { seedInventory } from '../../../subgraphs/inventory/seed';
import { startInventory, type InventoryStartOptions, type RunningInventory } from '../../../subgraphs/inventory/server';
import { service as productsService } from '../../../subgraphs/products/server';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { client, tokens } from '../../helpers/toolkit';
import { CreateProductDocument, UpdateProductDocument } from '../../../schema/operations/generated';

/**
 * Inventory's test fixtures (no test cases here). The GraphQL client, tokens, waitFor and free ports
 * come from test/helpers/toolkit.ts.
 */

async function byKindNow(running: Pick<RunningSubgraph, 'metrics'>): Promise<Map<string, number>> {
  // prom-client hands out its live value objects: copy the numbers before they move on.
  const { values } = await running.metrics.dbStatements.get();
  return new Map(values.map((v) => [String(v.labels.kind), v.value]));
}

/**
 * SQL statements (in total and by first keyword) one subgraph instance sent while fn ran: the
 * reservation tests assert the shape of a saga step's transaction, not only its size.
 */
export async function countStatements<T>(
  running: Pick<RunningSubgraph, 'metrics'>,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: number; byKind: Record<string, number> }> {
  const before = await byKindNow(running);
  const result = await fn();
  const after = await byKindNow(running);
  const byKind: Record<string, number> = {};
  let statements = 0;
  for (const [kind, value] of after) {
    const delta = value - (before.get(kind) ?? 0);
    if (delta > 0) byKind[kind] = delta;
    statements += delta;
  }
  return { result, statements, byKind };
}

/** GraphQL requests one subgraph instance has answered so far (to count calls between subgraphs). */
export async function graphqlRequests(running: Pick<RunningSubgraph, 'metrics'>): Promise<number> {
  const m = await running.metrics.httpDuration.get();
  return m.values
    .filter((v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.route === '/graphql')
    .reduce((sum, v) => sum + v.value, 0);
}

/** The products subgraph an inventory under test checks product ids with, and what tests do with it. */
export interface TestProducts {
  url: string;
  running: RunningSubgraph;
  /** A new catalogue product (never stocked anywhere yet); returns its id. */
  create: (name: string) => Promise<string>;
  /** Puts a product on sale or withdraws it (updateProduct). */
  setActive: (productId: string, active: boolean) => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * A real products subgraph on a database of its own, with the demo catalogue (prod-0001..0300, the
 * ids inventory's demo stock names): adjustStock refuses ids products does not know (ADR 0015).
 */
export async function startProducts(prefix: string): Promise<TestProducts> {
  const db = await freshDatabase(`${prefix}_products`);
  const running = await productsService.start({
    dbUrl: db.url,
    port: 0,
    afterMigrate: async (orm) => void (await productsService.seed?.(orm)),
  });
  const gql = client(running.url);
  let n = 0;
  return {
    url: running.url,
    running,
    create: async (name) => {
      n += 1;
      const res = await gql(
        CreateProductDocument,
        // The database is this helper's own, so a counter keeps SKUs unique.
        { input: { sku: `TEST-${n}`, name, price: '9.99' } },
        { token: tokens.admin() },
      );
      const product = res.body.data?.createProduct.product;
      if (!product) throw new Error(`createProduct failed: ${JSON.stringify(res.body)}`);
      return product.id;
    },
    setActive: async (productId, active) => {
      const res = await gql(UpdateProductDocument, { input: { productId, active } }, { token: tokens.admin() });
      if (!res.body.data?.updateProduct.product) throw new Error(`updateProduct failed: ${JSON.stringify(res.body)}`);
    },
    stop: async () => {
      await running.stop();
      await db.drop();
    },
  };
}

/** One outbox row as the tests assert it: what the envelope carries besides its id and times. */
export interface OutboxEntry {
  type: string;
  aggregate: { type: string; id: string };
  correlationId: string | null;
  data: Record<string, unknown>;
}

/** The outbox's last sequence number (0 when empty): take it before an operation, then outboxSince. */
export async function outboxSeq(pg: Pick<Client, 'query'>): Promise<string> {
  const res = await pg.query<{ seq: string }>('select coalesce(max(seq), 0)::text as seq from outbox');
  return res.rows[0]!.seq;
}

/** The events written after `seq`, in sequence order (on the test's own connection, so never counted). */
export async function outboxSince(pg: Pick<Client, 'query'>, seq: string): Promise<OutboxEntry[]> {
  const res = await pg.query<{
    type: string;
    at: string;
    aid: string;
    cid: string | null;
    data: Record<string, unknown>;
  }>(
    `select type, aggregate_type as at, aggregate_id as aid, correlation_id as cid, data
       from outbox where seq > $1::bigint order by seq`,
    [seq],
  );
  return res.rows.map((r) => ({
    type: r.type,
    aggregate: { type: r.at, id: r.aid },
    correlationId: r.cid,
    data: r.data,
  }));
}

/** Inventory instances on one fresh database beside a real products subgraph (startProducts). */
export interface TestInventory {
  products: TestProducts;
  db: TestDatabase;
  /** Every instance started with the set, the first the one that ran the migrations. */
  replicas: RunningInventory[];
  /** The test's own connection to the database: its reads never count as the subgraph's statements. */
  pg: Client;
  /** The replicas in turn, as a round-robin client picks them. */
  next: () => RunningInventory;
  /** One more instance on the same database (no migrations), with these options over the set's; the test stops it. */
  another: (options?: Partial<InventoryStartOptions>) => Promise<RunningInventory>;
  /** A level's on-hand and reserved units as the table says; a level never stocked reads as zeros. */
  level: (productId: string, locationId: string) => Promise<{ on_hand: number; reserved: number }>;
  /** The `n` of a `select count(*)::int as n ...` on the test's connection. */
  count: (sqlText: string, params?: unknown[]) => Promise<number>;
  stop: () => Promise<void>;
}

/**
 * `replicas` inventory instances (default 2) on a fresh database named after `name`, each checking
 * product ids with the same products subgraph (ADR 0015), with the reservation sweeper every hour
 * and no outbox relay unless `options` say otherwise; the demo stock seeded unless `seed` is false.
 */
export async function startTestInventory(
  name: string,
  setup: { replicas?: number; seed?: boolean; options?: Partial<InventoryStartOptions> } = {},
): Promise<TestInventory> {
  const products = await startProducts(name);
  const db = await freshDatabase(name);
  const options: InventoryStartOptions = {
    dbUrl: db.url,
    port: 0,
    sweepIntervalMs: 3_600_000,
    productsUrl: products.url,
    outboxRelay: false,
    ...setup.options,
  };
  const another = (more: Partial<InventoryStartOptions> = {}) =>
    startInventory({ ...options, runMigrations: false, ...more });
  const first = await startInventory(options);
  if (setup.seed !== false) await seedInventory(first.orm);
  const replicas = [first, ...(await Promise.all(Array.from({ length: (setup.replicas ?? 2) - 1 }, () => another())))];
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  let turn = 0;
  return {
    products,
    db,
    replicas,
    pg,
    next: () => replicas[turn++ % replicas.length]!,
    another,
    level: async (productId, locationId) => {
      const res = await pg.query<{ on_hand: number; reserved: number }>(
        'select on_hand, reserved from stock_level where product_id = $1 and location_id = $2',
        [productId, locationId],
      );
      return res.rows[0] ?? { on_hand: 0, reserved: 0 };
    },
    count: async (sqlText, params = []) => (await pg.query<{ n: number }>(sqlText, params)).rows[0]!.n,
    stop: async () => {
      await pg.end();
      await Promise.all(replicas.map((r) => r.stop()));
      await db.drop();
      await products.stop();
    },
  };
}

/**
 * The levels whose on-hand or reserved units are not the sum of their audit trail's movements, with
 * both figures (none when every change went through a movement).
 */
export async function levelsOffTheAuditTrail(pg: Pick<Client, 'query'>) {
  const res = await pg.query<{
    product_id: string;
    location_id: string;
    on_hand: number;
    reserved: number;
    mv_on_hand: number;
    mv_reserved: number;
  }>(`
    select s.product_id, s.location_id, s.on_hand, s.reserved, coalesce(m.on_hand, 0) as mv_on_hand, coalesce(m.reserved, 0) as mv_reserved
      from stock_level s
      left join (select product_id, location_id, sum(on_hand_delta)::int as on_hand, sum(reserved_delta)::int as reserved
                   from stock_movement group by product_id, location_id) m
        on m.product_id = s.product_id and m.location_id = s.location_id
     where s.on_hand <> coalesce(m.on_hand, 0) or s.reserved <> coalesce(m.reserved, 0)`);
  return res.rows;
}

/**
 * The stock.changed events (at most 5) whose after-state is not the sum of their level's deltas up to
 * them, walking each level's events in sequence order from zero: none when every level's events were
 * numbered in the order they committed.
 */
export async function eventsOffTheirWalk(pg: Pick<Client, 'query'>) {
  const res = await pg.query<{
    aggregate_id: string;
    seq: string;
    h: number;
    sum_h: number;
    r: number;
    sum_r: number;
  }>(`
    with e as (
      select aggregate_id, seq, (data->>'onHandDelta')::int as dh, (data->>'reservedDelta')::int as dr,
             (data->>'onHand')::int as h, (data->>'reserved')::int as r
        from outbox where type = 'stock.changed'
    ), walked as (
      select *, sum(dh) over w as sum_h, sum(dr) over w as sum_r from e
      window w as (partition by aggregate_id order by seq)
    )
    select aggregate_id, seq, h, sum_h, r, sum_r from walked where h <> sum_h or r <> sum_r limit 5`);
  return res.rows;
}

/**
 * Inventory's dashboard figures counted here in JavaScript from every row (not with the subgraph's
 * SQL): a level is low when onHand - reserved <= reorderPoint, a request pending when its status is
 * PENDING; a store's are those of its location and its requests, the chain's (`storeId` null) all of them.
 */
export async function dashboardStockFigures(
  pg: Pick<Client, 'query'>,
  storeId: string | null,
): Promise<{ lowStockCount: number; pendingReplenishments: number }> {
  const levels = await pg.query<{ on_hand: number; reserved: number; reorder_point: number; store_id: string | null }>(
    'select s.on_hand, s.reserved, s.reorder_point, l.store_id from stock_level s join location l on l.id = s.location_id',
  );
  const requests = await pg.query<{ store_id: string; status: string }>(
    'select store_id, status from replenishment_request',
  );
  const mine = (s: string | null) => storeId === null || s === storeId;
  return {
    lowStockCount: levels.rows.filter((l) => mine(l.store_id) && l.on_hand - l.reserved <= l.reorder_point).length,
    pendingReplenishments: requests.rows.filter((r) => mine(r.store_id) && r.status === 'PENDING').length,
  };
}

/**
 * A saga step's mutation as ecommerce and retail send it (`reserveStock` takes a ReserveStockInput),
 * answering `selection` beside its errors.
 */
export function sagaStepMutation(field: string, selection = ''): string {
  const input = `${field.charAt(0).toUpperCase()}${field.slice(1)}Input`;
  return `mutation ($input: ${input}!) { ${field}(input: $input) { ${selection} errors { code field message } } }`;
}
