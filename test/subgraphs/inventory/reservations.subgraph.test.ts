import { demoProductId } from '../../../subgraphs/kit';
import { generateCorpus } from '../../helpers/hostile';
import { postGraphQL, tokens } from '../../helpers/toolkit';
import { schema, type RunningInventory } from '../../../subgraphs/inventory/server';
import {
  countStatements,
  eventsOffTheirWalk,
  levelsOffTheAuditTrail,
  sagaStepMutation,
  startTestInventory,
  type TestInventory,
} from './helpers';

/**
 * Three in-process replicas on one database, as in production: every request below picks a
 * replica round-robin, so correctness can only come from PostgreSQL.
 */
let t: TestInventory;
/** Catalogue products created for this file, never stocked before it stocks them (stockUp). */
let shortProduct: string;
let hotProduct: string;
const service = tokens.service();

beforeAll(async () => {
  // stockUp goes through adjustStock, which checks product ids with products (ADR 0015).
  t = await startTestInventory('inventory_reservations', { replicas: 3 });
  shortProduct = await t.products.create('Short product');
  hotProduct = await t.products.create('Hot product');
});

afterAll(async () => {
  await t?.stop();
});

const RESERVATION =
  'reservation { id orderId status expiresAt createdAt location { id kind } lines { product { id } quantity } }';
const RESERVE = sagaStepMutation('reserveStock', RESERVATION);
const COMMIT = sagaStepMutation('commitReservation', RESERVATION);
const RESTOCK = sagaStepMutation('restockOrder', RESERVATION);
const RELEASE = sagaStepMutation('releaseReservation', RESERVATION);

interface ReservationData {
  id: string;
  orderId: string;
  status: string;
  expiresAt: string;
  location: { id: string; kind: string } | null;
  lines: { product: { id: string }; quantity: number }[];
}
interface Payload {
  reservation: ReservationData | null;
  errors: { code: string; field: string[] | null; message: string }[];
}

/** One saga step on one replica, as ecommerce calls it; a GraphQL error fails the test. */
async function step(field: string, doc: string, input: Record<string, unknown>, replica: RunningInventory) {
  const res = await postGraphQL<Record<string, Payload>>(replica.url, doc, { input }, { token: service });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data![field]!;
}
const reserve = (input: Record<string, unknown>, replica = t.next()) => step('reserveStock', RESERVE, input, replica);
const commit = (orderId: string, replica = t.next()) => step('commitReservation', COMMIT, { orderId }, replica);
const release = (orderId: string, reason?: string, replica = t.next()) =>
  step('releaseReservation', RELEASE, { orderId, reason }, replica);
const restock = (orderId: string, reason?: string, replica = t.next()) =>
  step('restockOrder', RESTOCK, { orderId, reason }, replica);
const level = (productId: string, locationId = 'loc-online') => t.level(productId, locationId);

/** Gives a fresh product exactly `units` at loc-online, through the public API. */
async function stockUp(productId: string, units: number): Promise<void> {
  const res = await postGraphQL<{ adjustStock: Payload }>(
    t.next().url,
    'mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { errors { code } } }',
    { input: { productId, locationId: 'loc-online', delta: units, reason: 'RECEIPT' } },
    { token: tokens.admin() },
  );
  expect(res.body.data!.adjustStock.errors).toEqual([]);
}

describe('reserveStock', () => {
  it('reserves every line in one transaction and records movements', async () => {
    const p1 = demoProductId(101);
    const p2 = demoProductId(102);
    const [b1, b2] = [await level(p1), await level(p2)];
    const replica = t.next();
    const { result, statements, byKind } = await countStatements(replica, () =>
      reserve(
        {
          orderId: 'order-basic',
          lines: [
            { productId: p2, quantity: 2 },
            { productId: p1, quantity: 3 },
          ],
        },
        replica,
      ),
    );
    expect(result.errors).toEqual([]);
    expect(result.reservation).toMatchObject({
      orderId: 'order-basic',
      status: 'PENDING',
      location: { id: 'loc-online', kind: 'ONLINE' },
      lines: [
        { product: { id: p1 }, quantity: 3 },
        { product: { id: p2 }, quantity: 2 },
      ],
    });
    const ttl = new Date(result.reservation!.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(890_000);
    expect(ttl).toBeLessThanOrEqual(900_000);
    // begin, claim the order id, lock the levels, update + lines + movements, the stock.changed
    // events (one insert), commit; plus one select for the `location` field the test asked for
    expect(byKind).toEqual({ 'begin;': 1, insert: 2, select: 2, with: 1, 'commit;': 1 });
    expect(statements).toBe(7);

    expect(await level(p1)).toEqual({ on_hand: b1.on_hand, reserved: b1.reserved + 3 });
    expect(await level(p2)).toEqual({ on_hand: b2.on_hand, reserved: b2.reserved + 2 });
    const mv = await t.pg.query(
      "select product_id, on_hand_delta, reserved_delta, reason, reference, actor from stock_movement where reference = 'order-basic' order by product_id",
    );
    expect(mv.rows).toEqual([
      {
        product_id: p1,
        on_hand_delta: 0,
        reserved_delta: 3,
        reason: 'RESERVATION',
        reference: 'order-basic',
        actor: 'ecommerce',
      },
      {
        product_id: p2,
        on_hand_delta: 0,
        reserved_delta: 2,
        reason: 'RESERVATION',
        reference: 'order-basic',
        actor: 'ecommerce',
      },
    ]);
  });

  it('is all-or-nothing: one short line rolls back every line', async () => {
    const ok = demoProductId(111);
    await stockUp(shortProduct, 2);
    const before = await level(ok);
    const movements = await t.count('select count(*)::int as n from stock_movement');
    const events = await t.count('select count(*)::int as n from outbox');
    const result = await reserve({
      orderId: 'order-short',
      locationId: 'loc-online',
      lines: [
        { productId: ok, quantity: 1 },
        { productId: shortProduct, quantity: 3 },
        { productId: 'prod-not-stocked', quantity: 1 },
      ],
    });
    expect(result.reservation).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'lines', '1'] }),
      expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'lines', '2'] }),
    ]);
    expect(result.errors[0]!.message).toContain(`Only 2 of ${shortProduct}`);
    expect(await level(ok)).toEqual(before);
    expect(await level(shortProduct)).toEqual({ on_hand: 2, reserved: 0 });
    expect(await t.count("select count(*)::int as n from reservation where order_id = 'order-short'")).toBe(0);
    expect(await t.count('select count(*)::int as n from stock_movement')).toBe(movements);
    expect(await t.count('select count(*)::int as n from outbox')).toBe(events);

    // Nothing was kept, so the same order id can be retried once stock arrived.
    await stockUp(shortProduct, 1);
    const retry = await reserve({ orderId: 'order-short', lines: [{ productId: shortProduct, quantity: 3 }] });
    expect(retry.errors).toEqual([]);
    expect(await level(shortProduct)).toEqual({ on_hand: 3, reserved: 3 });
  });

  it('validates input as user errors', async () => {
    const bad = await reserve({
      orderId: 'order-bad',
      lines: [
        { productId: demoProductId(1), quantity: 0 },
        { productId: demoProductId(2), quantity: 1_000_001 },
      ],
      ttlSeconds: 0,
    });
    expect(bad.reservation).toBeNull();
    expect(bad.errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'ttlSeconds']],
      ['INVALID_QUANTITY', ['input', 'lines', '0', 'quantity']],
      ['INVALID_QUANTITY', ['input', 'lines', '1', 'quantity']],
    ]);
    const empty = await reserve({ orderId: 'order-empty', lines: [] });
    expect(empty.errors[0]!.field).toEqual(['input', 'lines']);
    const unknown = await reserve({
      orderId: 'order-mars',
      locationId: 'loc-mars',
      lines: [{ productId: demoProductId(1), quantity: 1 }],
    });
    expect(unknown.errors).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_LOCATION', field: ['input', 'locationId'] }),
    ]);
    expect(
      await t.count(
        "select count(*)::int as n from reservation where order_id in ('order-bad', 'order-empty', 'order-mars')",
      ),
    ).toBe(0);
  });

  it('merges lines of the same product', async () => {
    const p = demoProductId(120);
    const before = await level(p);
    const res = await reserve({
      orderId: 'order-merge',
      lines: [
        { productId: p, quantity: 1 },
        { productId: p, quantity: 2 },
      ],
    });
    expect(res.reservation!.lines).toEqual([{ product: { id: p }, quantity: 3 }]);
    expect((await level(p)).reserved).toBe(before.reserved + 3);
  });

  it('is idempotent by order id, also for racing duplicates on different replicas', async () => {
    const p = demoProductId(130);
    const before = await level(p);
    const input = { orderId: 'order-race', lines: [{ productId: p, quantity: 4 }] };
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => reserve(input, t.replicas[i % 3])));
    for (const r of results) expect(r.errors).toEqual([]);
    expect(new Set(results.map((r) => r.reservation!.id)).size).toBe(1);
    expect((await level(p)).reserved).toBe(before.reserved + 4);
    expect(await t.count("select count(*)::int as n from reservation where order_id = 'order-race'")).toBe(1);
    expect(await t.count("select count(*)::int as n from stock_movement where reference = 'order-race'")).toBe(1);

    const again = await reserve(input);
    expect(again.reservation!.id).toBe(results[0]!.reservation!.id);
    const different = await reserve({ ...input, lines: [{ productId: p, quantity: 5 }] });
    expect(different.reservation).toBeNull();
    expect(different.errors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await level(p)).reserved).toBe(before.reserved + 4);
  });

  it('never oversells: 40 concurrent reserves of 1 unit with 10 available across 3 replicas', async () => {
    await stockUp(hotProduct, 10);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        reserve({ orderId: `order-hot-${i}`, lines: [{ productId: hotProduct, quantity: 1 }] }, t.replicas[i % 3]),
      ),
    );
    const won = results.filter((r) => r.reservation !== null);
    const lost = results.filter((r) => r.reservation === null);
    expect(won).toHaveLength(10);
    for (const r of lost)
      expect(r.errors).toEqual([
        expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'lines', '0'] }),
      ]);
    expect(await level(hotProduct)).toEqual({ on_hand: 10, reserved: 10 });
    expect(await t.count("select count(*)::int as n from reservation where order_id like 'order-hot-%'")).toBe(10);

    // Commit half and release half, concurrently and on different replicas: the stock adds up.
    const orders = won.map((r) => r.reservation!.orderId);
    await Promise.all(
      orders.map((o, i) => (i % 2 === 0 ? commit(o, t.replicas[i % 3]) : release(o, 'test', t.replicas[(i + 1) % 3]))),
    );
    expect(await level(hotProduct)).toEqual({ on_hand: 5, reserved: 0 });
  });
});

describe('commitReservation and releaseReservation', () => {
  it('commits: stock leaves, committing again is a no-op, releasing it is refused', async () => {
    const p = demoProductId(140);
    const before = await level(p);
    await reserve({ orderId: 'order-commit', lines: [{ productId: p, quantity: 2 }] });
    const replica = t.next();
    const { result: committed, statements } = await countStatements(replica, () => commit('order-commit', replica));
    expect(committed.errors).toEqual([]);
    expect(committed.reservation).toMatchObject({ status: 'COMMITTED', lines: [{ product: { id: p }, quantity: 2 }] });
    // begin, lock the reservation, lock its levels, update + movements + status, the events,
    // commit; + `location`
    expect(statements).toBe(7);
    expect(await level(p)).toEqual({ on_hand: before.on_hand - 2, reserved: before.reserved });
    const mv = await t.pg.query(
      "select on_hand_delta, reserved_delta from stock_movement where reference = 'order-commit' and reason = 'RESERVATION_COMMITTED'",
    );
    expect(mv.rows).toEqual([{ on_hand_delta: -2, reserved_delta: -2 }]);

    const again = await commit('order-commit');
    expect(again.errors).toEqual([]);
    expect(again.reservation!.status).toBe('COMMITTED');
    expect(await level(p)).toEqual({ on_hand: before.on_hand - 2, reserved: before.reserved });

    const released = await release('order-commit');
    expect(released.errors).toEqual([expect.objectContaining({ code: 'RESERVATION_NOT_ACTIVE' })]);
    expect(await level(p)).toEqual({ on_hand: before.on_hand - 2, reserved: before.reserved });
  });

  it('releases: stock is available again, releasing again is a no-op, committing it is refused', async () => {
    const p = demoProductId(150);
    const before = await level(p);
    await reserve({ orderId: 'order-release', lines: [{ productId: p, quantity: 5 }] });
    expect((await level(p)).reserved).toBe(before.reserved + 5);
    const released = await release('order-release', 'payment declined');
    expect(released.errors).toEqual([]);
    expect(released.reservation!.status).toBe('RELEASED');
    expect(await level(p)).toEqual(before);
    const mv = await t.pg.query(
      "select reserved_delta, note from stock_movement where reference = 'order-release' and reason = 'RESERVATION_RELEASED'",
    );
    expect(mv.rows).toEqual([{ reserved_delta: -5, note: 'payment declined' }]);

    expect((await release('order-release')).errors).toEqual([]);
    expect(await level(p)).toEqual(before);
    const committed = await commit('order-release');
    expect(committed.errors).toEqual([expect.objectContaining({ code: 'RESERVATION_NOT_ACTIVE' })]);
    expect(committed.reservation!.status).toBe('RELEASED');

    const reReserve = await reserve({ orderId: 'order-release', lines: [{ productId: p, quantity: 5 }] });
    expect(reReserve.errors).toEqual([expect.objectContaining({ code: 'RESERVATION_NOT_ACTIVE' })]);
    expect(await level(p)).toEqual(before);
  });

  it('a release before the reserve (saga compensation racing a retry) blocks the late reserve', async () => {
    const p = demoProductId(160);
    const before = await level(p);
    const released = await release('order-ghost', 'checkout abandoned');
    expect(released.errors).toEqual([]);
    expect(released.reservation).toMatchObject({
      orderId: 'order-ghost',
      status: 'RELEASED',
      location: null,
      lines: [],
    });
    const late = await reserve({ orderId: 'order-ghost', lines: [{ productId: p, quantity: 1 }] });
    expect(late.errors[0]!.code).toBe('RESERVATION_NOT_ACTIVE');
    expect(await level(p)).toEqual(before);
  });

  it('restocks a committed order once (cancellation after checkout)', async () => {
    const p = demoProductId(145);
    const before = await level(p);
    await reserve({ orderId: 'order-restock', lines: [{ productId: p, quantity: 3 }] });
    const pending = await restock('order-restock');
    expect(pending.errors[0]!.code).toBe('RESERVATION_NOT_COMMITTED');
    await commit('order-restock');
    expect(await level(p)).toEqual({ on_hand: before.on_hand - 3, reserved: before.reserved });

    const results = await Promise.all(
      t.replicas.map((r) => restock('order-restock', 'order cancelled by customer', r)),
    );
    for (const r of results) {
      expect(r.errors).toEqual([]);
      expect(r.reservation!.status).toBe('RESTOCKED');
    }
    expect(await level(p)).toEqual(before);
    const mv = await t.pg.query(
      "select on_hand_delta, reason, note from stock_movement where reference = 'order-restock' and reason = 'RETURN'",
    );
    expect(mv.rows).toEqual([{ on_hand_delta: 3, reason: 'RETURN', note: 'order cancelled by customer' }]);
    expect((await release('order-restock')).errors[0]!.code).toBe('RESERVATION_NOT_ACTIVE');
    expect((await commit('order-restock')).errors[0]!.code).toBe('RESERVATION_NOT_ACTIVE');
    expect((await restock('order-never')).errors[0]!.code).toBe('RESERVATION_NOT_FOUND');
    expect(await level(p)).toEqual(before);
  });

  it('reports an unknown order on commit', async () => {
    const res = await commit('order-nope');
    expect(res).toEqual({
      reservation: null,
      errors: [
        { code: 'RESERVATION_NOT_FOUND', field: ['input', 'orderId'], message: 'No reservation for order order-nope' },
      ],
    });
  });
});

describe('reservation expiry', () => {
  it('the sweepers of all replicas release expired reservations exactly once', async () => {
    const p = demoProductId(170);
    const before = await level(p);
    for (const orderId of ['order-exp-1', 'order-exp-2', 'order-exp-3']) {
      await reserve({ orderId, lines: [{ productId: p, quantity: 1 }], ttlSeconds: 60 });
    }
    await reserve({ orderId: 'order-exp-live', lines: [{ productId: p, quantity: 1 }], ttlSeconds: 600 });
    expect((await level(p)).reserved).toBe(before.reserved + 4);
    await t.pg.query(
      "update reservation set expires_at = now() - interval '1 second' where order_id like 'order-exp-_'",
    );

    const swept = await Promise.all(t.replicas.map((r) => r.sweeper.runOnce()));
    expect(swept.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await level(p)).toEqual({ on_hand: before.on_hand, reserved: before.reserved + 1 });
    const statuses = await t.pg.query(
      "select order_id, status from reservation where order_id like 'order-exp-%' order by order_id",
    );
    expect(statuses.rows).toEqual([
      { order_id: 'order-exp-1', status: 'EXPIRED' },
      { order_id: 'order-exp-2', status: 'EXPIRED' },
      { order_id: 'order-exp-3', status: 'EXPIRED' },
      { order_id: 'order-exp-live', status: 'PENDING' },
    ]);
    expect(
      await t.count(
        "select count(*)::int as n from stock_movement where reason = 'RESERVATION_EXPIRED' and reference like 'order-exp-%'",
      ),
    ).toBe(3);
    expect((await commit('order-exp-2')).errors[0]!.code).toBe('RESERVATION_NOT_ACTIVE');
    expect((await release('order-exp-2')).errors).toEqual([]);
    expect(await Promise.all(t.replicas.map((r) => r.sweeper.runOnce()))).toEqual([0, 0, 0]);
  });

  it('runs on its own timer', async () => {
    const fast = await t.another({ sweepIntervalMs: 100 });
    try {
      const p = demoProductId(180);
      const before = await level(p);
      await reserve({ orderId: 'order-timer', lines: [{ productId: p, quantity: 2 }], ttlSeconds: 1 }, fast);
      const deadline = Date.now() + 10_000;
      let status = 'PENDING';
      while (status === 'PENDING' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await t.pg.query("select status from reservation where order_id = 'order-timer'")).rows[0].status;
      }
      expect(status).toBe('EXPIRED');
      expect(await level(p)).toEqual(before);
    } finally {
      await fast.stop();
    }
  });
});

describe('saga API access', () => {
  it('needs the SERVICE role', async () => {
    const input = { orderId: 'order-auth', lines: [{ productId: demoProductId(1), quantity: 1 }] };
    const anonymous = await postGraphQL(t.next().url, RESERVE, { input });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const token of [tokens.admin(), tokens.customer(), tokens.manager('store-1')]) {
      const res = await postGraphQL(t.next().url, RESERVE, { input }, { token });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const c = await postGraphQL(t.next().url, COMMIT, { input: { orderId: 'x' } }, { token });
      expect(c.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const r = await postGraphQL(t.next().url, RELEASE, { input: { orderId: 'x' } }, { token });
      expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const s = await postGraphQL(t.next().url, RESTOCK, { input: { orderId: 'x' } }, { token });
      expect(s.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await t.count("select count(*)::int as n from reservation where order_id in ('order-auth', 'x')")).toBe(0);
  });
});

describe('documented maxima of the saga inputs', () => {
  it('refuses every text one character over the maximum its description states, writing nothing', async () => {
    // Generated from inventory's own schema, @inaccessible fields included (the router's hostile corpus
    // sees only the public API): a saga input that documents a maximum adds its case by itself.
    const { cases } = generateCorpus(schema, {
      orderId: 'order-max',
      returnId: 'return-max',
      storeId: 'store-max',
      productId: demoProductId(1),
      locationId: 'loc-store-1',
    });
    // The public mutations (adjustStock, replenishment) meet the router's corpus; these are the rest.
    const internal = new Set(
      Object.values(schema.getMutationType()!.getFields())
        .filter((f) => f.astNode?.directives?.some((d) => d.name.value === 'inaccessible'))
        .map((f) => f.name),
    );
    const over = cases.filter((c) => c.mustRefuse && c.operation === 'mutation' && internal.has(c.field));
    expect(over.map((c) => `${c.field} ${c.label.split(' = ')[0]}`).sort()).toEqual([
      'commitReservation input.orderId',
      'ensureStoreLocation input.name',
      'ensureStoreLocation input.storeId',
      'releaseReservation input.orderId',
      'releaseReservation input.reason',
      'reserveStock input.lines.0.productId',
      'reserveStock input.orderId',
      'restockOrder input.orderId',
      'restockOrder input.reason',
      'returnStock input.lines.0.productId',
      'returnStock input.locationId',
      'returnStock input.reason',
      'returnStock input.returnId',
      'takeStock input.lines.0.productId',
      'takeStock input.orderId',
    ]);
    const written = () =>
      t.count(`select ((select count(*) from reservation) + (select count(*) from stock_return)
                     + (select count(*) from location) + (select count(*) from stock_movement)
                     + (select count(*) from outbox))::int as n`);
    const before = await written();
    for (const c of over) {
      const res = await postGraphQL<Record<string, Payload>>(t.next().url, c.query, c.variables, { token: service });
      expect([c.field, c.label, res.body.errors]).toEqual([c.field, c.label, undefined]);
      expect([c.label, res.body.data![c.field]!.errors.length > 0]).toEqual([c.label, true]);
    }
    expect(await written()).toBe(before);
  });
});

describe('invariants after everything above', () => {
  it('keeps 0 <= reserved <= on_hand, matches reservations, and the audit trail adds up', async () => {
    expect(
      await t.count(
        'select count(*)::int as n from stock_level where reserved < 0 or reserved > on_hand or on_hand < 0',
      ),
    ).toBe(0);
    expect(await levelsOffTheAuditTrail(t.pg)).toEqual([]);
    const held = await t.pg.query(`
      select s.product_id, s.reserved, coalesce(h.q, 0) as held
        from stock_level s
        left join (select r.location_id, l.product_id, sum(l.quantity)::int as q
                     from reservation r join reservation_line l on l.reservation_id = r.id
                    where r.status = 'PENDING' group by r.location_id, l.product_id) h
          on h.location_id = s.location_id and h.product_id = s.product_id
       where s.reserved <> coalesce(h.q, 0)`);
    expect(held.rows).toEqual([]);
  });

  it("has one stock.changed per movement, in each level's commit order: each event's after = the previous plus its deltas", async () => {
    expect(await t.count("select count(*)::int as n from outbox where type = 'stock.changed'")).toBe(
      await t.count('select count(*)::int as n from stock_movement'),
    );
    // Walk each level's events in sequence order from zero (the seed's receipt is its first event):
    // racing steps on three replicas must still have numbered them in the order they committed.
    expect(await eventsOffTheirWalk(t.pg)).toEqual([]);
    const last = await t.pg.query(`
      select s.product_id, s.location_id, s.on_hand, s.reserved, e.data
        from stock_level s
        left join lateral (select data from outbox o
                            where o.type = 'stock.changed' and o.aggregate_id = s.product_id || '@' || s.location_id
                            order by seq desc limit 1) e on true
       where coalesce((e.data->>'onHand')::int, 0) <> s.on_hand or coalesce((e.data->>'reserved')::int, 0) <> s.reserved`);
    expect(last.rows).toEqual([]);
  });
});
