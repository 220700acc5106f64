import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { createLogger, createMetrics, migrate, openOrm, startSubgraph, type RunningSubgraph } from '../kit';
import { freshDatabase, type TestDatabase } from '../../test/helpers/db';
import { definition as productsDefinition } from '../products/server';
import { seedProducts } from '../products/seed';
import type { InventoryPort, ReserveLine, StepResult } from './clients/inventory';
import { FakePaymentProvider } from './clients/payments';
import { ProductsClient, type ProductInfo } from './clients/products';
import { configFromEnv } from './config';
import { addAddress } from './domain/addresses';
import { addToCart } from './domain/carts';
import { checkout } from './domain/checkout';
import { registerCustomer } from './domain/customers';
import { sagaOutcomes, type DomainDeps, type ProductLookup } from './domain/deps';
import { cancelOrder } from './domain/orders';
import { claimStuckSagas, recoverOnce } from './domain/recovery';
import { sagaByOrder } from './domain/rows';
import { LeaseLost, runSaga } from './domain/saga-runner';
import { query } from './domain/sql';
import { entities } from './entities';
import { makeCreateLoaders } from './loaders';
import { migrations } from './migrations';
import { CARD_DECLINED, CARD_OK } from './test-helpers';

/** Inventory double: records calls, answers from a script (ok by default). */
class ScriptedInventory implements InventoryPort {
  calls: string[] = [];
  commitFailures = 0;
  releaseAnswer: StepResult = { ok: true, value: undefined };

  async reserve(orderId: string, _lines: ReserveLine[]): Promise<StepResult<{ reservationId: string }>> {
    this.calls.push(`reserve:${orderId}`);
    return { ok: true, value: { reservationId: `res-${orderId}` } };
  }
  async commit(orderId: string): Promise<StepResult> {
    this.calls.push(`commit:${orderId}`);
    if (this.commitFailures > 0) {
      this.commitFailures -= 1;
      return { ok: false, transient: true, code: 'INVENTORY_UNAVAILABLE', message: 'connection refused' };
    }
    return { ok: true, value: undefined };
  }
  async release(orderId: string): Promise<StepResult> {
    this.calls.push(`release:${orderId}`);
    return this.releaseAnswer;
  }
  async restock(orderId: string): Promise<StepResult> {
    this.calls.push(`restock:${orderId}`);
    return { ok: true, value: undefined };
  }
}

const PRODUCT: ProductInfo = { id: 'prod-x', name: 'Thing', active: true, priceCents: 1250, currency: 'CAD' };
const products: ProductLookup = { load: async (id) => (id === PRODUCT.id ? PRODUCT : null) };

describe('checkout saga runner on PostgreSQL (scripted inventory)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let inventory: ScriptedInventory;
  const metrics = createMetrics('ecommerce');

  const deps = (overrides: Partial<DomainDeps['config']> = {}): DomainDeps => ({
    config: { ...configFromEnv({ PAYMENT_TIMEOUT_MS: '200' }), commitTriesPerRun: 1, ...overrides },
    inventory,
    payments: new FakePaymentProvider(),
    em: orm.em.fork() as EntityManager,
    log: createLogger('ecommerce-test'),
    outcomes: sagaOutcomes(metrics),
  });

  beforeAll(async () => {
    db = await freshDatabase('ecommerce_saga');
    orm = await openOrm({ url: db.url, entities, migrations });
    await migrate(orm);
  });
  afterAll(async () => {
    await orm?.close();
    await db?.drop();
  });
  beforeEach(() => {
    inventory = new ScriptedInventory();
  });

  let n = 0;
  async function customerWithCart(): Promise<{ id: string; addressId: string }> {
    n += 1;
    const em = orm.em.fork() as EntityManager;
    const reg = await registerCustomer(
      em,
      { email: `saga-${n}@example.com`, password: 'password-123', firstName: 'S', lastName: 'G' },
      60,
    );
    const id = reg.customer!.id;
    const addr = await addAddress(em, id, { line1: '1 A', city: 'B', postalCode: 'C', country: 'CA' });
    expect((await addToCart(em, products, id, { productId: PRODUCT.id, quantity: 2 })).errors).toEqual([]);
    return { id, addressId: addr.address!.id };
  }

  const input = (addressId: string, key: string, card = CARD_OK) => ({
    shippingAddressId: addressId,
    paymentMethod: card,
    idempotencyKey: key,
  });

  it('leaves a commit with an unknown outcome for recovery, which completes it', async () => {
    const c = await customerWithCart();
    inventory.commitFailures = 1;
    const res = await checkout(deps(), products, c.id, input(c.addressId, 'k1'));
    const orderId = res.order!.id;
    expect(res.order!.status).toBe('PAYMENT_AUTHORIZED');
    const stuck = await sagaByOrder(orm.em.fork() as EntityManager, orderId);
    expect(stuck).toMatchObject({ state: 'PAYMENT_AUTHORIZED', step: 'COMMIT_STOCK', attempts: 1 });
    expect(stuck!.lastError).toContain('connection refused');

    // Not stuck long enough yet: recovery leaves it alone.
    expect(await recoverOnce(deps({ stuckAfterMs: 60_000 }), 'a')).toBe(0);
    expect(await recoverOnce(deps({ stuckAfterMs: 0 }), 'b')).toBe(1);
    expect((await sagaByOrder(orm.em.fork() as EntityManager, orderId))!.state).toBe('CONFIRMED');
    expect(inventory.calls.filter((c) => c.startsWith('commit'))).toHaveLength(2);
    expect(inventory.calls.filter((c) => c.startsWith('reserve'))).toHaveLength(1);
  });

  it('compensates a commit that keeps failing once the attempts run out', async () => {
    const c = await customerWithCart();
    inventory.commitFailures = 100;
    const res = await checkout(deps({ maxCommitAttempts: 2 }), products, c.id, input(c.addressId, 'k2'));
    expect(res.order!.status).toBe('PAYMENT_AUTHORIZED');
    await recoverOnce(deps({ stuckAfterMs: 0, maxCommitAttempts: 2 }), 'c');
    const saga = await sagaByOrder(orm.em.fork() as EntityManager, res.order!.id);
    expect(saga).toMatchObject({ state: 'CANCELLED', compensationsDone: ['VOID_PAYMENT', 'RELEASE_STOCK'] });
  });

  it('restocks when the release finds the reservation already committed (the commit answer was lost)', async () => {
    const c = await customerWithCart();
    inventory.commitFailures = 100;
    inventory.releaseAnswer = { ok: false, transient: false, code: 'RESERVATION_NOT_ACTIVE', message: 'COMMITTED' };
    const res = await checkout(deps({ maxCommitAttempts: 1 }), products, c.id, input(c.addressId, 'k3'));
    const orderId = res.order!.id;
    expect(res.order!.status).toBe('CANCELLED');
    expect(inventory.calls).toEqual([
      `reserve:${orderId}`,
      `commit:${orderId}`,
      `release:${orderId}`,
      `restock:${orderId}`,
    ]);
    const saga = await sagaByOrder(orm.em.fork() as EntityManager, orderId);
    expect(saga!.compensationsDone).toEqual(['VOID_PAYMENT', 'RELEASE_STOCK', 'RESTOCK']);
  });

  it('compensates instead of completing a checkout abandoned for too long', async () => {
    const c = await customerWithCart();
    inventory.commitFailures = 1;
    const res = await checkout(deps(), products, c.id, input(c.addressId, 'k4'));
    const orderId = res.order!.id;
    await query(
      orm.em.fork() as EntityManager,
      "update checkout_sagas set created_at = now() - interval '1 hour' where order_id = ?",
      [orderId],
    );
    await recoverOnce(deps({ stuckAfterMs: 0, maxForwardAgeMs: 60_000 }), 'd');
    const saga = await sagaByOrder(orm.em.fork() as EntityManager, orderId);
    expect(saga).toMatchObject({ state: 'CANCELLED', failureCode: 'CHECKOUT_ABANDONED' });
    // Recovery did not try the commit again; it released the stock instead.
    expect(inventory.calls.filter((call) => call === `commit:${orderId}`)).toHaveLength(1);
    expect(inventory.calls).toContain(`release:${orderId}`);
  });

  it('fences off a runner whose saga was taken over (lease)', async () => {
    const c = await customerWithCart();
    inventory.commitFailures = 1;
    const res = await checkout(deps(), products, c.id, input(c.addressId, 'k5'));
    const orderId = res.order!.id;
    const oldOwner = (await sagaByOrder(orm.em.fork() as EntityManager, orderId))!.owner!;
    const claimed = await claimStuckSagas(orm.em.fork() as EntityManager, 'someone-else', 0, 100);
    expect(claimed.map((s) => s.order_id)).toContain(orderId);
    // The previous owner's run does nothing now.
    await runSaga(deps(), orderId, oldOwner);
    expect((await sagaByOrder(orm.em.fork() as EntityManager, orderId))!.state).toBe('PAYMENT_AUTHORIZED');
    expect(new LeaseLost(orderId).message).toContain(orderId);
    await runSaga(deps(), orderId, 'someone-else');
    expect((await sagaByOrder(orm.em.fork() as EntityManager, orderId))!.state).toBe('CONFIRMED');
  });

  it('lets two recovery passes at once claim disjoint sagas (FOR UPDATE SKIP LOCKED)', async () => {
    const orderIds: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const c = await customerWithCart();
      inventory.commitFailures = 1;
      orderIds.push((await checkout(deps(), products, c.id, input(c.addressId, `k6-${i}`))).order!.id);
    }
    const [a, b] = await Promise.all([
      claimStuckSagas(orm.em.fork() as EntityManager, 'pass-a', 0, 3),
      claimStuckSagas(orm.em.fork() as EntityManager, 'pass-b', 0, 3),
    ]);
    const ids = [...a, ...b].map((s) => s.order_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => orderIds.includes(id)).length).toBeGreaterThanOrEqual(3);
    await recoverOnce(deps({ stuckAfterMs: 0 }), 'finish');
  });

  it('cancelOrder on a running checkout takes it over and compensates it', async () => {
    const c = await customerWithCart();
    inventory.commitFailures = 1;
    const res = await checkout(deps(), products, c.id, input(c.addressId, 'k7'));
    const cancelled = await cancelOrder(
      deps(),
      { sub: c.id, role: 'CUSTOMER' },
      { orderId: res.order!.id, reason: 'too slow' },
    );
    expect(cancelled.errors).toEqual([]);
    expect(cancelled.order!.status).toBe('CANCELLED');
    expect(cancelled.order!.cancelReason).toBe('too slow');
    expect(cancelled.order!.history!.map((h) => h.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAYMENT_AUTHORIZED',
      'CANCELLING',
      'CANCELLED',
    ]);
  });

  it('a declined payment never reaches commit', async () => {
    const c = await customerWithCart();
    const res = await checkout(deps(), products, c.id, input(c.addressId, 'k8', CARD_DECLINED));
    expect(res.errors.map((e) => e.code)).toEqual(['PAYMENT_DECLINED']);
    expect(inventory.calls).toEqual([`reserve:${res.order!.id}`, `release:${res.order!.id}`]);
  });
});

describe('products lookup through the products subgraph', () => {
  let db: TestDatabase;
  let products: RunningSubgraph;

  beforeAll(async () => {
    db = await freshDatabase('ecommerce_products');
    products = await startSubgraph(productsDefinition, {
      dbUrl: db.url,
      port: 0,
      afterMigrate: async (orm) => void (await seedProducts(orm)),
    });
  });
  afterAll(async () => {
    await products?.stop();
    await db?.drop();
  });

  async function productsRequests(): Promise<number> {
    const m = await products.metrics.httpDuration.get();
    return m.values
      .filter((v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.route === '/graphql')
      .reduce((sum, v) => sum + v.value, 0);
  }

  it('turns every product asked for in one tick into ONE _entities request', async () => {
    const metrics = createMetrics('ecommerce');
    const client = new ProductsClient(products.url);
    const loaders = makeCreateLoaders(() => client)({ em: {} as EntityManager, metrics });
    const before = await productsRequests();
    const [a, b, c, missing, inactive] = await Promise.all(
      ['prod-0001', 'prod-0002', 'prod-0003', 'prod-9999', 'prod-0047'].map((id) => loaders.product.load(id)),
    );
    expect((await productsRequests()) - before).toBe(1);
    for (const p of [a, b, c]) {
      expect(p).toEqual({
        id: expect.stringMatching(/^prod-000[123]$/),
        name: expect.any(String),
        active: true,
        priceCents: expect.any(Number),
        currency: 'CAD',
      });
      expect(Number.isInteger(p!.priceCents)).toBe(true);
    }
    expect(missing).toBeNull();
    expect(inactive!.active).toBe(false);
    // Asked again in the same request: served from the loader, no new call.
    await loaders.product.load('prod-0001');
    expect((await productsRequests()) - before).toBe(1);
  });
});
