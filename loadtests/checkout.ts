/**
 * The bench's checkout scenario, through the router: `count` distinct customers are registered
 * beforehand, each with a shipping address and 1 to 3 cart lines of active products whose online
 * stock is topped up first (so INSUFFICIENT_STOCK never decides the result); then every customer
 * checks out once, with their own token and idempotency key, `concurrency` at a time. Measures
 * checkouts per second, latency and errors (anything but a CONFIRMED order with no errors).
 */
import { randomBytes } from 'node:crypto';
import { operation } from '../schema/operations';
import { ONLINE_LOCATION_ID, seededRandom } from '../subgraphs/kit/demo-ids';
import { addEffect, noEffects, type Effects } from './exactness';
import { gql, percentile, pool, round } from './util';

export interface CheckoutResult {
  checkouts: number;
  lines: number;
  concurrency: number;
  durationS: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  errorCodes: Record<string, number>;
  setupS: number;
  /** What the confirmed orders sold (loadtests/exactness.ts checks stock and reports against it). */
  effects: Effects;
}

interface Options {
  routerUrl: string;
  count: number;
  concurrency: number;
  /** An ADMIN token: tops up online stock with adjustStock. */
  adminToken: string;
  log: (message: string) => void;
}

// The measured checkout is QuickCheckout, the mobile app's lean selection: the contract's Checkout also
// resolves each line's product through the products subgraph and the order history, which would change
// what the bench measures (docs/benchmarks.md).
const CHECKOUT = operation('QuickCheckout');

interface Customer {
  token: string;
  addressId: string;
  lines: { productId: string; quantity: number }[];
}

type Payload = { errors?: { code: string; message: string }[] } & Record<string, unknown>;

function payloadOf(res: Awaited<ReturnType<typeof gql>>, field: string): Payload {
  if (res.status !== 200 || res.body.errors?.length) {
    throw new Error(`${field}: HTTP ${res.status} ${JSON.stringify(res.body.errors ?? res.body).slice(0, 300)}`);
  }
  const payload = res.body.data?.[field] as Payload | undefined;
  if (!payload) throw new Error(`${field}: no payload`);
  if (payload.errors?.length) throw new Error(`${field}: ${JSON.stringify(payload.errors)}`);
  return payload;
}

/** The scenario once its customers are registered with their carts: `run` checks them out. */
export interface PreparedCheckout {
  checkouts: number;
  /** The products the carts hold. */
  productIds: string[];
  run: () => Promise<CheckoutResult>;
}

/**
 * The set-up apart from the measured checkouts, so that the bench can start them together with
 * another load (the event-lag scenario runs sales and checkouts at once).
 */
export async function prepareCheckoutScenario(opts: Options): Promise<PreparedCheckout | { skipped: string }> {
  const { routerUrl, log } = opts;
  const probe = await gql(routerUrl, '{ __type(name: "Mutation") { fields { name } } }');
  const mutations = ((probe.body.data?.__type as { fields?: { name: string }[] } | null)?.fields ?? []).map(
    (f) => f.name,
  );
  if (!mutations.includes('checkout') || !mutations.includes('registerCustomer')) {
    return { skipped: 'the supergraph has no checkout mutation (ecommerce not composed)' };
  }
  const setupStarted = Date.now();

  // Products: a catalogue page of active ones, each with enough online stock for every line that may name it.
  const listed = await gql(routerUrl, operation('CatalogPage'), { first: 40, filter: { active: true } });
  const edges = (listed.body.data?.products as { edges: { node: { id: string } }[] } | undefined)?.edges ?? [];
  if (edges.length === 0) throw new Error(`no active products: ${JSON.stringify(listed.body).slice(0, 300)}`);
  const products = edges.map((e) => e.node.id);
  const random = seededRandom(42);
  const plan = Array.from({ length: opts.count }, () => {
    const n = 1 + Math.floor(random() * 3);
    const chosen = new Set<string>();
    while (chosen.size < n) chosen.add(products[Math.floor(random() * products.length)]!);
    return [...chosen].map((productId) => ({ productId, quantity: 1 + Math.floor(random() * 2) }));
  });
  const need = new Map<string, number>();
  for (const lines of plan) for (const l of lines) need.set(l.productId, (need.get(l.productId) ?? 0) + l.quantity);
  let toppedUp = 0;
  for (const productId of products) {
    const wanted = (need.get(productId) ?? 0) + 20;
    const stock = await gql(routerUrl, operation('ProductStockLevels'), { id: productId });
    const levels =
      (stock.body.data?.product as { stock: { levels: { location: { id: string }; available: number }[] } } | null)
        ?.stock.levels ?? [];
    const available = levels.find((l) => l.location.id === ONLINE_LOCATION_ID)?.available ?? 0;
    if (available >= wanted) continue;
    payloadOf(
      await gql(
        routerUrl,
        operation('AdjustStock'),
        {
          input: {
            productId,
            locationId: ONLINE_LOCATION_ID,
            delta: wanted - available,
            reason: 'RECEIPT',
            note: 'bench top-up',
          },
        },
        opts.adminToken,
      ),
      'adjustStock',
    );
    toppedUp++;
  }
  log(
    `checkout: ${products.length} active products, ${toppedUp} topped up online; registering ${opts.count} customers`,
  );

  // Customers: registration hashes a password (scrypt), so a few at a time.
  const run = randomBytes(4).toString('hex');
  const customers = await pool(plan, 6, async (lines, i): Promise<Customer> => {
    const reg = payloadOf(
      await gql(routerUrl, operation('RegisterCustomer'), {
        input: {
          email: `bench-${run}-${i}@example.com`,
          password: `bench-password-${run}`,
          firstName: 'Bench',
          lastName: `Customer ${i}`,
        },
      }),
      'registerCustomer',
    );
    const token = reg.token as string;
    const addr = payloadOf(
      await gql(
        routerUrl,
        operation('AddAddress'),
        {
          input: {
            address: {
              line1: `${i} rue du Banc d'essai`,
              city: 'Montréal',
              region: 'QC',
              postalCode: 'H2X 1Y4',
              country: 'CA',
            },
          },
        },
        token,
      ),
      'addAddress',
    );
    for (const line of lines)
      payloadOf(await gql(routerUrl, operation('AddToCart'), { input: line }, token), 'addToCart');
    return { token, addressId: (addr.address as { id: string }).id, lines };
  });
  const setupS = (Date.now() - setupStarted) / 1000;
  const lineCount = customers.reduce((n, c) => n + c.lines.length, 0);
  log(`checkout: ${customers.length} customers ready with ${lineCount} cart lines in ${setupS.toFixed(1)} s`);
  return { checkouts: customers.length, productIds: products, run: () => checkOut(opts, customers, run, setupS) };
}

async function checkOut(opts: Options, customers: Customer[], run: string, setupS: number): Promise<CheckoutResult> {
  const { routerUrl, log } = opts;
  const lineCount = customers.reduce((n, c) => n + c.lines.length, 0);
  log(`checkout: ${customers.length} checkouts at concurrency ${opts.concurrency}`);

  // The measured part: one checkout per customer, own token, own idempotency key.
  const latencies: number[] = [];
  const errorCodes: Record<string, number> = {};
  const fail = (code: string) => (errorCodes[code] = (errorCodes[code] ?? 0) + 1);
  const effects = noEffects();
  const started = process.hrtime.bigint();
  await pool(customers, opts.concurrency, async (c, i) => {
    const t0 = process.hrtime.bigint();
    let res: Awaited<ReturnType<typeof gql>>;
    try {
      res = await gql(
        routerUrl,
        CHECKOUT,
        {
          input: {
            shippingAddressId: c.addressId,
            paymentMethod: {
              cardNumber: '4242 4242 4242 4242',
              expiryMonth: 12,
              expiryYear: 2035,
              cvc: '123',
              holderName: 'Bench',
            },
            idempotencyKey: `bench-${run}-${i}`,
          },
        },
        c.token,
      );
    } catch (err) {
      fail(`NETWORK: ${(err as Error).message}`);
      return;
    }
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200) return fail(`HTTP_${res.status}`);
    if (res.body.errors?.length) return fail(res.body.errors[0]?.extensions?.code ?? 'GRAPHQL_ERROR');
    const payload = res.body.data?.checkout as
      { order: { status: string; total: { amount: string } } | null; errors: { code: string }[] } | undefined;
    if (payload?.errors.length) return fail(payload.errors[0]!.code);
    if (payload?.order?.status !== 'CONFIRMED') return fail(`ORDER_${payload?.order?.status ?? 'MISSING'}`);
    addEffect(effects, c.lines, payload.order.total.amount);
  });
  const durationS = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const errors = Object.values(errorCodes).reduce((a, b) => a + b, 0);
  return {
    checkouts: customers.length,
    lines: lineCount,
    concurrency: opts.concurrency,
    durationS: round(durationS, 2),
    perSecond: round(customers.length / durationS, 1),
    p50: round(percentile(latencies, 0.5), 1),
    p95: round(percentile(latencies, 0.95), 1),
    p99: round(percentile(latencies, 0.99), 1),
    errors,
    errorCodes,
    setupS: round(setupS, 1),
    effects,
  };
}
