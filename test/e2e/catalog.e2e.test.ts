import {
  CatalogPageDocument,
  CreateProductDocument,
  ProductStockLevelsDocument,
  StorefrontProductDocument,
  type CreateProductInput,
} from '../../schema/operations/generated';
import { startStack, type Stack } from '../helpers/stack';
import { tokens } from '../helpers/toolkit';

describe('catalogue through the router (products + inventory, seeded)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ services: ['products', 'inventory'], inventoryReplicas: 2, seed: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Runs one request and returns it with the SQL statements each subgraph sent meanwhile. */
  async function withStatements<T>(fn: () => Promise<T>): Promise<{ result: T; products: number; inventory: number }> {
    const before = { products: await stack.statements('products'), inventory: await stack.statements('inventory') };
    const result = await fn();
    return {
      result,
      products: (await stack.statements('products')) - before.products,
      inventory: (await stack.statements('inventory')) - before.inventory,
    };
  }

  it('CatalogPage(first: 50) returns names, prices, categories and stock from both subgraphs', async () => {
    const { status, body } = await stack.gql(CatalogPageDocument, { first: 50 });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const page = body.data!.products;
    expect(page.totalCount).toBe(300);
    expect(page.edges).toHaveLength(50);
    expect(page.pageInfo.hasNextPage).toBe(true);
    for (const { node } of page.edges) {
      expect(node.id).toMatch(/^prod-\d{4}$/);
      expect(node.name.length).toBeGreaterThan(0);
      expect(node.price).toEqual({ amount: expect.stringMatching(/^\d+\.\d{2}$/), currency: 'CAD' });
      expect(node.category).toEqual({ id: expect.stringMatching(/^cat-/), name: expect.any(String) });
      expect(Number.isInteger(node.stock.available)).toBe(true);
      // Every demo product is stocked online generously, so the sum over locations is positive.
      expect(node.stock.available).toBeGreaterThan(0);
    }
  });

  it('pages on with the endCursor without repeating products', async () => {
    const first = await stack.gql(CatalogPageDocument, { first: 20 });
    const after = first.body.data!.products.pageInfo.endCursor;
    const second = await stack.gql(CatalogPageDocument, { first: 20, after });
    expect(second.body.errors).toBeUndefined();
    const ids1 = new Set(first.body.data!.products.edges.map((e) => e.node.id));
    const ids2 = second.body.data!.products.edges.map((e) => e.node.id);
    expect(ids2).toHaveLength(20);
    expect(ids2.filter((id) => ids1.has(id))).toEqual([]);
  });

  it.each([5, 50, 100])(
    'CatalogPage(first: %i) costs at most 3 products and 1 inventory statements, whatever the page size',
    async (first) => {
      const { result, products, inventory } = await withStatements(() => stack.gql(CatalogPageDocument, { first }));
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data!.products.edges).toHaveLength(first);
      expect(products).toBeGreaterThan(0);
      expect(products).toBeLessThanOrEqual(3);
      expect(inventory).toBe(1);
    },
  );

  it('StorefrontProduct (anonymous) joins products and inventory for one product: its stock available everywhere', async () => {
    const { status, body } = await stack.gql(StorefrontProductDocument, { id: 'prod-0001' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const p = body.data!.product!;
    expect(p).toMatchObject({
      id: 'prod-0001',
      sku: 'SKU-0001',
      active: true,
      price: { currency: 'CAD' },
      category: { id: expect.stringMatching(/^cat-/) },
    });
    // Seeded at every demo location: the warehouse, online fulfilment and five stores.
    const levels = (await stack.gql(ProductStockLevelsDocument, { id: 'prod-0001' })).body.data!.product!.stock.levels;
    expect(levels).toHaveLength(7);
    expect(p.stock.available).toBe(levels.reduce((n, l) => n + l.available, 0));
  });

  it('an unknown product id is null without errors', async () => {
    const { status, body } = await stack.gql(StorefrontProductDocument, { id: 'prod-9999' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ product: null });
  });

  it('spreads inventory fetches over the replicas (round-robin)', async () => {
    const [a, b] = stack.instances('inventory');
    const count = async (s: typeof a) => {
      const m = await s!.metrics.httpDuration.get();
      return m.values
        .filter((v) => v.metricName?.endsWith('_count') && v.labels.route === '/graphql')
        .reduce((n, v) => n + v.value, 0);
    };
    const before = [await count(a), await count(b)];
    for (let i = 0; i < 6; i++) await stack.gql(CatalogPageDocument, { first: 5 });
    const after = [await count(a), await count(b)];
    expect(after[0]! - before[0]!).toBe(3);
    expect(after[1]! - before[1]!).toBe(3);
  });

  describe('bad input', () => {
    it('a malformed query is GRAPHQL_PARSE_FAILED', async () => {
      const { status, body } = await stack.gql('query { products(first: 5) { edges { node { id } }');
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    });

    it('an unknown field is GRAPHQL_VALIDATION_FAILED', async () => {
      const { status, body } = await stack.gql('{ products(first: 5) { edges { node { id colour } } } }');
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.[0]?.message).toMatch(/colour/);
    });

    it.each([-1, 10000])('first: %i is BAD_USER_INPUT', async (first) => {
      const { body } = await stack.gql(CatalogPageDocument, { first });
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(body.errors?.[0]?.message).toMatch(/first/);
    });

    it('a query never leaks stack traces or SQL', async () => {
      const { body } = await stack.gql(CatalogPageDocument, { first: 5, after: 'not-a-cursor' });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(body)).not.toMatch(/stacktrace|select |at .*\.ts:\d+/i);
    });
  });

  describe('catalogue writes through the router', () => {
    const manager = () => tokens.manager('store-1', 'emp-manager-1');
    const countProducts = async (): Promise<number> => {
      const rows: { n: string }[] = await stack
        .subgraph('products')
        .orm.em.getConnection()
        .execute('select count(*)::text as n from products');
      return Number(rows[0]!.n);
    };
    const input = (over: Partial<CreateProductInput> = {}): CreateProductInput => ({
      sku: 'E2E-0001',
      name: 'Produit de test e2e',
      price: '19.99',
      categoryId: 'cat-electronics-audio',
      ...over,
    });

    it('createProduct with a MANAGER token works (the Authorization header reaches products)', async () => {
      const before = await countProducts();
      const { status, body } = await stack.gql(CreateProductDocument, { input: input() }, { token: manager() });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({
        createProduct: {
          product: {
            id: expect.any(String),
            sku: 'E2E-0001',
            name: 'Produit de test e2e',
            price: { amount: '19.99', currency: 'CAD' },
            category: { id: 'cat-electronics-audio' },
          },
          errors: [],
        },
      });
      expect(await countProducts()).toBe(before + 1);
    });

    it('createProduct without a token is UNAUTHENTICATED and writes nothing', async () => {
      const before = await countProducts();
      const { body } = await stack.gql(CreateProductDocument, { input: input({ sku: 'E2E-ANON' }) });
      expect(body.errors?.map((e) => e.extensions?.code)).toContain('UNAUTHENTICATED');
      expect(await countProducts()).toBe(before);
    });

    it('price "abc" is BAD_USER_INPUT and writes nothing', async () => {
      const before = await countProducts();
      const { body } = await stack.gql(
        CreateProductDocument,
        { input: input({ sku: 'E2E-ABC', price: 'abc' }) },
        { token: manager() },
      );
      expect(body.data?.createProduct ?? null).toBeNull();
      expect(body.errors?.map((e) => e.extensions?.code)).toContain('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(/Decimal/);
      expect(await countProducts()).toBe(before);
    });

    it('a duplicate SKU is a DUPLICATE_SKU UserError and writes nothing', async () => {
      const before = await countProducts();
      const { status, body } = await stack.gql(
        CreateProductDocument,
        { input: input({ sku: 'SKU-0001', name: 'Copie' }) },
        { token: manager() },
      );
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({
        createProduct: {
          product: null,
          errors: [{ code: 'DUPLICATE_SKU', field: ['input', 'sku'], message: expect.any(String) }],
        },
      });
      expect(await countProducts()).toBe(before);
    });
  });
});
