import { AggregatorRegistry } from 'prom-client';
import { demoProductId, eventStream } from '../../../subgraphs/kit';
import { contractViolations, readEventContract } from '../../helpers/event-contract';
import {
  envelopesOfOutbox,
  expectPublishedAsRetained,
  ownEventStreams,
  retainedEventsOf,
  type OwnStreams,
} from '../../helpers/producer-events';
import { postGraphQL, tokens } from '../../helpers/toolkit';
import { seedInventory } from '../../../subgraphs/inventory/seed';
import {
  outboxSeq,
  outboxSince,
  sagaStepMutation,
  startTestInventory,
  type OutboxEntry,
  type TestInventory,
} from './helpers';

/**
 * Inventory's events (docs/events.md) as its clients would see them: the saga steps and the
 * sweeper's expiries write exactly their stock.changed events (refusals and replays nothing),
 * retainedEvents serves the outbox to SERVICE callers only, the demo seed's receipts are events, and
 * the relays of two replicas publish every event once, in sequence order, to this file's stream.
 */
let t: TestInventory;
let streams: OwnStreams;
const service = tokens.service();
const contract = readEventContract();
const retained = retainedEventsOf(() => t.next().url, service);

beforeAll(async () => {
  streams = ownEventStreams();
  // No demo stock: the seed's own events are a test below. The relays publish to this file's stream.
  t = await startTestInventory('inventory_events', { seed: false, options: { outboxRelay: true } });
}, 60_000);

afterAll(async () => {
  await streams?.close();
  await t?.stop();
});

interface Payload {
  errors: { code: string; field: string[] | null; message: string }[];
}

/** One saga step as ecommerce or retail sends it, with a request id to find in the events. */
async function step(field: string, input: Record<string, unknown>, requestId: string) {
  const res = await postGraphQL<Record<string, Payload>>(
    t.next().url,
    sagaStepMutation(field),
    { input },
    { token: service, headers: { 'x-request-id': requestId } },
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data![field]!.errors;
}

async function level(productId: string, locationId: string) {
  const res = await t.pg.query<{ on_hand: number; reserved: number; reorder_point: number }>(
    'select on_hand, reserved, reorder_point from stock_level where product_id = $1 and location_id = $2',
    [productId, locationId],
  );
  return res.rows[0]!;
}

/** The stock.changed event a movement of `productId` at `locationId` must have written. */
function changed(
  productId: string,
  locationId: string,
  change: { reason: string; reference: string | null; onHandDelta: number; reservedDelta: number },
  after: { onHand: number; reserved: number; reorderPoint: number },
  correlationId: string | ReturnType<typeof expect.stringMatching>,
): OutboxEntry {
  return {
    type: 'stock.changed',
    aggregate: { type: 'StockLevel', id: `${productId}@${locationId}` },
    correlationId,
    data: {
      productId,
      locationId,
      storeId: locationId.startsWith('loc-store-') ? locationId.slice('loc-'.length) : null,
      ...change,
      ...after,
    },
  };
}

describe('the demo seed', () => {
  it('writes one RECEIPT stock.changed per opening movement, and none when run again', async () => {
    const seeded = await seedInventory(t.replicas[0]!.orm);
    expect(seeded.levels).toBeGreaterThan(2_000);
    const receipts = await t.pg.query<{ n: number }>(
      "select count(*)::int as n from stock_movement where reference = 'seed' and reason = 'RECEIPT'",
    );
    const events = await outboxSince(t.pg, '0');
    expect(events).toHaveLength(receipts.rows[0]!.n);
    // A store's level, so the event names the store too.
    const stocked = await t.pg.query<{ product_id: string }>(
      "select product_id from stock_level where location_id = 'loc-store-2' and on_hand > 0 order by product_id limit 1",
    );
    const p = stocked.rows[0]!.product_id;
    const atStore = await level(p, 'loc-store-2');
    expect(events).toContainEqual(
      changed(
        p,
        'loc-store-2',
        { reason: 'RECEIPT', reference: 'seed', onHandDelta: atStore.on_hand, reservedDelta: 0 },
        { onHand: atStore.on_hand, reserved: 0, reorderPoint: atStore.reorder_point },
        'seed',
      ),
    );

    const seq = await outboxSeq(t.pg);
    expect((await seedInventory(t.replicas[0]!.orm)).levels).toBe(0);
    expect(await outboxSince(t.pg, seq)).toEqual([]);
  });
});

describe('the saga steps', () => {
  it('reserve, commit and restock: one event per line and step, with the level after it', async () => {
    const [p1, p2] = [demoProductId(21), demoProductId(22)];
    const [b1, b2] = [await level(p1, 'loc-online'), await level(p2, 'loc-online')];
    const at = (b: typeof b1, onHand: number, reserved: number) => ({
      onHand: b.on_hand + onHand,
      reserved: b.reserved + reserved,
      reorderPoint: b.reorder_point,
    });
    const seq = await outboxSeq(t.pg);
    const lines = [
      { productId: p2, quantity: 1 },
      { productId: p1, quantity: 2 },
    ];
    expect(await step('reserveStock', { orderId: 'ord-ev-1', lines }, 'req-reserve')).toEqual([]);
    expect(await step('reserveStock', { orderId: 'ord-ev-1', lines }, 'req-reserve-again')).toEqual([]);
    expect(await step('commitReservation', { orderId: 'ord-ev-1' }, 'req-commit')).toEqual([]);
    expect(await step('commitReservation', { orderId: 'ord-ev-1' }, 'req-commit-again')).toEqual([]);
    expect(await step('restockOrder', { orderId: 'ord-ev-1', reason: 'cancelled' }, 'req-restock')).toEqual([]);
    expect(await step('restockOrder', { orderId: 'ord-ev-1' }, 'req-restock-again')).toEqual([]);
    const ref = (reason: string, onHandDelta: number, reservedDelta: number) => ({
      reason,
      reference: 'ord-ev-1',
      onHandDelta,
      reservedDelta,
    });
    // The replays (same order id) wrote nothing.
    expect(await outboxSince(t.pg, seq)).toEqual([
      changed(p1, 'loc-online', ref('RESERVATION', 0, 2), at(b1, 0, 2), 'req-reserve'),
      changed(p2, 'loc-online', ref('RESERVATION', 0, 1), at(b2, 0, 1), 'req-reserve'),
      changed(p1, 'loc-online', ref('RESERVATION_COMMITTED', -2, -2), at(b1, -2, 0), 'req-commit'),
      changed(p2, 'loc-online', ref('RESERVATION_COMMITTED', -1, -1), at(b2, -1, 0), 'req-commit'),
      changed(p1, 'loc-online', ref('RETURN', 2, 0), at(b1, 0, 0), 'req-restock'),
      changed(p2, 'loc-online', ref('RETURN', 1, 0), at(b2, 0, 0), 'req-restock'),
    ]);
  });

  it('release: the held units come back as events; a release of an order never reserved writes none', async () => {
    const p = demoProductId(23);
    const b = await level(p, 'loc-store-4');
    const seq = await outboxSeq(t.pg);
    const reserve = { orderId: 'sale-ev-2', locationId: 'loc-store-4', lines: [{ productId: p, quantity: 3 }] };
    expect(await step('reserveStock', reserve, 'req-till')).toEqual([]);
    expect(await step('releaseReservation', { orderId: 'sale-ev-2', reason: 'voided' }, 'req-void')).toEqual([]);
    expect(await step('releaseReservation', { orderId: 'sale-ev-2' }, 'req-void-again')).toEqual([]);
    expect(await step('releaseReservation', { orderId: 'sale-never-reserved' }, 'req-tombstone')).toEqual([]);
    const after = { onHand: b.on_hand, reorderPoint: b.reorder_point };
    expect(await outboxSince(t.pg, seq)).toEqual([
      changed(
        p,
        'loc-store-4',
        { reason: 'RESERVATION', reference: 'sale-ev-2', onHandDelta: 0, reservedDelta: 3 },
        { ...after, reserved: b.reserved + 3 },
        'req-till',
      ),
      changed(
        p,
        'loc-store-4',
        { reason: 'RESERVATION_RELEASED', reference: 'sale-ev-2', onHandDelta: 0, reservedDelta: -3 },
        { ...after, reserved: b.reserved },
        'req-void',
      ),
    ]);
  });

  it('refused steps (short stock, unknown location, bad input, a reused key) write no event', async () => {
    const p = demoProductId(24);
    expect(await step('reserveStock', { orderId: 'ord-ev-3', lines: [{ productId: p, quantity: 1 }] }, 'r')).toEqual(
      [],
    );
    const seq = await outboxSeq(t.pg);
    const refusals = [
      step('reserveStock', { orderId: 'ord-ev-4', lines: [{ productId: p, quantity: 999_999 }] }, 'r'),
      step(
        'reserveStock',
        { orderId: 'ord-ev-5', locationId: 'loc-mars', lines: [{ productId: p, quantity: 1 }] },
        'r',
      ),
      step('reserveStock', { orderId: 'ord-ev-6', lines: [{ productId: p, quantity: 0 }] }, 'r'),
      step('reserveStock', { orderId: 'ord-ev-3', lines: [{ productId: p, quantity: 2 }] }, 'r'),
      step('commitReservation', { orderId: 'ord-ev-unknown' }, 'r'),
      step('restockOrder', { orderId: 'ord-ev-3' }, 'r'),
      step(
        'returnStock',
        { returnId: 'ret-ev-x', locationId: 'loc-mars', lines: [{ productId: p, quantity: 1 }] },
        'r',
      ),
    ];
    for (const errors of await Promise.all(refusals)) expect(errors.length).toBeGreaterThan(0);
    expect(await outboxSince(t.pg, seq)).toEqual([]);
  });

  it("the sweeper's expiries: one event per expired line, each level's events a path to its final state", async () => {
    const p = demoProductId(25);
    const b = await level(p, 'loc-online');
    for (const [orderId, quantity] of [
      ['ord-ev-exp-a', 2],
      ['ord-ev-exp-b', 3],
    ] as const) {
      const input = { orderId, ttlSeconds: 1, lines: [{ productId: p, quantity }] };
      expect(await step('reserveStock', input, `req-${orderId}`)).toEqual([]);
    }
    const seq = await outboxSeq(t.pg);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    // Both reservations expire in one statement, on one level: each event carries its own state.
    expect(await t.replicas[0]!.sweeper.runOnce()).toBe(2);
    const base = { onHand: b.on_hand, reorderPoint: b.reorder_point };
    const sweep = expect.stringMatching(/^reservation-sweep-\d+$/);
    const expired = (reference: string, quantity: number, reserved: number) =>
      changed(
        p,
        'loc-online',
        { reason: 'RESERVATION_EXPIRED', reference, onHandDelta: 0, reservedDelta: -quantity },
        { ...base, reserved },
        sweep,
      );
    expect(await outboxSince(t.pg, seq)).toEqual([
      expired('ord-ev-exp-a', 2, b.reserved + 3),
      expired('ord-ev-exp-b', 3, b.reserved),
    ]);
    expect((await level(p, 'loc-online')).reserved).toBe(b.reserved);
  });
});

describe('retainedEvents', () => {
  it('serves every outbox row as its documented envelope, oldest first, page by page', async () => {
    // The pages end with an empty page past the end, which answers the cursor it was given.
    const texts = await retained.all(1_000, { pastTheEnd: true });
    const { envelopes } = await envelopesOfOutbox(t.pg, texts);
    for (const e of envelopes) expect(contractViolations(contract, e)).toEqual([]);
    expect(new Set(envelopes.map((e) => e.source))).toEqual(new Set(['inventory']));
    // Smaller pages give the same events.
    expect(await retained.all(700, { pastTheEnd: true })).toEqual(texts);
  });

  it('is for services only; a page size out of 1..1000 or a foreign cursor is BAD_USER_INPUT', async () => {
    await retained.expectServicesOnly([
      tokens.admin(),
      tokens.clerk('store-1'),
      tokens.manager('store-1'),
      tokens.customer(),
    ]);
    for (const [after, first] of [
      [null, 0],
      [null, 1_001],
      ['not-a-cursor', 10],
    ] as const) {
      const res = await retained.page(after, first);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('the relay of every replica', () => {
  it('publishes each event once, in sequence order, exactly as retainedEvents serves it', async () => {
    await expectPublishedAsRetained(t.pg, streams.redis, eventStream('inventory', streams.prefix), () =>
      retained.all(1_000, { pastTheEnd: true }),
    );
  });

  it('reports the backlog once for the whole cluster, not once per worker', async () => {
    // A pending event: an instance without a relay writes it, and no relay runs while the gauge is read.
    await Promise.all(t.replicas.map((r) => r.relay.stop()));
    expect(
      await step(
        'reserveStock',
        { orderId: 'ord-ev-gauge', lines: [{ productId: demoProductId(26), quantity: 1 }] },
        'g',
      ),
    ).toEqual([]);
    // What the cluster primary does with the workers' registries (cluster-metrics.ts).
    const aggregated = AggregatorRegistry.aggregate(
      await Promise.all(t.replicas.map((r) => r.metrics.registry.getMetricsAsJSON())),
    );
    const backlog = await aggregated.getSingleMetric('outbox_backlog')!.get();
    expect(backlog.values.map((v) => v.value)).toEqual([1]);
  });
});
