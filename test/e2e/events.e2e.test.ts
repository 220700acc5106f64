/**
 * The event pipeline end to end, with nothing faked: the five subgraphs and the router, demo data,
 * a known mix of online orders (one cancelled, one shipped, one declined), point-of-sale sales in two
 * stores (one returned from, one cancelled, a register closed), stock adjustments and replenishment
 * requests, all through the router. The producers write their events in the outbox, their relays
 * publish them, reports consumes them. Then:
 * - SalesReport for today equals, to the cent and in every breakdown, the sums computed from the
 *   producers' own rows (orders, sales, returns; categories from products), and Dashboard's counts
 *   equal them;
 * - every event the producers wrote is described by docs/events.md, and all fourteen types occurred;
 * - `npm run reports:rebuild` on the live system, with sales going on, ends with the same totals.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  AdjustStockDocument,
  ApproveReplenishmentDocument,
  CancelOrderDocument,
  CancelSaleDocument,
  ChangeProductPriceDocument,
  CloseRegisterDocument,
  CreateProductDocument,
  DashboardDocument,
  OpenRegisterDocument,
  RecordSaleDocument,
  RejectReplenishmentDocument,
  RequestReplenishmentDocument,
  ReturnSaleDocument,
  SalesReportDocument,
  ShipOrderDocument,
  StaffLoginDocument,
  UpdateProductDocument,
} from '../../schema/operations/generated';
import { CARD_DECLINED, addToCart, checkout, newCustomer } from '../subgraphs/ecommerce/helpers';
import { chainDay } from '../../subgraphs/reports/domain/calendar';
import { RETAINED_EVENTS_QUERY } from '../../subgraphs/reports/event-sources';
import { amount } from '../subgraphs/reports/helpers';
import { DEMO_STAFF, DEMO_STAFF_PASSWORD } from '../../subgraphs/retail/seed';
import { contractViolations, readEventContract } from '../helpers/event-contract';
import { eventsSettled, PIPELINE_STACK_ENV } from '../helpers/events';
import { expectedOf, factsFromSources, figuresOf } from '../helpers/report-sources';
import { startStack, type Stack } from '../helpers/stack';
import { postGraphQL, tokens, type GqlResult } from '../helpers/toolkit';

/** What RETAINED_EVENTS_QUERY selects: a page of a producer's retained envelopes, as JSON texts. */
interface RetainedEventsOut {
  retainedEvents: { events: string[]; endCursor: string | null; hasNextPage: boolean };
}

const ROOT = path.join(__dirname, '..', '..');
const PRODUCERS = ['ecommerce', 'retail', 'inventory', 'products'] as const;
const today = chainDay(new Date());
const product = (n: number) => `prod-${String(n).padStart(4, '0')}`;

describe('events from the producers to reports, through the router (five subgraphs, demo data)', () => {
  let stack: Stack;
  let redis: Redis;
  let prefix: string;
  const staffToken = new Map<string, string>();
  let keys = 0;
  const key = (p: string) => `${p}-${Date.now()}-${++keys}`;

  const sourceUrls = () => ({
    products: stack.databases.products!.url,
    retail: stack.databases.retail!.url,
    ecommerce: stack.databases.ecommerce!.url,
  });
  const settled = () =>
    eventsSettled(
      PRODUCERS.map((s) => stack.databases[s]!.url),
      redis,
      prefix,
    );
  const sale = async (storeId: string, registerId: string, lines: { productId: string; quantity: number }[]) => {
    const res = await stack.gql(
      RecordSaleDocument,
      { input: { storeId, registerId, lines, paymentMethod: 'CARD', idempotencyKey: key('sale') } },
      { token: staffToken.get(`CLERK:${storeId}`) },
    );
    const s = res.body.data?.recordSale;
    if (!s?.sale) throw new Error(`sale refused: ${JSON.stringify(res.body)}`);
    return s.sale;
  };

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'ecommerce', 'retail', 'reports'],
      seed: true,
      env: { ...PIPELINE_STACK_ENV },
    });
    prefix = process.env.REDIS_PREFIX!;
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    for (const e of DEMO_STAFF.filter((s) => ['store-1', 'store-2', null].includes(s.storeId))) {
      const res = await stack.gql(StaffLoginDocument, { input: { email: e.email, password: DEMO_STAFF_PASSWORD } });
      const token = res.body.data?.staffLogin.token;
      if (token) staffToken.set(`${e.role}:${e.storeId ?? 'chain'}`, token);
    }
    for (const storeId of ['store-1', 'store-2']) {
      const opened = await stack.gql(
        OpenRegisterDocument,
        { input: { registerId: `reg-${storeId}-1`, openingFloat: '100.00' } },
        { token: staffToken.get(`CLERK:${storeId}`) },
      );
      expect(opened.body.data?.openRegister.errors).toEqual([]);
    }

    // Online: three confirmed orders (one then cancelled, one shipped) and one declined.
    const orders: string[] = [];
    for (const [i, lines] of [
      [[1, 1]],
      [
        [2, 2],
        [3, 1],
      ],
      [[4, 3]],
    ].entries()) {
      const c = await newCustomer(stack.gql, `events-${i}`);
      for (const [n, q] of lines as [number, number][]) await addToCart(stack.gql, c, product(n), q);
      const res = await checkout(stack.gql, c);
      const order = res.body.data?.checkout?.order;
      if (order?.status !== 'CONFIRMED') throw new Error(`checkout failed: ${JSON.stringify(res.body)}`);
      orders.push(order.id);
      if (i === 0) {
        const cancelled = await stack.gql(
          CancelOrderDocument,
          { input: { orderId: order.id, reason: 'changed my mind' } },
          { token: c.token },
        );
        expect(cancelled.body.data?.cancelOrder.order?.status).toBe('CANCELLED');
      }
    }
    const shipped = await stack.gql(ShipOrderDocument, { input: { orderId: orders[1]! } }, { token: tokens.admin() });
    expect(shipped.body.data?.shipOrder.order?.status).toBe('SHIPPED');
    const declined = await newCustomer(stack.gql, 'events-declined');
    await addToCart(stack.gql, declined, product(5), 1);
    expect((await checkout(stack.gql, declined, { card: CARD_DECLINED })).body.data?.checkout?.order?.status).not.toBe(
      'CONFIRMED',
    );

    // Point of sale: sales in two stores, a return, a cancellation, a register closed.
    const s1 = await sale('store-1', 'reg-store-1-1', [
      { productId: product(10), quantity: 2 },
      { productId: product(11), quantity: 1 },
    ]);
    await sale('store-1', 'reg-store-1-1', [{ productId: product(12), quantity: 1 }]);
    const s3 = await sale('store-2', 'reg-store-2-1', [{ productId: product(13), quantity: 1 }]);
    await sale('store-2', 'reg-store-2-1', [{ productId: product(14), quantity: 4 }]);
    const returnedLine = s1.lines[0];
    if (!returnedLine) throw new Error(`the first sale came back without lines: ${JSON.stringify(s1)}`);
    const returned = await stack.gql(
      ReturnSaleDocument,
      {
        input: {
          saleId: s1.id,
          registerId: 'reg-store-1-1',
          lines: [{ saleLineId: returnedLine.id, quantity: 1 }],
          refundMethod: 'CARD',
          idempotencyKey: key('return'),
        },
      },
      { token: staffToken.get('CLERK:store-1') },
    );
    expect(returned.body.data?.returnSale.errors).toEqual([]);
    const cancelled = await stack.gql(
      CancelSaleDocument,
      { input: { saleId: s3.id, reason: 'rung up twice' } },
      { token: staffToken.get('MANAGER:store-2') },
    );
    expect(cancelled.body.data?.cancelSale.errors).toEqual([]);
    const closed = await stack.gql(
      CloseRegisterDocument,
      { input: { registerId: 'reg-store-2-1', countedCash: '100.00' } },
      { token: staffToken.get('CLERK:store-2') },
    );
    expect(closed.body.data?.closeRegister.errors).toEqual([]);

    // Inventory: an adjustment, a request approved and one rejected.
    const adjusted = await stack.gql(
      AdjustStockDocument,
      { input: { productId: product(20), locationId: 'loc-store-1', delta: 5, reason: 'RECEIPT' } },
      { token: staffToken.get('MANAGER:store-1') },
    );
    expect(adjusted.body.errors).toBeUndefined();
    const requested: string[] = [];
    for (const n of [21, 22]) {
      const res = await stack.gql(
        RequestReplenishmentDocument,
        { input: { lines: [{ productId: product(n), quantity: 2 }] } },
        { token: staffToken.get('CLERK:store-1') },
      );
      const id = res.body.data?.requestReplenishment.request?.id;
      if (!id) throw new Error(`request refused: ${JSON.stringify(res.body)}`);
      requested.push(id);
    }
    const approved = await stack.gql(
      ApproveReplenishmentDocument,
      { input: { requestId: requested[0]! } },
      { token: tokens.admin() },
    );
    expect(approved.body.data?.approveReplenishment.errors).toEqual([]);
    const rejected = await stack.gql(
      RejectReplenishmentDocument,
      { input: { requestId: requested[1]!, reason: 'enough in store' } },
      { token: tokens.admin() },
    );
    expect(rejected.body.data?.rejectReplenishment.errors).toEqual([]);

    // Catalogue: a new product (never sold here, so no figure moves), updated and repriced.
    const created = await stack.gql(
      CreateProductDocument,
      { input: { sku: 'EV-E2E-1', name: 'Produit des événements', price: '12.00', categoryId: 'cat-home-decor' } },
      { token: tokens.admin() },
    );
    const newProduct = created.body.data?.createProduct.product?.id;
    if (!newProduct) throw new Error(`createProduct refused: ${JSON.stringify(created.body)}`);
    const updated = await stack.gql(
      UpdateProductDocument,
      { input: { productId: newProduct, description: 'Décrit', active: false } },
      { token: tokens.admin() },
    );
    expect(updated.body.data?.updateProduct.errors).toEqual([]);
    const repriced = await stack.gql(
      ChangeProductPriceDocument,
      { input: { productId: newProduct, price: '10.00', reason: 'Lancement' } },
      { token: tokens.admin() },
    );
    expect(repriced.body.data?.changeProductPrice.errors).toEqual([]);
    await settled();
  }, 240_000);

  afterAll(async () => {
    const keysLeft = await redis?.keys(`${prefix}*`);
    if (keysLeft?.length) await redis.del(...keysLeft);
    await redis?.quit();
    await stack?.stop();
  });

  const report = async () => {
    const res = await stack.gql(SalesReportDocument, { period: { from: today, to: today } }, { token: tokens.admin() });
    expect(res.body.errors).toBeUndefined();
    const salesReport = res.body.data?.salesReport;
    if (!salesReport) throw new Error(`no salesReport in the answer: ${JSON.stringify(res.body)}`);
    return salesReport;
  };

  it("gives SalesReport totals equal to the producers' own rows, to the cent in every breakdown, and Dashboard the same counts", async () => {
    const { ex, figures } = expectedOf(await factsFromSources(sourceUrls()), today);
    expect(ex.byChannel.ONLINE.transactions).toBe(2);
    expect(ex.byChannel.STORE.transactions).toBe(3);
    const got = figuresOf(await report());
    expect({ ...got, topProducts: undefined }).toEqual({ ...figures, topProducts: undefined });
    expect(got.topProducts.length).toBeGreaterThan(0);
    for (const [id, cents, units] of got.topProducts) {
      expect([id, cents, units]).toEqual([id, ex.byProduct[id]?.revenueCents, ex.byProduct[id]?.unitsSold]);
    }
    const dash = await stack.gql(DashboardDocument, {}, { token: tokens.admin() });
    expect(dash.body.errors).toBeUndefined();
    expect(dash.body.data?.dashboard).toMatchObject({
      revenueToday: { amount: amount(ex.revenueCents), currency: 'CAD' },
      ordersToday: ex.byChannel.ONLINE.transactions,
      salesToday: ex.byChannel.STORE.transactions,
    });
  });

  it('wrote only events docs/events.md describes, published as retained, and all fourteen types occurred', async () => {
    const contract = readEventContract();
    const types = new Set<string>();
    for (const s of PRODUCERS) {
      const url = stack.subgraph(s).url;
      const texts: string[] = [];
      let after: string | null = null;
      for (;;) {
        // Annotated: `after` is reassigned from this answer, which TypeScript would otherwise infer in a loop.
        const res: GqlResult<RetainedEventsOut> = await postGraphQL(
          url,
          RETAINED_EVENTS_QUERY,
          { after, first: 500 },
          { token: tokens.service('reports') },
        );
        expect(res.body.errors).toBeUndefined();
        const page = res.body.data?.retainedEvents;
        if (!page) throw new Error(`${s} answered no retainedEvents page: ${JSON.stringify(res.body)}`);
        texts.push(...page.events);
        after = page.endCursor;
        if (!page.hasNextPage) break;
      }
      expect(texts.length).toBeGreaterThan(0);
      // What the relay published is what is retained, entry for entry.
      const streamed = (await redis.xrange(`${prefix}events:${s}`, '-', '+')).map(([, f]) => f[1]!);
      expect(new Set(streamed)).toEqual(new Set(texts));
      for (const text of texts) {
        const envelope = JSON.parse(text) as Record<string, unknown>;
        types.add(String(envelope.type));
        expect({ type: envelope.type, problems: contractViolations(contract, envelope) }).toEqual({
          type: envelope.type,
          problems: [],
        });
      }
      const forbidden = await postGraphQL(
        url,
        '{ retainedEvents(first: 1) { hasNextPage } }',
        {},
        { token: tokens.admin() },
      );
      expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect([...types].sort()).toEqual(contract.events.map((e) => e.type).sort());
  });

  it('rebuilds the read models on the live system, sales going on, to the same totals', async () => {
    let selling = true;
    const background = (async () => {
      let n = 0;
      while (selling) await sale('store-1', 'reg-store-1-1', [{ productId: product(30 + (n++ % 5)), quantity: 1 }]);
      return n;
    })();
    const env = {
      ...process.env,
      REPORTS_DATABASE_URL: stack.databases.reports!.url,
      ECOMMERCE_URL: stack.subgraph('ecommerce').url,
      RETAIL_URL: stack.subgraph('retail').url,
      INVENTORY_URL: stack.subgraph('inventory').url,
    };
    const cli = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/reports/rebuild-cli.ts'], { cwd: ROOT, env });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    selling = false;
    const sold = await background;
    expect({ code, out: code === 0 ? '' : out }).toEqual({ code: 0, out: '' });
    const summary = JSON.parse(out.trim().split('\n').pop()!) as { applied: number; rejected: number };
    expect(summary.rejected).toBe(0);
    expect(summary.applied).toBeGreaterThan(10);
    expect(sold).toBeGreaterThan(0);
    await settled();
    const { figures } = expectedOf(await factsFromSources(sourceUrls()), today);
    expect({ ...figuresOf(await report()), topProducts: undefined }).toEqual({ ...figures, topProducts: undefined });
  });
});
