import { DEMO_LOCATIONS, demoProductId, encodeCursor } from '../../../subgraphs/kit';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { seedInventory } from '../../../subgraphs/inventory/seed';
import { startInventory, type RunningInventory } from '../../../subgraphs/inventory/server';
import { client, tokens, type Gql } from '../../helpers/toolkit';
import { countStatements } from './helpers';

let db: TestDatabase;
let inv: RunningInventory;
let gql: Gql;

beforeAll(async () => {
  db = await freshDatabase('inventory_stock');
  inv = await startInventory({ dbUrl: db.url, port: 0, outboxRelay: false });
  gql = client(inv.url);
  await seedInventory(inv.orm);
});

afterAll(async () => {
  await inv?.stop();
  await db?.drop();
});

const PRODUCT_STOCK = `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Product {
        id
        stock {
          onHand reserved available
          levels { id onHand reserved available reorderPoint belowReorderPoint updatedAt location { id name kind } }
        }
      }
    }
  }`;

interface ProductEntity {
  id: string;
  stock: {
    onHand: number;
    reserved: number;
    available: number;
    levels: { location: { id: string; kind: string }; onHand: number; reserved: number; available: number }[];
  };
}

describe('Product.stock through _entities', () => {
  it('resolves 50 products (and an unknown one) with ONE statement, in key order', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => demoProductId(50 - i));
    ids.splice(10, 0, 'prod-unknown');
    const representations = ids.map((id) => ({ __typename: 'Product', id }));
    const { result, statements } = await countStatements(inv, () =>
      gql<{ _entities: ProductEntity[] }>(PRODUCT_STOCK, { representations }),
    );
    expect(result.body.errors).toBeUndefined();
    const entities = result.body.data!._entities;
    expect(entities.map((e) => e.id)).toEqual(ids);
    expect(statements).toBe(1);

    const unknown = entities[10]!;
    expect(unknown.stock).toEqual({ onHand: 0, reserved: 0, available: 0, levels: [] });

    for (const entity of entities.filter((e) => e.id !== 'prod-unknown')) {
      expect(entity.stock.levels).toHaveLength(DEMO_LOCATIONS.length);
      const sum = entity.stock.levels.reduce((s, l) => s + l.onHand, 0);
      expect(entity.stock.onHand).toBe(sum);
      expect(entity.stock.available).toBe(entity.stock.onHand - entity.stock.reserved);
    }
    const first = entities[0]!;
    expect(first.stock.levels.map((l) => l.location.id)).toEqual([...DEMO_LOCATIONS.map((l) => l.id)].sort());
  });

  it('answers totals-only selections (catalogue pages) with per-product sums equal to the levels', async () => {
    const ids = [demoProductId(1), demoProductId(2), 'prod-unknown', demoProductId(3)];
    const representations = ids.map((id) => ({ __typename: 'Product', id }));
    const full = await gql<{ _entities: ProductEntity[] }>(PRODUCT_STOCK, { representations });
    const { result, statements } = await countStatements(inv, () =>
      gql<{ _entities: { id: string; stock: { onHand: number; reserved: number; available: number } }[] }>(
        `query ($representations: [_Any!]!) {
          _entities(representations: $representations) { ... on Product { id stock { onHand reserved available } } }
        }`,
        { representations },
      ),
    );
    expect(result.body.errors).toBeUndefined();
    expect(statements).toBe(1);
    expect(result.body.data!._entities).toEqual(
      full.body.data!._entities.map((e) => ({
        id: e.id,
        stock: { onHand: e.stock.onHand, reserved: e.stock.reserved, available: e.stock.available },
      })),
    );
    expect(result.body.data!._entities[2]!.stock).toEqual({ onHand: 0, reserved: 0, available: 0 });
  });

  it('resolves Location references with their store', async () => {
    const res = await gql<{ _entities: { id: string; name: string; kind: string; store: { id: string } | null }[] }>(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Location { id name kind store { id } } } }`,
      {
        r: [
          { __typename: 'Location', id: 'loc-store-2' },
          { __typename: 'Location', id: 'loc-warehouse' },
        ],
      },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities).toEqual([
      {
        id: 'loc-store-2',
        name: DEMO_LOCATIONS.find((l) => l.id === 'loc-store-2')!.name,
        kind: 'STORE',
        store: { id: 'store-2' },
      },
      { id: 'loc-warehouse', name: 'Central warehouse', kind: 'WAREHOUSE', store: null },
    ]);
  });

  it('lists locations', async () => {
    const res = await gql<{ locations: { id: string }[]; location: { id: string } | null }>(
      '{ locations { id } location(id: "nope") { id } }',
    );
    expect(res.body.data!.locations.map((l) => l.id).sort()).toEqual(DEMO_LOCATIONS.map((l) => l.id).sort());
    expect(res.body.data!.location).toBeNull();
  });
});

const STORE_STOCK = `
  query ($r: [_Any!]!, $first: Int, $after: String, $lowOnly: Boolean) {
    _entities(representations: $r) {
      ... on Store {
        id
        stock(first: $first, after: $after, lowOnly: $lowOnly) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { product { id } location { id } onHand reserved available reorderPoint belowReorderPoint } }
        }
      }
    }
  }`;

interface StorePage {
  id: string;
  stock: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    edges: {
      node: {
        product: { id: string };
        location: { id: string };
        available: number;
        reorderPoint: number;
        belowReorderPoint: boolean;
      };
    }[];
  };
}

describe('Store.stock', () => {
  it('pages through a store in product order with page + count in <= 2 statements', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { result, statements } = await countStatements(inv, () =>
        gql<{ _entities: StorePage[] }>(STORE_STOCK, {
          r: [{ __typename: 'Store', id: 'store-1' }],
          first: 100,
          after,
        }),
      );
      expect(result.body.errors).toBeUndefined();
      expect(statements).toBeLessThanOrEqual(2);
      const page = result.body.data!._entities[0]!.stock;
      expect(page.totalCount).toBe(300);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      for (const edge of page.edges) {
        expect(edge.node.location.id).toBe('loc-store-1');
        seen.push(edge.node.product.id);
      }
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => demoProductId(i + 1)));
  });

  it('filters to levels at or below their reorder point with lowOnly', async () => {
    const res = await gql<{ _entities: StorePage[] }>(STORE_STOCK, {
      r: [{ __typename: 'Store', id: 'store-3' }],
      first: 100,
      lowOnly: true,
    });
    const stock = res.body.data!._entities[0]!.stock;
    expect(stock.totalCount).toBeGreaterThan(0);
    expect(stock.totalCount).toBeLessThan(100);
    expect(stock.edges).toHaveLength(stock.totalCount);
    for (const { node } of stock.edges) {
      expect(node.belowReorderPoint).toBe(true);
      expect(node.available).toBeLessThanOrEqual(node.reorderPoint);
    }
  });

  it('serves several stores (and one without a location) in 2 statements', async () => {
    const r = ['store-1', 'store-2', 'store-3', 'store-4', 'store-5', 'store-404'].map((id) => ({
      __typename: 'Store',
      id,
    }));
    const { result, statements } = await countStatements(inv, () =>
      gql<{ _entities: StorePage[] }>(STORE_STOCK, { r, first: 5 }),
    );
    expect(result.body.errors).toBeUndefined();
    expect(statements).toBe(2);
    const stores = result.body.data!._entities;
    expect(stores.map((s) => s.id)).toEqual(r.map((x) => x.id));
    for (const store of stores.slice(0, 5)) {
      expect(store.stock.edges.map((e) => e.node.product.id)).toEqual([1, 2, 3, 4, 5].map(demoProductId));
      expect(store.stock.totalCount).toBe(300);
    }
    expect(stores[5]!.stock).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, hasPreviousPage: false, endCursor: null },
      edges: [],
    });
  });

  it('refuses a forged cursor and an oversized page with BAD_USER_INPUT', async () => {
    const r = [{ __typename: 'Store', id: 'store-1' }];
    const forged = await gql(STORE_STOCK, { r, after: 'bm9wZQ' });
    expect(forged.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const numeric = await gql(STORE_STOCK, { r, after: encodeCursor([42]) });
    expect(numeric.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await gql(STORE_STOCK, { r, first: 101 });
    expect(big.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

const LOW_STOCK = `
  query ($first: Int!, $locationId: ID) {
    lowStock(first: $first, locationId: $locationId) {
      product { id }
      location { id name kind }
      onHand reserved available reorderPoint belowReorderPoint
    }
  }`;

interface LowLevel {
  product: { id: string };
  location: { id: string; name: string; kind: string };
  available: number;
  reorderPoint: number;
  belowReorderPoint: boolean;
}

describe('lowStock', () => {
  it('lists low levels most urgent first, in one statement', async () => {
    const { result, statements } = await countStatements(inv, () =>
      gql<{ lowStock: LowLevel[] }>(LOW_STOCK, { first: 100 }, { token: tokens.clerk('store-1') }),
    );
    expect(result.body.errors).toBeUndefined();
    expect(statements).toBe(1);
    const levels = result.body.data!.lowStock;
    expect(levels.length).toBe(100);
    const urgency = (l: LowLevel) => l.available / Math.max(l.reorderPoint, 1);
    for (let i = 0; i < levels.length; i++) {
      expect(levels[i]!.belowReorderPoint).toBe(true);
      expect(levels[i]!.location.name).toBeTruthy();
      if (i > 0) expect(urgency(levels[i]!)).toBeGreaterThanOrEqual(urgency(levels[i - 1]!));
    }
    expect(levels[0]!.available).toBe(0);
  });

  it('filters by location and honours first', async () => {
    const res = await gql<{ lowStock: LowLevel[] }>(
      LOW_STOCK,
      { first: 3, locationId: 'loc-warehouse' },
      { token: tokens.admin() },
    );
    expect(res.body.data!.lowStock).toHaveLength(3);
    expect(new Set(res.body.data!.lowStock.map((l) => l.location.id))).toEqual(new Set(['loc-warehouse']));
  });

  it('is for staff only', async () => {
    const anonymous = await gql(LOW_STOCK, { first: 3 });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const customer = await gql(LOW_STOCK, { first: 3 }, { token: tokens.customer() });
    expect(customer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('stockMovements', () => {
  const MOVEMENTS = `
    query ($productId: ID, $locationId: ID, $first: Int, $after: String) {
      stockMovements(productId: $productId, locationId: $locationId, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id product { id } location { id kind } onHandDelta reservedDelta reason reference note actor createdAt } }
      }
    }`;

  it('pages the audit trail newest first with filters', async () => {
    const first = await gql<{
      stockMovements: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: { node: { id: string; reason: string; location: { id: string } } }[];
      };
    }>(MOVEMENTS, { locationId: 'loc-online', first: 2 }, { token: tokens.admin() });
    expect(first.body.errors).toBeUndefined();
    const page = first.body.data!.stockMovements;
    expect(page.totalCount).toBe(300);
    expect(page.edges).toHaveLength(2);
    expect(page.edges[0]!.node.reason).toBe('RECEIPT');
    expect(Number(page.edges[0]!.node.id)).toBeGreaterThan(Number(page.edges[1]!.node.id));
    const next = await gql<{ stockMovements: { edges: { node: { id: string } }[] } }>(
      MOVEMENTS,
      { locationId: 'loc-online', first: 2, after: page.pageInfo.endCursor },
      { token: tokens.admin() },
    );
    expect(Number(next.body.data!.stockMovements.edges[0]!.node.id)).toBeLessThan(Number(page.edges[1]!.node.id));

    const byProduct = await gql<{ stockMovements: { totalCount: number } }>(
      MOVEMENTS,
      { productId: demoProductId(1), first: 0 },
      { token: tokens.manager('store-1') },
    );
    expect(byProduct.body.data!.stockMovements.totalCount).toBeGreaterThan(0);
    expect(byProduct.body.data!.stockMovements.totalCount).toBeLessThanOrEqual(DEMO_LOCATIONS.length);
  });

  it('refuses a cursor it did not issue', async () => {
    const res = await gql(MOVEMENTS, { after: encodeCursor(['prod-0001']) }, { token: tokens.admin() });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is for managers and head office only', async () => {
    const clerk = await gql(MOVEMENTS, {}, { token: tokens.clerk('store-1') });
    expect(clerk.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
