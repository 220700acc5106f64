import { Client } from 'pg';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, parse, print, validate, visit, type ASTNode, type DocumentNode } from 'graphql';
import {
  DEMO_PRODUCT_COUNT,
  demoProductId,
  demoSku,
  startSubgraph,
  type RunningSubgraph,
} from '../../../subgraphs/kit';
import { operation } from '../../../schema/operations';
import {
  CatalogPageDocument,
  CategoryTreeDocument,
  ChangeProductPriceDocument,
  CreateProductDocument,
  ProductDetailDocument,
  SearchProductsDocument,
  UpdateProductDocument,
  type CatalogPageQuery,
  type CreateProductInput,
  type CreateProductMutation,
} from '../../../schema/operations/generated';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { client, errorCodes, type Gql, type GqlResult, statementCount, tokens, waitFor } from '../../helpers/toolkit';
import {
  DEMO_CATEGORIES,
  demoCategoryId,
  demoProducts,
  isDemoProductInactive,
  seedProducts,
} from '../../../subgraphs/products/seed';
import { definition, schema, typeDefs } from '../../../subgraphs/products/server';

let db: TestDatabase;
let sg: RunningSubgraph;
let pg: Client;
let gql: Gql;

beforeAll(async () => {
  db = await freshDatabase('products');
  sg = await startSubgraph(definition, { dbUrl: db.url, port: 0, afterMigrate: seedProducts });
  gql = client(sg.url);
  // Row counts are read on a separate connection so they never show up in db_statements_total.
  pg = new Client({ connectionString: db.url });
  await pg.connect();
});

afterAll(async () => {
  await pg?.end();
  await sg?.stop();
  await db?.drop();
});

const MANAGER = { token: tokens.manager() };
const ADMIN = { token: tokens.admin() };

/** Runs a request and returns how many SQL statements this subgraph sent for it. */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = await statementCount(sg.metrics);
  const result = await fn();
  return { result, statements: (await statementCount(sg.metrics)) - before };
}

async function rowCount(table: 'products' | 'product_price_changes' | 'categories'): Promise<number> {
  const res = await pg.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return res.rows[0]?.n ?? -1;
}

/** What a test reads that the schema lets be null: fails the test, naming it, when it is absent. */
function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}

/** The answer's data; fails the test with the whole answer when there is none. */
function dataOf<T>(res: GqlResult<T>): T {
  return present(res.body.data, `data in the answer ${JSON.stringify(res.body)}`);
}

/** A query a test sends to this subgraph itself, typed by the fields it selects and the variables it sends. */
function ownQuery<Result, Variables = Record<string, never>>(text: string): TypedDocumentNode<Result, Variables> {
  return parse(text);
}

/** Money as a query selects it. */
interface MoneyOut {
  amount: string;
  currency: string;
}

// ---------------------------------------------------------------------------------------------
// Client operations (schema/operations), restricted to this subgraph's fields.
// ---------------------------------------------------------------------------------------------

/** Fields other subgraphs contribute to Product (inventory: stock, reports: salesStats). */
const FOREIGN = ['stock', 'salesStats'] as const;
type ForeignField = (typeof FOREIGN)[number];
const FOREIGN_FIELDS = new Set<string>(FOREIGN);

/** A result without the foreign fields, at any depth: what this subgraph answers for an operation. */
type OwnResult<T> = T extends (infer E)[]
  ? OwnResult<E>[]
  : T extends object
    ? { [K in Exclude<keyof T, ForeignField>]: OwnResult<T[K]> }
    : T;

/** The document without the foreign fields, and the variables only they used. */
function withoutForeignFields(doc: DocumentNode): { doc: DocumentNode; droppedVariables: string[] } {
  const own = visit(doc, {
    Field(node) {
      return FOREIGN_FIELDS.has(node.name.value) ? null : undefined;
    },
  });
  // A variable only a foreign field used (ProductDetail's $period) goes with it.
  const used = new Set<string>();
  visit(own, {
    VariableDefinition: () => false,
    Variable(node) {
      used.add(node.name.value);
    },
  });
  const droppedVariables: string[] = [];
  const result = visit(own, {
    VariableDefinition(node) {
      if (used.has(node.variable.name.value)) return undefined;
      droppedVariables.push(node.variable.name.value);
      return null;
    },
  });
  return { doc: result, droppedVariables };
}

function ownFields(query: string): string {
  return print(withoutForeignFields(parse(query)).doc);
}

/**
 * A client operation as this subgraph can answer it: its generated result type without the foreign
 * fields, its variables without `dropped`, which must be exactly the variables the removal drops.
 */
function ownOperation<Result, Variables, Dropped extends keyof Variables & string = never>(
  doc: TypedDocumentNode<Result, Variables>,
  dropped: Dropped[] = [],
): TypedDocumentNode<OwnResult<Result>, Omit<Variables, Dropped>> {
  const own = withoutForeignFields(doc);
  if ([...own.droppedVariables].sort().join() !== [...dropped].sort().join()) {
    throw new Error(`the operation drops $${own.droppedVariables.join(', $')}, not $${dropped.join(', $')}`);
  }
  return own.doc;
}

const CATALOG = ownOperation(CatalogPageDocument);
const DETAIL = ownOperation(ProductDetailDocument, ['period']);
const SEARCH_PRODUCTS = SearchProductsDocument;
const CATEGORY_TREE = CategoryTreeDocument;
const CREATE_PRODUCT = CreateProductDocument;
const CHANGE_PRODUCT_PRICE = ChangeProductPriceDocument;
const UPDATE_PRODUCT = UpdateProductDocument;

describe('schema', () => {
  it.each([
    'CatalogPage',
    'ProductDetail',
    'StorefrontProduct',
    'SearchProducts',
    'CategoryTree',
    'CreateProduct',
    'ChangeProductPrice',
    'UpdateProduct',
  ])('accepts the client operation %s (own fields)', (name) => {
    expect(validate(schema, parse(ownFields(operation(name)))).map((e) => e.message)).toEqual([]);
  });

  it('describes every type, field, argument, input field and enum value', () => {
    const missing: string[] = [];
    const needsDescription = new Set<string>([
      Kind.OBJECT_TYPE_DEFINITION,
      Kind.INPUT_OBJECT_TYPE_DEFINITION,
      Kind.SCALAR_TYPE_DEFINITION,
      Kind.ENUM_TYPE_DEFINITION,
      Kind.FIELD_DEFINITION,
      Kind.INPUT_VALUE_DEFINITION,
      Kind.ENUM_VALUE_DEFINITION,
    ]);
    visit(typeDefs as DocumentNode, {
      enter(node: ASTNode) {
        if (needsDescription.has(node.kind)) {
          const n = node as { description?: { value: string }; name?: { value: string } };
          if (!n.description?.value.trim()) missing.push(`${node.kind} ${n.name?.value}`);
        }
      },
    });
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Reads on the seeded catalogue (these run before any test writes).
// ---------------------------------------------------------------------------------------------

describe('catalogue pages', () => {
  it('walks forward through every page without duplicates or gaps', async () => {
    const seen: string[] = [];
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    let total = -1;
    for (;;) {
      // Annotated: `after` is reassigned from this answer, which TypeScript would otherwise infer in a loop.
      const page: GqlResult<OwnResult<CatalogPageQuery>> = await gql(CATALOG, { first: 37, after });
      expect(page.body.errors).toBeUndefined();
      const conn = dataOf(page).products;
      total = conn.totalCount;
      expect(conn.edges.length).toBeGreaterThan(0);
      for (const edge of conn.edges) {
        seen.push(edge.node.id);
        names.push(edge.node.name);
      }
      pages += 1;
      if (!conn.pageInfo.hasNextPage) break;
      expect(conn.edges).toHaveLength(37);
      after = conn.pageInfo.endCursor;
      expect(pages).toBeLessThan(20);
    }
    expect(total).toBe(DEMO_PRODUCT_COUNT);
    expect(pages).toBe(Math.ceil(DEMO_PRODUCT_COUNT / 37));
    expect(new Set(seen).size).toBe(DEMO_PRODUCT_COUNT);
    expect(new Set(seen)).toEqual(new Set(demoProducts().map((p) => p.id)));
    // Ordered by name as the database sorts it.
    const sorted = await pg.query<{ id: string }>('select id from products order by name, id');
    expect(seen).toEqual(sorted.rows.map((r) => r.id));
  });

  it('serves the catalogue page fields with money as decimal strings', async () => {
    const data = dataOf(await gql(CATALOG, { first: 100, filter: { categoryId: 'cat-electronics-audio' } }));
    const seedById = new Map(demoProducts().map((p) => [p.id, p]));
    expect(data.products.edges.length).toBeGreaterThan(0);
    for (const { node } of data.products.edges) {
      const seeded = seedById.get(node.id);
      expect(seeded).toBeDefined();
      expect(node.sku).toBe(seeded?.sku);
      expect(node.name).toBe(seeded?.name);
      expect(node.price).toEqual({ amount: ((seeded?.priceCents ?? 0) / 100).toFixed(2), currency: 'CAD' });
      expect(node.category).toEqual({ id: 'cat-electronics-audio', name: 'Audio' });
    }
  });

  it('filters by category, including the children of a root category', async () => {
    const root = dataOf(await gql(CATALOG, { first: 100, filter: { categoryId: 'cat-electronics' } }));
    const electronics = DEMO_CATEGORIES.find((c) => c.key === 'electronics');
    const childIds = new Set(electronics?.children.map((c) => demoCategoryId('electronics', c.key)));
    const expected = demoProducts().filter((p) => childIds.has(p.categoryId));
    expect(root.products.totalCount).toBe(expected.length);
    expect(root.products.edges.map((e) => e.node.id).sort()).toEqual(expected.map((p) => p.id).sort());
    expect(root.products.edges.length).toBeGreaterThan(0);
    for (const e of root.products.edges) expect(childIds.has(e.node.category?.id ?? '')).toBe(true);

    const child = dataOf(await gql(CATALOG, { first: 100, filter: { categoryId: 'cat-electronics-tv' } }));
    expect(child.products.totalCount).toBe(demoProducts().filter((p) => p.categoryId === 'cat-electronics-tv').length);
    expect(child.products.edges.length).toBeGreaterThan(0);
    expect(child.products.edges.every((e) => e.node.category?.id === 'cat-electronics-tv')).toBe(true);

    const none = dataOf(await gql(CATALOG, { first: 10, filter: { categoryId: 'cat-nope' } }));
    expect(none.products).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      edges: [],
    });
  });

  it('filters by active flag, text and price range', async () => {
    const inactive = dataOf(
      await gql(
        ownQuery<{ products: { totalCount: number; edges: { node: { id: string; active: boolean } }[] } }>(
          `{ products(first: 100, filter: { active: false }) { totalCount edges { node { id active } } } }`,
        ),
      ),
    );
    const expectedInactive = demoProducts()
      .filter((p) => !p.active)
      .map((p) => p.id);
    expect(expectedInactive.length).toBeGreaterThan(0);
    expect(inactive.products.edges.map((e) => e.node.id).sort()).toEqual(expectedInactive.sort());
    expect(inactive.products.totalCount).toBe(expectedInactive.length);

    const text = dataOf(await gql(CATALOG, { first: 100, filter: { text: 'CASQUE audio' } }));
    const expectedText = demoProducts().filter((p) => /casque audio/i.test(p.name));
    expect(expectedText.length).toBeGreaterThan(0);
    expect(text.products.totalCount).toBe(expectedText.length);

    const priced = dataOf(await gql(CATALOG, { first: 100, filter: { minPrice: '100', maxPrice: '200.00' } }));
    const expectedPriced = demoProducts().filter((p) => p.priceCents >= 10000 && p.priceCents <= 20000);
    expect(priced.products.totalCount).toBe(expectedPriced.length);
    expect(priced.products.edges.length).toBeGreaterThan(0);
    for (const e of priced.products.edges) {
      expect(Number(e.node.price.amount)).toBeGreaterThanOrEqual(100);
      expect(Number(e.node.price.amount)).toBeLessThanOrEqual(200);
    }
  });

  it('answers totalCount only when asked, and in at most 3 statements for any page size', async () => {
    const perSize: number[] = [];
    for (const first of [5, 50, 100]) {
      const { result, statements } = await counted(() => gql(CATALOG, { first }));
      expect(result.body.errors).toBeUndefined();
      const { products } = dataOf(result);
      expect(products.edges).toHaveLength(first);
      expect(products.edges.every((e) => e.node.category?.name)).toBe(true);
      perSize.push(statements);
    }
    // page + count + one batched category lookup, whatever the page size
    expect(perSize).toEqual([3, 3, 3]);

    const noCount = await counted(() =>
      gql(
        ownQuery<{ products: { edges: { node: { id: string; category: { name: string } | null } }[] } }>(
          `{ products(first: 50) { edges { node { id category { name } } } } }`,
        ),
      ),
    );
    expect(noCount.statements).toBe(2);
  });

  it('serves ProductDetail with the category and its parent in 2 statements', async () => {
    const { result, statements } = await counted(() => gql(DETAIL, { id: demoProductId(1) }));
    expect(result.body.errors).toBeUndefined();
    const seeded = demoProducts()[0];
    expect(dataOf(result).product).toMatchObject({
      id: demoProductId(1),
      sku: demoSku(1),
      name: seeded?.name,
      description: seeded?.description,
      active: true,
      category: { id: seeded?.categoryId, name: 'Audio', parent: { id: 'cat-electronics', name: 'Électronique' } },
    });
    expect(statements).toBe(2);
  });

  it('returns null, not an error, for an unknown product or SKU', async () => {
    const { data, errors } = (
      await gql(
        ownQuery<{ product: { id: string } | null; productBySku: { id: string } | null }>(
          `{ product(id: "prod-missing") { id } productBySku(sku: "NOPE-1") { id } }`,
        ),
      )
    ).body;
    expect(errors).toBeUndefined();
    expect(data).toEqual({ product: null, productBySku: null });
  });

  it('finds a product by SKU whatever its case', async () => {
    const data = dataOf(
      await gql(
        ownQuery<{ productBySku: { id: string; sku: string } | null }>(
          `{ productBySku(sku: " sku-0042 ") { id sku } }`,
        ),
      ),
    );
    expect(data.productBySku).toEqual({ id: demoProductId(42), sku: demoSku(42) });
  });
});

describe('search', () => {
  const SEARCH_ALL = ownQuery<
    { searchProducts: { id: string; sku: string; name: string; active: boolean }[] },
    { text: string; first?: number; all?: boolean }
  >(`query($text: String!, $first: Int, $all: Boolean) {
    searchProducts(text: $text, first: $first, includeInactive: $all) { id sku name active }
  }`);

  it('matches names case-insensitively, every word, active products by default', async () => {
    const res = await gql(SEARCH_PRODUCTS, { text: '  cASQUE  AUDIO ', first: 100 });
    expect(res.body.errors).toBeUndefined();
    const expected = demoProducts().filter((p) => p.active && /casque audio/i.test(p.name));
    expect(expected.length).toBeGreaterThan(1);
    expect(
      dataOf(res)
        .searchProducts.map((p) => p.id)
        .sort(),
    ).toEqual(expected.map((p) => p.id).sort());

    const words = dataOf(await gql(SEARCH_ALL, { text: 'audio 61', first: 100 }));
    const expectedWords = demoProducts().filter(
      (p) => p.active && /audio/i.test(p.name) && (p.name.includes('61') || p.sku.includes('61')),
    );
    expect(expectedWords.length).toBeGreaterThan(0);
    expect(words.searchProducts.map((p) => p.id).sort()).toEqual(expectedWords.map((p) => p.id).sort());
  });

  it('matches SKUs case-insensitively and puts the exact SKU first', async () => {
    const exact = dataOf(await gql(SEARCH_PRODUCTS, { text: 'sku-0042', first: 5 }));
    expect(exact.searchProducts[0]).toMatchObject({ id: demoProductId(42), sku: 'SKU-0042' });

    const partial = dataOf(await gql(SEARCH_ALL, { text: 'Sku-004', first: 20 }));
    const activeIds = Array.from({ length: 10 }, (_, i) => 40 + i)
      .filter((n) => !isDemoProductInactive(n))
      .map(demoProductId);
    expect(partial.searchProducts.map((p) => p.id).sort()).toEqual(activeIds.sort());

    const all = dataOf(await gql(SEARCH_ALL, { text: 'Sku-004', first: 20, all: true }));
    expect(all.searchProducts).toHaveLength(10);
    expect(all.searchProducts.some((p) => p.id === demoProductId(47) && p.active === false)).toBe(true);
  });

  it('treats % and _ literally', async () => {
    const data = dataOf(await gql(SEARCH_PRODUCTS, { text: '%', first: 100 }));
    expect(data.searchProducts.length).toBeGreaterThan(0);
    expect(data.searchProducts.every((p) => p.name.includes('%'))).toBe(true);
    const underscore = dataOf(await gql(SEARCH_PRODUCTS, { text: '_', first: 100 }));
    expect(underscore.searchProducts).toEqual([]);
  });

  it('costs one statement and honours first', async () => {
    const { result, statements } = await counted(() => gql(SEARCH_PRODUCTS, { text: 'casque', first: 3 }));
    expect(dataOf(result).searchProducts).toHaveLength(3);
    expect(statements).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(101)],
  ])('refuses %s text with BAD_USER_INPUT', async (_label, text) => {
    const { data, errors } = (await gql(SEARCH_PRODUCTS, { text, first: 5 })).body;
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('category tree', () => {
  it('lists roots with children and counts that include the children, in 2 statements', async () => {
    const { result, statements } = await counted(() => gql(CATEGORY_TREE));
    expect(result.body.errors).toBeUndefined();
    const roots = dataOf(result).categories;
    expect(roots.map((r) => r.id)).toEqual(DEMO_CATEGORIES.map((c) => demoCategoryId(c.key)));
    const products = demoProducts();
    expect(roots.length).toBeGreaterThan(0);
    for (const [i, root] of DEMO_CATEGORIES.entries()) {
      // Present: the ids just compared equal, one root per demo root.
      const got = roots[i]!;
      expect(got.children.map((c) => c.id)).toEqual(root.children.map((c) => demoCategoryId(root.key, c.key)));
      expect(got.children.length).toBeGreaterThan(0);
      for (const child of got.children) {
        expect(child.productCount).toBe(products.filter((p) => p.categoryId === child.id).length);
      }
      expect(got.productCount).toBe(got.children.reduce((sum, c) => sum + c.productCount, 0));
      expect(got.productCount).toBeGreaterThan(0);
    }
    expect(roots.reduce((sum, r) => sum + r.productCount, 0)).toBe(DEMO_PRODUCT_COUNT);
    // the whole tree, then every count
    expect(statements).toBe(2);
  });

  it('resolves a category by id with its parent, and null for an unknown id', async () => {
    const data = dataOf(
      await gql(
        ownQuery<{
          child: {
            name: string;
            parent: { id: string; name: string } | null;
            children: { id: string }[];
            productCount: number;
          } | null;
          missing: { id: string } | null;
        }>(`{
      child: category(id: "cat-home-kitchen") { name parent { id name } children { id } productCount }
      missing: category(id: "cat-nope") { id }
    }`),
      ),
    );
    expect(data.child).toEqual({
      name: 'Cuisine',
      parent: { id: 'cat-home', name: 'Maison' },
      children: [],
      productCount: demoProducts().filter((p) => p.categoryId === 'cat-home-kitchen').length,
    });
    expect(data.missing).toBeNull();
  });
});

describe('federation entities', () => {
  /** A Product or a Category, as the fragments select them; null for an unknown id. */
  type EntityOut = { id: string; sku: string; name: string; price: MoneyOut } | { id: string; name: string } | null;

  const ENTITIES = ownQuery<
    { _entities: EntityOut[] },
    { r: { __typename: 'Product' | 'Category'; id: string }[] }
  >(`query($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Product { id sku name price { amount currency } }
      ... on Category { id name }
    }
  }`);

  it('resolves many products in one statement, in key order, null for unknown ids', async () => {
    const ids = [
      ...Array.from({ length: 60 }, (_, i) => demoProductId(DEMO_PRODUCT_COUNT - i * 3)),
      'prod-unknown',
      demoProductId(1),
      demoProductId(1),
    ];
    const representations = ids.map((id) => ({ __typename: 'Product' as const, id }));
    const { result, statements } = await counted(() => gql(ENTITIES, { r: representations }));
    expect(result.body.errors).toBeUndefined();
    const { _entities } = dataOf(result);
    expect(_entities.map((e) => e?.id ?? null)).toEqual(ids.map((id) => (id === 'prod-unknown' ? null : id)));
    expect(_entities[0]).toMatchObject({
      sku: demoSku(DEMO_PRODUCT_COUNT),
      price: { currency: 'CAD' },
    });
    expect(statements).toBe(1);
  });

  it('resolves categories by reference in one statement', async () => {
    const representations = ['cat-toys', 'cat-nope', 'cat-toys-outdoor'].map((id) => ({
      __typename: 'Category' as const,
      id,
    }));
    const { result, statements } = await counted(() => gql(ENTITIES, { r: representations }));
    expect(dataOf(result)._entities).toEqual([
      { id: 'cat-toys', name: 'Jouets' },
      null,
      { id: 'cat-toys-outdoor', name: 'Jeux extérieurs' },
    ]);
    expect(statements).toBe(1);
  });
});

describe('malformed input', () => {
  it.each([-1, 101, 10000])('refuses first: %d with BAD_USER_INPUT', async (first) => {
    const page = await gql(CATALOG, { first });
    expect(page.body.data).toBeNull();
    expect(errorCodes(page.body.errors)).toEqual(['BAD_USER_INPUT']);
    const search = await gql(SEARCH_PRODUCTS, { text: 'casque', first });
    expect(errorCodes(search.body.errors)).toEqual(['BAD_USER_INPUT']);
  });

  it('accepts first: 0 as an empty page that still knows what follows', async () => {
    const data = dataOf(await gql(CATALOG, { first: 0 }));
    expect(data.products.edges).toEqual([]);
    expect(data.products.pageInfo.hasNextPage).toBe(true);
    expect(data.products.totalCount).toBe(DEMO_PRODUCT_COUNT);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['wrong shape', Buffer.from(JSON.stringify([1, 2])).toString('base64url')],
    ['wrong arity', Buffer.from(JSON.stringify(['a'])).toString('base64url')],
  ])('refuses a %s cursor with BAD_USER_INPUT', async (_label, after) => {
    const { data, errors } = (await gql(CATALOG, { first: 5, after })).body;
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an over-long filter text with BAD_USER_INPUT', async () => {
    const { errors } = (await gql(CATALOG, { first: 5, filter: { text: 'y'.repeat(101) } })).body;
    expect(errorCodes(errors)).toEqual(['BAD_USER_INPUT']);
  });

  /** The inline-literal createProduct mutations below: their selection. */
  type LiteralCreateOut = { createProduct: { product: { id: string } | null } };

  it('refuses a malformed price with BAD_USER_INPUT and writes nothing', async () => {
    const before = await rowCount('products');
    const asVariable = await gql(CREATE_PRODUCT, { input: { sku: 'ABC-1', name: 'Abc', price: 'abc' } }, MANAGER);
    expect(errorCodes(asVariable.body.errors)).toEqual(['BAD_USER_INPUT']);
    const asLiteral = await gql<LiteralCreateOut>(
      `mutation { createProduct(input: { sku: "ABC-2", name: "Abc", price: "abc" }) { product { id } } }`,
      {},
      MANAGER,
    );
    // An inline literal is checked while the document is validated, before execution: graphql-js
    // reports that as a validation failure (the router does the same for the composed schema).
    expect(errorCodes(asLiteral.body.errors)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(asLiteral.body.errors?.[0]?.message).toMatch(/Decimal/);
    const asFloat = await gql<LiteralCreateOut>(
      `mutation { createProduct(input: { sku: "ABC-3", name: "Abc", price: 12.5 }) { product { id } } }`,
      {},
      MANAGER,
    );
    expect(errorCodes(asFloat.body.errors)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // CreateProduct's own text, with the number the generated variables type would refuse.
    const floatVariable = await gql<
      CreateProductMutation,
      { input: Omit<CreateProductInput, 'price'> & { price: number } }
    >(operation('CreateProduct'), { input: { sku: 'ABC-4', name: 'Abc', price: 12.5 } }, MANAGER);
    expect(errorCodes(floatVariable.body.errors)).toEqual(['BAD_USER_INPUT']);
    expect(await rowCount('products')).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Writes (after this point row counts move; tests compare before/after).
// ---------------------------------------------------------------------------------------------

describe('permissions', () => {
  const input = { sku: 'PERM-1', name: 'Permission test', price: '10.00' };

  it('refuses anonymous catalogue changes with UNAUTHENTICATED', async () => {
    const before = await rowCount('products');
    const { data, errors } = (await gql(CREATE_PRODUCT, { input })).body;
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual(['UNAUTHENTICATED']);
    const price = await gql(CHANGE_PRODUCT_PRICE, { input: { productId: demoProductId(1), price: '1.00' } });
    expect(errorCodes(price.body.errors)).toEqual(['UNAUTHENTICATED']);
    expect(await rowCount('products')).toBe(before);
  });

  it.each([
    ['CUSTOMER', tokens.customer()],
    ['CLERK', tokens.clerk()],
  ])('refuses %s with FORBIDDEN', async (_role, token) => {
    const before = await rowCount('products');
    const { errors } = (await gql(CREATE_PRODUCT, { input }, { token })).body;
    expect(errorCodes(errors)).toEqual(['FORBIDDEN']);
    const price = await gql(CHANGE_PRODUCT_PRICE, { input: { productId: demoProductId(1), price: '1.00' } }, { token });
    expect(errorCodes(price.body.errors)).toEqual(['FORBIDDEN']);
    const update = await gql(UPDATE_PRODUCT, { input: { productId: demoProductId(1), name: 'Hacked' } }, { token });
    expect(errorCodes(update.body.errors)).toEqual(['FORBIDDEN']);
    expect(await rowCount('products')).toBe(before);
    const { rows } = await pg.query<{ name: string; price_cents: number }>(
      'select name, price_cents from products where id = $1',
      [demoProductId(1)],
    );
    expect(present(rows[0], `row ${demoProductId(1)}`).name).not.toBe('Hacked');
  });

  it('refuses an invalid token with UNAUTHENTICATED even on public queries', async () => {
    const { status, body } = await gql(
      ownQuery<{ product: { id: string } | null }>(`{ product(id: "prod-0001") { id } }`),
      {},
      { token: 'not-a-jwt' },
    );
    expect(status).toBe(401);
    expect(errorCodes(body.errors)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('createProduct', () => {
  it('creates a product for a MANAGER and an ADMIN', async () => {
    const before = await rowCount('products');
    const res = await gql(
      CREATE_PRODUCT,
      {
        input: {
          sku: ' new-sku-1 ',
          name: '  Casque audio test  ',
          description: 'Réduction de bruit',
          price: '129.5',
          categoryId: 'cat-electronics-audio',
        },
      },
      MANAGER,
    );
    expect(res.body.errors).toBeUndefined();
    const data = dataOf(res);
    expect(data.createProduct.errors).toEqual([]);
    const product = present(data.createProduct.product, 'the created product');
    expect(product).toMatchObject({
      sku: 'NEW-SKU-1',
      name: 'Casque audio test',
      price: { amount: '129.50', currency: 'CAD' },
      category: { id: 'cat-electronics-audio' },
    });
    expect(await rowCount('products')).toBe(before + 1);

    const read = dataOf(
      await gql(
        ownQuery<
          {
            product: {
              sku: string;
              description: string;
              active: boolean;
              createdAt: string;
              priceHistory: { id: string }[];
            } | null;
          },
          { id: string }
        >(`query($id: ID!) { product(id: $id) { sku description active createdAt priceHistory { id } } }`),
        {
          id: product.id,
        },
      ),
    );
    expect(read.product).toMatchObject({
      sku: 'NEW-SKU-1',
      description: 'Réduction de bruit',
      active: true,
      priceHistory: [],
    });
    // Present: just matched.
    expect(Number.isNaN(Date.parse(read.product!.createdAt))).toBe(false);

    const admin = await gql(
      CREATE_PRODUCT,
      { input: { sku: 'ADMIN-1', name: 'Admin item', price: '1', active: false } },
      ADMIN,
    );
    expect(dataOf(admin).createProduct.errors).toEqual([]);
    expect(dataOf(admin).createProduct.product).toMatchObject({
      sku: 'ADMIN-1',
      category: null,
      price: { amount: '1.00' },
    });
  });

  it.each([
    ['a malformed SKU', { sku: 'a', name: 'X', price: '1.00' }, [['INVALID_SKU', 'sku']]],
    ['a SKU with spaces', { sku: 'AB CD', name: 'X', price: '1.00' }, [['INVALID_SKU', 'sku']]],
    ['a blank name', { sku: 'OK-1', name: '   ', price: '1.00' }, [['INVALID_NAME', 'name']]],
    ['a name over 200 characters', { sku: 'OK-2', name: 'n'.repeat(201), price: '1.00' }, [['INVALID_NAME', 'name']]],
    ['a zero price', { sku: 'OK-3', name: 'X', price: '0' }, [['INVALID_PRICE', 'price']]],
    ['a negative price', { sku: 'OK-4', name: 'X', price: '-5.00' }, [['INVALID_PRICE', 'price']]],
    ['a price over the limit', { sku: 'OK-5', name: 'X', price: '10000000.01' }, [['INVALID_PRICE', 'price']]],
    [
      'an unknown category',
      { sku: 'OK-6', name: 'X', price: '1.00', categoryId: 'cat-nope' },
      [['UNKNOWN_CATEGORY', 'categoryId']],
    ],
    ['an existing SKU', { sku: 'SKU-0001', name: 'X', price: '1.00' }, [['DUPLICATE_SKU', 'sku']]],
    ['an existing SKU in lower case', { sku: 'sku-0002', name: 'X', price: '1.00' }, [['DUPLICATE_SKU', 'sku']]],
    [
      'every rule broken at once',
      { sku: 'SKU-0003', name: '', price: '0.00', categoryId: 'cat-nope' },
      [
        ['INVALID_NAME', 'name'],
        ['INVALID_PRICE', 'price'],
        ['DUPLICATE_SKU', 'sku'],
        ['UNKNOWN_CATEGORY', 'categoryId'],
      ],
    ],
  ])('reports %s as a UserError and writes nothing', async (_label, input, expected) => {
    const before = await rowCount('products');
    const res = await gql(CREATE_PRODUCT, { input }, MANAGER);
    expect(res.body.errors).toBeUndefined();
    const data = dataOf(res);
    expect(data.createProduct.product).toBeNull();
    expect(data.createProduct.errors.map((e) => [e.code, e.field?.[1]])).toEqual(expected);
    expect(data.createProduct.errors.every((e) => e.field?.[0] === 'input' && e.message.length > 0)).toBe(true);
    expect(await rowCount('products')).toBe(before);
  });

  it('lets exactly one of two simultaneous creates with the same SKU succeed', async () => {
    const before = await rowCount('products');
    const input = (name: string) => ({ input: { sku: 'RACE-1', name, price: '5.00' } });
    const results = await Promise.all([
      gql(CREATE_PRODUCT, input('First'), MANAGER),
      gql(CREATE_PRODUCT, input('Second'), MANAGER),
    ]);
    for (const r of results) expect(r.body.errors).toBeUndefined();
    const payloads = results.map((r) => dataOf(r).createProduct);
    expect(payloads.filter((p) => p.product !== null)).toHaveLength(1);
    expect(payloads.filter((p) => p.errors.map((e) => e.code).join() === 'DUPLICATE_SKU')).toHaveLength(1);
    expect(await rowCount('products')).toBe(before + 1);
  });

  it('maps the unique index to DUPLICATE_SKU when the other insert lands after our check', async () => {
    // Hold an uncommitted row with the SKU: the subgraph's existence check cannot see it, so its
    // INSERT goes ahead and blocks on the unique index behind this transaction. Seeing that very
    // INSERT blocked by this connection proves the check passed; once this commits, the INSERT fails
    // with a unique violation, so the DUPLICATE_SKU below can only come from mapping the index error.
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      const holder = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      await other.query('begin');
      await other.query(
        `insert into products (id, sku, name, price_cents) values ('prod-race-holder', 'RACE-2', 'Holder', 100)`,
      );
      const pending = gql(CREATE_PRODUCT, { input: { sku: 'race-2', name: 'Loser', price: '5.00' } }, MANAGER);
      // Fails the test unless the subgraph's INSERT is seen waiting on this connection's lock.
      await waitFor(
        "the subgraph's INSERT blocked behind the uncommitted SKU",
        async () => {
          const blocked = await pg.query(
            `select 1 from pg_stat_activity
              where datname = current_database() and $1::int = any(pg_blocking_pids(pid))
                and query ilike 'insert into "products"%'`,
            [holder],
          );
          return blocked.rowCount === 1;
        },
        10_000,
        25,
      );
      await other.query('commit');
      const res = await pending;
      expect(res.body.errors).toBeUndefined();
      const data = dataOf(res);
      expect(data.createProduct.product).toBeNull();
      expect(data.createProduct.errors.map((e) => e.code)).toEqual(['DUPLICATE_SKU']);
    } finally {
      await other.end();
    }
    const { rows } = await pg.query(`select id from products where sku = 'RACE-2'`);
    expect(rows).toEqual([{ id: 'prod-race-holder' }]);
  });
});

describe('stable cursors', () => {
  it('keeps the next page the same when a product is inserted before the cursor', async () => {
    const page1 = dataOf(await gql(CATALOG, { first: 10 }));
    const cursor = page1.products.pageInfo.endCursor;
    const page2 = dataOf(await gql(CATALOG, { first: 10, after: cursor }));

    // "A..." sorts before the first seeded names ("Ballon...", "Barre..."), so before the cursor.
    const created = await gql(
      CREATE_PRODUCT,
      { input: { sku: 'BEFORE-1', name: 'Aaa premier article', price: '3.00' } },
      MANAGER,
    );
    expect(dataOf(created).createProduct.errors).toEqual([]);
    const first = dataOf(await gql(CATALOG, { first: 1 }));
    expect(first.products.edges[0]?.node.sku).toBe('BEFORE-1');

    const again = dataOf(await gql(CATALOG, { first: 10, after: cursor }));
    expect(again.products.edges.map((e) => e.node.id)).toEqual(page2.products.edges.map((e) => e.node.id));
  });

  it('shows a product inserted after the cursor on the next page, without repeating earlier ones', async () => {
    const page1 = dataOf(await gql(CATALOG, { first: 10 }));
    const cursor = page1.products.pageInfo.endCursor;
    const lastName = present(page1.products.edges[9], "the first page's tenth product").node.name;
    const created = await gql(
      CREATE_PRODUCT,
      { input: { sku: 'AFTER-1', name: `${lastName} bis`, price: '3.00' } },
      MANAGER,
    );
    const id = present(dataOf(created).createProduct.product, 'the created product').id;
    const page2 = dataOf(await gql(CATALOG, { first: 10, after: cursor }));
    const ids = page2.products.edges.map((e) => e.node.id);
    expect(ids[0]).toBe(id);
    const earlier = new Set(page1.products.edges.map((e) => e.node.id));
    expect(ids.some((x) => earlier.has(x))).toBe(false);
  });
});

describe('changeProductPrice', () => {
  const HISTORY = ownQuery<
    {
      product: {
        price: { amount: string };
        updatedAt: string;
        priceHistory: { oldPrice: MoneyOut; newPrice: MoneyOut; reason: string | null; changedAt: string }[];
      } | null;
    },
    { id: string }
  >(`query($id: ID!) { product(id: $id) { price { amount } updatedAt
    priceHistory { oldPrice { amount currency } newPrice { amount currency } reason changedAt } } }`);

  it('changes the price and records each change, most recent first', async () => {
    const id = demoProductId(10);
    const original = present(dataOf(await gql(HISTORY, { id })).product, `product ${id}`);
    const historyBefore = await rowCount('product_price_changes');

    const first = await gql(
      CHANGE_PRODUCT_PRICE,
      { input: { productId: id, price: '19.99', reason: 'Promotion' } },
      MANAGER,
    );
    expect(first.body.errors).toBeUndefined();
    expect(dataOf(first).changeProductPrice).toEqual({
      product: { id, price: { amount: '19.99', currency: 'CAD' } },
      errors: [],
    });
    const second = await gql(CHANGE_PRODUCT_PRICE, { input: { productId: id, price: '24.5' } }, ADMIN);
    expect(dataOf(second).changeProductPrice.errors).toEqual([]);

    const after = present(dataOf(await gql(HISTORY, { id })).product, `product ${id}`);
    expect(after.price.amount).toBe('24.50');
    expect(after.priceHistory).toHaveLength(2);
    expect(after.priceHistory[0]).toMatchObject({
      oldPrice: { amount: '19.99', currency: 'CAD' },
      newPrice: { amount: '24.50', currency: 'CAD' },
      reason: null,
    });
    expect(after.priceHistory[1]).toMatchObject({
      oldPrice: { amount: original.price.amount },
      newPrice: { amount: '19.99' },
      reason: 'Promotion',
    });
    // Both present: the history was just found to have two entries.
    expect(Date.parse(after.priceHistory[0]!.changedAt)).toBeGreaterThanOrEqual(
      Date.parse(after.priceHistory[1]!.changedAt),
    );
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(original.updatedAt));
    expect(await rowCount('product_price_changes')).toBe(historyBefore + 2);

    const limited = dataOf(
      await gql(
        ownQuery<{ product: { priceHistory: { newPrice: { amount: string } }[] } | null }, { id: string }>(
          `query($id: ID!) { product(id: $id) { priceHistory(first: 1) { newPrice { amount } } } }`,
        ),
        { id },
      ),
    );
    expect(limited.product?.priceHistory).toEqual([{ newPrice: { amount: '24.50' } }]);

    // Setting the same price again is not a change.
    const same = await gql(CHANGE_PRODUCT_PRICE, { input: { productId: id, price: '24.50' } }, MANAGER);
    expect(dataOf(same).changeProductPrice.errors).toEqual([]);
    expect(await rowCount('product_price_changes')).toBe(historyBefore + 2);
  });

  it('batches price history for a page of products in one statement', async () => {
    const { result, statements } = await counted(() =>
      gql(
        ownQuery<{
          products: { edges: { node: { id: string; priceHistory: { newPrice: { amount: string } }[] } }[] };
        }>(`{ products(first: 50) { edges { node { id priceHistory(first: 3) { newPrice { amount } } } } } }`),
      ),
    );
    expect(result.body.errors).toBeUndefined();
    expect(statements).toBe(2);
  });

  it.each([
    ['an unknown product', { productId: 'prod-missing', price: '10.00' }, [['NOT_FOUND', 'productId']]],
    ['a zero price', { productId: demoProductId(11), price: '0.00' }, [['INVALID_PRICE', 'price']]],
    ['a negative price', { productId: demoProductId(11), price: '-1' }, [['INVALID_PRICE', 'price']]],
    [
      'an over-long reason',
      { productId: demoProductId(11), price: '10.00', reason: 'r'.repeat(501) },
      [['INVALID_REASON', 'reason']],
    ],
    [
      'an unknown product and a bad price',
      { productId: 'prod-missing', price: '0' },
      [
        ['INVALID_PRICE', 'price'],
        ['NOT_FOUND', 'productId'],
      ],
    ],
  ])('reports %s and writes nothing', async (_label, input, expected) => {
    const historyBefore = await rowCount('product_price_changes');
    const priceBefore = await pg.query('select price_cents, updated_at from products where id = $1', [
      demoProductId(11),
    ]);
    const res = await gql(CHANGE_PRODUCT_PRICE, { input }, MANAGER);
    expect(res.body.errors).toBeUndefined();
    const data = dataOf(res);
    expect(data.changeProductPrice.product).toBeNull();
    expect(data.changeProductPrice.errors.map((e) => [e.code, e.field?.[1]])).toEqual(expected);
    expect(await rowCount('product_price_changes')).toBe(historyBefore);
    const priceAfter = await pg.query('select price_cents, updated_at from products where id = $1', [
      demoProductId(11),
    ]);
    expect(priceAfter.rows).toEqual(priceBefore.rows);
  });

  it('keeps a consistent history when two changes race on one product', async () => {
    const id = demoProductId(12);
    await Promise.all(
      ['31.00', '32.00', '33.00', '34.00'].map((price) =>
        gql(CHANGE_PRODUCT_PRICE, { input: { productId: id, price } }, MANAGER),
      ),
    );
    const { rows } = await pg.query<{ old_price_cents: number; new_price_cents: number }>(
      'select old_price_cents, new_price_cents from product_price_changes where product_id = $1 order by id',
      [id],
    );
    expect(rows).toHaveLength(4);
    // Each change starts from the price the previous one set (row lock), so the chain is unbroken.
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.old_price_cents).toBe(rows[i - 1]?.new_price_cents);
    const current = await pg.query<{ price_cents: number }>('select price_cents from products where id = $1', [id]);
    expect(present(current.rows[0], `row ${id}`).price_cents).toBe(rows[3]?.new_price_cents);
  });
});

describe('updateProduct', () => {
  it('changes only the given fields, and an explicit null category removes it', async () => {
    const id = demoProductId(20);
    const before = present(
      dataOf(
        await gql(
          ownQuery<{ product: { description: string; category: { id: string } | null } | null }>(
            `{ product(id: "${id}") { description category { id } } }`,
          ),
        ),
      ).product,
      `product ${id}`,
    );
    const renamed = await gql(
      UPDATE_PRODUCT,
      { input: { productId: id, name: '  Nouveau nom  ', active: false } },
      MANAGER,
    );
    expect(dataOf(renamed).updateProduct).toEqual({
      product: {
        id,
        sku: demoSku(20),
        name: 'Nouveau nom',
        description: before.description,
        active: false,
        category: before.category,
      },
      errors: [],
    });
    const moved = await gql(UPDATE_PRODUCT, { input: { productId: id, categoryId: 'cat-home-decor' } }, MANAGER);
    expect(dataOf(moved).updateProduct.product?.category).toEqual({ id: 'cat-home-decor' });
    const cleared = await gql(UPDATE_PRODUCT, { input: { productId: id, categoryId: null } }, MANAGER);
    expect(dataOf(cleared).updateProduct.product).toMatchObject({ name: 'Nouveau nom', category: null });
    const { rows } = await pg.query('select name, active, category_id from products where id = $1', [id]);
    expect(rows[0]).toEqual({ name: 'Nouveau nom', active: false, category_id: null });
  });

  it('reports every broken rule and writes nothing', async () => {
    const id = demoProductId(21);
    const before = await pg.query('select * from products where id = $1', [id]);
    const bad = await gql(UPDATE_PRODUCT, { input: { productId: id, name: ' ', categoryId: 'cat-nope' } }, MANAGER);
    expect(dataOf(bad).updateProduct.product).toBeNull();
    expect(dataOf(bad).updateProduct.errors.map((e) => e.code)).toEqual(['INVALID_NAME', 'UNKNOWN_CATEGORY']);
    expect((await pg.query('select * from products where id = $1', [id])).rows).toEqual(before.rows);

    const missing = await gql(UPDATE_PRODUCT, { input: { productId: 'prod-missing', name: 'X' } }, MANAGER);
    expect(dataOf(missing).updateProduct.errors.map((e) => e.code)).toEqual(['NOT_FOUND']);
  });

  it('reports an empty category id as unknown, on update and on create', async () => {
    const id = demoProductId(22);
    const before = await pg.query('select * from products where id = $1', [id]);
    const update = await gql(UPDATE_PRODUCT, { input: { productId: id, categoryId: '' } }, MANAGER);
    expect(update.body.errors).toBeUndefined();
    expect(dataOf(update).updateProduct).toMatchObject({ product: null, errors: [{ code: 'UNKNOWN_CATEGORY' }] });
    expect((await pg.query('select * from products where id = $1', [id])).rows).toEqual(before.rows);

    const create = await gql(
      CREATE_PRODUCT,
      { input: { sku: 'EMPTY-CAT-1', name: 'X', price: '1.00', categoryId: '' } },
      MANAGER,
    );
    expect(dataOf(create).createProduct).toMatchObject({ product: null, errors: [{ code: 'UNKNOWN_CATEGORY' }] });
  });
});

describe('seed', () => {
  it('is idempotent and does not overwrite changed data', async () => {
    const counts = [await rowCount('categories'), await rowCount('products')];
    const changed = await pg.query('select price_cents from products where id = $1', [demoProductId(10)]);
    await seedProducts(sg.orm);
    expect([await rowCount('categories'), await rowCount('products')]).toEqual(counts);
    expect((await pg.query('select price_cents from products where id = $1', [demoProductId(10)])).rows).toEqual(
      changed.rows,
    );
    const roots = DEMO_CATEGORIES.length;
    const children = DEMO_CATEGORIES.reduce((n, r) => n + r.children.length, 0);
    expect(counts[0]).toBe(roots + children);
  });
});
