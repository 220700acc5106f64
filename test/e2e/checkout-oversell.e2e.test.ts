import {
  addToCart,
  checkout,
  newCustomer,
  onlineStock,
  setOnlineStock,
  sqlRows,
  type Gql,
  type TestCustomer,
} from '../subgraphs/ecommerce/helpers';
import { startStack, type Stack } from '../helpers/stack';

const PRODUCT = 'prod-0100';
const STOCK = 10;
const CUSTOMERS = 40;

/**
 * No oversell across inventory replicas: 10 units online, 40 customers check out 1 unit each at the
 * same moment through the router, ecommerce reserving through 3 inventory replicas round-robin.
 */
describe('checkout under contention (3 inventory replicas)', () => {
  let stack: Stack;
  const gql: Gql = (q, v, o) => stack.gql(q, v, o);

  beforeAll(async () => {
    stack = await startStack({ services: ['products', 'inventory', 'ecommerce'], inventoryReplicas: 3, seed: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('sells exactly the 10 units: 10 CONFIRMED, 30 INSUFFICIENT_STOCK with CANCELLED orders, nothing left reserved', async () => {
    expect(stack.instances('inventory')).toHaveLength(3);
    await setOnlineStock(gql, PRODUCT, STOCK);
    expect(await onlineStock(gql, PRODUCT)).toEqual({ onHand: STOCK, reserved: 0, available: STOCK });

    const customers: TestCustomer[] = await Promise.all(
      Array.from({ length: CUSTOMERS }, (_v, i) => newCustomer(gql, `crowd-${i}`)),
    );
    for (const c of customers) {
      const added = await addToCart(gql, c, PRODUCT, 1);
      expect(added.data.addToCart.errors).toEqual([]);
    }

    const results = await Promise.all(customers.map((c, i) => checkout(gql, c, { key: `crowd-${i}` })));
    const outcomes = results.map((r) => {
      expect(r.body.errors).toBeUndefined();
      const p = r.body.data.checkout as { order: { id: string; status: string }; errors: { code: string }[] };
      return { id: p.order.id, status: p.order.status, codes: p.errors.map((e) => e.code) };
    });

    const confirmed = outcomes.filter((o) => o.status === 'CONFIRMED');
    const cancelled = outcomes.filter((o) => o.status === 'CANCELLED');
    expect(confirmed).toHaveLength(STOCK);
    expect(cancelled).toHaveLength(CUSTOMERS - STOCK);
    for (const o of confirmed) expect(o.codes).toEqual([]);
    for (const o of cancelled) expect(o.codes).toEqual(['INSUFFICIENT_STOCK']);

    expect(await onlineStock(gql, PRODUCT)).toEqual({ onHand: 0, reserved: 0, available: 0 });

    // Inventory's own records agree: 10 committed reservations, none pending; the refused ones hold nothing.
    const reservations = await sqlRows<{ status: string; n: string }>(
      stack.databases.inventory!.url,
      `select r.status, count(*) as n from reservation r join reservation_line rl on rl.reservation_id = r.id
        where rl.product_id = $1 group by r.status`,
      [PRODUCT],
    );
    expect(reservations).toEqual([{ status: 'COMMITTED', n: String(STOCK) }]);

    // Every refused order had its payment authorised, then voided when the take was refused.
    const history = await sqlRows<{ statuses: string[] }>(
      stack.databases.ecommerce!.url,
      `select array_agg(h.status order by h.id) as statuses from orders o join order_status_changes h on h.order_id = o.id
        where o.status = 'CANCELLED' group by o.id`,
    );
    expect(history).toHaveLength(CUSTOMERS - STOCK);
    for (const h of history) expect(h.statuses).toEqual(['PENDING', 'PAYMENT_AUTHORIZED', 'CANCELLING', 'CANCELLED']);

    // ecommerce spread its reservations over the three replicas (round-robin on INVENTORY_URL).
    for (const replica of stack.instances('inventory')) {
      const m = await replica.metrics.registry.getSingleMetric('inventory_reservation_operations_total')?.get();
      const calls = (m?.values ?? []).reduce((sum, v) => sum + v.value, 0);
      expect(calls).toBeGreaterThanOrEqual(10);
    }

    const metrics = await (await fetch(stack.subgraph('ecommerce').url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain(`saga_outcomes_total{saga="checkout",outcome="confirmed",service="ecommerce"} ${STOCK}`);
    expect(metrics).toContain(
      `saga_outcomes_total{saga="checkout",outcome="insufficient_stock",service="ecommerce"} ${CUSTOMERS - STOCK}`,
    );
  });
});
