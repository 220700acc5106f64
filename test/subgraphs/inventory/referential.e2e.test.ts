/**
 * Inventory's audit trail through the router holds only products that resolve (ADR 0015): adjustStock
 * checks the product id with products before writing, and a product withdrawn from sale later still
 * resolves in its old movements, so staff can always page through the trail.
 */
import { Client } from 'pg';
import { AdjustStockDocument, UpdateProductDocument } from '../../../schema/operations/generated';
import { startStack, type Stack } from '../../helpers/stack';
import { tokens } from '../../helpers/toolkit';

/** The audit trail with each movement's product as products serves it (the field that used to fail). */
const MOVEMENTS = `
  query MovementsWithProducts($productId: ID, $first: Int) {
    stockMovements(productId: $productId, first: $first) {
      totalCount
      edges { node { reason onHandDelta product { id name active } location { id } } }
    }
  }`;

interface MovementsData {
  stockMovements: {
    totalCount: number;
    edges: {
      node: {
        reason: string;
        onHandDelta: number;
        product: { id: string; name: string; active: boolean };
        location: { id: string };
      };
    }[];
  };
}

describe('referential checks at inventory’s edge, through the router (products + inventory, seeded)', () => {
  let stack: Stack;
  let pg: Client;
  const admin = tokens.admin();

  beforeAll(async () => {
    stack = await startStack({ services: ['products', 'inventory'], seed: true });
    pg = new Client({ connectionString: stack.databases.inventory!.url });
    await pg.connect();
  }, 120_000);
  afterAll(async () => {
    await pg?.end();
    await stack?.stop();
  });

  const rows = async (productId: string) =>
    (
      await pg.query<{ levels: number; movements: number }>(
        `select (select count(*)::int from stock_level where product_id = $1) as levels,
                (select count(*)::int from stock_movement where product_id = $1) as movements`,
        [productId],
      )
    ).rows[0]!;

  it('refuses a product id products does not know; the audit trail stays readable', async () => {
    const res = await stack.gql(
      AdjustStockDocument,
      { input: { productId: 'prod-9999', locationId: 'loc-warehouse', delta: 5, reason: 'RECEIPT' } },
      { token: admin },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.adjustStock).toEqual({
      level: null,
      errors: [{ code: 'UNKNOWN_PRODUCT', field: ['input', 'productId'], message: 'No product with id prod-9999' }],
    });
    expect(await rows('prod-9999')).toEqual({ levels: 0, movements: 0 });

    // A page of the newest movements of every product (before the check, it failed on this one).
    await stack.gql(
      AdjustStockDocument,
      { input: { productId: 'prod-0001', locationId: 'loc-warehouse', delta: 1, reason: 'RECEIPT' } },
      { token: admin },
    );
    const page = await stack.gql<MovementsData>(MOVEMENTS, { first: 20 }, { token: admin });
    expect(page.body.errors).toBeUndefined();
    const nodes = page.body.data!.stockMovements.edges.map((e) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) expect(node.product.name.length).toBeGreaterThan(0);
  });

  it('shows a product withdrawn from sale in its old movements, and still lets its stock be written off', async () => {
    const productId = 'prod-0042';
    const received = await stack.gql(
      AdjustStockDocument,
      { input: { productId, locationId: 'loc-warehouse', delta: 3, reason: 'RECEIPT' } },
      { token: admin },
    );
    expect(received.body.data!.adjustStock.errors).toEqual([]);

    const withdrawn = await stack.gql(UpdateProductDocument, { input: { productId, active: false } }, { token: admin });
    expect(withdrawn.body.data!.updateProduct.product!.active).toBe(false);
    const damaged = await stack.gql(
      AdjustStockDocument,
      { input: { productId, locationId: 'loc-warehouse', delta: -1, reason: 'DAMAGE' } },
      { token: admin },
    );
    expect(damaged.body.data!.adjustStock.errors).toEqual([]);

    const page = await stack.gql<MovementsData>(MOVEMENTS, { productId, first: 10 }, { token: admin });
    expect(page.body.errors).toBeUndefined();
    const [latest, previous] = page.body.data!.stockMovements.edges.map((e) => e.node);
    expect(latest).toMatchObject({ reason: 'DAMAGE', onHandDelta: -1, product: { id: productId, active: false } });
    expect(previous).toMatchObject({ reason: 'RECEIPT', onHandDelta: 3, product: { id: productId, active: false } });
    expect(latest!.product.name.length).toBeGreaterThan(0);
  });
});
