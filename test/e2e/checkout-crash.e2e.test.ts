import {
  addToCart,
  checkout,
  newCustomer,
  onlineStock,
  setOnlineStock,
  sqlRows,
  type Gql,
  type Level,
  type TestCustomer,
} from '../subgraphs/ecommerce/helpers';
import { typeDefs } from '../../subgraphs/ecommerce/server';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startStack, type Stack } from '../helpers/stack';
import { subgraphProcess, type SubgraphProcess } from '../helpers/subgraph-process';
import { freePort, waitFor } from '../helpers/toolkit';

/**
 * A process crash in the middle of the checkout saga: ecommerce runs as its own process
 * (`npx tsx subgraphs/ecommerce/index.ts`, as in production), CHECKOUT_FAULT=crash_after_authorize makes
 * it exit right after PAYMENT_AUTHORIZED is persisted, before its one call to inventory, and a
 * restarted process (without the fault) must finish the saga from the database alone: take the stock
 * once and confirm, or, when the stock is gone meanwhile, void the payment; never take twice.
 */
describe('checkout saga recovery after a crash (ecommerce as a child process)', () => {
  let stack: Stack;
  let db: TestDatabase;
  let port: number;
  let ecommerce: SubgraphProcess;
  const gql: Gql = (q, v, o) => stack.gql(q, v, o);

  beforeAll(async () => {
    port = await freePort();
    db = await freshDatabase('ecommerce_crash');
    stack = await startStack({
      services: ['products', 'inventory'],
      inventoryReplicas: 2,
      seed: true,
      externalSubgraphs: { ecommerce: { url: `http://127.0.0.1:${port}/graphql`, typeDefs } },
    });
    ecommerce = subgraphProcess({
      name: 'ecommerce',
      port,
      dbUrl: db.url,
      stack,
      faultVar: 'CHECKOUT_FAULT',
      env: { SAGA_STUCK_AFTER_MS: '500', SAGA_RECOVERY_INTERVAL_MS: '200' },
    });
  }, 120_000);

  afterAll(async () => {
    await ecommerce?.stop();
    await stack?.stop();
    await db?.drop();
  });

  const sagaOf = async (orderId: string) =>
    (
      await sqlRows<{ state: string; order_status: string }>(
        db.url,
        'select s.state, o.status as order_status from checkout_sagas s join orders o on o.id = s.order_id where o.id = $1',
        [orderId],
      )
    )[0];

  const reservationOf = async (orderId: string) =>
    (
      await sqlRows<{ status: string }>(
        stack.databases.inventory!.url,
        'select status from reservation where order_id = $1',
        [orderId],
      )
    ).map((r) => r.status);

  /** Waits for the recovery loop of the running process to bring the saga to `state`. */
  async function settled(orderId: string, state: string): Promise<void> {
    try {
      await waitFor(`saga ${orderId} in ${state}`, async () => (await sagaOf(orderId))?.state === state, 30_000);
    } catch {
      const saga = await sqlRows(db.url, 'select * from checkout_sagas where order_id = $1', [orderId]);
      throw new Error(`saga did not reach ${state}: ${JSON.stringify(saga)}\n${ecommerce.current?.output() ?? ''}`);
    }
  }

  /** Crashes ecommerce in the middle of one checkout (payment authorised, stock not taken); its order id. */
  async function crashDuringCheckout(c: TestCustomer, productId: string, before: Level) {
    const crashed = await ecommerce.start({ CHECKOUT_FAULT: 'crash_after_authorize' });
    const res = await checkout(gql, c, { key: `crash-${productId}` });
    // The client saw the process die under its request: an error, not an order.
    expect(res.body.data?.checkout ?? null).toBeNull();
    expect(await crashed.exited).toBe(86);
    expect(crashed.output()).toContain('crash_after_authorize');

    const [order] = await sqlRows<{ id: string }>(db.url, 'select id from orders where customer_id = $1', [c.id]);
    const orderId = order!.id;
    expect(await sagaOf(orderId)).toEqual({ state: 'PAYMENT_AUTHORIZED', order_status: 'PAYMENT_AUTHORIZED' });
    // Nothing asked of inventory yet: the stock is as it was.
    expect(await reservationOf(orderId)).toEqual([]);
    expect(await onlineStock(gql, productId)).toEqual(before);
    return orderId;
  }

  it('a restarted process completes an interrupted checkout: CONFIRMED, stock taken once, nothing leaked', async () => {
    // Registration and cart go through a healthy process first.
    await ecommerce.start();
    const c = await newCustomer(gql, 'crash-complete');
    expect((await addToCart(gql, c, 'prod-0200', 2)).data.addToCart.errors).toEqual([]);
    const d = await newCustomer(gql, 'crash-compensate');
    expect((await addToCart(gql, d, 'prod-0201', 2)).data.addToCart.errors).toEqual([]);
    await ecommerce.stop();

    const before = await onlineStock(gql, 'prod-0200');
    const orderId = await crashDuringCheckout(c, 'prod-0200', before);

    await ecommerce.start();
    await settled(orderId, 'CONFIRMED');

    expect(await sagaOf(orderId)).toEqual({ state: 'CONFIRMED', order_status: 'CONFIRMED' });
    expect(await reservationOf(orderId)).toEqual(['COMMITTED']);
    const after = await onlineStock(gql, 'prod-0200');
    expect(after).toEqual({
      onHand: before.onHand - 2,
      reserved: before.reserved,
      available: before.onHand - 2 - before.reserved,
    });

    const history = await sqlRows<{ status: string }>(
      db.url,
      'select status from order_status_changes where order_id = $1 order by id',
      [orderId],
    );
    expect(history.map((h) => h.status)).toEqual(['PENDING', 'PAYMENT_AUTHORIZED', 'CONFIRMED']);

    // The client's retry with the same key gets the recovered order, not a second one.
    const retry = await checkout(gql, c, { key: 'crash-prod-0200' });
    expect(retry.body.data.checkout.order.id).toBe(orderId);
    expect(retry.body.data.checkout.order.status).toBe('CONFIRMED');
    expect((await onlineStock(gql, 'prod-0200')).onHand).toBe(before.onHand - 2);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/saga_outcomes_total\{saga="checkout",outcome="confirmed",service="ecommerce"\} 1/);

    // Second interrupted checkout, whose stock is gone when the process comes back: its payment is
    // voided and the order cancelled, nothing taken.
    await ecommerce.stop();
    const before2 = await onlineStock(gql, 'prod-0201');
    const orderId2 = await crashDuringCheckout(d, 'prod-0201', before2);
    await setOnlineStock(gql, 'prod-0201', before2.reserved);
    const emptied = await onlineStock(gql, 'prod-0201');
    expect(emptied.available).toBe(0);
    await ecommerce.start();
    await settled(orderId2, 'CANCELLED');
    // The compensation's release is recorded (so a take still on its way could not hold stock).
    expect(await reservationOf(orderId2)).toEqual(['RELEASED']);
    expect(await onlineStock(gql, 'prod-0201')).toEqual(emptied);
    const history2 = await sqlRows<{ status: string }>(
      db.url,
      'select status from order_status_changes where order_id = $1 order by id',
      [orderId2],
    );
    expect(history2.map((h) => h.status)).toEqual(['PENDING', 'PAYMENT_AUTHORIZED', 'CANCELLING', 'CANCELLED']);
    const metrics2 = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics2).toMatch(
      /saga_outcomes_total\{saga="checkout",outcome="insufficient_stock",service="ecommerce"\} 1/,
    );
  }, 180_000);
});
