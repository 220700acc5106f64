/**
 * The router's entity cache through the router (issue 13): a page whose fetches are all cached
 * calls no subgraph; a change made anywhere is seen through the router once its owner's event
 * arrives (stock from inventory, prices from products), and a change made through the router at once;
 * with Redis down there is no cache and no error. Its response cache: a repeated anonymous public
 * query answered whole from memory until its owner's event, never a signed-in or non-public one.
 */
import type { IncomingMessage } from 'node:http';
import {
  AdjustStockDocument,
  CatalogPageDocument,
  ChangeProductPriceDocument,
  StorefrontProductDocument,
} from '../../schema/operations/generated';
import { startLocalRedis } from '../../scripts/redis-server';
import { demoProductId, ONLINE_LOCATION_ID } from '../../subgraphs/kit';
import { startRouter, type RunningRouter } from '../../router/server';
import { startStack, type Stack } from '../helpers/stack';
import { client, freePort, tokens, waitFor } from '../helpers/toolkit';

const PRODUCT = demoProductId(3);

/**
 * Products and one inventory replica, seeded, their events relayed quickly, the router's entity cache
 * on, and its response cache (which answers a repeated anonymous query before any fetch) as asked.
 */
const cachingStack = (responseCache: boolean) =>
  startStack({
    services: ['products', 'inventory'],
    inventoryReplicas: 1,
    seed: true,
    env: { OUTBOX_POLL_MS: '20' },
    router: { entityCache: true, responseCache },
  });

describe('entity cache through the router', () => {
  let stack: Stack;
  const calls = { products: 0, inventory: 0 };

  beforeAll(async () => {
    stack = await cachingStack(false);
    stack.subgraph('products').server.on('request', (req: IncomingMessage) => {
      if (req.url?.startsWith('/graphql')) calls.products += 1;
    });
    stack.subgraph('inventory').server.on('request', (req: IncomingMessage) => {
      if (req.url?.startsWith('/graphql')) calls.inventory += 1;
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const page = () => stack.gql(CatalogPageDocument, { first: 10 });
  const productPage = () => stack.gql(StorefrontProductDocument, { id: PRODUCT });

  it('a page whose fetches are all cached calls no subgraph, and answers the same', async () => {
    // The seed's stock and product events may still be reaching the router, each dropping what it
    // names: wait until one page is answered from the cache alone (it never is if nothing is cached).
    await waitFor('a page answered without a subgraph call', async () => {
      const first = await page();
      const before = { ...calls };
      const second = await page();
      expect(second.body).toEqual(first.body);
      expect(second.body.data?.products.edges).toHaveLength(10);
      return calls.products === before.products && calls.inventory === before.inventory;
    });
    const hits = (await stack.router.metrics.entityCacheLookups.get()).values.filter((v) => v.labels.result === 'hit');
    expect(hits.map((v) => v.labels.subgraph).sort()).toEqual(expect.arrayContaining(['inventory', 'products']));
  });

  it("a stock change made beside the router is seen once inventory's stock.changed arrives, within a second", async () => {
    const available = async () => (await productPage()).body.data?.product?.stock.available;
    const before = await available();
    expect(typeof before).toBe('number');
    expect(await available()).toBe(before); // cached now
    // Straight to inventory, not through this router: only the event can tell the router.
    const changed = await client(stack.subgraph('inventory').url)(
      AdjustStockDocument,
      { input: { productId: PRODUCT, locationId: ONLINE_LOCATION_ID, delta: 7, note: 'cache test' } },
      { token: tokens.admin() },
    );
    expect(changed.body.data?.adjustStock.errors).toEqual([]);
    // Long before the entry's TTL (the backstop): only the event explains it. How soon under load is
    // measured by the bench (`npm run bench -- freshness`), not here.
    await waitFor('the new stock through the router', async () => (await available()) === before! + 7, 5_000, 20);
  });

  it("a price change made beside the router is seen once products' product.price_changed arrives", async () => {
    const price = async () => (await productPage()).body.data?.product?.price.amount;
    const before = await price();
    expect(await price()).toBe(before);
    const next = (Number(before) + 1).toFixed(2);
    const changed = await client(stack.subgraph('products').url)(
      ChangeProductPriceDocument,
      { input: { productId: PRODUCT, price: next, reason: 'cache test' } },
      { token: tokens.manager() },
    );
    expect(changed.body.data?.changeProductPrice.errors).toEqual([]);
    // Long before the entry's TTL (the backstop): only the event explains it. How soon under load is
    // measured by the bench (`npm run bench -- freshness`), not here.
    await waitFor('the new price through the router', async () => (await price()) === next, 5_000, 20);
  });

  it('a change made through the router is read back at once by the same router', async () => {
    const price = async () => (await productPage()).body.data?.product?.price.amount;
    const before = await price();
    const next = (Number(before) + 1).toFixed(2);
    const changed = await stack.gql(
      ChangeProductPriceDocument,
      { input: { productId: PRODUCT, price: next } },
      { token: tokens.manager() },
    );
    expect(changed.body.data?.changeProductPrice.errors).toEqual([]);
    expect(await price()).toBe(next);
  });
});

describe('response cache through the router', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await cachingStack(true);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const hits = async () =>
    (await stack.router.metrics.responseCacheLookups.get()).values.find((v) => v.labels.result === 'hit')?.value ?? 0;
  const productPage = (token?: string) => stack.gql(StorefrontProductDocument, { id: PRODUCT }, { token });

  it('answers an anonymous public query again from memory, the same answer, until its owner changes it', async () => {
    // The seed's events may still drop what is kept: wait until a repeat is a hit, with the same answer.
    let first: Awaited<ReturnType<typeof productPage>> | undefined;
    await waitFor('a repeated page answered from memory', async () => {
      first = await productPage();
      const before = await hits();
      const again = await productPage();
      expect(again.body).toEqual(first.body);
      return (await hits()) === before + 1;
    });

    // A price change beside the router: products' event drops the kept answer, the next read is new.
    const next = (Number(first?.body.data?.product?.price.amount) + 1).toFixed(2);
    const changed = await client(stack.subgraph('products').url)(
      ChangeProductPriceDocument,
      { input: { productId: PRODUCT, price: next, reason: 'response cache test' } },
      { token: tokens.manager() },
    );
    expect(changed.body.data?.changeProductPrice.errors).toEqual([]);
    await waitFor('the new price through the router', async () => {
      return (await productPage()).body.data?.product?.price.amount === next;
    });
  });

  it('a change made through the router is read back at once, even where a whole answer was kept', async () => {
    await waitFor('a repeated page answered from memory', async () => {
      await productPage();
      const before = await hits();
      await productPage();
      return (await hits()) === before + 1;
    });
    const next = (Number((await productPage()).body.data?.product?.price.amount) + 1).toFixed(2);
    const changed = await stack.gql(
      ChangeProductPriceDocument,
      { input: { productId: PRODUCT, price: next } },
      { token: tokens.manager() },
    );
    expect(changed.body.data?.changeProductPrice.errors).toEqual([]);
    expect((await productPage()).body.data?.product?.price.amount).toBe(next);
  });

  it("never keeps a signed-in caller's answer, nor a query whose fields are not all public", async () => {
    const before = await hits();
    const token = tokens.manager();
    expect((await productPage(token)).body.data?.product?.id).toBe(PRODUCT);
    expect((await productPage(token)).body.data?.product?.id).toBe(PRODUCT);
    // The locations carry no public mark: an answer that selects them is never kept, whole.
    const privateQuery = `{ product(id: "${PRODUCT}") { id name } locations { id name } }`;
    const a = await stack.gql(privateQuery);
    const b = await stack.gql(privateQuery);
    expect(b.body).toEqual(a.body);
    expect(a.body.errors).toBeUndefined();
    expect(await hits()).toBe(before);
  });
});

describe('entity cache with Redis down', () => {
  let stack: Stack;
  let router: RunningRouter;
  let redis: { url: string; stop: () => Promise<void> };
  let calls = 0;

  beforeAll(async () => {
    stack = await startStack({ services: ['products', 'inventory'], seed: true });
    stack.subgraph('products').server.on('request', () => (calls += 1));
    // The router alone on a Redis of its own, which the test stops.
    redis = await startLocalRedis(await freePort());
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    try {
      router = await startRouter({
        port: 0,
        gatewaySecret: null,
        supergraphSdl: stack.supergraphSdl,
        entityCache: true,
        subgraphUrls: {
          products: stack.subgraph('products').url,
          inventory: stack.instances('inventory').map((s) => s.url),
        },
      });
    } finally {
      process.env.REDIS_URL = saved;
    }
  });
  afterAll(async () => {
    await router?.stop();
    await redis?.stop();
    await stack?.stop();
  });

  it('answers from the cache while Redis is up, and from the subgraphs, without an error, once it is down', async () => {
    const gql = client(router.url);
    const page = () => gql(CatalogPageDocument, { first: 5 });
    await waitFor('a cached page', async () => {
      await page();
      const before = calls;
      await page();
      return calls === before;
    });
    await redis.stop();
    // Once the router notices, it stops answering from memory: every page asks products again.
    await waitFor('the cache to turn off', async () => {
      const before = calls;
      const res = await page();
      expect(res.body.errors).toBeUndefined();
      return calls > before;
    });
    for (let i = 0; i < 3; i += 1) {
      const before = calls;
      const res = await page();
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.products.edges).toHaveLength(5);
      expect(calls).toBeGreaterThan(before);
    }
  });
});
