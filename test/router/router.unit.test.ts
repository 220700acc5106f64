import { envVarForSubgraph, gatewaySecretFromEnv, resolveSubgraphUrls, splitUrls } from '../../router/server';
import { Endpoints, isConnectionError } from '../../router/subgraph-client';

describe('router configuration', () => {
  it('reads subgraph URLs from overrides, then <NAME>_URL, then the supergraph', () => {
    expect(envVarForSubgraph('products')).toBe('PRODUCTS_URL');
    const env = { INVENTORY_URL: 'http://inv-1:4002/graphql, http://inv-2:4002/graphql,' };
    expect(resolveSubgraphUrls('inventory', 'http://localhost:4002/graphql', undefined, env)).toEqual([
      'http://inv-1:4002/graphql',
      'http://inv-2:4002/graphql',
    ]);
    expect(
      resolveSubgraphUrls('inventory', 'http://localhost:4002/graphql', { inventory: ['http://x/graphql'] }, env),
    ).toEqual(['http://x/graphql']);
    expect(resolveSubgraphUrls('products', 'http://localhost:4001/graphql', undefined, env)).toEqual([
      'http://localhost:4001/graphql',
    ]);
    expect(splitUrls(' a , ,b ')).toEqual(['a', 'b']);
  });

  it('takes the Kong shared secret from KONG_SHARED_SECRET and fails closed when it is required but missing', () => {
    expect(gatewaySecretFromEnv({})).toBeNull();
    expect(gatewaySecretFromEnv({ KONG_SHARED_SECRET: 's3cret' })).toBe('s3cret');
    expect(gatewaySecretFromEnv({ REQUIRE_GATEWAY_SECRET: 'false' })).toBeNull();
    expect(gatewaySecretFromEnv({ REQUIRE_GATEWAY_SECRET: 'true', KONG_SHARED_SECRET: 'abc' })).toBe('abc');
    expect(() => gatewaySecretFromEnv({ REQUIRE_GATEWAY_SECRET: 'true' })).toThrow(/KONG_SHARED_SECRET/);
    expect(gatewaySecretFromEnv({ REQUIRE_GATEWAY_SECRET: 'a-long-secret-value' })).toBe('a-long-secret-value');
  });
});

describe('subgraph endpoints', () => {
  it('round-robins over replicas', () => {
    const e = new Endpoints(['http://a/graphql', 'http://b/graphql', 'http://c/graphql']);
    expect([1, 2, 3, 4].map(() => e.pick().url)).toEqual([
      'http://a/graphql',
      'http://b/graphql',
      'http://c/graphql',
      'http://a/graphql',
    ]);
  });

  it('skips a replica that refused a connection, and round-robins over all of them when all are down', () => {
    const e = new Endpoints(['http://a/graphql', 'http://b/graphql'], 60_000);
    const a = e.pick();
    e.failed(a, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    expect([1, 2, 3].map(() => e.pick().url)).toEqual(['http://b/graphql', 'http://b/graphql', 'http://b/graphql']);
    const b = e.pick();
    e.failed(b, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    // Every replica is cooling down: none is skipped, so each one keeps being tried in turn (the
    // first to come back answers), rather than all traffic going to one of them.
    expect([1, 2, 3, 4].map(() => e.pick().url)).toEqual([
      'http://a/graphql',
      'http://b/graphql',
      'http://a/graphql',
      'http://b/graphql',
    ]);
  });

  it('takes a refused replica back into rotation once its cooldown has passed', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const e = new Endpoints(['http://a/graphql', 'http://b/graphql'], 2_000);
      e.failed(e.pick(), Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
      expect([1, 2].map(() => e.pick().url)).toEqual(['http://b/graphql', 'http://b/graphql']);
      jest.setSystemTime(1_000_000 + 2_001);
      expect([1, 2].map(() => e.pick().url)).toEqual(['http://a/graphql', 'http://b/graphql']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not take a replica out of rotation for one reset connection (a killed cluster worker)', () => {
    const e = new Endpoints(['http://a/graphql', 'http://b/graphql'], 60_000);
    const a = e.pick();
    e.failed(a, Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    expect([1, 2].map(() => e.pick().url)).toEqual(['http://b/graphql', 'http://a/graphql']);
  });

  it('recognises connection errors, also wrapped in a cause, and nothing else', () => {
    expect(isConnectionError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe(true);
    expect(
      isConnectionError(new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })),
    ).toBe(true);
    expect(isConnectionError(Object.assign(new Error('timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(false);
    expect(isConnectionError(new Error('boom'))).toBe(false);
  });
});
