import { Client } from 'pg';
import {
  OpenRegisterDocument,
  ProductStockLevelsDocument,
  RecordSaleDocument,
} from '../../schema/operations/generated';
import { typeDefs } from '../../subgraphs/retail/server';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startStack, type Stack } from '../helpers/stack';
import { subgraphProcess, type SubgraphProcess } from '../helpers/subgraph-process';
import { freePort, tokens, waitFor } from '../helpers/toolkit';

const LOC = 'loc-store-2';

/**
 * A process crash in the middle of a point-of-sale sale: retail runs as its own process
 * (`subgraphs/retail/index.ts`, as in production). SALE_FAULT=crash_after_take makes it exit right
 * after inventory took the stock (its one call) and before the sale's COMPLETED is written; a
 * restarted process (without the fault) must finish from the database alone, however many times the
 * crash repeats: never lost, never taken twice.
 */
describe('sale saga recovery after a crash (retail as a child process)', () => {
  let stack: Stack;
  let db: TestDatabase;
  let pg: Client;
  let inventoryDb: Client;
  let port: number;
  let retail: SubgraphProcess;
  const clerk = tokens.clerk('store-2', 'emp-store-2-clerk-1');

  beforeAll(async () => {
    port = await freePort();
    db = await freshDatabase('retail_crash');
    stack = await startStack({
      services: ['products', 'inventory'],
      inventoryReplicas: 2,
      seed: true,
      // Expired reservations are released quickly (the second case waits for it).
      env: { RESERVATION_SWEEP_INTERVAL_MS: '200' },
      externalSubgraphs: { retail: { url: `http://127.0.0.1:${port}/graphql`, typeDefs } },
    });
    retail = subgraphProcess({
      name: 'retail',
      port,
      dbUrl: db.url,
      stack,
      faultVar: 'SALE_FAULT',
      env: {
        SEED_DEMO: '1',
        RETAIL_SEED_HISTORY_DAYS: '0',
        SALE_STUCK_AFTER_MS: '500',
        SALE_RECOVERY_INTERVAL_MS: '200',
      },
    });
    pg = new Client({ connectionString: db.url });
    inventoryDb = new Client({ connectionString: stack.databases.inventory!.url });
    await inventoryDb.connect();
    await retail.start();
    await pg.connect();
    const opened = await stack.gql(
      OpenRegisterDocument,
      { input: { registerId: 'reg-store-2-1', openingFloat: '50.00' } },
      { token: clerk },
    );
    expect(opened.body.data?.openRegister.errors).toEqual([]);
    await retail.stop();
  }, 120_000);

  afterAll(async () => {
    await retail?.stop();
    await pg?.end();
    await inventoryDb?.end();
    await stack?.stop();
    await db?.drop();
  });

  async function level(productId: string) {
    const res = await stack.gql(ProductStockLevelsDocument, { id: productId });
    if (!res.body.data?.product) throw new Error(`no stock levels for ${productId}: ${JSON.stringify(res.body)}`);
    const found = res.body.data.product.stock.levels.find((l) => l.location.id === LOC)!;
    return { onHand: found.onHand, reserved: found.reserved };
  }

  const saleRow = async (key: string) =>
    (
      await pg.query<{ id: string; status: string; step: string | null }>(
        'select id, status, step from sales where idempotency_key = $1',
        [key],
      )
    ).rows[0];

  /** The events retail wrote about a sale: type and correlation id, in order. */
  const eventsOf = async (saleId: string) =>
    (
      await pg.query<{ type: string; correlation_id: string }>(
        'select type, correlation_id from outbox where aggregate_id = $1 order by seq',
        [saleId],
      )
    ).rows.map((r) => [r.type, r.correlation_id]);

  const reservationOf = async (saleId: string) =>
    (
      await inventoryDb.query<{ status: string }>('select status from reservation where order_id = $1', [saleId])
    ).rows.map((r) => r.status);

  const sell = (key: string, productId: string) =>
    stack.gql(
      RecordSaleDocument,
      {
        input: {
          storeId: 'store-2',
          registerId: 'reg-store-2-1',
          lines: [{ productId, quantity: 2 }],
          paymentMethod: 'CASH',
          idempotencyKey: key,
        },
      },
      { token: clerk },
    );

  async function crashDuringSale(key: string, productId: string, fault: string, env: Record<string, string> = {}) {
    const crashed = await retail.start({ SALE_FAULT: fault, ...env });
    const res = await sell(key, productId);
    // The register saw the process die under its request: an error, not a sale.
    expect(res.body.data?.recordSale ?? null).toBeNull();
    expect(await crashed.exited).toBe(86);
    expect(crashed.output()).toContain(`SALE_FAULT=${fault}`);
    return (await saleRow(key))!;
  }

  async function settled(key: string, status: string): Promise<void> {
    try {
      await waitFor(`sale ${key} in ${status}`, async () => (await saleRow(key))?.status === status, 30_000);
    } catch {
      throw new Error(
        `sale did not reach ${status}: ${JSON.stringify(await saleRow(key))}\n${retail.current?.output() ?? ''}`,
      );
    }
  }

  it('stock taken, sale not saved: the restarted process completes the sale; the stock left once', async () => {
    const before = await level('prod-0060');
    const key = 'crash-after-take-1';
    const row = await crashDuringSale(key, 'prod-0060', 'crash_after_take');
    // Stock taken while the process is down; the sale still says its take was in flight.
    expect(row).toMatchObject({ status: 'PENDING', step: 'TAKE_STOCK' });
    expect(await reservationOf(row.id)).toEqual(['COMMITTED']);
    expect(await level('prod-0060')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });

    await retail.start();
    await settled(key, 'COMPLETED');
    expect(await level('prod-0060')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });
    // The register's replay of its queued sale gets the recovered sale, not a second one.
    const replay = await sell(key, 'prod-0060');
    expect(replay.body.data?.recordSale.sale).toMatchObject({ id: row.id, status: 'COMPLETED' });
    expect(await level('prod-0060')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });
    // Reported once, by the recovery that completed it; the replay adds nothing.
    expect(await eventsOf(row.id)).toEqual([['sale.recorded', 'sale-recovery']]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/saga_outcomes_total\{saga="sale",outcome="completed",service="retail"\} 1/);
    await retail.stop();
  }, 120_000);

  it('the crash repeats when recovery takes the stock again: the third process completes it; the stock left once', async () => {
    const before = await level('prod-0061');
    const key = 'crash-after-take-2';
    const row = await crashDuringSale(key, 'prod-0061', 'crash_after_take');
    expect(row).toMatchObject({ status: 'PENDING', step: 'TAKE_STOCK' });
    // The restarted process's recovery asks inventory again (the same sale id: the same take) and
    // dies at the same point before writing anything, possibly before it ever reports ready.
    const again = retail.launch({ SALE_FAULT: 'crash_after_take' });
    expect(await again.exited).toBe(86);
    expect(await saleRow(key)).toMatchObject({ status: 'PENDING', step: 'TAKE_STOCK' });
    expect(await reservationOf(row.id)).toEqual(['COMMITTED']);
    expect(await level('prod-0061')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });

    await retail.start();
    await settled(key, 'COMPLETED');
    expect(await level('prod-0061')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });
    const replay = await sell(key, 'prod-0061');
    expect(replay.body.data?.recordSale.sale).toMatchObject({ id: row.id, status: 'COMPLETED' });
    expect(replay.body.data?.recordSale.errors).toEqual([]);
    expect(await eventsOf(row.id)).toEqual([['sale.recorded', 'sale-recovery']]);
  }, 120_000);
});
