/**
 * The bench's gateway comparison (loadtests/gateways.ts) without running it: the workloads are
 * what docs/benchmarks.md says (fixed, seeded, the skewed mix's shares), the Hive Gateway peers are
 * pinned and started so that they send nothing off the machine, and every gateway forwards the
 * client's Authorization and x-consumer-username.
 */
import fs from 'node:fs';
import { seededRandom } from '../../subgraphs/kit/demo-ids';
import { HIVE_ENV_ALLOWED, hiveArguments, hiveEnvironment } from '../../loadtests/hive-gateway';
import {
  VARIED_MIN,
  skewedWorkload,
  variedWorkload,
  zipfSampler,
  type Catalogue,
  type Customer,
} from '../../loadtests/workloads';
import { FORWARDED_HEADERS } from '../../loadtests/stock-gateway';
import { goodBody } from '../../loadtests/gateways';
import { PROPAGATED_HEADERS, gatewayConfig } from '../../loadtests/hive-gateway.config';
import { rootPath } from './ops-helpers';

/** A catalogue shaped like the demo data: 300 products, 4 categories of 75, 20 a page. */
function fakeCatalogue(): Catalogue {
  const products = Array.from({ length: 300 }, (_, i) => ({
    id: `prod-${String(i + 1).padStart(4, '0')}`,
    name: `${['Ballon de soccer', 'Barre de son', 'Cafetière filtre', 'Chaise de bureau'][i % 4]} ${i + 1}`,
    price: { amount: (10 + ((i * 37) % 290)).toFixed(2) },
  }));
  const categories = ['cat-a', 'cat-b', 'cat-c', 'cat-d'].map((id, i) => ({ id, name: id, root: i < 2 }));
  const paged = (filter: Record<string, unknown>, list: typeof products) =>
    Array.from({ length: Math.ceil(list.length / 20) }, (_, p) => ({
      filter,
      number: p + 1,
      after: p === 0 ? null : `cursor-${JSON.stringify(filter)}-${p}`,
      nodes: list.slice(p * 20, p * 20 + 20),
      endCursor: `cursor-${JSON.stringify(filter)}-${p + 1}`,
      hasNextPage: (p + 1) * 20 < list.length,
    }));
  const pages = [
    ...paged({ active: true }, products),
    ...categories.flatMap((c, i) =>
      paged(
        { active: true, categoryId: c.id },
        products.filter((_, k) => k % 4 === i),
      ),
    ),
  ];
  return { categories, pages, products };
}

const customers: Customer[] = Array.from({ length: 8 }, (_, i) => ({ token: `token-${i}`, email: `c${i}`, lines: 1 }));
const skewedOptions = {
  seed: 7,
  s: 1.1,
  connections: 50,
  perConnection: 40,
  catalogueShare: 0.75,
  productShare: 0.2,
};

describe('gateway comparison workloads', () => {
  it('Zipf: the same draws for the same seed, rank 1 drawn about 1/H(n, s) of the time', () => {
    const draw = (seed: number) => {
      const next = zipfSampler(100, 1.1, seededRandom(seed));
      return Array.from({ length: 20_000 }, next);
    };
    const a = draw(1);
    expect(draw(1)).toEqual(a);
    let h = 0;
    for (let k = 1; k <= 100; k++) h += 1 / k ** 1.1;
    const first = a.filter((r) => r === 0).length / a.length;
    expect(first).toBeGreaterThan(0.9 / h);
    expect(first).toBeLessThan(1.1 / h);
    const count = (rank: number) => a.filter((r) => r === rank).length;
    expect(count(0)).toBeGreaterThan(count(4));
    expect(count(4)).toBeGreaterThan(count(60));
    expect(Math.min(...a)).toBe(0);
    expect(Math.max(...a)).toBeLessThan(100);
  });

  it(`varied: at least ${VARIED_MIN} distinct requests of every kind, each connection starting elsewhere`, () => {
    const w = variedWorkload(fakeCatalogue(), 3, 50);
    expect(w.distinct.length).toBeGreaterThanOrEqual(VARIED_MIN);
    expect(new Set(w.distinct.map((r) => JSON.stringify([r.operationName, r.variables]))).size).toBe(w.distinct.length);
    expect(new Set(w.distinct.map((r) => r.kind))).toEqual(new Set(['catalogue', 'product', 'search']));
    const filters = w.distinct.flatMap((r) => Object.keys((r.variables.filter as Record<string, unknown>) ?? {}));
    for (const f of ['categoryId', 'text', 'minPrice', 'maxPrice']) expect(filters).toContain(f);
    expect(w.distinct.some((r) => r.variables.after)).toBe(true);
    expect(new Set(w.distinct.map((r) => r.variables.first)).size).toBeGreaterThan(2);
    expect(w.perConnection[1]?.[0]).toBe(w.distinct[1]);
    expect(variedWorkload(fakeCatalogue(), 3, 50).distinct.map((r) => r.label)).toEqual(w.distinct.map((r) => r.label));
  });

  it('skewed: about 75 % catalogue, 20 % product pages, 5 % signed-in Me, the same sequence for every run', () => {
    const w = skewedWorkload(fakeCatalogue(), customers, skewedOptions);
    expect(w.perConnection).toHaveLength(50);
    expect(w.perConnection.every((l) => l.length === 40)).toBe(true);
    expect(w.mix.catalogue).toBeGreaterThan(0.71);
    expect(w.mix.catalogue).toBeLessThan(0.79);
    expect(w.mix.product).toBeGreaterThan(0.17);
    expect(w.mix.product).toBeLessThan(0.23);
    expect(w.mix.me).toBeGreaterThan(0.03);
    expect(w.mix.me).toBeLessThan(0.07);
    const me = w.perConnection.flat().filter((r) => r.kind === 'me');
    expect(me.every((r) => r.token && r.operationName === 'Me')).toBe(true);
    expect(
      w.perConnection
        .flat()
        .filter((r) => r.kind !== 'me')
        .every((r) => !r.token),
    ).toBe(true);
    const again = skewedWorkload(fakeCatalogue(), customers, skewedOptions);
    expect(again.perConnection.flat().map((r) => r.label)).toEqual(w.perConnection.flat().map((r) => r.label));
    // Skewed: the most drawn catalogue page is drawn far more often than the median page.
    const counts = new Map<string, number>();
    for (const r of w.perConnection.flat())
      if (r.kind === 'catalogue') counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(5 * (sorted[Math.floor(sorted.length / 2)] ?? 1));
  });

  it('a response counts as good only with data and no errors key', () => {
    expect(goodBody('{"data":{"products":{"edges":[]}}}')).toBe(true);
    expect(goodBody('{"errors":[{"message":"x"}],"data":{"me":null}}')).toBe(false);
    expect(goodBody('{"data":null,"errors":[]}')).toBe(false);
  });
});

describe('gateway comparison peers', () => {
  it('pins Hive Gateway 2.15.1 and its Rust runtime 1.4.23 as devDependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(rootPath('package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies['@graphql-hive/gateway']).toBe('2.15.1');
    expect(pkg.devDependencies['@graphql-hive/router-runtime']).toBe('1.4.23');
  });

  it('starts Hive Gateway on loopback with an allow-listed environment: no reporting, tracing or registry variable', () => {
    const outside: NodeJS.ProcessEnv = {
      PATH: '/usr/bin',
      HOME: '/root',
      HIVE_REGISTRY_TOKEN: 't',
      HIVE_TARGET: 'o/p/t',
      HIVE_ACCESS_TOKEN: 't',
      HIVE_USAGE_TARGET: 'o/p/t',
      HIVE_USAGE_ACCESS_TOKEN: 't',
      HIVE_TRACE_ACCESS_TOKEN: 't',
      HIVE_CDN_ENDPOINT: 'https://cdn.example',
      HIVE_CDN_KEY: 'k',
      APOLLO_KEY: 'k',
      APOLLO_GRAPH_REF: 'g@v',
      OPENTELEMETRY: 'http://collector.example',
      DEV_REMOTE: 'true',
      HIVE_ROUTER_RUNTIME: 'true',
    };
    const plain = hiveEnvironment(false, outside);
    expect(Object.keys(plain).sort()).toEqual(['HOME', 'PATH']);
    const rust = hiveEnvironment(true, outside);
    expect(rust).toEqual({ PATH: '/usr/bin', HOME: '/root', HIVE_ROUTER_RUNTIME: 'true' });
    for (const name of Object.keys(rust)) expect([...HIVE_ENV_ALLOWED, 'HIVE_ROUTER_RUNTIME']).toContain(name);
    const args = hiveArguments('/tmp/supergraph.graphql', 4999);
    expect(args.slice(0, 2)).toEqual(['supergraph', '/tmp/supergraph.graphql']);
    expect(args[args.indexOf('--host') + 1]).toBe('127.0.0.1');
    expect(args[args.indexOf('--config-path') + 1]).toBe('loadtests/hive-gateway.config.ts');
  });

  it("Hive Gateway's config propagates Authorization and x-consumer-username, and configures nothing that reports", () => {
    expect([...PROPAGATED_HEADERS].sort()).toEqual([...FORWARDED_HEADERS].sort());
    const config = gatewayConfig as Record<string, unknown>;
    expect(Object.keys(config)).toEqual(['propagateHeaders']);
    const headers = new Map<string, string>([
      ['authorization', 'Bearer abc'],
      ['x-consumer-username', 'web'],
      ['cookie', 'no'],
    ]);
    const request = { headers: { get: (name: string) => headers.get(name) ?? null } };
    const propagate = gatewayConfig.propagateHeaders?.fromClientToSubgraphs as unknown as (payload: {
      request: typeof request;
      subgraphName: string;
    }) => Record<string, string>;
    expect(propagate({ request, subgraphName: 'ecommerce' })).toEqual({
      authorization: 'Bearer abc',
      'x-consumer-username': 'web',
    });
    headers.clear();
    expect(propagate({ request, subgraphName: 'products' })).toEqual({});
  });
});
