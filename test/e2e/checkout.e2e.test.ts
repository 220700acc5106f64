import { operation } from '../../schema/operations';
import {
  addToCart,
  CARD_DECLINED,
  CARD_OK,
  CARD_TIMEOUT,
  checkout,
  ecommerceCounts,
  newCustomer,
  onlineStock,
  sqlRows,
  type Gql,
  type TestCustomer,
} from '../subgraphs/ecommerce/helpers';
import { startStack, type Stack } from '../helpers/stack';
import { tokens } from '../helpers/toolkit';

interface OrderOut {
  id: string;
  number: string;
  status: string;
  total: { amount: string; currency: string };
  lines: { product: { id: string; name: string }; quantity: number; unitPrice: { amount: string; currency: string } }[];
  history: { status: string; at: string; note: string | null }[];
}

/** The checkout saga through the router: products, inventory (2 replicas) and ecommerce in-process. */
describe('checkout through the router', () => {
  let stack: Stack;
  let ecommerceDb: string;
  let inventoryDb: string;
  const gql: Gql = (q, v, o) => stack.gql(q, v, o);
  const codes = (errors: { code: string }[] | undefined) => (errors ?? []).map((e) => e.code);
  const statuses = (o: OrderOut) => o.history.map((h) => h.status);

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'ecommerce'],
      inventoryReplicas: 2,
      seed: true,
      env: { PAYMENT_TIMEOUT_MS: '300' },
    });
    ecommerceDb = stack.databases.ecommerce!.url;
    inventoryDb = stack.databases.inventory!.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function reservation(orderId: string) {
    const rows = await sqlRows<{ status: string }>(inventoryDb, 'select status from reservation where order_id = $1', [
      orderId,
    ]);
    return rows.map((r) => r.status);
  }

  async function price(productId: string): Promise<number> {
    const res = await gql(operation('StorefrontProduct'), { id: productId });
    return Math.round(Number(res.body.data.product.price.amount) * 100);
  }

  it('happy path: register, login, add 3 products, checkout -> CONFIRMED, online stock down exactly, full history', async () => {
    const email = `happy-${Date.now()}@example.com`;
    const reg = await gql(operation('RegisterCustomer'), {
      input: { email, password: 'happy-password', firstName: 'Happy', lastName: 'Path' },
    });
    expect(reg.body.data.registerCustomer.errors).toEqual([]);
    const login = await gql(operation('Login'), { input: { email, password: 'happy-password' } });
    const token = login.body.data.login.token as string;
    const addr = await gql(
      operation('AddAddress'),
      { input: { address: { line1: '1 Main', city: 'Laval', postalCode: 'H7N 1A1', country: 'CA' } } },
      { token },
    );
    const c: TestCustomer = {
      id: login.body.data.login.customer.id,
      email,
      token,
      addressId: addr.body.data.addAddress.address.id,
    };

    const wanted: [string, number][] = [
      ['prod-0010', 2],
      ['prod-0011', 1],
      ['prod-0012', 3],
    ];
    const before = new Map<string, Awaited<ReturnType<typeof onlineStock>>>();
    for (const [id] of wanted) before.set(id, await onlineStock(gql, id));
    for (const [id, q] of wanted) {
      const added = await addToCart(gql, c, id, q);
      expect(added.errors).toBeUndefined();
      expect(added.data.addToCart.errors).toEqual([]);
    }
    const me = await gql(operation('Me'), {}, { token });
    expect(me.body.data.me.cart.itemCount).toBe(6);

    const res = await checkout(gql, c, { key: 'happy-1' });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.checkout.errors).toEqual([]);
    const order = res.body.data.checkout.order as OrderOut;
    expect(order.status).toBe('CONFIRMED');
    expect(order.number).toMatch(/^W-\d{6}$/);
    expect(order.lines.map((l) => [l.product.id, l.quantity])).toEqual(wanted);
    for (const l of order.lines) expect(l.product.name.length).toBeGreaterThan(0);
    const expectedTotal = (await Promise.all(wanted.map(async ([id, q]) => (await price(id)) * q))).reduce(
      (a, b) => a + b,
      0,
    );
    expect(order.total).toEqual({ amount: (expectedTotal / 100).toFixed(2), currency: 'CAD' });

    expect(statuses(order)).toEqual(['PENDING', 'PAYMENT_AUTHORIZED', 'CONFIRMED']);
    const times = order.history.map((h) => Date.parse(h.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(order.history[1]!.note).toMatch(/authorised on VISA ending 4242/);
    expect(order.history[2]!.note).toMatch(/Took 6 units of 3 products from loc-online/);

    for (const [id, q] of wanted) {
      const after = await onlineStock(gql, id);
      const was = before.get(id)!;
      expect(after.onHand).toBe(was.onHand - q);
      expect(after.reserved).toBe(was.reserved);
      expect(after.available).toBe(after.onHand - after.reserved);
    }
    expect(await reservation(order.id)).toEqual(['COMMITTED']);

    // The cart is emptied and the order is listed on the customer.
    const meAfter = await gql(operation('Me'), {}, { token });
    expect(meAfter.body.data.me.cart.itemCount).toBe(0);
    expect(meAfter.body.data.me.orders.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([order.id]);

    const metrics = await (await fetch(stack.subgraph('ecommerce').url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/saga_outcomes_total\{saga="checkout",outcome="confirmed",service="ecommerce"\} [1-9]/);
  });

  it('re-reads prices at checkout: a changed price is charged and noted in the history', async () => {
    const c = await newCustomer(gql, 'price');
    const old = await price('prod-0020');
    await addToCart(gql, c, 'prod-0020', 1);
    const newPrice = old + 150;
    const changed = await gql(
      operation('ChangeProductPrice'),
      { input: { productId: 'prod-0020', price: (newPrice / 100).toFixed(2), reason: 'test' } },
      { token: tokens.admin() },
    );
    expect(changed.body.data.changeProductPrice.errors).toEqual([]);

    const res = await checkout(gql, c);
    const order = res.body.data.checkout.order as OrderOut;
    expect(order.status).toBe('CONFIRMED');
    expect(order.lines[0]!.unitPrice.amount).toBe((newPrice / 100).toFixed(2));
    expect(order.total.amount).toBe((newPrice / 100).toFixed(2));
    expect(order.history[0]!.note).toContain(
      `changed from ${(old / 100).toFixed(2)} to ${(newPrice / 100).toFixed(2)} CAD`,
    );
  });

  it.each([
    // Declined: nothing was authorised, so nothing is undone.
    ['declined (card ending 0002)', CARD_DECLINED, 'PAYMENT_DECLINED', 'prod-0030', ['PENDING', 'CANCELLED']],
    // Timed out: the provider may have authorised it, so the authorisation is voided.
    [
      'timed out (card ending 0005)',
      CARD_TIMEOUT,
      'PAYMENT_TIMEOUT',
      'prod-0031',
      ['PENDING', 'CANCELLING', 'CANCELLED'],
    ],
  ])(
    'a %s payment cancels the order before inventory is asked anything, and leaves stock unchanged',
    async (_l, card, code, productId, expectedStatuses) => {
      const c = await newCustomer(gql, 'payfail');
      await addToCart(gql, c, productId, 2);
      const before = await onlineStock(gql, productId);

      const res = await checkout(gql, c, { card });
      expect(res.body.errors).toBeUndefined();
      const order = res.body.data.checkout.order as OrderOut;
      expect(order.status).toBe('CANCELLED');
      expect(codes(res.body.data.checkout.errors)).toEqual([code]);
      expect(statuses(order)).toEqual(expectedStatuses);
      expect(order.history[1]!.note).toContain(code);
      if (expectedStatuses.length === 3)
        expect(order.history[2]!.note).toBe('Compensated: payment authorisation voided');

      expect(await onlineStock(gql, productId)).toEqual(before);
      expect(await reservation(order.id)).toEqual([]);
      // The customer keeps the cart to try again.
      const cart = await gql(operation('CartLines'), {}, { token: c.token });
      expect(cart.body.data.me.cart.itemCount).toBe(2);
      const detail = await gql(operation('Order'), { id: order.id }, { token: c.token });
      expect(detail.body.data.order.cancelReason).toMatch(code === 'PAYMENT_DECLINED' ? /declined/ : /did not answer/);
    },
  );

  it('the same idempotency key returns the same order and never reserves twice (sequential)', async () => {
    const c = await newCustomer(gql, 'idem');
    await addToCart(gql, c, 'prod-0040', 1);
    const before = await onlineStock(gql, 'prod-0040');
    const first = await checkout(gql, c, { key: 'same-key' });
    const second = await checkout(gql, c, { key: 'same-key' });
    const a = first.body.data.checkout.order as OrderOut;
    const b = second.body.data.checkout.order as OrderOut;
    expect(a.status).toBe('CONFIRMED');
    expect(b.id).toBe(a.id);
    expect(b.status).toBe('CONFIRMED');
    expect(second.body.data.checkout.errors).toEqual([]);
    const rows = await sqlRows(ecommerceDb, 'select id from orders where customer_id = $1', [c.id]);
    expect(rows).toHaveLength(1);
    expect((await onlineStock(gql, 'prod-0040')).onHand).toBe(before.onHand - 1);
  });

  it('the same idempotency key sent 5 times at once makes one order and one reservation', async () => {
    const c = await newCustomer(gql, 'idem-race');
    await addToCart(gql, c, 'prod-0041', 2);
    const before = await onlineStock(gql, 'prod-0041');
    const results = await Promise.all(Array.from({ length: 5 }, () => checkout(gql, c, { key: 'racing-key' })));
    const ids = new Set(results.map((r) => (r.body.data.checkout.order as OrderOut).id));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids];
    const rows = await sqlRows(ecommerceDb, 'select id from orders where customer_id = $1', [c.id]);
    expect(rows).toHaveLength(1);
    const sagas = await sqlRows<{ state: string }>(
      ecommerceDb,
      'select state from checkout_sagas where order_id = $1',
      [orderId],
    );
    expect(sagas).toEqual([{ state: 'CONFIRMED' }]);
    expect(await reservation(orderId!)).toEqual(['COMMITTED']);
    const after = await onlineStock(gql, 'prod-0041');
    expect(after.onHand).toBe(before.onHand - 2);
    expect(after.reserved).toBe(before.reserved);
  });

  it('cancelOrder of a CONFIRMED order returns its stock and refunds; a second cancel is INVALID_STATE', async () => {
    const c = await newCustomer(gql, 'cancel');
    await addToCart(gql, c, 'prod-0050', 3);
    const before = await onlineStock(gql, 'prod-0050');
    const order = (await checkout(gql, c)).body.data.checkout.order as OrderOut;
    expect(order.status).toBe('CONFIRMED');
    expect((await onlineStock(gql, 'prod-0050')).onHand).toBe(before.onHand - 3);

    const cancelled = await gql(
      operation('CancelOrder'),
      { input: { orderId: order.id, reason: 'changed my mind' } },
      { token: c.token },
    );
    expect(cancelled.body.data.cancelOrder).toEqual({ order: { id: order.id, status: 'CANCELLED' }, errors: [] });
    expect(await onlineStock(gql, 'prod-0050')).toEqual(before);
    expect(await reservation(order.id)).toEqual(['RESTOCKED']);

    const detail = (await gql(operation('Order'), { id: order.id }, { token: c.token })).body.data.order;
    expect(detail.cancelReason).toBe('changed my mind');
    expect(detail.history.map((h: { status: string }) => h.status)).toEqual([
      'PENDING',
      'PAYMENT_AUTHORIZED',
      'CONFIRMED',
      'CANCELLING',
      'CANCELLED',
    ]);
    expect(detail.history[4].note).toBe('Compensated: payment refunded, stock returned to loc-online');

    const again = await gql(operation('CancelOrder'), { input: { orderId: order.id } }, { token: c.token });
    expect(codes(again.body.data.cancelOrder.errors)).toEqual(['INVALID_STATE']);
    expect(await onlineStock(gql, 'prod-0050')).toEqual(before);
  });

  it('a SHIPPED order cannot be cancelled (INVALID_STATE); shipping needs MANAGER or ADMIN', async () => {
    const c = await newCustomer(gql, 'ship');
    await addToCart(gql, c, 'prod-0051', 1);
    const order = (await checkout(gql, c)).body.data.checkout.order as OrderOut;
    const byCustomer = await gql(operation('ShipOrder'), { input: { orderId: order.id } }, { token: c.token });
    expect(byCustomer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const shipped = await gql(
      operation('ShipOrder'),
      { input: { orderId: order.id, note: 'Purolator 123' } },
      { token: tokens.admin() },
    );
    expect(shipped.body.data.shipOrder).toEqual({ order: { id: order.id, status: 'SHIPPED' }, errors: [] });
    const before = await onlineStock(gql, 'prod-0051');
    const res = await gql(operation('CancelOrder'), { input: { orderId: order.id } }, { token: c.token });
    expect(codes(res.body.data.cancelOrder.errors)).toEqual(['INVALID_STATE']);
    expect(res.body.data.cancelOrder.order.status).toBe('SHIPPED');
    expect(await onlineStock(gql, 'prod-0051')).toEqual(before);
  });

  describe('ownership of orders', () => {
    let a: TestCustomer;
    let b: TestCustomer;
    let bOrder: OrderOut;

    beforeAll(async () => {
      [a, b] = await Promise.all([newCustomer(gql, 'orders-a'), newCustomer(gql, 'orders-b')]);
      await addToCart(gql, b, 'prod-0060', 1);
      bOrder = (await checkout(gql, b)).body.data.checkout.order as OrderOut;
    });

    it('customer A cannot read or cancel customer B’s order (FORBIDDEN); B and staff can read it', async () => {
      const read = await gql(operation('Order'), { id: bOrder.id }, { token: a.token });
      expect(read.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(read.body.data?.order ?? null).toBeNull();
      const cancel = await gql(operation('CancelOrder'), { input: { orderId: bOrder.id } }, { token: a.token });
      expect(cancel.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const [row] = await sqlRows<{ status: string }>(ecommerceDb, 'select status from orders where id = $1', [
        bOrder.id,
      ]);
      expect(row!.status).toBe('CONFIRMED');

      expect((await gql(operation('Order'), { id: bOrder.id }, { token: b.token })).body.data.order.id).toBe(bOrder.id);
      const staff = await gql(operation('Order'), { id: bOrder.id }, { token: tokens.admin() });
      expect(staff.body.data.order.paymentMethod).toEqual({ brand: 'VISA', last4: '4242' });
      const anonymous = await gql(operation('Order'), { id: bOrder.id });
      expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('A cannot check out with B’s address (UNKNOWN_ADDRESS, nothing written)', async () => {
      await addToCart(gql, a, 'prod-0061', 1);
      const before = await ecommerceCounts(ecommerceDb);
      const res = await checkout(gql, a, { shippingAddressId: b.addressId });
      expect(res.body.data.checkout.order).toBeNull();
      expect(res.body.data.checkout.errors).toEqual([
        { code: 'UNKNOWN_ADDRESS', field: ['input', 'shippingAddressId'], message: expect.any(String) },
      ]);
      expect(await ecommerceCounts(ecommerceDb)).toEqual(before);
    });

    it('staff list every order newest first with cursors; customers may not (FORBIDDEN)', async () => {
      const forbidden = await gql(operation('Orders'), { first: 5 }, { token: a.token });
      expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const manager = tokens.manager('store-1', 'emp-m');
      const page1 = await gql(operation('Orders'), { first: 2 }, { token: manager });
      const conn = page1.body.data.orders;
      expect(conn.totalCount).toBeGreaterThanOrEqual(3);
      expect(conn.edges).toHaveLength(2);
      const page2 = await gql(operation('Orders'), { first: 100, after: conn.pageInfo.endCursor }, { token: manager });
      const all = [...conn.edges, ...page2.body.data.orders.edges].map(
        (e: { node: { number: string } }) => e.node.number,
      );
      expect(all).toHaveLength(conn.totalCount);
      expect([...all].sort().reverse()).toEqual(all);
      const confirmed = await gql(operation('Orders'), { first: 100, status: 'CANCELLED' }, { token: manager });
      for (const e of confirmed.body.data.orders.edges) expect(e.node.status).toBe('CANCELLED');
      const bad = await gql(operation('Orders'), { first: 101 }, { token: manager });
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('bad input is refused with UserErrors and nothing is written', () => {
    let c: TestCustomer;
    beforeAll(async () => {
      c = await newCustomer(gql, 'bad');
    });

    it.each([0, -1, 1_000_000_000])('addToCart quantity %p -> INVALID_QUANTITY', async (quantity) => {
      const before = await ecommerceCounts(ecommerceDb);
      const res = await addToCart(gql, c, 'prod-0070', quantity);
      expect(res.data.addToCart.errors).toEqual([
        { code: 'INVALID_QUANTITY', field: ['input', 'quantity'], message: expect.any(String) },
      ]);
      expect(await ecommerceCounts(ecommerceDb)).toEqual(before);
    });

    it('a line may not exceed 999 units, and updateCartLine checks quantities the same way', async () => {
      const ok = await addToCart(gql, c, 'prod-0071', 998);
      expect(ok.data.addToCart.errors).toEqual([]);
      const lineId = ok.data.addToCart.cart.lines.find(
        (l: { product: { id: string } }) => l.product.id === 'prod-0071',
      ).id;
      const before = await ecommerceCounts(ecommerceDb);
      const over = await addToCart(gql, c, 'prod-0071', 2);
      expect(codes(over.data.addToCart.errors)).toEqual(['INVALID_QUANTITY']);
      for (const quantity of [0, -1, 1_000_000_000]) {
        const upd = await gql(operation('UpdateCartLine'), { input: { lineId, quantity } }, { token: c.token });
        expect(codes(upd.body.data.updateCartLine.errors)).toEqual(['INVALID_QUANTITY']);
      }
      expect(await ecommerceCounts(ecommerceDb)).toEqual(before);
      const [row] = await sqlRows<{ quantity: number }>(ecommerceDb, 'select quantity from cart_lines where id = $1', [
        lineId,
      ]);
      expect(row!.quantity).toBe(998);
      const upd = await gql(operation('UpdateCartLine'), { input: { lineId, quantity: 5 } }, { token: c.token });
      expect(upd.body.data.updateCartLine.errors).toEqual([]);
      const removed = await gql(operation('RemoveCartLine'), { input: { lineId } }, { token: c.token });
      expect(removed.body.data.removeCartLine.cart.lines.map((l: { id: string }) => l.id)).not.toContain(lineId);
    });

    it('unknown and inactive products -> UNKNOWN_PRODUCT / PRODUCT_INACTIVE', async () => {
      const before = await ecommerceCounts(ecommerceDb);
      const unknown = await addToCart(gql, c, 'prod-9999', 1);
      expect(unknown.data.addToCart.errors).toEqual([
        { code: 'UNKNOWN_PRODUCT', field: ['input', 'productId'], message: expect.any(String) },
      ]);
      // prod-0047 is withdrawn from sale in the demo catalogue.
      const inactive = await addToCart(gql, c, 'prod-0047', 1);
      expect(codes(inactive.data.addToCart.errors)).toEqual(['PRODUCT_INACTIVE']);
      expect(await ecommerceCounts(ecommerceDb)).toEqual(before);
    });

    it('a product withdrawn after it was put in the cart blocks checkout (PRODUCT_INACTIVE, no order)', async () => {
      const d = await newCustomer(gql, 'withdrawn');
      await addToCart(gql, d, 'prod-0072', 1);
      const off = await gql(
        operation('UpdateProduct'),
        { input: { productId: 'prod-0072', active: false } },
        { token: tokens.admin() },
      );
      expect(off.body.data.updateProduct.errors).toEqual([]);
      const before = await ecommerceCounts(ecommerceDb);
      const res = await checkout(gql, d);
      expect(res.body.data.checkout.order).toBeNull();
      expect(codes(res.body.data.checkout.errors)).toEqual(['PRODUCT_INACTIVE']);
      expect(await ecommerceCounts(ecommerceDb)).toEqual(before);
    });

    it('checkout with an unknown address, an empty cart, a bad card or an empty key writes nothing', async () => {
      const d = await newCustomer(gql, 'checkout-bad');
      const before = await ecommerceCounts(ecommerceDb);
      const empty = await checkout(gql, d);
      expect(codes(empty.body.data.checkout.errors)).toEqual(['CART_EMPTY']);
      // Not even a cart for a customer who had none.
      expect(await ecommerceCounts(ecommerceDb)).toEqual(before);
      await addToCart(gql, d, 'prod-0073', 1);
      const afterAdd = await ecommerceCounts(ecommerceDb);
      expect(afterAdd.cart_lines).toBe(before.cart_lines! + 1);

      const unknown = await checkout(gql, d, { shippingAddressId: 'no-such-address' });
      expect(codes(unknown.body.data.checkout.errors)).toEqual(['UNKNOWN_ADDRESS']);
      const card = await checkout(gql, d, { card: { ...CARD_OK, cardNumber: '1234' } });
      expect(codes(card.body.data.checkout.errors)).toEqual(['INVALID_CARD']);
      const expired = await checkout(gql, d, { card: { ...CARD_OK, expiryYear: 2001 } });
      expect(codes(expired.body.data.checkout.errors)).toEqual(['CARD_EXPIRED']);
      const key = await checkout(gql, d, { key: '   ' });
      expect(codes(key.body.data.checkout.errors)).toEqual(['INVALID_IDEMPOTENCY_KEY']);
      for (const r of [unknown, card, expired, key]) expect(r.body.data.checkout.order).toBeNull();
      expect(await ecommerceCounts(ecommerceDb)).toEqual(afterAdd);
    });
  });
});
