/**
 * How soon a change made beside the router is seen through it, with its entity cache on, under load:
 * the bench's `freshness` scenario (`npm run bench -- freshness`).
 *
 * While autocannon sends the gateway comparison's *varied* storefront workload to the router (the
 * catalogue and product pages that fill the cache), the scenario takes products in turn and, for
 * each, reads its StorefrontProduct page through the router twice (so price and stock are cached),
 * then changes it beside the router, straight to its owner: a price (products' changeProductPrice)
 * or the online stock (adjustStock on an inventory replica), alternately. Only the owner's event
 * (product.price_changed, stock.changed) can tell the router. It then reads the page through the
 * router every FRESHNESS_POLL_MS until the new value shows. Latency: from the owner's answer to the
 * first read that shows the change. A change not seen within FRESHNESS_TIMEOUT_MS counts as stale.
 */
import autocannon from 'autocannon';
import { operation } from '../schema/operations';
import { signToken } from '../subgraphs/kit';
import { ONLINE_LOCATION_ID } from '../subgraphs/kit/demo-ids';
import { goodBody } from './gateways';
import { envInt, gql, percentile, round } from './util';
import { readCatalogue, variedWorkload, type WorkloadRequest } from './workloads';

export interface FreshnessKind {
  changes: number;
  /** Changes not seen within the timeout. */
  stale: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface FreshnessResult {
  /** The background load while the changes were made. */
  load: { connections: number; requests: number; rps: number; errors: number };
  price: FreshnessKind;
  stock: FreshnessKind;
  pollMs: number;
}

export const freshnessConfig = () => ({
  changes: envInt('FRESHNESS_CHANGES', 60),
  connections: envInt('FRESHNESS_CONNECTIONS', 20),
  pollMs: envInt('FRESHNESS_POLL_MS', 10),
  timeoutMs: envInt('FRESHNESS_TIMEOUT_MS', 10_000),
});

const PRODUCT = operation('StorefrontProduct');
const CHANGE_PRICE = operation('ChangeProductPrice');
const ADJUST_STOCK = operation('AdjustStock');

interface Seen {
  price: string;
  available: number;
}

async function seen(routerUrl: string, id: string): Promise<Seen> {
  const res = await gql(routerUrl, PRODUCT, { id });
  const product = res.body.data?.product as { price: { amount: string }; stock: { available: number } } | undefined;
  if (res.status !== 200 || !product) {
    throw new Error(`StorefrontProduct(${id}): HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return { price: product.price.amount, available: product.stock.available };
}

function payloadErrors(res: Awaited<ReturnType<typeof gql>>, field: string): string | null {
  const payload = res.body.data?.[field] as { errors?: unknown[] } | undefined;
  if (res.status !== 200 || res.body.errors?.length || !payload) {
    return `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  }
  return payload.errors?.length ? JSON.stringify(payload.errors) : null;
}

function summary(latencies: number[], stale: number): FreshnessKind {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    changes: latencies.length + stale,
    stale,
    p50: round(percentile(sorted, 0.5), 1),
    p95: round(percentile(sorted, 0.95), 1),
    p99: round(percentile(sorted, 0.99), 1),
    max: round(sorted[sorted.length - 1] ?? 0, 1),
  };
}

/** The background load: the varied workload at the router until `stop` is called. */
function backgroundLoad(routerUrl: string, requests: WorkloadRequest[][], connections: number) {
  let errors = 0;
  let next = 0;
  const path = new URL(routerUrl).pathname;
  const lists = requests.map((list) =>
    list.map((r) => ({
      method: 'POST' as const,
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: r.query, variables: r.variables, operationName: r.operationName }),
      onResponse: (status: number, body: string) => {
        if (status !== 200 || !goodBody(body)) errors++;
      },
    })),
  );
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: routerUrl,
        connections,
        duration: 3600,
        timeout: 10,
        requests: [lists[0]?.[0] ?? {}],
        setupClient: (client) => client.setRequests(lists[next++ % lists.length] ?? []),
      },
      (err, result) => (err ? reject(err as Error) : resolve(result)),
    );
  });
  return {
    stop: async () => {
      instance?.stop();
      const result = await done;
      const seconds = Math.max(0.001, (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000);
      const requests = result.requests.total;
      return { connections, requests, rps: round(requests / seconds, 1), errors: errors + result.errors };
    },
  };
}

export async function runFreshnessScenario(opts: {
  routerUrl: string;
  subgraphUrls: Record<string, string>;
  log: (message: string) => void;
}): Promise<FreshnessResult | { skipped: string }> {
  const { routerUrl, subgraphUrls, log } = opts;
  const productsUrl = subgraphUrls.products;
  const inventoryUrl = subgraphUrls.inventory;
  if (!productsUrl || !inventoryUrl) return { skipped: 'no products or inventory subgraph' };
  const config = freshnessConfig();
  const catalogue = await readCatalogue(routerUrl);
  const products = catalogue.products.slice(0, config.changes);
  if (products.length === 0) return { skipped: 'no active product' };
  const admin = signToken({ sub: 'bench-freshness', role: 'ADMIN' });
  const workload = variedWorkload(catalogue, 20261207, config.connections);

  log(
    `freshness: ${products.length} changes (price and stock in turn) beside the router, read back every ${config.pollMs} ms, under the varied workload at ${config.connections} connections`,
  );
  const load = backgroundLoad(routerUrl, workload.perConnection, config.connections);
  const latencies = { price: [] as number[], stock: [] as number[] };
  const stale = { price: 0, stock: 0 };
  let background: Awaited<ReturnType<typeof load.stop>>;
  try {
    // A moment for the load to fill the cache before the first change.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const [i, product] of products.entries()) {
      const kind = i % 2 === 0 ? 'price' : 'stock';
      await seen(routerUrl, product.id);
      const before = await seen(routerUrl, product.id);
      let shows: (now: Seen) => boolean;
      if (kind === 'price') {
        const next = (Math.round(Number(before.price) * 100 + 1) / 100).toFixed(2);
        const res = await gql(
          productsUrl,
          CHANGE_PRICE,
          { input: { productId: product.id, price: next, reason: 'bench freshness' } },
          admin,
        );
        const failed = payloadErrors(res, 'changeProductPrice');
        if (failed) throw new Error(`changeProductPrice(${product.id}): ${failed}`);
        shows = (now) => Number(now.price) === Number(next);
      } else {
        const res = await gql(
          inventoryUrl,
          ADJUST_STOCK,
          { input: { productId: product.id, locationId: ONLINE_LOCATION_ID, delta: 1, note: 'bench freshness' } },
          admin,
        );
        const failed = payloadErrors(res, 'adjustStock');
        if (failed) throw new Error(`adjustStock(${product.id}): ${failed}`);
        shows = (now) => now.available === before.available + 1;
      }
      const changedAt = performance.now();
      for (;;) {
        if (shows(await seen(routerUrl, product.id))) {
          latencies[kind].push(performance.now() - changedAt);
          break;
        }
        if (performance.now() - changedAt > config.timeoutMs) {
          stale[kind]++;
          break;
        }
        await new Promise((r) => setTimeout(r, config.pollMs));
      }
    }
  } finally {
    background = await load.stop();
  }
  return {
    load: background,
    price: summary(latencies.price, stale.price),
    stock: summary(latencies.stock, stale.stock),
    pollMs: config.pollMs,
  };
}

export function freshnessLines(r: FreshnessResult): string[] {
  const line = (what: string, k: FreshnessKind) =>
    `  ${what}: ${k.changes} changes, seen through the router after p50 ${k.p50} ms, p95 ${k.p95} ms, p99 ${k.p99} ms, max ${k.max} ms; not seen within the timeout: ${k.stale}`;
  return [
    `freshness (entity cache on, under the varied workload: ${r.load.rps} req/s at ${r.load.connections} connections, errors ${r.load.errors}; read back every ${r.pollMs} ms):`,
    line('price (product.price_changed)', r.price),
    line('stock (stock.changed)', r.stock),
  ];
}
