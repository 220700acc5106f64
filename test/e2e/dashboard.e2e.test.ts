/**
 * The contract's Dashboard operation through the router (issue 9 point 4): reports answers today's
 * sales, then inventory its stock figures for the same key, one fetch each. ADMIN gets the chain's,
 * a MANAGER their store's; the sales equal the events published today and the stock figures what
 * inventory's tables say; CLERK and CUSTOMER get FORBIDDEN.
 */
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { demoProducts } from '../../subgraphs/products/seed';
import { dashboardStockFigures } from '../subgraphs/inventory/helpers';
import { amount, drained, events, expectedFigures, publish, type Line } from '../subgraphs/reports/helpers';
import {
  ApproveReplenishmentDocument,
  DashboardDocument,
  RequestReplenishmentDocument,
} from '../../schema/operations/generated';
import { startStack, type Stack } from '../helpers/stack';
import { errorCodes, tokens } from '../helpers/toolkit';

const PRODUCTS = new Map(demoProducts().map((p) => [p.id, p]));

function line(n: number, quantity: number): Line {
  const p = PRODUCTS.get(`prod-${String(n).padStart(4, '0')}`)!;
  return { productId: p.id, categoryId: p.categoryId, quantity, unitPriceCents: p.priceCents };
}

const todays = [
  events.orderConfirmed('ord-dash-1', [line(1, 2)]),
  events.saleRecorded('sale-dash-3a', 'store-3', [line(5, 1), line(6, 3)]),
  events.saleRecorded('sale-dash-3b', 'store-3', [line(7, 1)]),
  events.saleRecorded('sale-dash-1', 'store-1', [line(8, 2)]),
];

describe('Dashboard through the router', () => {
  let stack: Stack;
  let redis: Redis;
  let prefix: string;
  let pg: Client;

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'reports'],
      seed: true,
      // No report job timer: nothing but the operation under test sends statements to reports.
      env: { REPORTS_BLOCK_MS: '100', REPORTS_JOB_INTERVAL_MS: '0' },
    });
    prefix = process.env.REDIS_PREFIX!;
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await publish(redis, prefix, todays);
    await drained(redis, prefix);
    pg = new Client({ connectionString: stack.databases.inventory!.url });
    await pg.connect();

    // store-3 asks twice, store-1 once and is approved: 2 pending for store-3, 0 for store-1.
    const ask = async (storeId: string, product: number) => {
      const res = await stack.gql(
        RequestReplenishmentDocument,
        { input: { lines: [{ productId: `prod-${String(product).padStart(4, '0')}`, quantity: 3 }] } },
        { token: tokens.clerk(storeId) },
      );
      expect(res.body.data?.requestReplenishment.errors).toEqual([]);
      return res.body.data!.requestReplenishment.request!.id;
    };
    await ask('store-3', 21);
    await ask('store-3', 22);
    const approved = await stack.gql(
      ApproveReplenishmentDocument,
      { input: { requestId: await ask('store-1', 23) } },
      { token: tokens.admin() },
    );
    expect(approved.body.data?.approveReplenishment.request?.status).toBe('APPROVED');
  }, 180_000);

  afterAll(async () => {
    await pg?.end();
    const keys = await redis?.keys(`${prefix}*`);
    if (keys?.length) await redis.del(...keys);
    await redis?.quit();
    await stack?.stop();
  });

  /** Inventory's figures counted here from its rows: low = onHand - reserved <= reorderPoint. */
  const stockFigures = (storeId: string | null) => dashboardStockFigures(pg, storeId);

  it("gives ADMIN the chain's dashboard: today's sales and every location's stock, one statement in each subgraph", async () => {
    const before = await Promise.all([stack.statements('reports'), stack.statements('inventory')]);
    const res = await stack.gql(DashboardDocument, {}, { token: tokens.admin() });
    const after = await Promise.all([stack.statements('reports'), stack.statements('inventory')]);
    expect(res.body.errors).toBeUndefined();
    const today = expectedFigures(todays, '0000-01-01', '9999-12-31');
    const stock = await stockFigures(null);
    expect(res.body.data!.dashboard).toEqual({
      revenueToday: { amount: amount(today.revenueCents), currency: 'CAD' },
      ordersToday: 1,
      salesToday: 3,
      ...stock,
    });
    expect(stock.pendingReplenishments).toBe(2);
    // The seeded demo stock has levels at or below their reorder point (warehouse and stores).
    expect(stock.lowStockCount).toBeGreaterThan(0);
    expect({ reports: after[0]! - before[0]!, inventory: after[1]! - before[1]! }).toEqual({
      reports: 1,
      inventory: 1,
    });
  });

  it("gives a MANAGER their store's dashboard, and store-1's manager store-1's", async () => {
    const three = await stack.gql(DashboardDocument, {}, { token: tokens.manager('store-3') });
    expect(three.body.errors).toBeUndefined();
    const sales3 = expectedFigures(todays, '0000-01-01', '9999-12-31', 'store-3');
    const stock3 = await stockFigures('store-3');
    expect(three.body.data!.dashboard).toEqual({
      revenueToday: { amount: amount(sales3.revenueCents), currency: 'CAD' },
      ordersToday: 0,
      salesToday: 2,
      ...stock3,
    });
    expect(stock3.pendingReplenishments).toBe(2);

    const one = await stack.gql(DashboardDocument, {}, { token: tokens.manager('store-1') });
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data!.dashboard).toMatchObject({ salesToday: 1, ...(await stockFigures('store-1')) });
    expect(one.body.data!.dashboard.pendingReplenishments).toBe(0);
  });

  it('refuses CLERK and CUSTOMER with FORBIDDEN, and no token with UNAUTHENTICATED', async () => {
    for (const token of [tokens.clerk('store-3'), tokens.customer()]) {
      const res = await stack.gql(DashboardDocument, {}, { token });
      expect({ data: res.body.data ?? null, codes: errorCodes(res.body.errors) }).toEqual({
        data: null,
        codes: ['FORBIDDEN'],
      });
    }
    const anonymous = await stack.gql(DashboardDocument, {});
    expect(errorCodes(anonymous.body.errors)).toEqual(['UNAUTHENTICATED']);
  });
});
