import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  createLogger,
  createMetrics,
  execute,
  migrate,
  openOrm,
  queryOne,
  sql,
  retainedEventsResolver,
  startSubgraph,
  type RunningSubgraph,
} from '../../../subgraphs/kit';
import { parseEvent } from '../../../subgraphs/reports/domain/events';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { definition as productsDefinition } from '../../../subgraphs/products/server';
import { seedProducts } from '../../../subgraphs/products/seed';
import { closeHttpAgent, ProductsClient } from '../../../subgraphs/kit/clients';
import type {
  InventorySagaPort,
  ProductInfo,
  ProductLookup,
  ReserveLine,
  StepResult,
} from '../../../subgraphs/kit/domain';
import { FakePaymentProvider } from '../../../subgraphs/ecommerce/clients/payments';
import { configFromEnv } from '../../../subgraphs/ecommerce/config';
import { addAddress } from '../../../subgraphs/ecommerce/domain/addresses';
import { addToCart } from '../../../subgraphs/ecommerce/domain/carts';
import { checkout } from '../../../subgraphs/ecommerce/domain/checkout';
import type { EcommerceContext } from '../../../subgraphs/ecommerce/domain/context';
import { registerCustomer } from '../../../subgraphs/ecommerce/domain/customers';
import { cancelOrder, shipOrder } from '../../../subgraphs/ecommerce/domain/orders';
import {
  activeCart,
  addressById,
  cartLinesByCarts,
  customersByIds,
  historyByOrders,
  orderById,
  orderLinesByOrders,
  sagaByOrder,
} from '../../../subgraphs/ecommerce/domain/reads';
import { claimStuckSagas, recoverOnce } from '../../../subgraphs/ecommerce/domain/recovery';
import { IllegalTransition, LeaseLost, runSaga, transition } from '../../../subgraphs/ecommerce/domain/saga-runner';
import {
  AddressSchema,
  CartLineSchema,
  CartSchema,
  CheckoutSagaSchema,
  CustomerSchema,
  entities,
  OrderLineSchema,
  OrderSchema,
  OrderStatusChangeSchema,
} from '../../../subgraphs/ecommerce/entities';
import { makeCreateLoaders } from '../../../subgraphs/ecommerce/loaders';
import { migrations } from '../../../subgraphs/ecommerce/migrations';
import { sagaObserver } from '../../../subgraphs/ecommerce/saga-observer';
import { CARD_DECLINED, CARD_OK } from './helpers';

/** Inventory double: records calls, answers from a script (ok by default). */
class ScriptedInventory implements InventorySagaPort {
  calls: string[] = [];
  /** The next takes that get no answer (the take's outcome unknown to the saga). */
  takeFailures = 0;
  releaseAnswer: StepResult = { ok: true, value: undefined };

  async reserve(orderId: string, _lines: ReserveLine[]): Promise<StepResult<{ reservationId: string }>> {
    this.calls.push(`reserve:${orderId}`);
    return { ok: true, value: { reservationId: `res-${orderId}` } };
  }
  async take(orderId: string, _lines: ReserveLine[]): Promise<StepResult<{ reservationId: string }>> {
    this.calls.push(`take:${orderId}`);
    if (this.takeFailures > 0) {
      this.takeFailures -= 1;
      return { ok: false, transient: true, code: 'INVENTORY_UNAVAILABLE', message: 'connection refused' };
    }
    return { ok: true, value: { reservationId: `res-${orderId}` } };
  }
  async commit(orderId: string): Promise<StepResult> {
    this.calls.push(`commit:${orderId}`);
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

const PRODUCT: ProductInfo = {
  id: 'prod-x',
  name: 'Thing',
  active: true,
  priceCents: 1250,
  currency: 'CAD',
  categoryId: 'cat-audio',
};
const products: ProductLookup = { load: async (id) => (id === PRODUCT.id ? PRODUCT : null) };

/**
 * Registers customers (`<label>-<n>@example.com`), each with an address and 2 x PRODUCT (12.50,
 * cat-audio) in the cart; `as` signs one in.
 */
function cartCustomers(
  label: string,
  [firstName, lastName]: [string, string],
  fresh: () => { em: EntityManager },
  as: (customerId: string) => EcommerceContext,
): () => Promise<{ id: string; addressId: string }> {
  let n = 0;
  return async () => {
    n += 1;
    const reg = await registerCustomer(fresh(), {
      email: `${label}-${n}@example.com`,
      password: 'password-123',
      firstName,
      lastName,
    });
    const id = reg.customer!.id;
    const addr = await addAddress(as(id), { address: { line1: '1 A', city: 'B', postalCode: 'C', country: 'CA' } });
    expect((await addToCart(as(id), { productId: PRODUCT.id, quantity: 2 })).errors).toEqual([]);
    return { id, addressId: addr.address!.id };
  };
}

/** A checkout's input: ship to `addressId`, pay with `card`, idempotent by `key`. */
const checkoutInput = (addressId: string, key: string, card = CARD_OK) => ({
  shippingAddressId: addressId,
  paymentMethod: card,
  idempotencyKey: key,
});

/** A migrated ecommerce database for the enclosing describe block (made before its tests, dropped after); its ORM. */
function migratedEcommerce(name: string): () => MikroORM {
  let db: TestDatabase | undefined;
  let orm: MikroORM | undefined;
  beforeAll(async () => {
    db = await freshDatabase(name);
    orm = await openOrm({ url: db.url, entities, migrations });
    await migrate(orm);
  });
  afterAll(async () => {
    await orm?.close();
    await db?.drop();
  });
  return () => orm!;
}

describe('checkout saga runner on PostgreSQL (scripted inventory)', () => {
  const orm = migratedEcommerce('ecommerce_saga');
  let inventory: ScriptedInventory;
  const metrics = createMetrics('ecommerce');

  const log = createLogger('ecommerce-test');
  /** A domain context on a fresh unit of work; `customerId` signs a customer in (checkout, cart). */
  const ctx = (overrides: Partial<EcommerceContext['config']> = {}, customerId?: string): EcommerceContext => ({
    em: orm().em.fork() as EntityManager,
    identity: customerId ? { sub: customerId, role: 'CUSTOMER' } : null,
    requestId: 'saga-test',
    log,
    config: { ...configFromEnv({ PAYMENT_TIMEOUT_MS: '200' }), commitTriesPerRun: 1, ...overrides },
    inventory,
    payments: new FakePaymentProvider(),
    products,
    sagaEvents: sagaObserver({ metrics, fault: null, log }),
  });
  const as = (customerId: string, overrides: Partial<EcommerceContext['config']> = {}) => ctx(overrides, customerId);
  const fresh = () => ({ em: orm().em.fork() as EntityManager });

  beforeEach(() => {
    inventory = new ScriptedInventory();
  });

  const customerWithCart = cartCustomers('saga', ['S', 'G'], fresh, (id) => as(id));

  it('leaves a take with an unknown outcome for recovery, which completes it', async () => {
    const c = await customerWithCart();
    inventory.takeFailures = 1;
    const res = await checkout(as(c.id), checkoutInput(c.addressId, 'k1'));
    const orderId = res.order!.id;
    expect(res.order!.status).toBe('PAYMENT_AUTHORIZED');
    const stuck = await sagaByOrder(fresh(), orderId);
    expect(stuck).toMatchObject({ state: 'PAYMENT_AUTHORIZED', step: 'TAKE_STOCK', attempts: 1 });
    expect(stuck!.lastError).toContain('connection refused');

    // Not stuck long enough yet: recovery leaves it alone.
    expect(await recoverOnce(ctx({ stuckAfterMs: 60_000 }), { runId: 'a' })).toBe(0);
    expect(await recoverOnce(ctx({ stuckAfterMs: 0 }), { runId: 'b' })).toBe(1);
    expect((await sagaByOrder(fresh(), orderId))!.state).toBe('CONFIRMED');
    // One call to inventory per try of the one stock step, nothing else.
    expect(inventory.calls).toEqual([`take:${orderId}`, `take:${orderId}`]);
  });

  it('compensates a take that keeps failing once the attempts run out', async () => {
    const c = await customerWithCart();
    inventory.takeFailures = 100;
    const res = await checkout(as(c.id, { maxCommitAttempts: 2 }), checkoutInput(c.addressId, 'k2'));
    expect(res.order!.status).toBe('PAYMENT_AUTHORIZED');
    await recoverOnce(ctx({ stuckAfterMs: 0, maxCommitAttempts: 2 }), { runId: 'c' });
    const saga = await sagaByOrder(fresh(), res.order!.id);
    expect(saga).toMatchObject({ state: 'CANCELLED', compensationsDone: ['RELEASE_STOCK', 'VOID_PAYMENT'] });
  });

  it('restocks when the release finds the stock already taken (the take answer was lost)', async () => {
    const c = await customerWithCart();
    inventory.takeFailures = 100;
    inventory.releaseAnswer = { ok: false, transient: false, code: 'RESERVATION_NOT_ACTIVE', message: 'COMMITTED' };
    const res = await checkout(as(c.id, { maxCommitAttempts: 1 }), checkoutInput(c.addressId, 'k3'));
    const orderId = res.order!.id;
    expect(res.order!.status).toBe('CANCELLED');
    expect(inventory.calls).toEqual([`take:${orderId}`, `release:${orderId}`, `restock:${orderId}`]);
    const saga = await sagaByOrder(fresh(), orderId);
    expect(saga!.compensationsDone).toEqual(['RELEASE_STOCK', 'RESTOCK', 'VOID_PAYMENT']);
  });

  it('compensates instead of completing a checkout abandoned for too long', async () => {
    const c = await customerWithCart();
    inventory.takeFailures = 1;
    const res = await checkout(as(c.id), checkoutInput(c.addressId, 'k4'));
    const orderId = res.order!.id;
    await execute(
      orm().em.fork() as EntityManager,
      sql<{ orderId: string }>(
        "update checkout_sagas set created_at = now() - interval '1 hour' where order_id = :orderId",
      ),
      { orderId },
    );
    await recoverOnce(ctx({ stuckAfterMs: 0, maxForwardAgeMs: 60_000 }), { runId: 'd' });
    const saga = await sagaByOrder(fresh(), orderId);
    expect(saga).toMatchObject({ state: 'CANCELLED', failureCode: 'CHECKOUT_ABANDONED' });
    // Recovery did not try the take again; it released the stock instead.
    expect(inventory.calls.filter((call) => call === `take:${orderId}`)).toHaveLength(1);
    expect(inventory.calls).toContain(`release:${orderId}`);
  });

  it('fences off a runner whose saga was taken over (lease)', async () => {
    const c = await customerWithCart();
    inventory.takeFailures = 1;
    const res = await checkout(as(c.id), checkoutInput(c.addressId, 'k5'));
    const orderId = res.order!.id;
    const oldOwner = (await sagaByOrder(fresh(), orderId))!.owner!;
    const claimed = await claimStuckSagas(fresh(), { owner: 'someone-else', stuckAfterMs: 0, limit: 100 });
    expect(claimed.map((s) => s.orderId)).toContain(orderId);
    // The previous owner's run does nothing now.
    await runSaga(ctx(), { orderId, owner: oldOwner });
    expect((await sagaByOrder(fresh(), orderId))!.state).toBe('PAYMENT_AUTHORIZED');
    expect(new LeaseLost(orderId).message).toContain(orderId);
    await runSaga(ctx(), { orderId, owner: 'someone-else' });
    expect((await sagaByOrder(fresh(), orderId))!.state).toBe('CONFIRMED');
  });

  it('lets two recovery passes at once claim disjoint sagas (FOR UPDATE SKIP LOCKED)', async () => {
    const orderIds: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const c = await customerWithCart();
      inventory.takeFailures = 1;
      orderIds.push((await checkout(as(c.id), checkoutInput(c.addressId, `k6-${i}`))).order!.id);
    }
    const [a, b] = await Promise.all([
      claimStuckSagas(fresh(), { owner: 'pass-a', stuckAfterMs: 0, limit: 3 }),
      claimStuckSagas(fresh(), { owner: 'pass-b', stuckAfterMs: 0, limit: 3 }),
    ]);
    const ids = [...a, ...b].map((s) => s.orderId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => orderIds.includes(id)).length).toBeGreaterThanOrEqual(3);
    await recoverOnce(ctx({ stuckAfterMs: 0 }), { runId: 'finish' });
  });

  it('cancelOrder on a running checkout takes it over and compensates it', async () => {
    const c = await customerWithCart();
    inventory.takeFailures = 1;
    const res = await checkout(as(c.id), checkoutInput(c.addressId, 'k7'));
    const cancelled = await cancelOrder(as(c.id), { orderId: res.order!.id, reason: 'too slow' });
    expect(cancelled.errors).toEqual([]);
    expect(cancelled.order!.status).toBe('CANCELLED');
    expect(cancelled.order!.cancelReason).toBe('too slow');
    expect(cancelled.order!.history!.map((h) => h.status)).toEqual([
      'PENDING',
      'PAYMENT_AUTHORIZED',
      'CANCELLING',
      'CANCELLED',
    ]);
  });

  it('refuses an over-long cancellation reason or shipping note instead of cutting it; nothing changes', async () => {
    const c = await customerWithCart();
    const placed = await checkout(as(c.id), checkoutInput(c.addressId, 'k-long-text'));
    const orderId = placed.order!.id;
    expect(placed.order!.status).toBe('CONFIRMED');
    const staff = (): EcommerceContext => ({ ...ctx(), identity: { sub: 'emp-admin', role: 'ADMIN' } });
    const history = async () => (await historyByOrders(fresh(), [orderId])).length;
    const entries = await history();

    expect(await shipOrder(staff(), { orderId, note: 'n'.repeat(201) })).toEqual({
      order: null,
      errors: [{ code: 'INVALID_NOTE', field: ['input', 'note'], message: 'Note must be at most 200 characters' }],
    });
    expect(await cancelOrder(as(c.id), { orderId, reason: 'r'.repeat(501) })).toEqual({
      order: null,
      errors: [
        { code: 'INVALID_REASON', field: ['input', 'reason'], message: 'Reason must be at most 500 characters' },
      ],
    });
    expect((await orderById(fresh(), orderId))!.status).toBe('CONFIRMED');
    expect(await history()).toBe(entries);
    expect(inventory.calls.filter((call) => call.startsWith('restock'))).toEqual([]);

    // At the documented maximum the text is kept exactly as written.
    const shipped = await shipOrder(staff(), { orderId, note: 'n'.repeat(200) });
    expect(shipped.errors).toEqual([]);
    expect(shipped.order!.history!.at(-1)).toMatchObject({ status: 'SHIPPED', note: 'n'.repeat(200) });
    const other = await customerWithCart();
    const second = await checkout(as(other.id), checkoutInput(other.addressId, 'k-long-text-2'));
    const cancelled = await cancelOrder(as(other.id), { orderId: second.order!.id, reason: 'r'.repeat(500) });
    expect(cancelled.errors).toEqual([]);
    expect(cancelled.order).toMatchObject({ status: 'CANCELLED', cancelReason: 'r'.repeat(500) });
  });

  it('a declined payment never reaches inventory', async () => {
    const c = await customerWithCart();
    const res = await checkout(as(c.id), checkoutInput(c.addressId, 'k8', CARD_DECLINED));
    expect(res.errors.map((e) => e.code)).toEqual(['PAYMENT_DECLINED']);
    expect(res.order!.status).toBe('CANCELLED');
    expect(inventory.calls).toEqual([]);
  });

  it('lean reads return each row in the shape the ORM loads it (one shape per table)', async () => {
    const c = await customerWithCart();
    const orderId = (await checkout(as(c.id), checkoutInput(c.addressId, 'k10'))).order!.id;
    const em = orm().em.fork() as EntityManager;
    const cart = (await activeCart(fresh(), c.id))!;
    const { passwordHash: _hash, ...customer } = await em.findOneOrFail(CustomerSchema, { id: c.id });
    expect((await customersByIds(fresh(), [c.id]))[0]).toEqual(customer);
    expect(await addressById(fresh(), c.addressId)).toEqual(await em.findOneOrFail(AddressSchema, { id: c.addressId }));
    expect(cart).toEqual(await em.findOneOrFail(CartSchema, { id: cart.id }));
    expect(await cartLinesByCarts(fresh(), [cart.id])).toEqual(await em.find(CartLineSchema, { cartId: cart.id }));
    expect(await orderById(fresh(), orderId)).toEqual(await em.findOneOrFail(OrderSchema, { id: orderId }));
    expect(await orderLinesByOrders(fresh(), [orderId])).toEqual(await em.find(OrderLineSchema, { orderId }));
    expect(await historyByOrders(fresh(), [orderId])).toEqual(
      await em.find(OrderStatusChangeSchema, { orderId }, { orderBy: { id: 'asc' } }),
    );
    expect(await sagaByOrder(fresh(), orderId)).toEqual(await em.findOneOrFail(CheckoutSagaSchema, { orderId }));
  });

  it('refuses a move the transition table does not allow: nothing changes and the saga row says why', async () => {
    const c = await customerWithCart();
    inventory.takeFailures = 1;
    const res = await checkout(as(c.id), checkoutInput(c.addressId, 'k9'));
    const orderId = res.order!.id;
    const before = (await sagaByOrder(fresh(), orderId))!;
    expect(before.state).toBe('PAYMENT_AUTHORIZED');
    const historyBefore = await historyByOrders(fresh(), [orderId]);

    // Straight to CANCELLED would skip the compensations (void the payment, release the stock). The
    // lease and the state match, so only the table stands in the way.
    const lease = { orderId, owner: before.owner! };
    await expect(
      transition(ctx(), { ...lease, from: 'PAYMENT_AUTHORIZED', to: 'CANCELLED', note: 'skipping compensation' }),
    ).rejects.toBeInstanceOf(IllegalTransition);
    const after = (await sagaByOrder(fresh(), orderId))!;
    expect(after.state).toBe('PAYMENT_AUTHORIZED');
    expect(after.lastError).toContain('PAYMENT_AUTHORIZED -> CANCELLED is not an allowed transition');
    expect((await orderById(fresh(), orderId))!.status).toBe('PAYMENT_AUTHORIZED');
    expect(await historyByOrders(fresh(), [orderId])).toEqual(historyBefore);

    // The allowed way out, with the same lease, goes through and is compensated to the end.
    await transition(ctx(), {
      ...lease,
      from: 'PAYMENT_AUTHORIZED',
      to: 'CANCELLING',
      note: 'cancelled by the test',
      compensateFrom: 'PAYMENT_AUTHORIZED',
      failureCode: 'CANCELLED_BY_REQUEST',
    });
    await runSaga(ctx(), lease);
    expect(await sagaByOrder(fresh(), orderId)).toMatchObject({
      state: 'CANCELLED',
      compensationsDone: ['RELEASE_STOCK', 'VOID_PAYMENT'],
    });
  });
});

describe('order events in the outbox (docs/events.md)', () => {
  const orm = migratedEcommerce('ecommerce_events');
  const inventory = new ScriptedInventory();
  const metrics = createMetrics('ecommerce');
  const log = createLogger('ecommerce-test');
  const ctx = (identity: EcommerceContext['identity'], requestId = 'req-events'): EcommerceContext => ({
    em: orm().em.fork() as EntityManager,
    identity,
    requestId,
    log,
    config: { ...configFromEnv({ PAYMENT_TIMEOUT_MS: '200' }), commitTriesPerRun: 1 },
    inventory,
    payments: new FakePaymentProvider(),
    products,
    sagaEvents: sagaObserver({ metrics, fault: null, log }),
  });
  const as = (customerId: string, requestId?: string) => ctx({ sub: customerId, role: 'CUSTOMER' }, requestId);
  const admin = (requestId?: string) => ctx({ sub: 'emp-admin', role: 'ADMIN' }, requestId);
  const fresh = () => ({ em: orm().em.fork() as EntityManager });

  interface Published {
    id: string;
    type: string;
    version: number;
    occurredAt: string;
    source: string;
    correlationId: string | null;
    aggregate: { type: string; id: string };
    sequence: number;
    data: Record<string, unknown>;
  }

  /** Every retained event as retainedEvents serves it: the envelope text exactly as the relay publishes it. */
  async function retained(): Promise<string[]> {
    const page = await retainedEventsResolver('ecommerce')(null, { first: 1000 }, fresh());
    expect(page.hasNextPage).toBe(false);
    return page.events;
  }
  const eventsOf = async (orderId: string): Promise<Published[]> =>
    (await retained()).map((t) => JSON.parse(t) as Published).filter((e) => e.aggregate.id === orderId);
  const outboxRows = async () =>
    (await queryOne(
      fresh().em,
      sql<Record<string, never>, { n: number }>('select count(*)::int as n from outbox'),
      {},
    ))!.n;

  const customerWithCart = cartCustomers('events', ['E', 'V'], fresh, (id) => as(id));
  const LINE = {
    productId: 'prod-x',
    categoryId: 'cat-audio',
    quantity: 2,
    unitPriceCents: 1250,
    lineTotalCents: 2500,
  };

  it('a confirmed checkout writes exactly one order.confirmed, with the documented envelope and data', async () => {
    const c = await customerWithCart();
    const res = await checkout(as(c.id, 'req-checkout-1'), checkoutInput(c.addressId, 'ev-1'));
    const order = res.order!;
    expect(order.status).toBe('CONFIRMED');
    const [event, ...more] = await eventsOf(order.id);
    expect(more).toEqual([]);
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      type: 'order.confirmed',
      version: 1,
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      source: 'ecommerce',
      correlationId: 'req-checkout-1',
      aggregate: { type: 'Order', id: order.id },
      sequence: expect.any(Number),
      data: {
        orderId: order.id,
        number: order.number,
        customerId: c.id,
        currency: 'CAD',
        subtotalCents: 2500,
        totalCents: 2500,
        lines: [LINE],
      },
    });
    // The category as sold is on the order line, not looked up when the event is written.
    expect((await orderLinesByOrders(fresh(), [order.id])).map((l) => l.categoryId)).toEqual(['cat-audio']);
    // reports reads it as a sale of 25.00 in cat-audio.
    const [text] = (await retained()).filter((t) => t.includes(order.id));
    expect(parseEvent(text, 'ecommerce', 'CAD')).toMatchObject({
      ok: true,
      event: { fact: { type: 'order.confirmed', lines: [{ categoryId: 'cat-audio', lineTotalCents: 2500 }] } },
    });
    // The same key again answers with the same order and writes nothing more.
    const before = await outboxRows();
    expect((await checkout(as(c.id), checkoutInput(c.addressId, 'ev-1'))).order!.id).toBe(order.id);
    expect(await outboxRows()).toBe(before);
  });

  it('shipping writes order.shipped with its note; refused ships and cancels write nothing', async () => {
    const c = await customerWithCart();
    const orderId = (await checkout(as(c.id), checkoutInput(c.addressId, 'ev-ship'))).order!.id;
    const before = await outboxRows();
    expect((await shipOrder(admin(), { orderId, note: 'n'.repeat(201) })).errors.map((e) => e.code)).toEqual([
      'INVALID_NOTE',
    ]);
    expect((await shipOrder(admin(), { orderId: 'no-such-order' })).errors.map((e) => e.code)).toEqual([
      'UNKNOWN_ORDER',
    ]);
    expect(await outboxRows()).toBe(before);

    expect((await shipOrder(admin('req-ship'), { orderId, note: '  tracking 123  ' })).errors).toEqual([]);
    const events = await eventsOf(orderId);
    expect(events.map((e) => e.type)).toEqual(['order.confirmed', 'order.shipped']);
    expect(events[1]).toMatchObject({ correlationId: 'req-ship', aggregate: { type: 'Order', id: orderId } });
    expect(events[1]!.data).toEqual({ orderId, note: 'tracking 123' });
    expect(events[1]!.sequence).toBeGreaterThan(events[0]!.sequence);

    // Shipped: a second ship and a cancellation are INVALID_STATE, and write no event.
    const after = await outboxRows();
    expect((await shipOrder(admin(), { orderId })).errors.map((e) => e.code)).toEqual(['INVALID_STATE']);
    expect((await cancelOrder(as(c.id), { orderId, reason: 'too late' })).errors.map((e) => e.code)).toEqual([
      'INVALID_STATE',
    ]);
    expect(await outboxRows()).toBe(after);

    // Without a note, the event carries the note the history shows.
    const other = await customerWithCart();
    const second = (await checkout(as(other.id), checkoutInput(other.addressId, 'ev-ship-2'))).order!.id;
    await shipOrder(admin(), { orderId: second });
    expect((await eventsOf(second))[1]!.data).toEqual({ orderId: second, note: 'Parcel handed to the carrier' });
  });

  it('cancelling a confirmed order writes order.cancelled reversing its lines and total', async () => {
    const c = await customerWithCart();
    const orderId = (await checkout(as(c.id), checkoutInput(c.addressId, 'ev-cancel'))).order!.id;
    const cancelled = await cancelOrder(as(c.id, 'req-cancel'), { orderId, reason: 'changed my mind' });
    expect(cancelled.order!.status).toBe('CANCELLED');
    const events = await eventsOf(orderId);
    expect(events.map((e) => e.type)).toEqual(['order.confirmed', 'order.cancelled']);
    expect(events[1]).toMatchObject({ correlationId: 'req-cancel', aggregate: { type: 'Order', id: orderId } });
    expect(events[1]!.data).toEqual({
      orderId,
      wasConfirmed: true,
      currency: 'CAD',
      totalCents: 2500,
      lines: [LINE],
      reason: 'changed my mind',
    });
    // Cancelled: a second cancel is refused and writes nothing.
    const before = await outboxRows();
    expect((await cancelOrder(as(c.id), { orderId })).errors.map((e) => e.code)).toEqual(['INVALID_STATE']);
    expect(await outboxRows()).toBe(before);
  });

  it('a failed checkout writes order.cancelled that was never confirmed, and no order.confirmed', async () => {
    const c = await customerWithCart();
    const res = await checkout(as(c.id, 'req-declined'), checkoutInput(c.addressId, 'ev-declined', CARD_DECLINED));
    expect(res.order!.status).toBe('CANCELLED');
    const events = await eventsOf(res.order!.id);
    expect(events.map((e) => e.type)).toEqual(['order.cancelled']);
    expect(events[0]!.correlationId).toBe('req-declined');
    expect(events[0]!.data).toEqual({
      orderId: res.order!.id,
      wasConfirmed: false,
      currency: 'CAD',
      totalCents: 0,
      lines: [],
      reason: res.order!.cancelReason,
    });
    expect(res.order!.cancelReason).toMatch(/declined/);
    expect(parseEvent((await retained()).at(-1), 'ecommerce', 'CAD')).toMatchObject({
      ok: true,
      event: { fact: { type: 'order.cancelled', wasConfirmed: false, lines: [] } },
    });
  });

  it('a refused checkout writes no order and no event', async () => {
    const c = await customerWithCart();
    const before = await outboxRows();
    const badCard = { ...CARD_OK, cvc: 'x' };
    expect((await checkout(as(c.id), checkoutInput(c.addressId, 'ev-bad-card', badCard))).order).toBeNull();
    expect((await checkout(as(c.id), checkoutInput(c.addressId, ' '))).errors.map((e) => e.code)).toEqual([
      'INVALID_IDEMPOTENCY_KEY',
    ]);
    expect((await checkout(as(c.id), checkoutInput('addr-unknown', 'ev-no-address'))).order).toBeNull();
    expect(await outboxRows()).toBe(before);
  });

  it('a confirmation whose event cannot be written is not committed; recovery confirms it with one event', async () => {
    const c = await customerWithCart();
    const tx = fresh().em;
    // The outbox refusing order.confirmed stands for any failure between the order's update and the commit.
    await execute(
      tx,
      sql(`create function refuse_confirmed() returns trigger language plpgsql as $$
       begin if new.type = 'order.confirmed' then raise exception 'outbox refuses'; end if; return new; end $$`),
      {},
    );
    await execute(
      tx,
      sql('create trigger refuse_confirmed before insert on outbox for each row execute function refuse_confirmed()'),
      {},
    );
    let orderId: string;
    try {
      const res = await checkout(as(c.id), checkoutInput(c.addressId, 'ev-rollback'));
      orderId = res.order!.id;
      // The CONFIRMED move rolled back with its event: the order, its history and the cart are as before it.
      expect(res.order!.status).toBe('PAYMENT_AUTHORIZED');
      expect(res.order!.history!.map((h) => h.status)).not.toContain('CONFIRMED');
      expect(await eventsOf(orderId)).toEqual([]);
    } finally {
      await execute(tx, sql('drop trigger refuse_confirmed on outbox'), {});
      await execute(tx, sql('drop function refuse_confirmed()'), {});
    }
    expect(
      await recoverOnce(
        { ...ctx(null, 'saga-recovery'), config: { ...ctx(null).config, stuckAfterMs: 0 } },
        { runId: 'ev' },
      ),
    ).toBe(1);
    expect((await orderById(fresh(), orderId))!.status).toBe('CONFIRMED');
    const events = await eventsOf(orderId);
    expect(events.map((e) => [e.type, e.correlationId])).toEqual([['order.confirmed', 'saga-recovery']]);
    expect(events[0]!.data).toMatchObject({ orderId, totalCents: 2500, lines: [LINE] });
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
    await closeHttpAgent();
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
    const client = new ProductsClient(products.url, { caller: 'ecommerce' });
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
        // Kept on the order line at checkout for the order events.
        categoryId: expect.stringMatching(/^cat-/),
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
