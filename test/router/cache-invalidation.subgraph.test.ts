/**
 * The entity cache's invalidation reader on a real Redis: the events of one read become one
 * invalidation per subgraph, a product named many times is dropped once, and a subgraph with an
 * event the cache cannot tie to entities is dropped whole.
 */
import { Redis } from 'ioredis';
import { createLogger } from '../../subgraphs/kit';
import { startCacheInvalidation, type InvalidationReader } from '../../router/cache-invalidation';
import { cacheHintsOf, EntityCache } from '../../router/entity-cache';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-inval-${process.pid}:`;
const log = createLogger('test');

describe('the invalidation reader', () => {
  const redis = new Redis(url, { lazyConnect: false });
  let reader: InvalidationReader | null = null;

  afterAll(async () => {
    await reader?.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('turns the events of one read into one invalidation per subgraph, each entity once', async () => {
    const cache = new EntityCache({
      hints: cacheHintsOf('type Query { a: Int }'),
      redis: null,
      prefix,
      log,
      metrics: { lookup: () => {}, invalidated: () => {} },
    });
    const calls: [string, { type: string; id: string }[] | null][] = [];
    jest.spyOn(cache, 'invalidate').mockImplementation(async (subgraph, entities) => {
      calls.push([subgraph, entities === null ? null : [...entities]]);
    });
    reader = startCacheInvalidation({
      redis: new Redis(url),
      prefix,
      subgraphs: ['inventory', 'products'],
      cache,
      log,
      blockMs: 200,
    });
    // The reader starts where the streams end: wait until it reads, then add every event at once.
    const warm = JSON.stringify({ type: 'level.touched', aggregate: { type: 'StockLevel', id: 'w' } });
    await redis.xadd(`${prefix}events:inventory`, '*', 'event', warm);
    for (let i = 0; i < 100 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    calls.length = 0;
    const stock = (productId: string) =>
      JSON.stringify({ type: 'stock.changed', aggregate: { type: 'StockLevel', id: 'x' }, data: { productId } });
    await redis
      .multi()
      .xadd(`${prefix}events:inventory`, '*', 'event', stock('p1'))
      .xadd(`${prefix}events:inventory`, '*', 'event', stock('p2'))
      .xadd(`${prefix}events:inventory`, '*', 'event', stock('p1'))
      .xadd(`${prefix}events:products`, '*', 'event', 'not json')
      .xadd(
        `${prefix}events:products`,
        '*',
        'event',
        JSON.stringify({ type: 'product.price_changed', aggregate: { type: 'Product', id: 'p9' } }),
      )
      .exec();
    for (let i = 0; i < 100 && calls.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(calls.sort((a, b) => a[0].localeCompare(b[0]))).toEqual([
      [
        'inventory',
        [
          { type: 'Product', id: 'p1' },
          { type: 'Product', id: 'p2' },
        ],
      ],
      // The unreadable event drops everything of products; the price change adds nothing to that.
      ['products', null],
    ]);
  });
});
