import { demoProductId } from '../../../subgraphs/kit';
import type { RunningInventory } from '../../../subgraphs/inventory/server';
import { AdjustStockDocument } from '../../../schema/operations/generated';
import { client, freePort, tokens, type Gql } from '../../helpers/toolkit';
import {
  countStatements,
  graphqlRequests,
  outboxSeq,
  outboxSince,
  startTestInventory,
  type TestInventory,
} from './helpers';

// Reads for assertions go through the set's own connection (t.pg), so they never count as the subgraph's statements.
let t: TestInventory;
let inv: RunningInventory;
let gql: Gql;

beforeAll(async () => {
  // adjustStock checks product ids with products (ADR 0015): a real products subgraph, demo catalogue.
  t = await startTestInventory('inventory_adjust', { replicas: 1 });
  inv = t.replicas[0]!;
  gql = client(inv.url);
});

afterAll(async () => {
  await t?.stop();
});

/** More of the level than the client's AdjustStock asks for, so the tests can check all of it. */
const ADJUST = `
  mutation AdjustStockWithLevel($input: AdjustStockInput!) {
    adjustStock(input: $input) {
      level { id product { id } location { id name kind } onHand reserved available reorderPoint }
      errors { code field message }
    }
  }`;

interface AdjustResult {
  adjustStock: {
    level: {
      product: { id: string };
      location: { id: string; kind: string };
      onHand: number;
      reserved: number;
      available: number;
    } | null;
    errors: { code: string; field: string[] | null; message: string }[];
  };
}

async function level(
  productId: string,
  locationId: string,
): Promise<{ on_hand: number; reserved: number } | undefined> {
  const res = await t.pg.query<{ on_hand: number; reserved: number }>(
    'select on_hand, reserved from stock_level where product_id = $1 and location_id = $2',
    [productId, locationId],
  );
  return res.rows[0];
}

const movementCount = () => t.count('select count(*)::int as n from stock_movement');

describe('adjustStock', () => {
  it('adds stock and writes one movement and its event, in one transaction after the location lookup', async () => {
    const productId = demoProductId(7);
    const before = (await level(productId, 'loc-warehouse'))!;
    const seq = await outboxSeq(t.pg);
    const { result, statements } = await countStatements(inv, () =>
      gql<AdjustResult>(
        ADJUST,
        { input: { productId, locationId: 'loc-warehouse', delta: 25, reason: 'RECEIPT', note: 'PO-1234' } },
        { token: tokens.admin(), headers: { 'x-request-id': 'req-adjust-7' } },
      ),
    );
    expect(result.body.errors).toBeUndefined();
    const payload = result.body.data!.adjustStock;
    expect(payload.errors).toEqual([]);
    expect(payload.level).toMatchObject({
      product: { id: productId },
      location: { id: 'loc-warehouse', kind: 'WAREHOUSE' },
      onHand: before.on_hand + 25,
      reserved: before.reserved,
      available: before.on_hand + 25 - before.reserved,
    });
    // The location lookup; then begin, one UPDATE with its movement, the stock.changed event, commit.
    expect(statements).toBe(5);

    const mv = await t.pg.query(
      'select on_hand_delta, reserved_delta, reason, note, actor from stock_movement where product_id = $1 and location_id = $2 order by id desc limit 1',
      [productId, 'loc-warehouse'],
    );
    expect(mv.rows[0]).toEqual({
      on_hand_delta: 25,
      reserved_delta: 0,
      reason: 'RECEIPT',
      note: 'PO-1234',
      actor: 'emp-admin',
    });
    expect(await outboxSince(t.pg, seq)).toEqual([
      {
        type: 'stock.changed',
        aggregate: { type: 'StockLevel', id: `${productId}@loc-warehouse` },
        correlationId: 'req-adjust-7',
        data: {
          productId,
          locationId: 'loc-warehouse',
          storeId: null,
          reason: 'RECEIPT',
          reference: null,
          onHandDelta: 25,
          reservedDelta: 0,
          onHand: before.on_hand + 25,
          reserved: before.reserved,
          reorderPoint: expect.any(Number),
        },
      },
    ]);
  });

  it('creates the level of a new product/location pair on a positive delta', async () => {
    // A product new to the catalogue, so no level of it exists anywhere yet.
    const productId = await t.products.create('New arrival');
    const res = await gql<AdjustResult>(
      ADJUST,
      { input: { productId, locationId: 'loc-store-2', delta: 4 } },
      { token: tokens.manager('store-2') },
    );
    expect(res.body.data!.adjustStock.errors).toEqual([]);
    expect(res.body.data!.adjustStock.level).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
    expect(await level(productId, 'loc-store-2')).toEqual({ on_hand: 4, reserved: 0 });
    const mv = await t.pg.query('select reason, on_hand_delta from stock_movement where product_id = $1', [productId]);
    expect(mv.rows).toEqual([{ reason: 'ADJUSTMENT', on_hand_delta: 4 }]);
  });

  it('refuses to go below zero: INSUFFICIENT_STOCK and nothing written', async () => {
    const productId = demoProductId(8);
    const before = (await level(productId, 'loc-store-1'))!;
    const movements = await movementCount();
    const seq = await outboxSeq(t.pg);
    const res = await gql<AdjustResult>(
      ADJUST,
      { input: { productId, locationId: 'loc-store-1', delta: -(before.on_hand + 1) } },
      { token: tokens.admin() },
    );
    expect(res.body.data!.adjustStock.level).toBeNull();
    expect(res.body.data!.adjustStock.errors).toEqual([
      expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'delta'] }),
    ]);
    expect(await level(productId, 'loc-store-1')).toEqual(before);
    expect(await movementCount()).toBe(movements);
    expect(await outboxSince(t.pg, seq)).toEqual([]);

    const neverStocked = await t.products.create('Never stocked');
    const none = await gql<AdjustResult>(
      ADJUST,
      { input: { productId: neverStocked, locationId: 'loc-store-1', delta: -1 } },
      { token: tokens.admin() },
    );
    expect(none.body.data!.adjustStock.errors[0]!.code).toBe('INSUFFICIENT_STOCK');
    expect(await level(neverStocked, 'loc-store-1')).toBeUndefined();
  });

  it('refuses to go below the reserved units', async () => {
    const productId = demoProductId(9);
    await t.pg.query(
      "update stock_level set on_hand = 10, reserved = 6 where product_id = $1 and location_id = 'loc-online'",
      [productId],
    );
    const refused = await gql<AdjustResult>(
      ADJUST,
      { input: { productId, locationId: 'loc-online', delta: -5 } },
      { token: tokens.admin() },
    );
    expect(refused.body.data!.adjustStock.errors[0]).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    expect(refused.body.data!.adjustStock.errors[0]!.message).toContain('6 reserved');
    const allowed = await gql<AdjustResult>(
      ADJUST,
      { input: { productId, locationId: 'loc-online', delta: -4 } },
      { token: tokens.admin() },
    );
    expect(allowed.body.data!.adjustStock.level).toMatchObject({ onHand: 6, reserved: 6, available: 0 });
  });

  it('reports an unknown location and invalid deltas as user errors', async () => {
    const unknown = await gql<AdjustResult>(
      ADJUST,
      { input: { productId: demoProductId(1), locationId: 'loc-mars', delta: 1 } },
      { token: tokens.admin() },
    );
    expect(unknown.body.data!.adjustStock).toEqual({
      level: null,
      errors: [{ code: 'UNKNOWN_LOCATION', field: ['input', 'locationId'], message: 'No location with id loc-mars' }],
    });
    for (const delta of [0, 1_000_001, -1_000_001]) {
      const res = await gql<AdjustResult>(
        ADJUST,
        { input: { productId: demoProductId(1), locationId: 'loc-warehouse', delta } },
        { token: tokens.admin() },
      );
      expect(res.body.data!.adjustStock.errors).toEqual([
        expect.objectContaining({ code: 'INVALID_QUANTITY', field: ['input', 'delta'] }),
      ]);
    }
    const longNote = await gql<AdjustResult>(
      ADJUST,
      { input: { productId: demoProductId(1), locationId: 'loc-warehouse', delta: 1, note: 'x'.repeat(501) } },
      { token: tokens.admin() },
    );
    expect(longNote.body.data!.adjustStock.errors[0]!.field).toEqual(['input', 'note']);
  });

  it('keeps on_hand >= reserved >= 0 under concurrent removals', async () => {
    const productId = demoProductId(10);
    await t.pg.query(
      "update stock_level set on_hand = 20, reserved = 5 where product_id = $1 and location_id = 'loc-warehouse'",
      [productId],
    );
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        gql<AdjustResult>(
          ADJUST,
          { input: { productId, locationId: 'loc-warehouse', delta: -2 } },
          { token: tokens.admin() },
        ),
      ),
    );
    const ok = results.filter((r) => r.body.data!.adjustStock.errors.length === 0).length;
    expect(ok).toBe(7);
    expect(await level(productId, 'loc-warehouse')).toEqual({ on_hand: 6, reserved: 5 });
  });
});

describe('adjustStock permissions', () => {
  const input = { productId: demoProductId(2), locationId: 'loc-store-1', delta: 1 };

  it('refuses anonymous callers with UNAUTHENTICATED', async () => {
    const res = await gql(ADJUST, { input });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data?.adjustStock ?? null).toBeNull();
  });

  it('refuses customers, clerks and services with FORBIDDEN', async () => {
    for (const token of [tokens.customer(), tokens.clerk('store-1'), tokens.service()]) {
      const res = await gql(ADJUST, { input }, { token });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('lets a manager adjust only their own store', async () => {
    const before = (await level(input.productId, 'loc-store-1'))!;
    const other = await gql(ADJUST, { input }, { token: tokens.manager('store-2') });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const warehouse = await gql(
      ADJUST,
      { input: { ...input, locationId: 'loc-warehouse' } },
      { token: tokens.manager('store-1') },
    );
    expect(warehouse.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await level(input.productId, 'loc-store-1')).toEqual(before);

    const own = await gql<AdjustResult>(ADJUST, { input }, { token: tokens.manager('store-1') });
    expect(own.body.data!.adjustStock.errors).toEqual([]);
    expect(own.body.data!.adjustStock.level!.onHand).toBe(before.on_hand + 1);
  });

  it('counts outcomes, refusals by the domain included (inventory_stock_adjustments_total)', async () => {
    const outcome = async (name: string) => {
      const metric = await inv.metrics.registry.getSingleMetric('inventory_stock_adjustments_total')?.get();
      return metric?.values.find((v) => v.labels.outcome === name)?.value ?? 0;
    };
    const [forbidden, adjusted] = [await outcome('forbidden'), await outcome('adjusted')];
    const refused = await gql(ADJUST, { input }, { token: tokens.manager('store-4') });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await gql(ADJUST, { input }, { token: tokens.admin() });
    expect(await outcome('forbidden')).toBe(forbidden + 1);
    expect(await outcome('adjusted')).toBe(adjusted + 1);
  });

  it("serves the client's AdjustStock document (schema/operations)", async () => {
    const before = (await level(input.productId, 'loc-store-3'))!;
    const res = await gql(
      AdjustStockDocument,
      { input: { ...input, locationId: 'loc-store-3', reason: 'RECEIPT' } },
      { token: tokens.manager('store-3') },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.adjustStock).toEqual({
      level: {
        product: { id: input.productId },
        location: { id: 'loc-store-3' },
        onHand: before.on_hand + 1,
        available: before.on_hand + 1 - before.reserved,
      },
      errors: [],
    });
  });

  it('lets head office adjust anywhere', async () => {
    const res = await gql<AdjustResult>(
      ADJUST,
      { input: { ...input, locationId: 'loc-store-5' } },
      { token: tokens.admin() },
    );
    expect(res.body.data!.adjustStock.errors).toEqual([]);
  });
});

const productsRequests = () => graphqlRequests(t.products.running);

async function outcomeCount(running: RunningInventory, name: string): Promise<number> {
  const metric = await running.metrics.registry.getSingleMetric('inventory_stock_adjustments_total')?.get();
  return metric?.values.find((v) => v.labels.outcome === name)?.value ?? 0;
}

describe('adjustStock checks the product with products first (ADR 0015)', () => {
  it('refuses an id products does not know with UNKNOWN_PRODUCT and writes nothing', async () => {
    // Before the check this wrote a level and a movement for a product nobody could resolve, and every
    // stockMovements page holding that movement failed from then on.
    const movements = await movementCount();
    const seq = await outboxSeq(t.pg);
    const unknown = await outcomeCount(inv, 'unknown_product');
    const res = await gql<AdjustResult>(
      ADJUST,
      { input: { productId: 'prod-does-not-exist', locationId: 'loc-warehouse', delta: 5, reason: 'RECEIPT' } },
      { token: tokens.admin() },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.adjustStock).toEqual({
      level: null,
      errors: [
        { code: 'UNKNOWN_PRODUCT', field: ['input', 'productId'], message: 'No product with id prod-does-not-exist' },
      ],
    });
    expect(await level('prod-does-not-exist', 'loc-warehouse')).toBeUndefined();
    expect(await movementCount()).toBe(movements);
    expect(await outboxSince(t.pg, seq)).toEqual([]);
    expect(await outcomeCount(inv, 'unknown_product')).toBe(unknown + 1);
  });

  it('asks products once per request, and only for a caller allowed to adjust there', async () => {
    const input = { productId: demoProductId(11), locationId: 'loc-store-1', delta: 1 };
    const before = await productsRequests();
    const ok = await gql<AdjustResult>(ADJUST, { input }, { token: tokens.manager('store-1') });
    expect(ok.body.data!.adjustStock.errors).toEqual([]);
    expect((await productsRequests()) - before).toBe(1);

    const refused = await gql(ADJUST, { input }, { token: tokens.manager('store-2') });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await productsRequests()) - before).toBe(1);
  });

  it('accepts a product withdrawn from sale: its stock can still be counted, written off or returned', async () => {
    const productId = await t.products.create('Discontinued kettle');
    const received = await gql<AdjustResult>(
      ADJUST,
      { input: { productId, locationId: 'loc-warehouse', delta: 6, reason: 'RECEIPT' } },
      { token: tokens.admin() },
    );
    expect(received.body.data!.adjustStock.errors).toEqual([]);
    await t.products.setActive(productId, false);
    const damaged = await gql<AdjustResult>(
      ADJUST,
      { input: { productId, locationId: 'loc-warehouse', delta: -2, reason: 'DAMAGE' } },
      { token: tokens.admin() },
    );
    expect(damaged.body.data!.adjustStock.errors).toEqual([]);
    expect(await level(productId, 'loc-warehouse')).toEqual({ on_hand: 4, reserved: 0 });
  });

  it('fails with SERVICE_UNAVAILABLE and writes nothing when products cannot be reached', async () => {
    // A second instance on the same database whose products URL has nobody listening.
    const unreachable = `http://127.0.0.1:${await freePort()}/graphql`;
    const cut = await t.another({ productsUrl: unreachable });
    try {
      const productId = demoProductId(12);
      const before = await level(productId, 'loc-warehouse');
      const movements = await movementCount();
      const seq = await outboxSeq(t.pg);
      const counted = await outcomeCount(cut, 'products_unavailable');
      const res = await client(cut.url)<AdjustResult>(
        ADJUST,
        { input: { productId, locationId: 'loc-warehouse', delta: 3 } },
        { token: tokens.admin() },
      );
      expect(res.body.data?.adjustStock ?? null).toBeNull();
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: 'The products service is unavailable; try again',
          extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'products' },
        }),
      ]);
      expect(JSON.stringify(res.body)).not.toContain(unreachable);
      expect(await level(productId, 'loc-warehouse')).toEqual(before);
      expect(await movementCount()).toBe(movements);
      expect(await outboxSince(t.pg, seq)).toEqual([]);
      expect(await outcomeCount(cut, 'products_unavailable')).toBe(counted + 1);
    } finally {
      await cut.stop();
    }
  });
});
