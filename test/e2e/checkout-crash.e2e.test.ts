import {
  addToCart,
  CARD_DECLINED,
  checkout,
  newCustomer,
  onlineStock,
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
 * (`npx tsx subgraphs/ecommerce/index.ts`, as in production), CHECKOUT_FAULT=crash_after_reserve makes
 * it exit right after STOCK_RESERVED is persisted, and a restarted process (without the fault) must
 * finish the saga from the database alone: complete it, or compensate it, never leak a reservation.
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

  /** Crashes ecommerce in the middle of one checkout; returns the interrupted order's id. */
  async function crashDuringCheckout(
    c: TestCustomer,
    productId: string,
    before: Level,
    card?: Record<string, unknown>,
  ) {
    const crashed = await ecommerce.start({ CHECKOUT_FAULT: 'crash_after_reserve' });
    const res = await checkout(gql, c, { key: `crash-${productId}`, card });
    // The client saw the process die under its request: an error, not an order.
    expect(res.body.data?.checkout ?? null).toBeNull();
    expect(await crashed.exited).toBe(86);
    expect(crashed.output()).toContain('crash_after_reserve');

    const [order] = await sqlRows<{ id: string }>(db.url, 'select id from orders where customer_id = $1', [c.id]);
    const orderId = order!.id;
    expect(await sagaOf(orderId)).toEqual({ state: 'STOCK_RESERVED', order_status: 'STOCK_RESERVED' });
    // The reservation is held while the process is down.
    expect(await reservationOf(orderId)).toEqual(['PENDING']);
    const held = await onlineStock(gql, productId);
    expect(held.reserved).toBe(before.reserved + 2);
    expect(held.onHand).toBe(before.onHand);
    return orderId;
  }

  it('a restarted process completes an interrupted checkout: CONFIRMED, stock committed once, nothing leaked', async () => {
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
    expect(history.map((h) => h.status)).toEqual(['PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CONFIRMED']);

    // The client's retry with the same key gets the recovered order, not a second one.
    const retry = await checkout(gql, c, { key: 'crash-prod-0200' });
    expect(retry.body.data.checkout.order.id).toBe(orderId);
    expect(retry.body.data.checkout.order.status).toBe('CONFIRMED');
    expect((await onlineStock(gql, 'prod-0200')).onHand).toBe(before.onHand - 2);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/saga_outcomes_total\{saga="checkout",outcome="confirmed",service="ecommerce"\} 1/);

    // Second interrupted checkout, whose payment the recovery then finds declined: compensated instead.
    await ecommerce.stop();
    const before2 = await onlineStock(gql, 'prod-0201');
    const orderId2 = await crashDuringCheckout(d, 'prod-0201', before2, CARD_DECLINED);
    await ecommerce.start();
    await settled(orderId2, 'CANCELLED');
    expect(await reservationOf(orderId2)).toEqual(['RELEASED']);
    expect(await onlineStock(gql, 'prod-0201')).toEqual(before2);
    const history2 = await sqlRows<{ status: string }>(
      db.url,
      'select status from order_status_changes where order_id = $1 order by id',
      [orderId2],
    );
    expect(history2.map((h) => h.status)).toEqual(['PENDING', 'STOCK_RESERVED', 'CANCELLING', 'CANCELLED']);
  }, 180_000);
});
