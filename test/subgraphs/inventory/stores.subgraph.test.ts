import { demoProductId } from '../../../subgraphs/kit';
import { closeHttpAgent, InventoryClient } from '../../../subgraphs/kit/clients';
import { freePort, postGraphQL, tokens } from '../../helpers/toolkit';
import {
  countStatements,
  graphqlRequests,
  levelsOffTheAuditTrail,
  outboxSeq,
  outboxSince,
  startTestInventory,
  type TestInventory,
} from './helpers';

/**
 * Inventory's side of the retail contract, called as retail calls it (the kit's InventoryClient with
 * retail's SERVICE token, round-robin over two replicas on one database): ensureStoreLocation,
 * returnStock, and the saga steps at a store's location (a till's reserve, commit and cancelSale's
 * restock), which must behave exactly like checkout's at loc-online.
 */
let t: TestInventory;
let retail: InventoryClient;
const service = tokens.service('retail');

beforeAll(async () => {
  t = await startTestInventory('inventory_stores');
  retail = new InventoryClient(
    t.replicas.map((r) => r.url),
    { caller: 'retail' },
  );
}, 60_000);

afterAll(async () => {
  await closeHttpAgent();
  await t?.stop();
});

interface Payload {
  errors: { code: string; field: string[] | null; message: string }[];
  [key: string]: unknown;
}

async function call(field: string, doc: string, input: Record<string, unknown>, token = service) {
  const res = await postGraphQL<Record<string, Payload>>(t.next().url, doc, { input }, { token });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data![field]!;
}

const ENSURE = `mutation ($input: EnsureStoreLocationInput!) {
  ensureStoreLocation(input: $input) { location { id name kind store { id } } errors { code field message } }
}`;
const RETURN = `mutation ($input: ReturnStockInput!) {
  returnStock(input: $input) {
    stockReturn { returnId reason createdAt location { id kind } lines { product { id } quantity } }
    errors { code field message }
  }
}`;

const movements = (reference: string) =>
  t.pg
    .query(
      `select product_id, location_id, on_hand_delta, reserved_delta, reason, note, actor
         from stock_movement where reference = $1 order by id`,
      [reference],
    )
    .then((r) => r.rows);

describe('ensureStoreLocation', () => {
  it('creates a store location once, with the id the demo stores have, and answers it ever after', async () => {
    expect(await retail.ensureStoreLocation('store-6', 'Sherbrooke Centre')).toEqual({
      ok: true,
      value: { locationId: 'loc-store-6' },
    });
    const again = await call('ensureStoreLocation', ENSURE, { storeId: 'store-6', name: 'Another name' });
    // An existing location keeps its name.
    expect(again).toEqual({
      location: { id: 'loc-store-6', name: 'Sherbrooke Centre', kind: 'STORE', store: { id: 'store-6' } },
      errors: [],
    });
    const demo = await retail.ensureStoreLocation('store-3', 'Québec Sainte-Foy');
    expect(demo).toEqual({ ok: true, value: { locationId: 'loc-store-3' } });
    expect(await t.count("select count(*)::int as n from location where store_id in ('store-3', 'store-6')")).toBe(2);

    // The new store has a stock page (empty) like any other.
    const page = await postGraphQL<{ _entities: { stock: { totalCount: number } }[] }>(
      t.next().url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Store { stock { totalCount } } } }',
      { r: [{ __typename: 'Store', id: 'store-6' }] },
    );
    expect(page.body.data?._entities).toEqual([{ stock: { totalCount: 0 } }]);
  });

  it('is idempotent under concurrency: many calls on both replicas create one row', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, () => retail.ensureStoreLocation('store-7', 'Trois-Rivières')),
    );
    for (const r of results) expect(r).toEqual({ ok: true, value: { locationId: 'loc-store-7' } });
    expect(await t.count("select count(*)::int as n from location where store_id = 'store-7'")).toBe(1);
  });

  it('takes another id when "loc-<storeId>" belongs to another location', async () => {
    const res = await retail.ensureStoreLocation('warehouse', 'A store called warehouse');
    expect(res.ok).toBe(true);
    const id = res.ok ? res.value.locationId : '';
    expect(id).toMatch(/^loc-warehouse-[0-9a-f]{8}$/);
    const rows = await t.pg.query('select kind, store_id from location where id = $1', [id]);
    expect(rows.rows).toEqual([{ kind: 'STORE', store_id: 'warehouse' }]);
    expect((await t.pg.query("select kind from location where id = 'loc-warehouse'")).rows).toEqual([
      { kind: 'WAREHOUSE' },
    ]);
    expect(await retail.ensureStoreLocation('warehouse', 'Again')).toEqual(res);
  });

  it('refuses bad input as definitive failures, writing nothing', async () => {
    const locations = await t.count('select count(*)::int as n from location');
    const seq = await outboxSeq(t.pg);
    const bad = await call('ensureStoreLocation', ENSURE, { storeId: ' ', name: '   ' });
    expect(bad.location).toBeNull();
    expect(bad.errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'storeId']],
      ['INVALID_INPUT', ['input', 'name']],
    ]);
    expect(await retail.ensureStoreLocation('store-9', 'x'.repeat(101))).toMatchObject({
      ok: false,
      transient: false,
      code: 'INVALID_INPUT',
    });
    expect(await t.count('select count(*)::int as n from location')).toBe(locations);
    expect(await outboxSince(t.pg, seq)).toEqual([]);
  });
});

describe('returnStock', () => {
  it('puts every line back at the location with RETURN movements, in one transaction', async () => {
    const [p1, p2] = [demoProductId(201), demoProductId(202)];
    const [b1, b2] = [await t.level(p1, 'loc-store-3'), await t.level(p2, 'loc-store-3')];
    const asked = await graphqlRequests(t.products.running);
    const seq = await outboxSeq(t.pg);
    const replica = t.next();
    const { result, statements, byKind } = await countStatements(replica, () =>
      postGraphQL<{ returnStock: Payload }>(
        replica.url,
        RETURN,
        {
          input: {
            returnId: 'ret-1',
            locationId: 'loc-store-3',
            lines: [
              { productId: p2, quantity: 1 },
              { productId: p1, quantity: 2 },
              { productId: p2, quantity: 1 },
            ],
            reason: 'customer return',
          },
        },
        { token: service, headers: { 'x-request-id': 'req-ret-1' } },
      ),
    );
    const payload = result.body.data!.returnStock;
    expect(payload.errors).toEqual([]);
    expect(payload.stockReturn).toMatchObject({
      returnId: 'ret-1',
      reason: 'customer return',
      location: { id: 'loc-store-3', kind: 'STORE' },
      lines: [
        { product: { id: p1 }, quantity: 2 },
        { product: { id: p2 }, quantity: 2 },
      ],
    });
    // read (replay, location, known ids), begin, claim, lock, one write, the stock.changed events
    // (one insert), commit; + `location`
    expect(byKind).toEqual({ select: 3, 'begin;': 1, insert: 2, with: 1, 'commit;': 1 });
    expect(statements).toBe(8);
    // Demo products are stocked already: products was not asked.
    expect(await graphqlRequests(t.products.running)).toBe(asked);
    expect(await t.level(p1, 'loc-store-3')).toEqual({ on_hand: b1.on_hand + 2, reserved: b1.reserved });
    expect(await t.level(p2, 'loc-store-3')).toEqual({ on_hand: b2.on_hand + 2, reserved: b2.reserved });
    expect(await movements('ret-1')).toEqual([
      expect.objectContaining({ product_id: p1, location_id: 'loc-store-3', on_hand_delta: 2, reason: 'RETURN' }),
      expect.objectContaining({ product_id: p2, location_id: 'loc-store-3', on_hand_delta: 2, reason: 'RETURN' }),
    ]);
    expect((await movements('ret-1'))[0]).toMatchObject({
      reserved_delta: 0,
      note: 'customer return',
      actor: 'retail',
    });
    const returned = (productId: string, before: { on_hand: number; reserved: number }) => ({
      type: 'stock.changed',
      aggregate: { type: 'StockLevel', id: `${productId}@loc-store-3` },
      correlationId: 'req-ret-1',
      data: {
        productId,
        locationId: 'loc-store-3',
        storeId: 'store-3',
        reason: 'RETURN',
        reference: 'ret-1',
        onHandDelta: 2,
        reservedDelta: 0,
        onHand: before.on_hand + 2,
        reserved: before.reserved,
        reorderPoint: expect.any(Number),
      },
    });
    expect(await outboxSince(t.pg, seq)).toEqual([returned(p1, b1), returned(p2, b2)]);
  });

  it('is idempotent by return id, also for replays racing on both replicas', async () => {
    const p = demoProductId(203);
    const before = await t.level(p, 'loc-store-2');
    const lines = [{ productId: p, quantity: 3 }];
    const results = await Promise.all(
      Array.from({ length: 10 }, () => retail.returnStock('ret-race', 'loc-store-2', lines, 'customer return')),
    );
    for (const r of results) expect(r).toEqual({ ok: true, value: undefined });
    expect(await t.level(p, 'loc-store-2')).toEqual({ on_hand: before.on_hand + 3, reserved: before.reserved });
    expect(await movements('ret-race')).toHaveLength(1);
    expect(await t.count("select count(*)::int as n from outbox where data->>'reference' = 'ret-race'")).toBe(1);
    const seq = await outboxSeq(t.pg);

    const replay = await call('returnStock', RETURN, {
      returnId: 'ret-race',
      locationId: 'loc-store-2',
      lines,
      reason: 'customer return',
    });
    expect(replay.errors).toEqual([]);
    expect(replay.stockReturn).toMatchObject({ returnId: 'ret-race', lines: [{ product: { id: p }, quantity: 3 }] });

    for (const other of [
      { locationId: 'loc-store-2', lines: [{ productId: p, quantity: 4 }] },
      { locationId: 'loc-store-1', lines },
    ]) {
      const reused = await call('returnStock', RETURN, { returnId: 'ret-race', ...other });
      expect(reused).toEqual({
        stockReturn: null,
        errors: [expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'returnId'] })],
      });
    }
    expect(await t.level(p, 'loc-store-2')).toEqual({ on_hand: before.on_hand + 3, reserved: before.reserved });
    // The replay and the refused reuses wrote no event.
    expect(await outboxSince(t.pg, seq)).toEqual([]);
  });

  it('asks products only about ids inventory never held: a new catalogue product gets a level, an unknown id is refused', async () => {
    const fresh = await t.products.create('Returned before ever stocked');
    const asked = await graphqlRequests(t.products.running);
    const ok = await retail.returnStock('ret-new', 'loc-store-4', [{ productId: fresh, quantity: 1 }], 'exchange');
    expect(ok).toEqual({ ok: true, value: undefined });
    expect(await graphqlRequests(t.products.running)).toBe(asked + 1);
    expect(await t.level(fresh, 'loc-store-4')).toEqual({ on_hand: 1, reserved: 0 });

    const rows = await t.count('select count(*)::int as n from stock_movement');
    const seq = await outboxSeq(t.pg);
    const refused = await call('returnStock', RETURN, {
      returnId: 'ret-unknown',
      locationId: 'loc-store-4',
      lines: [
        { productId: demoProductId(1), quantity: 1 },
        { productId: 'prod-never-heard-of', quantity: 1 },
      ],
    });
    expect(refused).toEqual({
      stockReturn: null,
      errors: [
        {
          code: 'UNKNOWN_PRODUCT',
          field: ['input', 'lines', '1', 'productId'],
          message: 'No product with id prod-never-heard-of',
        },
      ],
    });
    expect(
      await retail.returnStock('ret-mars', 'loc-mars', [{ productId: demoProductId(1), quantity: 1 }], 'x'),
    ).toEqual({ ok: false, transient: false, code: 'UNKNOWN_LOCATION', message: 'No location with id loc-mars' });
    const invalid = await call('returnStock', RETURN, {
      returnId: 'ret-bad',
      locationId: 'loc-store-4',
      lines: [{ productId: demoProductId(1), quantity: 0 }],
    });
    expect(invalid.errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_QUANTITY', ['input', 'lines', '0', 'quantity']],
    ]);
    expect(await t.count('select count(*)::int as n from stock_movement')).toBe(rows);
    expect(await outboxSince(t.pg, seq)).toEqual([]);
    expect(
      await t.count(
        "select count(*)::int as n from stock_return where return_id in ('ret-unknown', 'ret-mars', 'ret-bad')",
      ),
    ).toBe(0);
  });

  it('goes on while products is down for goods inventory holds; a new id is SERVICE_UNAVAILABLE', async () => {
    const orphan = await t.another({ productsUrl: `http://127.0.0.1:${await freePort()}/graphql` });
    try {
      const client = new InventoryClient(orphan.url, { caller: 'retail' });
      expect(
        await client.returnStock('ret-offline', 'loc-store-5', [{ productId: demoProductId(9), quantity: 1 }], 'r'),
      ).toEqual({ ok: true, value: undefined });
      expect(
        await client.returnStock('ret-offline-2', 'loc-store-5', [{ productId: 'prod-not-stocked', quantity: 1 }], 'r'),
      ).toMatchObject({ ok: false, transient: true, code: 'SERVICE_UNAVAILABLE' });
      expect(await t.count("select count(*)::int as n from stock_return where return_id = 'ret-offline-2'")).toBe(0);
    } finally {
      await orphan.stop();
    }
  });

  it('needs the SERVICE role', async () => {
    const input = {
      returnId: 'ret-auth',
      locationId: 'loc-store-1',
      lines: [{ productId: demoProductId(1), quantity: 1 }],
    };
    const anonymous = await postGraphQL(t.next().url, RETURN, { input });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const token of [tokens.admin(), tokens.manager('store-1'), tokens.clerk('store-1'), tokens.customer()]) {
      for (const [doc, vars] of [
        [RETURN, input],
        [ENSURE, { storeId: 'store-auth', name: 'Nope' }],
      ] as const) {
        const res = await postGraphQL(t.next().url, doc, { input: vars }, { token });
        expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    }
    expect(await t.count("select count(*)::int as n from stock_return where return_id = 'ret-auth'")).toBe(0);
    expect(await t.count("select count(*)::int as n from location where store_id = 'store-auth'")).toBe(0);
  });
});

describe('the saga steps at a store location, as a till calls them', () => {
  it('reserves and commits a sale at the store (RESERVATION, SALE), cancelSale restocks every line (RETURN)', async () => {
    const [p1, p2] = [demoProductId(211), demoProductId(212)];
    const [b1, b2] = [await t.level(p1, 'loc-store-3'), await t.level(p2, 'loc-store-3')];
    const online = [await t.level(p1, 'loc-online'), await t.level(p2, 'loc-online')];
    const lines = [
      { productId: p1, quantity: 2 },
      { productId: p2, quantity: 1 },
    ];
    expect((await retail.reserve('sale-1', lines, 300, 'loc-store-3')).ok).toBe(true);
    expect(await t.level(p1, 'loc-store-3')).toEqual({ on_hand: b1.on_hand, reserved: b1.reserved + 2 });
    expect(await retail.commit('sale-1')).toEqual({ ok: true, value: undefined });
    expect(await t.level(p1, 'loc-store-3')).toEqual({ on_hand: b1.on_hand - 2, reserved: b1.reserved });
    expect(await t.level(p2, 'loc-store-3')).toEqual({ on_hand: b2.on_hand - 1, reserved: b2.reserved });
    // The online stock of the same products did not move.
    expect([await t.level(p1, 'loc-online'), await t.level(p2, 'loc-online')]).toEqual(online);

    expect(await retail.restock('sale-1', 'sale S3-000001 cancelled by the manager')).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await retail.restock('sale-1', 'again')).toEqual({ ok: true, value: undefined });
    expect(await t.level(p1, 'loc-store-3')).toEqual(b1);
    expect(await t.level(p2, 'loc-store-3')).toEqual(b2);
    const trail = await movements('sale-1');
    expect(trail.map((m) => [m.reason, m.product_id, m.location_id, m.on_hand_delta, m.reserved_delta])).toEqual([
      ['RESERVATION', p1, 'loc-store-3', 0, 2],
      ['RESERVATION', p2, 'loc-store-3', 0, 1],
      ['SALE', p1, 'loc-store-3', -2, -2],
      ['SALE', p2, 'loc-store-3', -1, -1],
      ['RETURN', p1, 'loc-store-3', 2, 0],
      ['RETURN', p2, 'loc-store-3', 1, 0],
    ]);
    expect(trail.every((m) => m.actor === 'retail')).toBe(true);
  });

  it("a till sale's commit is a SALE (audit trail, stockMovements, stock.changed); an online order's stays RESERVATION_COMMITTED", async () => {
    const p = demoProductId(214);
    const ecommerce = new InventoryClient(
      t.replicas.map((r) => r.url),
      { caller: 'ecommerce' },
    );
    const seq = await outboxSeq(t.pg);
    const line = [{ productId: p, quantity: 1 }];
    expect((await retail.reserve('till-sale-1', line, 300, 'loc-store-2')).ok).toBe(true);
    expect(await retail.commit('till-sale-1')).toEqual({ ok: true, value: undefined });
    expect((await ecommerce.reserve('web-order-1', line, 300)).ok).toBe(true);
    expect(await ecommerce.commit('web-order-1')).toEqual({ ok: true, value: undefined });

    const reasons = async (reference: string) => (await movements(reference)).map((m) => [m.reason, m.location_id]);
    expect(await reasons('till-sale-1')).toEqual([
      ['RESERVATION', 'loc-store-2'],
      ['SALE', 'loc-store-2'],
    ]);
    expect(await reasons('web-order-1')).toEqual([
      ['RESERVATION', 'loc-online'],
      ['RESERVATION_COMMITTED', 'loc-online'],
    ]);
    // The API's audit trail says the same.
    const trail = await postGraphQL<{ stockMovements: { edges: { node: { reason: string; reference: string } }[] } }>(
      t.next().url,
      `query ($p: ID!) { stockMovements(productId: $p, first: 10) { edges { node { reason reference } } } }`,
      { p },
      { token: tokens.admin() },
    );
    expect(trail.body.errors).toBeUndefined();
    const sold = trail.body.data!.stockMovements.edges.filter((e) => e.node.reference !== 'seed');
    expect(sold.map((e) => [e.node.reference, e.node.reason])).toEqual([
      ['web-order-1', 'RESERVATION_COMMITTED'],
      ['web-order-1', 'RESERVATION'],
      ['till-sale-1', 'SALE'],
      ['till-sale-1', 'RESERVATION'],
    ]);
    // And so do the stock.changed events.
    const events = (await outboxSince(t.pg, seq)).map((e) => [e.data.reference, e.data.reason]);
    expect(events).toEqual([
      ['till-sale-1', 'RESERVATION'],
      ['till-sale-1', 'SALE'],
      ['web-order-1', 'RESERVATION'],
      ['web-order-1', 'RESERVATION_COMMITTED'],
    ]);
  });

  it('refuses a product without stock at the store (unknown to products or not) as INSUFFICIENT_STOCK, writing nothing (ADR 0015)', async () => {
    const rows = await t.count('select count(*)::int as n from stock_movement');
    const seq = await outboxSeq(t.pg);
    const neverStocked = await t.products.create('Catalogue product never stocked at a store');
    for (const productId of ['prod-unknown-at-till', neverStocked]) {
      expect(await retail.reserve(`sale-${productId}`, [{ productId, quantity: 1 }], 300, 'loc-store-3')).toMatchObject(
        {
          ok: false,
          transient: false,
          code: 'INSUFFICIENT_STOCK',
        },
      );
    }
    expect(
      await retail.reserve('sale-mars', [{ productId: demoProductId(1), quantity: 1 }], 300, 'loc-mars'),
    ).toMatchObject({ ok: false, transient: false, code: 'UNKNOWN_LOCATION' });
    expect(await t.count('select count(*)::int as n from stock_movement')).toBe(rows);
    expect(await outboxSince(t.pg, seq)).toEqual([]);
    expect(
      await t.count("select count(*)::int as n from reservation where order_id like 'sale-%' and order_id <> 'sale-1'"),
    ).toBe(0);
  });

  it('never oversells a store: 20 tills selling 1 unit of 5 on both replicas, exactly 5 succeed', async () => {
    const p = await t.products.create('Last units at store 3');
    const admin = await postGraphQL<{ adjustStock: Payload }>(
      t.next().url,
      'mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { errors { code } } }',
      { input: { productId: p, locationId: 'loc-store-3', delta: 5, reason: 'RECEIPT' } },
      { token: tokens.admin() },
    );
    expect(admin.body.data!.adjustStock.errors).toEqual([]);
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const reserved = await retail.reserve(`till-${i}`, [{ productId: p, quantity: 1 }], 300, 'loc-store-3');
        return reserved.ok ? retail.commit(`till-${i}`) : reserved;
      }),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    for (const r of results.filter((x) => !x.ok)) expect(r).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    expect(await t.level(p, 'loc-store-3')).toEqual({ on_hand: 0, reserved: 0 });
  });
});

describe('invariants after everything above', () => {
  it('keeps 0 <= reserved <= on_hand and the audit trail adds up to every level', async () => {
    expect(await levelsOffTheAuditTrail(t.pg)).toEqual([]);
    const returned = await t.pg.query(`
      select l.return_id from stock_return_line l join stock_return r on r.return_id = l.return_id
       where l.quantity <> (select coalesce(sum(on_hand_delta), 0) from stock_movement m
                             where m.reference = l.return_id and m.product_id = l.product_id and m.reason = 'RETURN')`);
    expect(returned.rows).toEqual([]);
  });
});
