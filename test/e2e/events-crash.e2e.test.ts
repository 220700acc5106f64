/**
 * Events survive what kills them in production, with nothing faked: retail runs as its own process
 * (`subgraphs/retail/index.ts`) and Redis as its own redis-server (append-only file), beside products,
 * inventory, reports and the router.
 * - retail killed (SIGKILL) after a sale committed and before its relay published it: the restarted
 *   process publishes it, and reports counts it once.
 * - Redis stopped and started while sales go on: the sales succeed, events wait in the outbox, the
 *   relays catch up, and the totals end exact (every sale counted once).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { OpenRegisterDocument, RecordSaleDocument, SalesReportDocument } from '../../schema/operations/generated';
import { startLocalRedis } from '../../scripts/redis-server';
import { sqlRows } from '../subgraphs/ecommerce/helpers';
import { chainDay } from '../../subgraphs/reports/domain/calendar';
import { typeDefs } from '../../subgraphs/retail/server';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { eventsSettled, unpublished } from '../helpers/events';
import { expectedOf, factsFromSources, figuresOf } from '../helpers/report-sources';
import { startStack, type Stack } from '../helpers/stack';
import { subgraphProcess, type SubgraphProcess } from '../helpers/subgraph-process';
import { freePort, tokens, waitFor } from '../helpers/toolkit';

const STORE = 'store-2';
const REGISTER = 'reg-store-2-1';
const today = chainDay(new Date());
const product = (n: number) => `prod-${String(n).padStart(4, '0')}`;

describe('events through crashes and a Redis outage (retail and Redis as their own processes)', () => {
  let stack: Stack;
  let retailDb: TestDatabase;
  let retail: SubgraphProcess;
  let redisServer: { url: string; stop: () => Promise<void> };
  let redisPort: number;
  let redisDir: string;
  let redis: Redis;
  let keys = 0;
  const clerk = tokens.clerk(STORE, 'emp-store-2-clerk-1');

  const pending = () => unpublished([retailDb.url]);
  const sale = async (n: number) => {
    const res = await stack.gql(
      RecordSaleDocument,
      {
        input: {
          storeId: STORE,
          registerId: REGISTER,
          lines: [{ productId: product(40 + (n % 7)), quantity: 1 + (n % 2) }],
          paymentMethod: 'CARD',
          idempotencyKey: `crash-${Date.now()}-${++keys}`,
        },
      },
      { token: clerk },
    );
    const s = res.body.data?.recordSale.sale;
    if (!s || s.status !== 'COMPLETED') throw new Error(`sale not completed: ${JSON.stringify(res.body)}`);
    return s;
  };
  const reportFigures = async () => {
    const res = await stack.gql(SalesReportDocument, { period: { from: today, to: today } }, { token: tokens.admin() });
    expect(res.body.errors).toBeUndefined();
    return figuresOf(res.body.data!.salesReport);
  };
  const expected = async () =>
    expectedOf(await factsFromSources({ products: stack.databases.products!.url, retail: retailDb.url }), today);
  const settled = () => eventsSettled([retailDb.url], redis, process.env.REDIS_PREFIX!);

  beforeAll(async () => {
    redisPort = await freePort();
    redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-crash-redis-'));
    redisServer = await startLocalRedis(redisPort, 10_000, { dir: redisDir });
    const retailPort = await freePort();
    retailDb = await freshDatabase('events_crash_retail');
    stack = await startStack({
      services: ['products', 'inventory', 'reports'],
      seed: true,
      env: { REDIS_URL: redisServer.url, REPORTS_BLOCK_MS: '100', REPORTS_JOB_INTERVAL_MS: '0', OUTBOX_POLL_MS: '50' },
      externalSubgraphs: { retail: { url: `http://127.0.0.1:${retailPort}/graphql`, typeDefs } },
    });
    redis = new Redis(redisServer.url);
    retail = subgraphProcess({
      name: 'retail',
      port: retailPort,
      dbUrl: retailDb.url,
      stack,
      faultVar: 'OUTBOX_RELAY',
      env: { SEED_DEMO: '1', RETAIL_SEED_HISTORY_DAYS: '0', OUTBOX_POLL_MS: '50' },
    });
    await retail.start();
    const opened = await stack.gql(
      OpenRegisterDocument,
      { input: { registerId: REGISTER, openingFloat: '50.00' } },
      { token: clerk },
    );
    expect(opened.body.data?.openRegister.errors).toEqual([]);
    await settled();
  }, 180_000);

  afterAll(async () => {
    await retail?.stop();
    redis?.disconnect();
    await stack?.stop();
    await retailDb?.drop();
    await redisServer?.stop();
    if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
  });

  it('publishes, after a restart, the event of a sale whose process was killed before its relay published it', async () => {
    await retail.stop();
    // A retail whose relay never runs: every commit stays "written, not published", as when the
    // process dies between the two.
    const noRelay = await retail.start({ OUTBOX_RELAY: 'off' });
    const before = await reportFigures();
    const sold = await sale(1);
    const rows = await sqlRows<{ type: string; published_at: Date | null }>(
      retailDb.url,
      "select type, published_at from outbox where aggregate_id = $1 and type = 'sale.recorded'",
      [sold.id],
    );
    expect(rows).toEqual([{ type: 'sale.recorded', published_at: null }]);
    noRelay.proc.kill('SIGKILL');
    expect(await noRelay.exited).toBeNull();
    expect(await reportFigures()).toEqual(before);

    await retail.start();
    await settled();
    const after = await reportFigures();
    expect(after.byChannel.STORE![1]).toBe((before.byChannel.STORE?.[1] ?? 0) + 1);
    expect({ ...after, topProducts: undefined }).toEqual({ ...(await expected()).figures, topProducts: undefined });
  });

  it('goes on selling through a Redis outage; the relay catches up and the totals end exact', async () => {
    let selling = true;
    let sold = 0;
    const seller = (async () => {
      while (selling) {
        await sale(sold);
        sold += 1;
      }
    })();
    await waitFor('a few sales', () => sold >= 3, 20_000);
    await redisServer.stop();
    const soldWhenDown = sold;
    await waitFor('sales while Redis is down', () => sold >= soldWhenDown + 5, 30_000);
    // Written, waiting in the outbox.
    expect(await pending()).toBeGreaterThan(0);
    redisServer = await startLocalRedis(redisPort, 10_000, { dir: redisDir });
    const soldWhenUp = sold;
    await waitFor('sales after Redis is back', () => sold >= soldWhenUp + 3, 30_000);
    selling = false;
    await seller;
    await settled();

    const { figures } = await expected();
    expect({ ...(await reportFigures()), topProducts: undefined }).toEqual({ ...figures, topProducts: undefined });
    // Each completed sale applied once: reports' processed ids equal retail's sales.
    const completed = await sqlRows<{ n: number }>(
      retailDb.url,
      "select count(*)::int as n from sales where status = 'COMPLETED'",
    );
    const applied = await sqlRows<{ n: number }>(
      stack.databases.reports!.url,
      "select count(*)::int as n from processed_events where type = 'sale.recorded'",
    );
    expect(applied[0]!.n).toBe(completed[0]!.n);
  });
});
