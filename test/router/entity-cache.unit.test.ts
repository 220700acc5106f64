/**
 * The entity cache's rules without I/O: which fetches it may answer (the owners' @cacheControl marks),
 * how an _entities fetch is split into what is cached and what is asked for, what an invalidation
 * drops, and what an event names. Its behaviour through the router, with Redis and the owners' real
 * events, is test/e2e/entity-cache.e2e.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../subgraphs/kit';
import { entitiesOfEvent } from '../../router/cache-invalidation';
import { cacheHintsOf, EntityCache, shapeOf, type CacheHints } from '../../router/entity-cache';

const SDL = `
  directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION
  enum CacheControlScope { PUBLIC PRIVATE }
  type Query {
    products(first: Int): [Product] @cacheControl(maxAge: 300)
    me: String @cacheControl(maxAge: 60, scope: PRIVATE)
    orders: [String]
  }
  type Product {
    id: ID!
    name: String @cacheControl(maxAge: 300)
    stock: Int @cacheControl(maxAge: 60)
    salesStats: Int
  }
`;
const hints = cacheHintsOf(SDL);

const ENTITIES = (fields: string) =>
  `query($representations:[_Any!]!){_entities(representations:$representations){...on Product{${fields}}}}`;

describe('which fetches the cache may answer', () => {
  it('reads field-level marks, public only', () => {
    expect([...hints.fields]).toEqual([
      ['Query.products', 300],
      ['Product.name', 300],
      ['Product.stock', 60],
    ]);
  });

  it('an entity fetch of marked fields, for the shortest of their ages; one unmarked field makes it uncacheable', () => {
    expect(shapeOf(ENTITIES('__typename name stock'), hints, null)).toEqual({
      kind: 'entities',
      cacheable: true,
      maxAgeMs: 60_000,
      types: ['Product'],
    });
    expect(shapeOf(ENTITIES('name salesStats'), hints, null).cacheable).toBe(false);
  });

  it('a root fetch of marked root fields; never a private, unmarked or mutation one', () => {
    expect(shapeOf('{ products(first: 2) { id name } }', hints, null)).toMatchObject({ kind: 'root', cacheable: true });
    expect(shapeOf('{ me }', hints, null).cacheable).toBe(false);
    expect(shapeOf('{ products(first: 2) { id } orders }', hints, null).cacheable).toBe(false);
    expect(shapeOf('mutation { products }', hints, null).cacheable).toBe(false);
  });

  it('ENTITY_CACHE_TYPES narrows it to the types named', () => {
    expect(shapeOf(ENTITIES('name'), hints, new Set(['Query'])).cacheable).toBe(false);
    expect(shapeOf('{ products(first: 1) { id } }', hints, new Set(['Product'])).cacheable).toBe(false);
  });
});

describe('an _entities fetch through the cache (process layer only)', () => {
  const log = createLogger('test');
  const metrics = { lookup: jest.fn(), invalidated: jest.fn() };
  const rep = (id: string) => ({ __typename: 'Product', id });

  function subgraph() {
    const asked: string[][] = [];
    return {
      asked,
      call: async (variables: Record<string, unknown> | undefined) => {
        const reps = (variables?.representations ?? []) as { id: string }[];
        asked.push(reps.map((r) => r.id));
        return {
          status: 200,
          text: JSON.stringify({ data: { _entities: reps.map((r) => ({ name: `name of ${r.id}` })) } }),
        };
      },
    };
  }

  it('asks only for the entities it misses and answers in the order asked', async () => {
    const cache = new EntityCache({ hints, redis: null, prefix: 't:', log, metrics });
    const s = subgraph();
    const fetch = (ids: string[]) =>
      cache.fetch({
        subgraph: 'products',
        query: ENTITIES('name'),
        variables: { representations: ids.map(rep) },
        operationName: undefined,
        call: s.call,
      });
    await fetch(['p1', 'p2']);
    const second = await fetch(['p3', 'p2', 'p1']);
    expect(s.asked).toEqual([['p1', 'p2'], ['p3']]);
    expect(JSON.parse(second!.text)).toEqual({
      data: { _entities: [{ name: 'name of p3' }, { name: 'name of p2' }, { name: 'name of p1' }] },
    });
  });

  it("drops an entity on its owner's event, and keeps no answer an invalidation overtook", async () => {
    const cache = new EntityCache({ hints, redis: null, prefix: 't:', log, metrics });
    const s = subgraph();
    const fetch = () =>
      cache.fetch({
        subgraph: 'products',
        query: ENTITIES('name'),
        variables: { representations: [rep('p1')] },
        operationName: undefined,
        call: s.call,
      });
    await fetch();
    await cache.invalidate('products', [{ type: 'Product', id: 'p1' }]);
    await fetch();
    expect(s.asked).toEqual([['p1'], ['p1']]);

    // An invalidation while the call is in flight: what it brings back is not kept.
    let release: () => void = () => undefined;
    const slow = cache.fetch({
      subgraph: 'products',
      query: ENTITIES('name stock'),
      variables: { representations: [rep('p9')] },
      operationName: undefined,
      call: async (v) => {
        await new Promise<void>((r) => (release = r));
        return s.call(v);
      },
    });
    await new Promise((r) => setImmediate(r));
    await cache.invalidate('products', [{ type: 'Product', id: 'p9' }]);
    release();
    await slow;
    await cache.fetch({
      subgraph: 'products',
      query: ENTITIES('name stock'),
      variables: { representations: [rep('p9')] },
      operationName: undefined,
      call: s.call,
    });
    expect(s.asked.slice(2)).toEqual([['p9'], ['p9']]);
  });

  it('keeps no entity an error points at, and passes the error on at its place', async () => {
    const cache = new EntityCache({ hints, redis: null, prefix: 't:', log, metrics });
    const asked: string[][] = [];
    // "b" fails wherever it stands in the representations.
    const call = async (variables: Record<string, unknown> | undefined) => {
      const reps = (variables?.representations ?? []) as { id: string }[];
      asked.push(reps.map((r) => r.id));
      return {
        status: 200,
        text: JSON.stringify({
          data: { _entities: reps.map((r) => (r.id === 'b' ? null : { name: 'ok' })) },
          errors: reps.flatMap((r, i) => (r.id === 'b' ? [{ message: 'nope', path: ['_entities', i, 'name'] }] : [])),
        }),
      };
    };
    const f = () =>
      cache.fetch({
        subgraph: 'products',
        query: ENTITIES('name'),
        variables: { representations: [rep('a'), rep('b')] },
        operationName: undefined,
        call,
      });
    const first = JSON.parse((await f())!.text) as { errors: { path: unknown[] }[] };
    expect(first.errors[0]!.path).toEqual(['_entities', 1, 'name']);
    const second = JSON.parse((await f())!.text) as { errors: { path: unknown[] }[] };
    // "a" came from the cache; "b" was asked for again, alone, and its error kept its place.
    expect(asked).toEqual([['a', 'b'], ['b']]);
    expect(second.errors[0]!.path).toEqual(['_entities', 1, 'name']);
  });

  it('answers nothing while it is not live (Redis down): every fetch goes to the subgraph', async () => {
    const cache = new EntityCache({ hints, redis: null, prefix: 't:', log, metrics });
    cache.setLive(false);
    const s = subgraph();
    const answer = await cache.fetch({
      subgraph: 'products',
      query: ENTITIES('name'),
      variables: { representations: [rep('p1')] },
      operationName: undefined,
      call: s.call,
    });
    expect(answer).toBeNull();
  });
});

describe('a mutation through a subgraph', () => {
  const log = createLogger('test');
  const metrics = { lookup: jest.fn(), invalidated: jest.fn() };
  const processCache = (marks: CacheHints) =>
    new EntityCache({ hints: marks, redis: null, prefix: 't:', log, metrics });

  it("knows from the supergraph's join marks which subgraphs own cacheable root fields", () => {
    const supergraph = fs.readFileSync(path.join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
    expect([...(cacheHintsOf(supergraph).rootSubgraphs ?? [])]).toEqual(['products']);
    // Marks without a supergraph's graphs: every subgraph may own some.
    expect(hints.rootSubgraphs).toBeUndefined();
  });

  it('knows which subgraphs own any cacheable field: an entity key every subgraph shares makes none an owner', () => {
    const supergraph = fs.readFileSync(path.join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
    // Only their event streams are read (router/server.ts): a sale or an order changes nothing kept.
    expect([...(cacheHintsOf(supergraph).ownerSubgraphs ?? [])].sort()).toEqual(['inventory', 'products']);
    expect(hints.ownerSubgraphs).toBeUndefined();
  });

  it('keeps nothing of a subgraph that owns no cacheable field, whatever the fetch asks', async () => {
    const cache = processCache({ ...hints, ownerSubgraphs: new Set(['products']) });
    const fetchFrom = (subgraph: string) =>
      cache.fetch({
        subgraph,
        query: ENTITIES('name'),
        variables: { representations: [{ __typename: 'Product', id: 'p1' }] },
        operationName: undefined,
        call: async () => ({ status: 200, text: JSON.stringify({ data: { _entities: [{ name: 'n' }] } }) }),
      });
    expect(await fetchFrom('retail')).toBeNull();
    expect(await fetchFrom('products')).not.toBeNull();
  });

  it('drops the root answers of its own subgraph only, and of none when it owns no cacheable root field', async () => {
    const cache = processCache({ ...hints, rootSubgraphs: new Set(['products']) });
    let calls = 0;
    const page = () =>
      cache.fetch({
        subgraph: 'products',
        query: '{ products(first: 2) { id name } }',
        variables: undefined,
        operationName: undefined,
        call: async () => {
          calls += 1;
          return { status: 200, text: JSON.stringify({ data: { products: [{ id: 'p1', name: `v${calls}` }] } }) };
        },
      });
    expect((await page())?.text).toContain('"v1"');
    await cache.invalidate('retail', []);
    expect((await page())?.text).toContain('"v1"');
    await cache.invalidate('products', []);
    expect((await page())?.text).toContain('"v2"');
    expect(calls).toBe(2);
  });
});

describe('invalidating every entity of a type', () => {
  it('drops them all, and keeps no answer such an invalidation overtook', async () => {
    const cache = new EntityCache({
      hints,
      redis: null,
      prefix: 't:',
      log: createLogger('test'),
      metrics: { lookup: jest.fn(), invalidated: jest.fn() },
    });
    const asked: string[][] = [];
    let release: () => void = () => undefined;
    const call = async (variables: Record<string, unknown> | undefined, wait = false) => {
      if (wait) await new Promise<void>((r) => (release = r));
      const reps = (variables?.representations ?? []) as { id: string }[];
      asked.push(reps.map((r) => r.id));
      return { status: 200, text: JSON.stringify({ data: { _entities: reps.map(() => ({ name: 'n' })) } }) };
    };
    const fetch = (id: string, wait = false) =>
      cache.fetch({
        subgraph: 'products',
        query: ENTITIES('name'),
        variables: { representations: [{ __typename: 'Product', id }] },
        operationName: undefined,
        call: (v) => call(v, wait),
      });
    await fetch('p1');
    const inFlight = fetch('p2', true);
    await new Promise((r) => setImmediate(r));
    await cache.invalidate('products', [{ type: 'Product', id: '*' }]);
    release();
    await inFlight;
    await fetch('p1');
    await fetch('p2');
    expect(asked).toEqual([['p1'], ['p2'], ['p1'], ['p2']]);
  });
});

describe('what an event names', () => {
  it('a stock change names the product whose stock it is; a product event the product; others nothing known', () => {
    expect(
      entitiesOfEvent({
        type: 'stock.changed',
        aggregate: { type: 'StockLevel', id: 'p1@loc' },
        data: { productId: 'p1' },
      }),
    ).toEqual([{ type: 'Product', id: 'p1' }]);
    expect(entitiesOfEvent({ type: 'product.price_changed', aggregate: { type: 'Product', id: 'p2' } })).toEqual([
      { type: 'Product', id: 'p2' },
    ]);
    // A product created, moved or withdrawn changes its categories' counts: every Category goes.
    expect(entitiesOfEvent({ type: 'product.updated', aggregate: { type: 'Product', id: 'p3' } })).toEqual([
      { type: 'Product', id: 'p3' },
      { type: 'Category', id: '*' },
    ]);
    expect(entitiesOfEvent({ type: 'category.updated', aggregate: { type: 'Category', id: 'c1' } })).toBeNull();
  });
});
