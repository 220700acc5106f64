import { demoProductId, envelopeText, eventStream, outboxCommits, type EnvelopeRow } from '../../../subgraphs/kit';
import { closeHttpAgent, InventoryClient } from '../../../subgraphs/kit/clients';
import type { RunningInventory } from '../../../subgraphs/inventory/server';
import { contractViolations, readEventContract } from '../../helpers/event-contract';
import { ownEventStreams } from '../../helpers/producer-events';
import { postGraphQL, tokens, waitFor } from '../../helpers/toolkit';
import {
  countStatements,
  eventsOffTheirWalk,
  levelsOffTheAuditTrail,
  outboxSeq,
  outboxSince,
  sagaStepMutation,
  startTestInventory,
  type TestInventory,
} from './helpers';

/**
 * takeStock, the one-call saga step of a checkout (loc-online) and a till sale (a store's location):
 * reserve and commit in ONE statement, recorded as a COMMITTED reservation so that release, restock
 * and replays treat it as a committed order. Two in-process replicas on one database, every request
 * round-robin, so correctness can only come from PostgreSQL.
 */
let t: TestInventory;
const service = tokens.service();
const contract = readEventContract();

beforeAll(async () => {
  t = await startTestInventory('inventory_take');
}, 60_000);

afterAll(async () => {
  await closeHttpAgent();
  await t?.stop();
});

const RESERVATION = 'id orderId status expiresAt createdAt lines { product { id } quantity }';
const mutation = (field: string, selection: string) => sagaStepMutation(field, `reservation { ${selection} }`);

interface ReservationData {
  id: string;
  orderId: string;
  status: string;
  expiresAt: string;
  createdAt: string;
  location?: { id: string; kind: string } | null;
  lines: { product: { id: string }; quantity: number }[];
}
interface Payload {
  reservation: ReservationData | null;
  errors: { code: string; field: string[] | null; message: string }[];
}
type Line = { productId: string; quantity: number };

/** One saga step on one replica, as ecommerce or retail sends it; a GraphQL error fails the test. */
async function step(
  field: string,
  input: Record<string, unknown>,
  opts: { replica?: RunningInventory; selection?: string; requestId?: string } = {},
): Promise<Payload> {
  const res = await postGraphQL<Record<string, Payload>>(
    (opts.replica ?? t.next()).url,
    mutation(field, opts.selection ?? RESERVATION),
    { input },
    { token: service, headers: opts.requestId ? { 'x-request-id': opts.requestId } : {} },
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data![field]!;
}
const take = (orderId: string, lines: Line[], locationId?: string, replica?: RunningInventory) =>
  step('takeStock', { orderId, lines, ...(locationId ? { locationId } : {}) }, { replica });

const level = (productId: string, locationId = 'loc-online') => t.level(productId, locationId);
const count = (sqlText: string, params: unknown[] = []) => t.count(sqlText, params);

/** Rows every write adds to: a refusal or a replay must leave the sum where it was. */
const written = () =>
  count(`select ((select count(*) from reservation) + (select count(*) from reservation_line)
                 + (select count(*) from stock_movement) + (select count(*) from outbox)
                 + (select coalesce(sum(on_hand), 0) from stock_level) + (select coalesce(sum(reserved), 0) from stock_level))::int as n`);

async function movements(reference: string) {
  const res = await t.pg.query(
    `select product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor
       from stock_movement where reference = $1 order by id`,
    [reference],
  );
  return res.rows;
}

/** A new catalogue product with exactly `units` at loc-online, through the public API. */
async function productWith(name: string, units: number): Promise<string> {
  const productId = await t.products.create(name);
  const res = await postGraphQL<{ adjustStock: { errors: unknown[] } }>(
    t.next().url,
    'mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { errors { code } } }',
    { input: { productId, locationId: 'loc-online', delta: units, reason: 'RECEIPT' } },
    { token: tokens.admin() },
  );
  expect(res.body.data!.adjustStock.errors).toEqual([]);
  return productId;
}

describe('takeStock', () => {
  it('takes every line at loc-online in ONE statement: a COMMITTED reservation, RESERVATION_COMMITTED movements, one stock.changed each', async () => {
    const [p1, p2] = [demoProductId(201), demoProductId(202)];
    const [b1, b2] = [await level(p1), await level(p2)];
    const seq = await outboxSeq(t.pg);
    const replica = t.next();
    const { result, statements, byKind } = await countStatements(replica, () =>
      step(
        'takeStock',
        {
          orderId: 'take-basic',
          lines: [
            { productId: p2, quantity: 2 },
            { productId: p1, quantity: 1 },
            { productId: p1, quantity: 2 },
          ],
        },
        { replica, requestId: 'req-take-basic' },
      ),
    );
    expect(result.errors).toEqual([]);
    expect(result.reservation).toMatchObject({
      orderId: 'take-basic',
      status: 'COMMITTED',
      lines: [
        { product: { id: p1 }, quantity: 3 },
        { product: { id: p2 }, quantity: 2 },
      ],
    });
    expect(result.reservation!.expiresAt).toBe(result.reservation!.createdAt);
    // claim, lock, change, lines, movements and events: one statement, its own transaction
    expect(byKind).toEqual({ with: 1 });
    expect(statements).toBe(1);

    expect(await level(p1)).toEqual({ on_hand: b1.on_hand - 3, reserved: b1.reserved });
    expect(await level(p2)).toEqual({ on_hand: b2.on_hand - 2, reserved: b2.reserved });
    const row = await t.pg.query(
      "select status, taken, location_id, release_reason from reservation where order_id = 'take-basic'",
    );
    expect(row.rows).toEqual([{ status: 'COMMITTED', taken: true, location_id: 'loc-online', release_reason: null }]);
    expect(await movements('take-basic')).toEqual([
      {
        product_id: p1,
        location_id: 'loc-online',
        on_hand_delta: -3,
        reserved_delta: 0,
        reason: 'RESERVATION_COMMITTED',
        reference: 'take-basic',
        note: null,
        actor: 'ecommerce',
      },
      {
        product_id: p2,
        location_id: 'loc-online',
        on_hand_delta: -2,
        reserved_delta: 0,
        reason: 'RESERVATION_COMMITTED',
        reference: 'take-basic',
        note: null,
        actor: 'ecommerce',
      },
    ]);

    const events = await outboxSince(t.pg, seq);
    expect(events).toEqual([
      {
        type: 'stock.changed',
        aggregate: { type: 'StockLevel', id: `${p1}@loc-online` },
        correlationId: 'req-take-basic',
        data: {
          productId: p1,
          locationId: 'loc-online',
          storeId: null,
          reason: 'RESERVATION_COMMITTED',
          reference: 'take-basic',
          onHandDelta: -3,
          reservedDelta: 0,
          onHand: b1.on_hand - 3,
          reserved: b1.reserved,
          reorderPoint: expect.any(Number),
        },
      },
      {
        type: 'stock.changed',
        aggregate: { type: 'StockLevel', id: `${p2}@loc-online` },
        correlationId: 'req-take-basic',
        data: {
          productId: p2,
          locationId: 'loc-online',
          storeId: null,
          reason: 'RESERVATION_COMMITTED',
          reference: 'take-basic',
          onHandDelta: -2,
          reservedDelta: 0,
          onHand: b2.on_hand - 2,
          reserved: b2.reserved,
          reorderPoint: expect.any(Number),
        },
      },
    ]);
    // The envelopes as the relay would publish them hold to docs/events.md.
    const rows = await t.pg.query<EnvelopeRow>(
      `select seq::text as seq, id::text as id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data
         from outbox where seq > $1::bigint order by seq`,
      [seq],
    );
    for (const r of rows.rows) {
      expect(contractViolations(contract, JSON.parse(envelopeText('inventory', r)) as Record<string, unknown>)).toEqual(
        [],
      );
      expect(r.version).toBe(1);
    }
    // Written in the statement's transaction: the reservation and its events share one xmin.
    const xmins = await t.pg.query(
      `select distinct xmin::text from (select xmin from reservation where order_id = 'take-basic'
         union all select xmin from outbox where seq > $1::bigint
         union all select xmin from stock_movement where reference = 'take-basic') x`,
      [seq],
    );
    expect(xmins.rows).toHaveLength(1);
  });

  it("takes at a store's location as a till sale: SALE movements and events with the store, 2 statements with `location`", async () => {
    const p = demoProductId(203);
    const before = await level(p, 'loc-store-2');
    expect(before.on_hand - before.reserved).toBeGreaterThanOrEqual(1);
    const seq = await outboxSeq(t.pg);
    const replica = t.next();
    const retailToken = tokens.service('retail');
    const { result, statements } = await countStatements(replica, async () => {
      const res = await postGraphQL<{ takeStock: Payload }>(
        replica.url,
        mutation('takeStock', `${RESERVATION} location { id kind }`),
        { input: { orderId: 'sale-take-1', locationId: 'loc-store-2', lines: [{ productId: p, quantity: 1 }] } },
        { token: retailToken },
      );
      return res.body.data!.takeStock;
    });
    expect(result.errors).toEqual([]);
    expect(result.reservation).toMatchObject({
      status: 'COMMITTED',
      location: { id: 'loc-store-2', kind: 'STORE' },
      lines: [{ product: { id: p }, quantity: 1 }],
    });
    // the take, + the `location` the answer asked for
    expect(statements).toBe(2);
    expect(await level(p, 'loc-store-2')).toEqual({ on_hand: before.on_hand - 1, reserved: before.reserved });
    expect(await movements('sale-take-1')).toEqual([
      expect.objectContaining({
        location_id: 'loc-store-2',
        on_hand_delta: -1,
        reserved_delta: 0,
        reason: 'SALE',
        actor: 'retail',
      }),
    ]);
    const events = await outboxSince(t.pg, seq);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        locationId: 'loc-store-2',
        storeId: 'store-2',
        reason: 'SALE',
        onHandDelta: -1,
        reservedDelta: 0,
        onHand: before.on_hand - 1,
      }),
    ]);
  });

  it('refuses with what is short and writes nothing; the order id stays free', async () => {
    const ok = demoProductId(204);
    const short = await productWith('Short for take', 2);
    const before = await written();
    const okBefore = await level(ok);
    const replica = t.next();
    const { result, statements } = await countStatements(replica, () =>
      take(
        'take-short',
        [
          { productId: ok, quantity: 1 },
          { productId: short, quantity: 3 },
          { productId: 'prod-not-stocked', quantity: 1 },
        ],
        undefined,
        replica,
      ),
    );
    expect(result.reservation).toBeNull();
    expect(result.errors).toEqual([
      {
        code: 'INSUFFICIENT_STOCK',
        field: ['input', 'lines', '1'],
        message: `Only 2 of ${short} available at loc-online; 3 requested`,
      },
      {
        code: 'INSUFFICIENT_STOCK',
        field: ['input', 'lines', '2'],
        message: 'Only 0 of prod-not-stocked available at loc-online; 1 requested',
      },
    ]);
    // the take that wrote nothing, then the order's reservation read again (none)
    expect(statements).toBe(2);
    expect(await written()).toBe(before);
    expect(await level(ok)).toEqual(okBefore);
    expect(await level(short)).toEqual({ on_hand: 2, reserved: 0 });

    // A level whose units are reserved by someone else is short by those units.
    expect(
      (await step('reserveStock', { orderId: 'take-short-holder', lines: [{ productId: short, quantity: 1 }] })).errors,
    ).toEqual([]);
    const held = await take('take-short', [{ productId: short, quantity: 2 }]);
    expect(held.errors).toEqual([
      expect.objectContaining({
        code: 'INSUFFICIENT_STOCK',
        message: `Only 1 of ${short} available at loc-online; 2 requested`,
      }),
    ]);
    expect((await step('releaseReservation', { orderId: 'take-short-holder' })).errors).toEqual([]);

    // Nothing was kept, so the same order id takes once the units are there.
    const retry = await take('take-short', [{ productId: short, quantity: 2 }]);
    expect(retry.errors).toEqual([]);
    expect(await level(short)).toEqual({ on_hand: 0, reserved: 0 });
  });

  it('validates its input as reserveStock does, writing nothing', async () => {
    const before = await written();
    const bad = await take('take-bad', [
      { productId: demoProductId(1), quantity: 0 },
      { productId: demoProductId(2), quantity: 1_000_001 },
      { productId: '', quantity: 1 },
    ]);
    expect(bad.reservation).toBeNull();
    expect(bad.errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_QUANTITY', ['input', 'lines', '0', 'quantity']],
      ['INVALID_QUANTITY', ['input', 'lines', '1', 'quantity']],
      ['INVALID_INPUT', ['input', 'lines', '2', 'productId']],
    ]);
    const merged = await take('take-bad', [
      { productId: demoProductId(1), quantity: 600_000 },
      { productId: demoProductId(1), quantity: 400_001 },
    ]);
    expect(merged.errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_QUANTITY', ['input', 'lines', '0', 'quantity']],
    ]);
    expect((await take('take-empty', [])).errors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'lines'] }),
    ]);
    expect((await take('x'.repeat(101), [{ productId: demoProductId(1), quantity: 1 }])).errors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'orderId'] }),
    ]);
    const unknown = await take('take-mars', [{ productId: demoProductId(1), quantity: 1 }], 'loc-mars');
    expect(unknown).toEqual({
      reservation: null,
      errors: [{ code: 'UNKNOWN_LOCATION', field: ['input', 'locationId'], message: 'No location with id loc-mars' }],
    });
    expect(await written()).toBe(before);
  });

  it('is idempotent by order id: a replay answers the first take in one statement and changes nothing; other lines, another location or a reserved id are IDEMPOTENCY_KEY_REUSED', async () => {
    const p = demoProductId(205);
    const q = demoProductId(206);
    const first = await take('take-replay', [
      { productId: p, quantity: 2 },
      { productId: q, quantity: 1 },
    ]);
    expect(first.errors).toEqual([]);
    const after = await written();

    const replica = t.next();
    const { result: again, statements } = await countStatements(replica, () =>
      // The same lines, split and in another order, on the other replica.
      take(
        'take-replay',
        [
          { productId: q, quantity: 1 },
          { productId: p, quantity: 1 },
          { productId: p, quantity: 1 },
        ],
        'loc-online',
        replica,
      ),
    );
    expect(again).toEqual(first);
    expect(statements).toBe(1);
    expect(await written()).toBe(after);

    const reuse = async (input: { orderId: string; lines: Line[]; locationId?: string }) => {
      const res = await take(input.orderId, input.lines, input.locationId);
      expect(res.reservation).toBeNull();
      expect(res.errors).toEqual([
        expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'orderId'] }),
      ]);
      return res.errors[0]!.message;
    };
    expect(
      await reuse({
        orderId: 'take-replay',
        lines: [
          { productId: p, quantity: 3 },
          { productId: q, quantity: 1 },
        ],
      }),
    ).toContain('already took different stock');
    await reuse({ orderId: 'take-replay', lines: [{ productId: p, quantity: 2 }] });
    await reuse({
      orderId: 'take-replay',
      lines: [
        { productId: p, quantity: 2 },
        { productId: q, quantity: 1 },
      ],
      locationId: 'loc-store-1',
    });

    // An order id reserveStock used, pending or committed, is not a take's, even with the same lines.
    const lines = [{ productId: p, quantity: 1 }];
    expect((await step('reserveStock', { orderId: 'take-was-reserved', lines })).errors).toEqual([]);
    expect(await reuse({ orderId: 'take-was-reserved', lines })).toContain(
      'already holds a reservation (reserveStock)',
    );
    expect((await step('commitReservation', { orderId: 'take-was-reserved' })).errors).toEqual([]);
    await reuse({ orderId: 'take-was-reserved', lines });
    expect(await movements('take-was-reserved')).toEqual([
      expect.objectContaining({ reason: 'RESERVATION' }),
      expect.objectContaining({ reason: 'RESERVATION_COMMITTED' }),
    ]);

    // reserveStock and commitReservation keep their answers on a take: the same lines answer it
    // (COMMITTED), a commit of it is a no-op.
    const reserveAgain = await step('reserveStock', {
      orderId: 'take-replay',
      lines: [
        { productId: p, quantity: 2 },
        { productId: q, quantity: 1 },
      ],
    });
    expect(reserveAgain.errors).toEqual([]);
    expect(reserveAgain.reservation!.status).toBe('COMMITTED');
    const commit = await step('commitReservation', { orderId: 'take-replay' });
    expect(commit.errors).toEqual([]);
    expect(commit.reservation!.status).toBe('COMMITTED');
    expect(await movements('take-replay')).toHaveLength(2);
  });

  it('racing duplicates of one take on both replicas take once and all answer that take', async () => {
    const p = demoProductId(207);
    const before = await level(p);
    const seq = await outboxSeq(t.pg);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        take('take-dup-race', [{ productId: p, quantity: 2 }], undefined, t.replicas[i % 2]),
      ),
    );
    for (const r of results) expect(r.errors).toEqual([]);
    expect(new Set(results.map((r) => r.reservation!.id)).size).toBe(1);
    expect(await level(p)).toEqual({ on_hand: before.on_hand - 2, reserved: before.reserved });
    expect(await count("select count(*)::int as n from reservation where order_id = 'take-dup-race'")).toBe(1);
    expect(await movements('take-dup-race')).toHaveLength(1);
    expect(await outboxSince(t.pg, seq)).toHaveLength(1);
  });

  it('the last unit of a racing duplicate: the replay answers the first take, not INSUFFICIENT_STOCK', async () => {
    const p = await productWith('Last unit', 1);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        take('take-last-dup', [{ productId: p, quantity: 1 }], undefined, t.replicas[i % 2]),
      ),
    );
    for (const r of results) expect(r.errors).toEqual([]);
    expect(new Set(results.map((r) => r.reservation!.id)).size).toBe(1);
    expect(await level(p)).toEqual({ on_hand: 0, reserved: 0 });
  });
});

describe('a take is a committed order for the other steps', () => {
  it('release answers RESERVATION_NOT_ACTIVE, restock gives the units back once, a late replay of the take is not active', async () => {
    const p = demoProductId(210);
    const before = await level(p);
    expect((await take('take-cancel', [{ productId: p, quantity: 4 }])).errors).toEqual([]);
    expect(await level(p)).toEqual({ on_hand: before.on_hand - 4, reserved: before.reserved });

    const released = await step('releaseReservation', { orderId: 'take-cancel', reason: 'payment declined' });
    expect(released.errors).toEqual([expect.objectContaining({ code: 'RESERVATION_NOT_ACTIVE' })]);
    expect(released.reservation!.status).toBe('COMMITTED');
    expect(await level(p)).toEqual({ on_hand: before.on_hand - 4, reserved: before.reserved });

    const results = await Promise.all(
      t.replicas.map((r) =>
        step('restockOrder', { orderId: 'take-cancel', reason: 'order cancelled' }, { replica: r }),
      ),
    );
    for (const r of results) {
      expect(r.errors).toEqual([]);
      expect(r.reservation).toMatchObject({ status: 'RESTOCKED', lines: [{ product: { id: p }, quantity: 4 }] });
    }
    expect(await level(p)).toEqual(before);
    expect((await movements('take-cancel')).map((m) => [m.reason, m.on_hand_delta, m.reserved_delta, m.note])).toEqual([
      ['RESERVATION_COMMITTED', -4, 0, null],
      ['RETURN', 4, 0, 'order cancelled'],
    ]);

    const late = await take('take-cancel', [{ productId: p, quantity: 4 }]);
    expect(late.errors).toEqual([
      expect.objectContaining({ code: 'RESERVATION_NOT_ACTIVE', field: ['input', 'orderId'] }),
    ]);
    expect(late.reservation!.status).toBe('RESTOCKED');
    expect(await level(p)).toEqual(before);
  });

  it("restocks a till sale's take at the store's location", async () => {
    const p = demoProductId(211);
    const before = await level(p, 'loc-store-3');
    expect((await take('sale-take-cancel', [{ productId: p, quantity: 1 }], 'loc-store-3')).errors).toEqual([]);
    expect(await level(p, 'loc-store-3')).toEqual({ on_hand: before.on_hand - 1, reserved: before.reserved });
    expect((await step('restockOrder', { orderId: 'sale-take-cancel', reason: 'voided' })).errors).toEqual([]);
    expect(await level(p, 'loc-store-3')).toEqual(before);
    expect((await movements('sale-take-cancel')).map((m) => [m.location_id, m.reason, m.on_hand_delta])).toEqual([
      ['loc-store-3', 'SALE', -1],
      ['loc-store-3', 'RETURN', 1],
    ]);
  });

  it('a release recorded before the take (compensation of an unknown outcome) blocks the late take', async () => {
    const p = demoProductId(212);
    const before = await level(p);
    expect((await step('releaseReservation', { orderId: 'take-ghost', reason: 'checkout abandoned' })).errors).toEqual(
      [],
    );
    const late = await take('take-ghost', [{ productId: p, quantity: 1 }]);
    expect(late.errors).toEqual([expect.objectContaining({ code: 'RESERVATION_NOT_ACTIVE' })]);
    expect(late.reservation).toMatchObject({ status: 'RELEASED', lines: [] });
    expect(await level(p)).toEqual(before);
  });
});

describe('never oversells', () => {
  it('20 concurrent takes of 1 unit with 5 available across 2 replicas: exactly 5 succeed, on hand 0', async () => {
    const p = await productWith('Hot for take', 5);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        take(`take-hot-${i}`, [{ productId: p, quantity: 1 }], undefined, t.replicas[i % 2]),
      ),
    );
    const won = results.filter((r) => r.reservation !== null);
    expect(won).toHaveLength(5);
    for (const r of results.filter((x) => x.reservation === null)) {
      expect(r.errors).toEqual([
        {
          code: 'INSUFFICIENT_STOCK',
          field: ['input', 'lines', '0'],
          message: `Only 0 of ${p} available at loc-online; 1 requested`,
        },
      ]);
    }
    expect(await level(p)).toEqual({ on_hand: 0, reserved: 0 });
    expect(await count("select count(*)::int as n from reservation where order_id like 'take-hot-%'")).toBe(5);
    expect(
      await count('select count(*)::int as n from stock_movement where product_id = $1 and reference like $2', [
        p,
        'take-hot-%',
      ]),
    ).toBe(5);
    // Never below zero on the way: every event of the level, in sequence order, steps down by one from 5.
    const path = await t.pg.query<{ on_hand: number }>(
      "select (data->>'onHand')::int as on_hand from outbox where aggregate_id = $1 order by seq",
      [`${p}@loc-online`],
    );
    expect(path.rows.map((r) => r.on_hand)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('takes and reserves racing for the same units share them: all or nothing per order, never more than there is', async () => {
    const a = await productWith('Race A', 5);
    const b = await productWith('Race B', 3);
    const lines = [
      { productId: a, quantity: 1 },
      { productId: b, quantity: 1 },
    ];
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        i % 4 === 3
          ? step(
              'reserveStock',
              { orderId: `race-mixed-${i}`, lines: [...lines].reverse() },
              { replica: t.replicas[i % 2] },
            )
          : take(`race-mixed-${i}`, i % 2 ? [...lines].reverse() : lines, undefined, t.replicas[i % 2]),
      ),
    );
    expect(results.filter((r) => r.reservation !== null)).toHaveLength(3);
    const [la, lb] = [await level(a), await level(b)];
    expect(la.on_hand - la.reserved).toBe(2);
    expect(lb.on_hand - lb.reserved).toBe(0);
    expect(await count("select count(*)::int as n from reservation where order_id like 'race-mixed-%'")).toBe(3);
  });
});

describe('InventoryPort.take (the kit client, as ecommerce and retail call it)', () => {
  it('answers the reservation id, the same on a replay, and definitive refusals', async () => {
    const client = new InventoryClient(
      t.replicas.map((r) => r.url),
      { caller: 'retail' },
    );
    const p = demoProductId(220);
    const taken = await client.take('port-take-1', [{ productId: p, quantity: 1 }], 'loc-store-4');
    expect(taken).toEqual({ ok: true, value: { reservationId: expect.any(String) } });
    expect(await client.take('port-take-1', [{ productId: p, quantity: 1 }], 'loc-store-4')).toEqual(taken);
    expect(await client.take('port-take-1', [{ productId: p, quantity: 2 }], 'loc-store-4')).toEqual({
      ok: false,
      transient: false,
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: expect.any(String),
    });
    expect(await client.take('port-take-2', [{ productId: p, quantity: 1_000_000 }])).toEqual({
      ok: false,
      transient: false,
      code: 'INSUFFICIENT_STOCK',
      message: expect.stringContaining(`of ${p} available at loc-online; 1000000 requested`),
    });
    // Compensations work unchanged: release refuses a take, restock gives it back.
    expect(await client.release('port-take-1', 'x')).toMatchObject({ ok: false, code: 'RESERVATION_NOT_ACTIVE' });
    expect(await client.restock('port-take-1', 'sale cancelled')).toEqual({ ok: true, value: undefined });
    expect(await client.take('port-take-1', [{ productId: p, quantity: 1 }], 'loc-store-4')).toMatchObject({
      ok: false,
      transient: false,
      code: 'RESERVATION_NOT_ACTIVE',
    });
  });

  it('needs the SERVICE role', async () => {
    const input = { orderId: 'take-auth', lines: [{ productId: demoProductId(1), quantity: 1 }] };
    const anonymous = await postGraphQL(t.next().url, mutation('takeStock', 'id'), { input });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const token of [tokens.admin(), tokens.customer(), tokens.manager('store-1')]) {
      const res = await postGraphQL(t.next().url, mutation('takeStock', 'id'), { input }, { token });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await count("select count(*)::int as n from reservation where order_id = 'take-auth'")).toBe(0);
  });
});

describe('publication', () => {
  it("wakes its process's relay, which publishes the take's events as the outbox holds them", async () => {
    const streams = ownEventStreams();
    const publisher = await t.another({ outboxRelay: true });
    try {
      const stream = eventStream('inventory', streams.prefix);
      // The backlog of the tests above goes first.
      await waitFor(
        'the backlog to be published',
        async () => (await count('select count(*)::int as n from outbox where published_at is null')) === 0,
        30_000,
      );
      const woken: string[] = [];
      const listen = (url: string) => woken.push(url);
      outboxCommits.on('committed', listen);
      const seq = await outboxSeq(t.pg);
      const p = demoProductId(230);
      try {
        expect((await take('take-published', [{ productId: p, quantity: 1 }], undefined, publisher)).errors).toEqual(
          [],
        );
      } finally {
        outboxCommits.off('committed', listen);
      }
      expect(woken).toEqual([String(publisher.orm.config.get('clientUrl'))]);
      const rows = await t.pg.query<EnvelopeRow & { stream_id: string | null }>(
        `select seq::text as seq, id::text as id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data, stream_id
           from outbox where seq > $1::bigint order by seq`,
        [seq],
      );
      expect(rows.rows).toHaveLength(1);
      await waitFor(
        'the take to be published',
        async () =>
          (await count('select count(*)::int as n from outbox where seq > $1::bigint and published_at is null', [
            seq,
          ])) === 0,
        10_000,
      );
      const entries = await streams.redis.xrange(stream, '-', '+');
      const published = entries.map(([, fields]) => JSON.parse(fields[1]!) as Record<string, unknown>);
      const mine = published.filter((e) => (e.data as { reference?: string }).reference === 'take-published');
      expect(mine).toEqual([JSON.parse(envelopeText('inventory', rows.rows[0]!))]);
      expect(contractViolations(contract, mine[0]!)).toEqual([]);
    } finally {
      await publisher.stop();
      await streams.close();
    }
  });
});

describe('invariants after everything above', () => {
  it('keeps 0 <= reserved <= on_hand, the audit trail adds up, one stock.changed per movement, each level walks in commit order', async () => {
    expect(
      await count('select count(*)::int as n from stock_level where reserved < 0 or reserved > on_hand or on_hand < 0'),
    ).toBe(0);
    expect(await levelsOffTheAuditTrail(t.pg)).toEqual([]);
    // Every take's reservation lines are its movements, with opposite sign.
    const lines = await t.pg.query(`
      select r.order_id from reservation r join reservation_line rl on rl.reservation_id = r.id
       where r.taken and not exists (select 1 from stock_movement m where m.reference = r.order_id
                                       and m.product_id = rl.product_id and m.on_hand_delta = -rl.quantity)`);
    expect(lines.rows).toEqual([]);
    expect(await count("select count(*)::int as n from outbox where type = 'stock.changed'")).toBe(
      await count('select count(*)::int as n from stock_movement'),
    );
    expect(await eventsOffTheirWalk(t.pg)).toEqual([]);
  });
});
