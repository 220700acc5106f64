/**
 * Automatic persisted queries through the router, with real Redis (ADR 0027): the APQ round trip
 * (miss, register, hit) over POST and GET, the hash checked, only valid documents kept, Redis shared
 * by routers and never needed by a request that carries its text, the operation limits on a document
 * sent by id, and Cache-Control on persisted GETs from the owners' cache hints.
 */
import { Redis } from 'ioredis';
import { startRouter, type RunningRouter } from '../../router/server';
import { loadManifest } from '../../router/persisted-queries';
import { freePort, tokens, waitFor } from '../helpers/toolkit';
import { kong, metricValue, persisted, sha256 } from '../helpers/persisted';
import { startStack, type Stack } from '../helpers/stack';

// Not a client operation, so not in the manifest: only APQ knows it.
const SHELF =
  'query EdgeShelf($first: Int!) { products(first: $first) { edges { node { id name price { amount } } } } }';
const manifestId = (name: string) => loadManifest().operations.find((o) => o.name === name)!.id;

describe('automatic persisted queries at the router', () => {
  let stack: Stack;
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    stack = await startStack({ services: ['products', 'inventory'], seed: true });
    prefix = process.env.REDIS_PREFIX!;
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  const url = () => stack.routerUrl;
  const productsStatements = () => stack.statements('products');
  const secondRouter = (extra: Parameters<typeof startRouter>[0] = {}) =>
    startRouter({
      port: 0,
      supergraphSdl: stack.supergraphSdl,
      subgraphUrls: stack.router.subgraphUrls,
      gatewaySecret: null,
      entityCache: false,
      ...extra,
    });

  it('round trip: a miss runs nothing, the text registers it in Redis with a TTL, then the hash alone runs', async () => {
    const id = sha256(SHELF);
    const variables = { first: 3 };
    const before = await productsStatements();
    const miss = await persisted(url(), { id, variables });
    expect(miss.status).toBe(200);
    expect(miss.body).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
    expect(miss.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    expect(await productsStatements()).toBe(before);

    const registered = await persisted(url(), { id, query: SHELF, variables });
    expect(registered.codes).toEqual([]);
    const edges = (registered.body.data as { products: { edges: unknown[] } }).products.edges;
    expect(edges).toHaveLength(3);
    await expect(redis.get(`${prefix}apq:${id}`)).resolves.toBe(SHELF);
    const ttl = await redis.ttl(`${prefix}apq:${id}`);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);

    const hit = await persisted(url(), { id, variables });
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual(registered.body);
    const text = await stack.router.metrics.registry.metrics();
    expect(metricValue(text, 'router_persisted_queries_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'router_persisted_queries_total', { result: 'registered' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'router_persisted_queries_total', { result: 'memory' })).toBeGreaterThanOrEqual(1);
  });

  it('another router (an empty memory) finds the document in Redis', async () => {
    const id = sha256(SHELF);
    await persisted(url(), { id, query: SHELF, variables: { first: 1 } });
    const other = await secondRouter();
    try {
      // Until its own Redis connection is up, a new router answers a miss (the client resends the text).
      const hit = await waitFor('a hit from Redis', async () => {
        const res = await persisted(other.url, { id, variables: { first: 2 } });
        return res.codes.length === 0 ? res : null;
      });
      expect((hit.body.data as { products: { edges: unknown[] } }).products.edges).toHaveLength(2);
      const text = await other.metrics.registry.metrics();
      expect(metricValue(text, 'router_persisted_queries_total', { result: 'redis' })).toBe(1);
      expect(metricValue(text, 'router_persisted_queries_total', { result: 'registered' })).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it('refuses a hash that is not the text’s with PERSISTED_QUERY_HASH_MISMATCH, keeping nothing', async () => {
    const wrong = sha256('something else');
    const res = await persisted(url(), { id: wrong, query: SHELF, variables: { first: 1 } });
    expect(res.status).toBe(400);
    expect(res.codes).toEqual(['PERSISTED_QUERY_HASH_MISMATCH']);
    expect(res.body.data).toBeUndefined();
    await expect(redis.exists(`${prefix}apq:${wrong}`)).resolves.toBe(0);
    expect((await persisted(url(), { id: wrong, variables: { first: 1 } })).codes).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
  });

  it('refuses a malformed extension with PERSISTED_QUERY_INVALID', async () => {
    for (const persistedQuery of [
      { version: 2, sha256Hash: sha256(SHELF) },
      { version: 1, sha256Hash: 'not-a-hash' },
      { version: 1, sha256Hash: sha256(SHELF).toUpperCase() },
      'yes',
    ]) {
      const res = await persisted(url(), { persistedQuery, query: SHELF, variables: { first: 1 } });
      expect({ persistedQuery, status: res.status, codes: res.codes }).toEqual({
        persistedQuery,
        status: 400,
        codes: ['PERSISTED_QUERY_INVALID'],
      });
    }
  });

  it('keeps only documents that validate: an invalid one is refused and stays unknown', async () => {
    const invalid = '{ products(first: 1) { edges { node { noSuchField } } } }';
    const id = sha256(invalid);
    const res = await persisted(url(), { id, query: invalid });
    expect(res.status).toBe(400);
    expect(res.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    await expect(redis.exists(`${prefix}apq:${id}`)).resolves.toBe(0);
    expect((await persisted(url(), { id })).codes).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('applies the operation limits to a document sent by its id', async () => {
    const wide = `query EdgeWide { ${Array.from({ length: 5 }, (_, i) => `c${i}: categories { id }`).join(' ')} }`;
    const id = sha256(wide);
    expect((await persisted(url(), { id, query: wide })).codes).toEqual([]);
    const strict = await secondRouter({ limits: { maxAliases: 2 } });
    try {
      // Found in Redis once the new router's connection is up (a miss before that).
      const res = await waitFor('an answer other than a miss', async () => {
        const answer = await persisted(strict.url, { id });
        return answer.codes.includes('PERSISTED_QUERY_NOT_FOUND') ? null : answer;
      });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'ALIAS_LIMIT_EXCEEDED', limit: 2, value: 5 });
    } finally {
      await strict.stop();
    }
  });

  it('serves the trusted manifest’s ids without any registration, to every consumer', async () => {
    const res = await persisted(url(), {
      id: manifestId('CategoryTree'),
      headers: kong('partner', 'partner'),
    });
    expect(res.codes).toEqual([]);
    expect((res.body.data as { categories: unknown[] }).categories.length).toBeGreaterThan(0);
  });

  describe('trusted documents (ROUTER_TRUSTED_DOCUMENTS)', () => {
    const WEB = kong('web-storefront', 'first-party');
    let enforcing: RunningRouter;

    beforeAll(async () => {
      enforcing = await secondRouter({ trustedDocuments: 'enforce' });
    });
    afterAll(async () => {
      await enforcing?.stop();
    });

    const refusals = async (router: RunningRouter, consumer: string, action: string) =>
      metricValue(await router.metrics.registry.metrics(), 'router_untrusted_documents_total', { consumer, action });

    it('enforce: a first-party consumer’s manifest id runs the manifest’s body', async () => {
      const res = await persisted(enforcing.url, {
        id: manifestId('CategoryTree'),
        operationName: 'CategoryTree',
        headers: WEB,
      });
      expect(res.status).toBe(200);
      expect(res.codes).toEqual([]);
      expect((res.body.data as { categories: unknown[] }).categories.length).toBeGreaterThan(0);
    });

    it('enforce: a first-party document sent as text is TRUSTED_DOCUMENT_REQUIRED and runs nothing', async () => {
      const before = await productsStatements();
      // Even the text of a manifest operation: first-party clients send ids.
      for (const query of [SHELF, loadManifest().operations.find((o) => o.name === 'CategoryTree')!.body]) {
        const res = await persisted(enforcing.url, { query, variables: { first: 1 }, headers: WEB });
        expect({ status: res.status, body: res.body }).toEqual({
          status: 400,
          body: {
            errors: [
              {
                message:
                  'Consumer web-storefront may only send trusted documents: send the manifest id as extensions.persistedQuery.sha256Hash',
                extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED' },
              },
            ],
          },
        });
      }
      expect(await productsStatements()).toBe(before);
      expect(await refusals(enforcing, 'web-storefront', 'refused')).toBeGreaterThanOrEqual(2);
    });

    it('enforce: an id outside the manifest from a first-party consumer is PERSISTED_QUERY_NOT_IN_MANIFEST, even one APQ knows', async () => {
      const id = sha256(SHELF);
      // Registered through APQ by another consumer, so Redis has it.
      expect((await persisted(url(), { id, query: SHELF, variables: { first: 1 } })).codes).toEqual([]);
      const before = await productsStatements();
      for (const call of [{ id }, { id, query: SHELF }]) {
        const res = await persisted(enforcing.url, { ...call, variables: { first: 1 }, headers: WEB });
        expect({ status: res.status, codes: res.codes, data: res.body.data }).toEqual({
          status: 400,
          codes: ['PERSISTED_QUERY_NOT_IN_MANIFEST'],
          data: undefined,
        });
      }
      expect(await productsStatements()).toBe(before);
    });

    it('enforce: partners and internal consumers keep sending their own documents', async () => {
      for (const headers of [kong('partner', 'partner'), kong('head-office', 'internal'), {}]) {
        const res = await persisted(enforcing.url, { query: SHELF, variables: { first: 2 }, headers });
        expect({ headers, codes: res.codes }).toEqual({ headers, codes: [] });
        expect((res.body.data as { products: { edges: unknown[] } }).products.edges).toHaveLength(2);
      }
    });

    it('log (the default): the same document runs, and is counted and logged once', async () => {
      const warn = jest.spyOn(stack.router.log, 'warn');
      try {
        const before = await refusals(stack.router, 'web-storefront', 'logged');
        for (let i = 0; i < 2; i++) {
          const res = await persisted(url(), { query: SHELF, variables: { first: 1 }, headers: WEB });
          expect(res.codes).toEqual([]);
        }
        expect(await refusals(stack.router, 'web-storefront', 'logged')).toBe(before + 2);
        const logged = warn.mock.calls.filter(
          ([fields]) => (fields as { document?: string }).document === sha256(SHELF),
        );
        // Once per consumer and document, not once per request.
        expect(logged).toHaveLength(1);
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('GET', () => {
    it('answers a persisted public query with Cache-Control public and the smallest maxAge of its fields', async () => {
      // CatalogPage reads stock (inventory marks it 60 s) beside products' fields (300 s).
      const catalog = await persisted(url(), {
        method: 'GET',
        id: manifestId('CatalogPage'),
        operationName: 'CatalogPage',
        variables: { first: 5 },
        headers: kong('web-storefront', 'first-party'),
      });
      expect(catalog.status).toBe(200);
      expect(catalog.codes).toEqual([]);
      expect(catalog.headers.get('cache-control')).toBe('public, max-age=60');
      expect((catalog.body.data as { products: { edges: unknown[] } }).products.edges).toHaveLength(5);

      // An APQ document of products' fields only: registered over GET (Apollo Client's
      // useGETForHashedQueries sends the miss and the registration as GETs too).
      const id = sha256(SHELF);
      const registered = await persisted(url(), { method: 'GET', id, query: SHELF, variables: { first: 2 } });
      expect(registered.codes).toEqual([]);
      const shelf = await persisted(url(), { method: 'GET', id, variables: { first: 2 } });
      expect(shelf.codes).toEqual([]);
      expect(shelf.headers.get('cache-control')).toBe('public, max-age=300');
    });

    it('never lets a shared cache keep an answer for a caller, an unmarked field or an error', async () => {
      const catalog = { method: 'GET' as const, id: manifestId('CatalogPage'), variables: { first: 5 } };
      const withToken = await persisted(url(), {
        ...catalog,
        headers: { authorization: `Bearer ${tokens.customer()}` },
      });
      expect(withToken.codes).toEqual([]);
      expect(withToken.headers.get('cache-control')).toBe('private, no-store');

      // Locations are public but their owner marks nothing: no hint, no sharing.
      const places = 'query EdgePlaces { locations { id name } }';
      await persisted(url(), { method: 'GET', id: sha256(places), query: places });
      const unmarked = await persisted(url(), { method: 'GET', id: sha256(places) });
      expect(unmarked.codes).toEqual([]);
      expect(unmarked.headers.get('cache-control')).toBe('private, no-store');

      const failed = await persisted(url(), {
        method: 'GET',
        id: manifestId('CatalogPage'),
        variables: { first: 500 },
      });
      expect(failed.codes.length).toBeGreaterThan(0);
      expect(failed.headers.get('cache-control')).toBe('private, no-store');

      const miss = await persisted(url(), { method: 'GET', id: sha256('query Unknown { categories { id } }') });
      expect(miss.codes).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(miss.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');

      // A query sent as text over GET is not a persisted query: no public caching either.
      const plain = await persisted(url(), { method: 'GET', query: SHELF, variables: { first: 1 } });
      expect(plain.codes).toEqual([]);
      expect(plain.headers.get('cache-control')).toBe('private, no-store');
    });

    it('refuses a mutation over GET, by id as by text (405), running nothing', async () => {
      const before = await productsStatements();
      const res = await persisted(url(), {
        method: 'GET',
        id: manifestId('CreateProduct'),
        variables: { input: { sku: 'EDGE-GET-1', name: 'x', price: '1.00' } },
        headers: { authorization: `Bearer ${tokens.admin()}` },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(await productsStatements()).toBe(before);
    });
  });

  it('with Redis down, a request that carries its text still runs, and the hash alone then works from memory', async () => {
    const down = `redis://127.0.0.1:${await freePort()}`;
    const router = await secondRouter({ persistedQueries: { redisUrl: down } });
    try {
      const text = 'query EdgeOffline { categories { id name } }';
      const id = sha256(text);
      // A Redis that does not answer is a miss (persisted-queries.ts), not a wait for it to come back.
      const miss = await persisted(router.url, { id });
      expect(miss.codes).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      const registered = await persisted(router.url, { id, query: text });
      expect(registered.codes).toEqual([]);
      const hit = await persisted(router.url, { id });
      expect(hit.codes).toEqual([]);
      expect(hit.body).toEqual(registered.body);
    } finally {
      await router.stop();
    }
  });
});
