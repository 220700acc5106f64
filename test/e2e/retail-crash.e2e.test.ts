import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import {
  OpenRegisterDocument,
  ProductStockLevelsDocument,
  RecordSaleDocument,
} from '../../schema/operations/generated';
import { typeDefs } from '../../subgraphs/retail/server';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startStack, type Stack } from '../helpers/stack';
import { freePort, tokens, waitFor } from '../helpers/toolkit';

const ROOT = path.join(__dirname, '..', '..');
const LOC = 'loc-store-2';

interface Child {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * A process crash in the middle of a point-of-sale sale: retail runs as its own process
 * (`subgraphs/retail/index.ts`, as in production). SALE_FAULT=crash_after_commit makes it exit right
 * after inventory took the stock and before the sale's COMPLETED is written; a restarted process
 * (without the fault) must finish from the database alone. crash_after_reserve with a reservation
 * that expires while the process is down shows the other way out: the stock is given back. Never
 * both lost, never taken twice.
 */
describe('sale saga recovery after a crash (retail as a child process)', () => {
  let stack: Stack;
  let db: TestDatabase;
  let pg: Client;
  let inventoryDb: Client;
  let port: number;
  let current: Child | null = null;
  const clerk = tokens.clerk('store-2', 'emp-store-2-clerk-1');

  function startRetail(env: Record<string, string> = {}): Child {
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      RETAIL_DATABASE_URL: db.url,
      PRODUCTS_URL: stack.subgraph('products').url,
      INVENTORY_URL: stack
        .instances('inventory')
        .map((s) => s.url)
        .join(','),
      SEED_DEMO: '1',
      RETAIL_SEED_HISTORY_DAYS: '0',
      SALE_STUCK_AFTER_MS: '500',
      SALE_RECOVERY_INTERVAL_MS: '200',
      ...env,
    };
    if (!env.SALE_FAULT) delete childEnv.SALE_FAULT;
    // Spawning node directly makes proc.pid the server itself, so the test stops exactly the process it started.
    const proc = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/retail/index.ts'], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    return { proc, output: () => out, exited };
  }

  async function ready(child: Child): Promise<void> {
    await waitFor(
      'retail to be ready',
      async () => {
        if (child.proc.exitCode !== null) throw new Error(`retail exited early:\n${child.output()}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      60_000,
    );
  }

  async function stopChild(): Promise<void> {
    const child = current;
    current = null;
    if (!child || child.proc.exitCode !== null) return;
    child.proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([child.exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    await waitFor(
      'the port to be free',
      async () => {
        try {
          await fetch(`http://127.0.0.1:${port}/health/live`);
          return false;
        } catch {
          return true;
        }
      },
      15_000,
    );
  }

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
    pg = new Client({ connectionString: db.url });
    inventoryDb = new Client({ connectionString: stack.databases.inventory!.url });
    await inventoryDb.connect();
    current = startRetail();
    await ready(current);
    await pg.connect();
    const opened = await stack.gql(
      OpenRegisterDocument,
      { input: { registerId: 'reg-store-2-1', openingFloat: '50.00' } },
      { token: clerk },
    );
    expect(opened.body.data?.openRegister.errors).toEqual([]);
    await stopChild();
  }, 120_000);

  afterAll(async () => {
    await stopChild();
    await pg?.end();
    await inventoryDb?.end();
    await stack?.stop();
    await db?.drop();
  });

  async function level(productId: string) {
    const res = await stack.gql(ProductStockLevelsDocument, { id: productId });
    const found = res.body.data!.product!.stock.levels.find((l) => l.location.id === LOC)!;
    return { onHand: found.onHand, reserved: found.reserved };
  }

  const saleRow = async (key: string) =>
    (
      await pg.query<{ id: string; status: string; step: string | null }>(
        'select id, status, step from sales where idempotency_key = $1',
        [key],
      )
    ).rows[0];

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
    current = startRetail({ SALE_FAULT: fault, ...env });
    await ready(current);
    const crashed = current;
    const res = await sell(key, productId);
    // The register saw the process die under its request: an error, not a sale.
    expect(res.body.data?.recordSale ?? null).toBeNull();
    expect(await crashed.exited).toBe(86);
    expect(crashed.output()).toContain(`SALE_FAULT=${fault}`);
    current = null;
    return (await saleRow(key))!;
  }

  async function settled(key: string, status: string): Promise<void> {
    try {
      await waitFor(`sale ${key} in ${status}`, async () => (await saleRow(key))?.status === status, 30_000);
    } catch {
      throw new Error(
        `sale did not reach ${status}: ${JSON.stringify(await saleRow(key))}\n${current?.output() ?? ''}`,
      );
    }
  }

  it('stock taken, sale not saved: the restarted process completes the sale; the stock left once', async () => {
    const before = await level('prod-0060');
    const key = 'crash-after-commit-1';
    const row = await crashDuringSale(key, 'prod-0060', 'crash_after_commit');
    // Stock taken while the process is down; the sale still says its commit was in flight.
    expect(row).toMatchObject({ status: 'STOCK_RESERVED', step: 'COMMIT_STOCK' });
    expect(await reservationOf(row.id)).toEqual(['COMMITTED']);
    expect(await level('prod-0060')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });

    current = startRetail();
    await ready(current);
    await settled(key, 'COMPLETED');
    expect(await level('prod-0060')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });
    // The register's replay of its queued sale gets the recovered sale, not a second one.
    const replay = await sell(key, 'prod-0060');
    expect(replay.body.data?.recordSale.sale).toMatchObject({ id: row.id, status: 'COMPLETED' });
    expect(await level('prod-0060')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/saga_outcomes_total\{saga="sale",outcome="completed",service="retail"\} 1/);
    await stopChild();
  }, 120_000);

  it('stock reserved, the process down until the reservation expired: the sale fails and the stock is back', async () => {
    const before = await level('prod-0061');
    const key = 'crash-after-reserve-1';
    const row = await crashDuringSale(key, 'prod-0061', 'crash_after_reserve', { SALE_RESERVATION_TTL_SECONDS: '1' });
    expect(row).toMatchObject({ status: 'PENDING', step: 'RESERVE_STOCK' });
    // Inventory's sweeper gives the units back while retail is down.
    await waitFor('the reservation to expire', async () => (await reservationOf(row.id))[0] === 'EXPIRED', 20_000);
    expect(await level('prod-0061')).toEqual(before);

    current = startRetail();
    await ready(current);
    await settled(key, 'FAILED');
    expect(await level('prod-0061')).toEqual(before);
    const replay = await sell(key, 'prod-0061');
    expect(replay.body.data?.recordSale.sale).toMatchObject({ id: row.id, status: 'FAILED' });
    expect(replay.body.data?.recordSale.errors.map((e) => e.code)).toEqual(['RESERVATION_NOT_ACTIVE']);
  }, 120_000);
});
