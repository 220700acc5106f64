import { demoProductId } from '../../../subgraphs/kit';
import {
  AdjustStockDocument,
  ApproveReplenishmentDocument,
  RejectReplenishmentDocument,
} from '../../../schema/operations/generated';
import { client, errorCodes, type Gql, tokens } from '../../helpers/toolkit';
import type { RunningInventory } from '../../../subgraphs/inventory/server';
import { countStatements, dashboardStockFigures, startTestInventory, type TestInventory } from './helpers';

/**
 * Inventory's half of the dashboard (issue 9 point 4), as the router asks for it: `_entities` of
 * Dashboard by key. The counts equal what the tables say, counted here from the rows; every dashboard
 * of a request costs one statement; the chain is head office's, a store's its MANAGER's (or head
 * office's), everyone else is refused.
 */
let t: TestInventory;
let inv: RunningInventory;
let gql: Gql;

const admin = tokens.admin('emp-admin');
const clerk3 = tokens.clerk('store-3', 'emp-store-3-clerk-1');
const clerk1 = tokens.clerk('store-1', 'emp-store-1-clerk-1');
const manager3 = tokens.manager('store-3');

beforeAll(async () => {
  t = await startTestInventory('inventory_dashboard', { replicas: 1 });
  inv = t.replicas[0]!;
  gql = client(inv.url);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const DASHBOARDS = `query ($r: [_Any!]!) {
  _entities(representations: $r) { ... on Dashboard { id lowStockCount pendingReplenishments } }
}`;
const STORE_LOW = `query ($r: [_Any!]!) {
  _entities(representations: $r) { ... on Store { id stock(lowOnly: true) { totalCount } } }
}`;
const REQUEST = `mutation ($input: RequestReplenishmentInput!) {
  requestReplenishment(input: $input) { request { id status } errors { code } }
}`;

interface Figures {
  id: string;
  lowStockCount: number;
  pendingReplenishments: number;
}

const refs = (...ids: string[]) => ids.map((id) => ({ __typename: 'Dashboard', id }));
async function dashboards(token: string, ...ids: string[]) {
  return gql<{ _entities: (Figures | null)[] }>(DASHBOARDS, { r: refs(...ids) }, { token });
}

/** The figures of a dashboard key as the tables say (dashboardStockFigures). */
async function expected(key: string): Promise<Figures> {
  return { id: key, ...(await dashboardStockFigures(t.pg, key === 'chain' ? null : key)) };
}

async function requestFor(token: string, productNumber: number): Promise<string> {
  const res = await gql<{ requestReplenishment: { request: { id: string } | null; errors: { code: string }[] } }>(
    REQUEST,
    { input: { lines: [{ productId: demoProductId(productNumber), quantity: 2 }] } },
    { token },
  );
  expect(res.body.data?.requestReplenishment.errors).toEqual([]);
  return res.body.data!.requestReplenishment.request!.id;
}

describe('Dashboard through _entities', () => {
  beforeAll(async () => {
    // store-3: two pending, one rejected; store-1: one pending, one approved (its units moved).
    await requestFor(clerk3, 11);
    await requestFor(clerk3, 12);
    const toReject = await requestFor(clerk3, 13);
    await requestFor(clerk1, 14);
    const toApprove = await requestFor(clerk1, 15);
    const rejected = await gql(
      RejectReplenishmentDocument,
      { input: { requestId: toReject, reason: 'not now' } },
      { token: admin },
    );
    expect(rejected.body.data?.rejectReplenishment.errors).toEqual([]);
    const approved = await gql(ApproveReplenishmentDocument, { input: { requestId: toApprove } }, { token: admin });
    expect(approved.body.data?.approveReplenishment.errors).toEqual([]);
  });

  it("counts a store's low levels and pending requests, and the chain's over every location and store", async () => {
    const res = await dashboards(admin, 'chain', 'store-3', 'store-1', 'store-2');
    expect(res.body.errors).toBeUndefined();
    const got = res.body.data!._entities;
    expect(got).toEqual([
      await expected('chain'),
      await expected('store-3'),
      await expected('store-1'),
      await expected('store-2'),
    ]);
    // What the requests above left pending; rejected and approved ones are not counted.
    expect(got.map((f) => f!.pendingReplenishments)).toEqual([3, 2, 1, 0]);
    // The demo stock has low levels at the warehouse and at the stores: the chain's count is more than
    // the sum of the stores' own (the warehouse's and online's levels are in it, store-4 and 5's too).
    expect(got[0]!.lowStockCount).toBeGreaterThan(got[1]!.lowStockCount + got[2]!.lowStockCount);
    expect(got[1]!.lowStockCount).toBeGreaterThan(0);

    // The same definition of "low" as the store's stock list filtered with lowOnly.
    const lists = await gql<{ _entities: { id: string; stock: { totalCount: number } }[] }>(
      STORE_LOW,
      { r: ['store-3', 'store-1', 'store-2'].map((id) => ({ __typename: 'Store', id })) },
      { token: admin },
    );
    expect(lists.body.data!._entities.map((s) => s.stock.totalCount)).toEqual(
      got.slice(1).map((f) => f!.lowStockCount),
    );
  });

  it('counts a level exactly at its reorder point as low, at once', async () => {
    const found = await t.pg.query<{ product_id: string; on_hand: number; reserved: number; reorder_point: number }>(
      `select product_id, on_hand, reserved, reorder_point from stock_level
        where location_id = 'loc-store-3' and on_hand - reserved > reorder_point
        order by product_id limit 1`,
    );
    const level = found.rows[0]!;
    const before = (await dashboards(manager3, 'store-3')).body.data!._entities[0]!;
    const adjusted = await gql(
      AdjustStockDocument,
      {
        input: {
          productId: level.product_id,
          locationId: 'loc-store-3',
          delta: level.reorder_point - (level.on_hand - level.reserved),
          reason: 'DAMAGE',
        },
      },
      { token: manager3 },
    );
    expect(adjusted.body.data?.adjustStock.errors).toEqual([]);
    const after = (await dashboards(manager3, 'store-3')).body.data!._entities[0]!;
    expect(after).toEqual({ ...before, lowStockCount: before.lowStockCount + 1 });
    expect(after).toEqual(await expected('store-3'));
  });

  it('answers any number of dashboards with ONE statement', async () => {
    const keys = ['chain', 'store-1', 'store-2', 'store-3', 'store-4', 'store-5', 'store-3'];
    const { result, statements } = await countStatements(inv, () => dashboards(admin, ...keys));
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data!._entities.map((f) => f!.id)).toEqual(keys);
    expect(statements).toBe(1);
  });

  it('answers zeros for a store inventory knows nothing of, as reports does', async () => {
    const res = await dashboards(admin, 'store-99');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities).toEqual([{ id: 'store-99', lowStockCount: 0, pendingReplenishments: 0 }]);
  });

  it("gives a MANAGER their store's, and refuses the chain, another store, clerks and customers", async () => {
    const own = await dashboards(manager3, 'store-3');
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data!._entities).toEqual([await expected('store-3')]);

    // A refusal fails its own entity of the batch, not the others.
    const mixed = await dashboards(manager3, 'store-3', 'chain');
    expect(mixed.body.data!._entities).toEqual([await expected('store-3'), null]);
    expect(errorCodes(mixed.body.errors)).toEqual(['FORBIDDEN']);
    expect(mixed.body.errors![0]!.path).toEqual(['_entities', 1]);

    for (const [token, key] of [
      [tokens.manager('store-1'), 'store-3'],
      [clerk3, 'store-3'],
      [clerk3, 'chain'],
      [tokens.customer(), 'store-3'],
      [tokens.customer(), 'chain'],
    ] as const) {
      const res = await dashboards(token, key);
      expect({ key, data: res.body.data?._entities, codes: errorCodes(res.body.errors) }).toEqual({
        key,
        data: [null],
        codes: ['FORBIDDEN'],
      });
    }
    const anonymous = await gql(DASHBOARDS, { r: refs('store-3') });
    expect(errorCodes(anonymous.body.errors)).toEqual(['UNAUTHENTICATED']);
  });
});
