/**
 * ecommerce's order events with nothing faked: products, inventory and ecommerce in-process behind
 * the router, ecommerce's outbox relay publishing to its Redis stream (this stack's prefix). Orders
 * placed, cancelled and shipped through the router reach `<prefix>events:ecommerce` as documented
 * (docs/events.md), the stream carries exactly what retainedEvents serves, a refused mutation
 * publishes nothing, and retainedEvents is for services only.
 */
import { Redis } from 'ioredis';
import {
  CancelOrderDocument,
  ShipOrderDocument,
  StorefrontProductDocument,
  type CheckoutMutation,
} from '../../schema/operations/generated';
import { addToCart, CARD_DECLINED, checkout, newCustomer, type Gql } from '../subgraphs/ecommerce/helpers';
import { eventStream } from '../../subgraphs/kit';
import { contractViolations, readEventContract } from '../helpers/event-contract';
import { unpublished } from '../helpers/events';
import { startStack, type Stack } from '../helpers/stack';
import { postGraphQL, tokens, waitFor, type GqlResult } from '../helpers/toolkit';
import type { RetainedEventPage } from '../../subgraphs/reports/domain/rebuild';
import { RETAINED_EVENTS_QUERY } from '../../subgraphs/reports/event-sources';

// The query reports' rebuild sends (event-sources.ts), so producers are tested with what their consumer asks.
const RETAINED = RETAINED_EVENTS_QUERY;
type Page = RetainedEventPage;

interface Published {
  type: string;
  source: string;
  aggregate: { type: string; id: string };
  sequence: number;
  data: Record<string, unknown> & { lines?: { productId: string; categoryId: string | null }[] };
}

describe('ecommerce order events through the outbox relay', () => {
  let stack: Stack;
  let redis: Redis;
  let stream: string;
  let db: string;
  // The ecommerce fixtures' client (newCustomer, addToCart, checkout); the operations below go through
  // the stack's typed client, so their results have the generated operation types.
  const fixtures: Gql = (q, v, o) => stack.gql(q, v, o);
  /** A checkout through the fixture, its result typed as the Checkout operation's. */
  const placed = async (...args: Parameters<typeof checkout>): Promise<CheckoutMutation['checkout']> => {
    const res: GqlResult<CheckoutMutation> = await checkout(...args);
    if (!res.body.data) throw new Error(`checkout failed: ${JSON.stringify(res.body)}`);
    return res.body.data.checkout;
  };

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'ecommerce'],
      seed: true,
      env: { OUTBOX_POLL_MS: '50' },
    });
    stream = eventStream('ecommerce', process.env.REDIS_PREFIX);
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    db = stack.databases.ecommerce!.url;
  });
  afterAll(async () => {
    await redis?.quit();
    await stack?.stop();
  });

  const retained = (token: string, after: string | null, first: number) =>
    postGraphQL<{ retainedEvents: Page }>(stack.subgraph('ecommerce').url, RETAINED, { after, first }, { token });
  const allRetained = async (): Promise<string[]> => {
    const texts: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await retained(tokens.service('reports'), after, 2);
      if (!res.body.data) throw new Error(`retainedEvents failed: ${JSON.stringify(res.body.errors)}`);
      const page: Page = res.body.data.retainedEvents;
      texts.push(...page.events);
      after = page.endCursor;
      if (!page.hasNextPage) return texts;
    }
  };
  const streamed = async () => (await redis.xrange(stream, '-', '+')).map(([, fields]) => fields[1]!);
  const published = () => waitFor('every outbox row published', async () => (await unpublished([db])) === 0);

  it('orders placed, cancelled and shipped reach the stream as documented, exactly what retainedEvents serves', async () => {
    // Two confirmed orders (one then cancelled, one shipped) and one declined payment.
    const orders: string[] = [];
    for (const [i, lines] of [
      [
        ['prod-0001', 1],
        ['prod-0002', 2],
      ],
      [['prod-0003', 1]],
    ].entries()) {
      const c = await newCustomer(fixtures, `ev-${i}`);
      for (const [p, q] of lines as [string, number][]) await addToCart(fixtures, c, p, q);
      const { order } = await placed(fixtures, c);
      expect(order?.status).toBe('CONFIRMED');
      orders.push(order!.id);
    }
    const [cancelledId, shippedId] = orders as [string, string];
    const cancel = await stack.gql(
      CancelOrderDocument,
      { input: { orderId: cancelledId, reason: 'changed my mind' } },
      { token: tokens.admin() },
    );
    expect(cancel.body.data?.cancelOrder.order?.status).toBe('CANCELLED');
    const ship = await stack.gql(
      ShipOrderDocument,
      { input: { orderId: shippedId, note: 'tracking 42' } },
      { token: tokens.admin() },
    );
    expect(ship.body.data?.shipOrder.order?.status).toBe('SHIPPED');
    const d = await newCustomer(fixtures, 'ev-declined');
    await addToCart(fixtures, d, 'prod-0004', 1);
    const declined = await placed(fixtures, d, { card: CARD_DECLINED });
    expect(declined.errors.map((e) => e.code)).toEqual(['PAYMENT_DECLINED']);
    const declinedId = declined.order!.id;

    await published();
    const texts = await streamed();
    expect(texts).toEqual(await allRetained());
    const events = texts.map((t) => JSON.parse(t) as Published);
    // Two confirmations, a cancellation and a shipment of those, the declined checkout's cancellation.
    expect(events).toHaveLength(5);
    const contract = readEventContract();
    expect(events.flatMap((e) => contractViolations(contract, e as unknown as Record<string, unknown>))).toEqual([]);
    expect(events.every((e) => e.source === 'ecommerce' && e.aggregate.type === 'Order')).toBe(true);
    expect(events.map((e) => e.sequence)).toEqual([...events.map((e) => e.sequence)].sort((a, b) => a - b));
    const of = (orderId: string) => events.filter((e) => e.aggregate.id === orderId).map((e) => e.type);
    expect(of(cancelledId)).toEqual(['order.confirmed', 'order.cancelled']);
    expect(of(shippedId)).toEqual(['order.confirmed', 'order.shipped']);
    expect(of(declinedId)).toEqual(['order.cancelled']);

    const first = events.find((e) => e.type === 'order.confirmed' && e.aggregate.id === cancelledId)!;
    expect(first.data).toMatchObject({ orderId: cancelledId, currency: 'CAD' });
    // Each line carries its product's category, as products shows it.
    expect(first.data.lines?.map((l) => l.productId)).toEqual(['prod-0001', 'prod-0002']);
    for (const line of first.data.lines!) {
      const product = await stack.gql(StorefrontProductDocument, { id: line.productId });
      expect(product.body.data?.product).toMatchObject({ id: line.productId });
      expect(line.categoryId).toBe(product.body.data?.product?.category?.id ?? null);
    }
    const reversal = events.find((e) => e.type === 'order.cancelled' && e.aggregate.id === cancelledId)!;
    expect(reversal.data).toMatchObject({
      wasConfirmed: true,
      totalCents: first.data.totalCents,
      lines: first.data.lines,
      reason: 'changed my mind',
    });
    expect(events.find((e) => e.type === 'order.shipped')!.data).toEqual({ orderId: shippedId, note: 'tracking 42' });
    expect(events.find((e) => e.aggregate.id === declinedId)!.data).toMatchObject({
      wasConfirmed: false,
      totalCents: 0,
      lines: [],
    });
  });

  it('a refused mutation publishes nothing', async () => {
    await published();
    const before = await streamed();
    const c = await newCustomer(fixtures, 'ev-refused');
    // An empty cart, then a bad idempotency key: refused, no order.
    expect((await placed(fixtures, c)).errors.map((e) => e.code)).toEqual(['CART_EMPTY']);
    await addToCart(fixtures, c, 'prod-0005', 1);
    expect((await placed(fixtures, c, { key: ' ' })).order).toBeNull();
    const ship = await stack.gql(ShipOrderDocument, { input: { orderId: 'no-such-order' } }, { token: tokens.admin() });
    expect(ship.body.data?.shipOrder.errors.map((e) => e.code)).toEqual(['UNKNOWN_ORDER']);
    // Whatever the relay would publish is out by now (it polls every 50 ms).
    await new Promise((r) => setTimeout(r, 300));
    expect(await streamed()).toEqual(before);
    expect(await allRetained()).toEqual(before);
  });

  it('retainedEvents is SERVICE only and not part of the router API', async () => {
    for (const token of [tokens.admin(), tokens.manager(), tokens.clerk(), tokens.customer('cust-0001')]) {
      const res = await retained(token, null, 5);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await retained(tokens.service('reports'), null, 1001)).body.errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    const viaRouter = await stack.gql(RETAINED, { after: null, first: 5 }, { token: tokens.service('reports') });
    expect(viaRouter.body.data).toBeUndefined();
    expect(viaRouter.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
