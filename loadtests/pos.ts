/**
 * The bench's point-of-sale scenario, through the router: sales spread over the 5 demo stores and
 * their registers, 1 to 5 lines of active products each, `concurrency` at a time, each by a clerk of
 * the store with its own idempotency key. Registers are opened first and the stores' stock topped up
 * (so INSUFFICIENT_STOCK never decides the result). Measures sales per second, latency, errors, and
 * the cost per sale: SQL statements in retail and inventory, requests the subgraphs received, and
 * the router's fetches per subgraph (from each process's /metrics).
 */
import { randomBytes } from 'node:crypto';
import { operation } from '../schema/operations';
import { signToken } from '../subgraphs/kit/auth';
import {
  DEMO_REGISTERS_PER_STORE,
  DEMO_STORES,
  demoRegisterId,
  demoStaffIds,
  seededRandom,
} from '../subgraphs/kit/demo-ids';
import { addEffect, noEffects, type Effects } from './exactness';
import { gql, metricSum, metricsText, percentile, pool, round } from './util';

export interface PosResult {
  sales: number;
  lines: number;
  concurrency: number;
  durationS: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  errorCodes: Record<string, number>;
  /** Per sale, from the processes' counters (includes the payload's product lookups by the router). */
  perSale: Record<string, number>;
  /** What the completed sales sold (loadtests/exactness.ts checks stock and reports against it). */
  effects: Effects;
}

interface Options {
  routerUrl: string;
  /** Subgraph name -> its /graphql URL (the router's neighbours). */
  subgraphUrls: Record<string, string>;
  count: number;
  concurrency: number;
  adminToken: string;
  log: (message: string) => void;
}

/** The counters the scenario reports per sale. */
async function counters(opts: Options): Promise<Record<string, number>> {
  const [retail, inventory, products, router] = await Promise.all([
    metricsText(opts.subgraphUrls.retail ?? ''),
    // A cluster: its primary serves the workers' metrics summed on PORT + 100 (METRICS_PORT).
    metricsText(opts.subgraphUrls.inventory ?? '', 100),
    metricsText(opts.subgraphUrls.products ?? ''),
    metricsText(opts.routerUrl),
  ]);
  return {
    'retail SQL statements': metricSum(retail, 'db_statements_total'),
    'inventory SQL statements': metricSum(inventory, 'db_statements_total'),
    'inventory requests received': metricSum(inventory, 'http_request_duration_seconds_count', 'route="/graphql"'),
    'products requests received': metricSum(products, 'http_request_duration_seconds_count', 'route="/graphql"'),
    'router fetches to retail': metricSum(router, 'subgraph_fetch_duration_seconds_count', 'subgraph="retail"'),
    'router fetches to products': metricSum(router, 'subgraph_fetch_duration_seconds_count', 'subgraph="products"'),
  };
}

type Payload = { errors?: { code: string; message: string }[] } & Record<string, unknown>;

interface Register {
  storeId: string;
  locationId: string;
  registerId: string;
  token: string;
}

/** The scenario once its registers are open and its stock topped up: `run` sends the sales. */
export interface PreparedPos {
  sales: number;
  /** The products the sales may name. */
  productIds: string[];
  run: () => Promise<PosResult>;
}

/**
 * The set-up apart from the measured sales, so that the bench can start them together with another
 * load (the event-lag scenario runs sales and checkouts at once).
 */
export async function preparePosScenario(opts: Options): Promise<PreparedPos | { skipped: string }> {
  const { routerUrl, log } = opts;
  if (!opts.subgraphUrls.retail) return { skipped: 'no retail subgraph' };

  // Registers: every demo register opened (one already open is fine).
  const registers: Register[] = DEMO_STORES.flatMap((store) =>
    Array.from({ length: DEMO_REGISTERS_PER_STORE }, (_, i) => ({
      storeId: store.id,
      locationId: store.locationId,
      registerId: demoRegisterId(store.id, i + 1),
      token: signToken({ sub: demoStaffIds(store.id).clerks[i % 2]!, role: 'CLERK', storeId: store.id }),
    })),
  );
  for (const r of registers) {
    const res = await gql(
      routerUrl,
      operation('OpenRegister'),
      { input: { registerId: r.registerId, openingFloat: '200.00' } },
      r.token,
    );
    const codes = ((res.body.data?.openRegister as Payload | undefined)?.errors ?? []).map((e) => e.code);
    if (res.body.errors?.length || codes.some((c) => c !== 'SESSION_ALREADY_OPEN' && c !== 'REGISTER_ALREADY_OPEN')) {
      throw new Error(`openRegister ${r.registerId}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
  }

  // Products and stock: active products, each store's level topped up for every line that may name it.
  const listed = await gql(routerUrl, operation('CatalogPage'), { first: 40, filter: { active: true } });
  const products = ((listed.body.data?.products as { edges: { node: { id: string } }[] } | undefined)?.edges ?? []).map(
    (e) => e.node.id,
  );
  if (products.length === 0) throw new Error(`no active products: ${JSON.stringify(listed.body).slice(0, 300)}`);
  const random = seededRandom(7);
  const plan = Array.from({ length: opts.count }, (_, i) => {
    const register = registers[i % registers.length]!;
    const n = 1 + Math.floor(random() * 5);
    const chosen = new Set<string>();
    while (chosen.size < n) chosen.add(products[Math.floor(random() * products.length)]!);
    return { register, lines: [...chosen].map((productId) => ({ productId, quantity: 1 + Math.floor(random() * 2) })) };
  });
  const need = new Map<string, number>();
  for (const { register, lines } of plan) {
    for (const l of lines)
      need.set(
        `${register.locationId}|${l.productId}`,
        (need.get(`${register.locationId}|${l.productId}`) ?? 0) + l.quantity,
      );
  }
  log(`pos: topping up ${need.size} store stock levels`);
  await pool([...need], 8, async ([key, quantity]) => {
    const [locationId, productId] = key.split('|');
    const res = await gql(
      routerUrl,
      operation('AdjustStock'),
      { input: { productId, locationId, delta: quantity, reason: 'RECEIPT', note: 'bench top-up' } },
      opts.adminToken,
    );
    const payload = res.body.data?.adjustStock as Payload | undefined;
    if (res.body.errors?.length || payload?.errors?.length)
      throw new Error(`adjustStock: ${JSON.stringify(res.body).slice(0, 300)}`);
  });

  const run = randomBytes(4).toString('hex');
  return { sales: plan.length, productIds: products, run: () => sendSales(opts, registers.length, plan, run) };
}

async function sendSales(
  opts: Options,
  registerCount: number,
  plan: { register: Register; lines: { productId: string; quantity: number }[] }[],
  run: string,
): Promise<PosResult> {
  const { routerUrl, log } = opts;
  const before = await counters(opts);
  const latencies: number[] = [];
  const errorCodes: Record<string, number> = {};
  const effects = noEffects();
  log(`pos: ${opts.count} sales over ${registerCount} registers, ${opts.concurrency} at a time`);
  const started = performance.now();
  await pool(plan, opts.concurrency, async ({ register, lines }, i) => {
    const t0 = performance.now();
    const res = await gql(
      routerUrl,
      operation('RecordSale'),
      {
        input: {
          storeId: register.storeId,
          registerId: register.registerId,
          lines,
          paymentMethod: i % 3 === 0 ? 'CASH' : 'CARD',
          idempotencyKey: `bench-${run}-${i}`,
        },
      },
      register.token,
    );
    latencies.push(performance.now() - t0);
    const payload = res.body.data?.recordSale as
      (Payload & { sale?: { status?: string; total?: { amount: string } } | null }) | undefined;
    if (payload?.sale?.status === 'COMPLETED' && payload.sale.total)
      addEffect(effects, lines, payload.sale.total.amount);
    const code =
      res.body.errors?.[0]?.extensions?.code ??
      payload?.errors?.[0]?.code ??
      (payload?.sale?.status === 'COMPLETED' ? null : `status ${payload?.sale?.status ?? 'none'}`);
    if (res.status !== 200 || code)
      errorCodes[String(code ?? `HTTP ${res.status}`)] = (errorCodes[String(code ?? `HTTP ${res.status}`)] ?? 0) + 1;
  });
  const durationS = (performance.now() - started) / 1000;
  const after = await counters(opts);
  latencies.sort((a, b) => a - b);
  const perSale: Record<string, number> = {};
  for (const [name, value] of Object.entries(after))
    perSale[name] = round((value - (before[name] ?? 0)) / opts.count, 2);
  return {
    sales: opts.count,
    lines: plan.reduce((n, p) => n + p.lines.length, 0),
    concurrency: opts.concurrency,
    durationS: round(durationS, 2),
    perSecond: round(opts.count / durationS, 1),
    p50: round(percentile(latencies, 0.5), 1),
    p95: round(percentile(latencies, 0.95), 1),
    p99: round(percentile(latencies, 0.99), 1),
    errors: Object.values(errorCodes).reduce((a, b) => a + b, 0),
    errorCodes,
    perSale,
    effects,
  };
}
