/**
 * Retail's domain events (docs/events.md) against real PostgreSQL and Redis, with inventory and
 * products as doubles: each flow writes exactly its documented event with the documented data in the
 * transaction of its change (sale.recorded when a sale completes, sale.returned when a return
 * completes, sale.cancelled, register.closed), correlated with the request; refused, failed and
 * unfinished changes write none; the relay publishes the envelopes to `events:retail` as
 * retainedEvents serves them, and retainedEvents is SERVICE only.
 */
import { Redis } from 'ioredis';
import { contractViolations, readEventContract } from '../../helpers/event-contract';
import { tokens, waitFor } from '../../helpers/toolkit';
import {
  CANCEL_SALE,
  CLOSE_REGISTER,
  newKey,
  openRegister,
  RECORD_SALE,
  REGISTER_1,
  RETURN_SALE,
  sell,
  useTestRetail,
  type MoneyAnswer,
  type OutboxEventRow,
  type UserErrorAnswer,
} from './helpers';
import type { RetainedEventPage } from '../../../subgraphs/reports/domain/rebuild';
import { RETAINED_EVENTS_QUERY } from '../../../subgraphs/reports/event-sources';

// The query reports' rebuild sends (event-sources.ts), so producers are tested with what their consumer asks.
const RETAINED = RETAINED_EVENTS_QUERY;
type Page = RetainedEventPage;

interface SaleAnswer {
  recordSale: {
    sale: {
      id: string;
      number: string;
      status: string;
      soldAt: string;
      lines: { id: string; product: { id: string }; quantity: number; unitPrice: { amount: string } }[];
    } | null;
    errors: { code: string }[];
  };
}

const cents = (amount: string) => Math.round(Number(amount) * 100);

describe('retail events (outbox, relay, retainedEvents)', () => {
  const t = useTestRetail(async (retail) => {
    await openRegister(retail.gql, REGISTER_1);
  });
  let redis: Redis;
  const contract = readEventContract();

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    await redis?.quit();
  });

  const eventsOf = async (aggregateId: string): Promise<OutboxEventRow[]> =>
    (await t.outbox()).filter((e) => e.aggregateId === aggregateId);

  const retained = async (after: string | null, first: number, token = tokens.service('reports')) =>
    t.gql<{ retainedEvents: Page }>(RETAINED, { after, first }, { token });

  /** Every retained envelope, through pages of 1000. */
  async function allRetained(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = (await retained(after, 1000)).body.data!.retainedEvents;
      out.push(...page.events.map((e) => JSON.parse(e) as Record<string, unknown>));
      if (!page.hasNextPage) return out;
      after = page.endCursor;
    }
  }

  it('a completed sale writes one sale.recorded with the documented data, correlated with its request, and the relay publishes it', async () => {
    const started = new Date();
    const res = await t.gql<SaleAnswer>(
      RECORD_SALE,
      {
        input: {
          storeId: 'store-1',
          registerId: REGISTER_1,
          lines: [
            { productId: 'prod-0001', quantity: 2 },
            { productId: 'prod-0005', quantity: 1 },
          ],
          paymentMethod: 'CASH',
          idempotencyKey: newKey('event'),
        },
      },
      { token: tokens.clerk('store-1', 'emp-store-1-clerk-1'), headers: { 'x-request-id': 'req-sale-event-1' } },
    );
    const sale = res.body.data!.recordSale.sale!;
    expect(sale.status).toBe('COMPLETED');
    const [event, ...more] = await eventsOf(sale.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      type: 'sale.recorded',
      version: 1,
      aggregateType: 'Sale',
      aggregateId: sale.id,
      correlationId: 'req-sale-event-1',
    });
    expect(event!.occurredAt.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    expect(event!.occurredAt.getTime()).toBeLessThanOrEqual(Date.now());
    // FakeProducts: prod-000n costs 10.00 + n x 0.25, category cat-(n mod 3).
    expect(event!.data).toEqual({
      saleId: sale.id,
      number: sale.number,
      storeId: 'store-1',
      registerId: REGISTER_1,
      employeeId: 'emp-store-1-clerk-1',
      paymentMethod: 'CASH',
      soldAt: sale.soldAt,
      currency: 'CAD',
      totalCents: 2 * 1025 + 1125,
      lines: [
        {
          lineId: sale.lines[0]!.id,
          productId: 'prod-0001',
          categoryId: 'cat-1',
          quantity: 2,
          unitPriceCents: 1025,
          lineTotalCents: 2050,
        },
        {
          lineId: sale.lines[1]!.id,
          productId: 'prod-0005',
          categoryId: 'cat-2',
          quantity: 1,
          unitPriceCents: 1125,
          lineTotalCents: 1125,
        },
      ],
    });
    // A replay of the key answers the sale and writes nothing more.
    const replay = await sell(t.gql, {
      lines: [
        { productId: 'prod-0001', quantity: 2 },
        { productId: 'prod-0005', quantity: 1 },
      ],
      paymentMethod: 'CASH',
      idempotencyKey: (
        await t.sql<{ k: string }>('select idempotency_key as k from sales where id = $1', [sale.id])
      )[0]!.k,
    });
    expect(replay.sale!.id).toBe(sale.id);
    expect(await eventsOf(sale.id)).toHaveLength(1);

    // The envelope retainedEvents serves conforms to docs/events.md, and is what the stream carries.
    const envelope = (await allRetained()).find((e) => (e.aggregate as { id: string }).id === sale.id)!;
    expect(contractViolations(contract, envelope)).toEqual([]);
    expect(envelope).toMatchObject({ source: 'retail', type: 'sale.recorded', correlationId: 'req-sale-event-1' });
    const stream = `${t.redisPrefix}events:retail`;
    const published = await waitFor('the sale on the stream', async () => {
      const entries = await redis.xrange(stream, '-', '+');
      return entries.map(([, fields]) => fields[1]!).find((text) => text.includes(sale.id));
    });
    expect(JSON.parse(published)).toEqual(envelope);
  });

  it('refused input, a FAILED sale and one still PENDING write no event; recovery completing it writes one', async () => {
    const counts = await t.counts();
    const unknown = await sell(t.gql, { lines: [{ productId: 'prod-9999', quantity: 1 }] });
    expect(unknown.errors.map((e) => e.code)).toEqual(['UNKNOWN_PRODUCT']);
    const zero = await sell(t.gql, { lines: [{ productId: 'prod-0002', quantity: 0 }] });
    expect(zero.errors.map((e) => e.code)).toEqual(['INVALID_QUANTITY']);
    expect(await t.counts()).toEqual(counts);

    t.inventory.setStock('loc-store-1', 'prod-0011', 1);
    const short = await sell(t.gql, { lines: [{ productId: 'prod-0011', quantity: 2 }] });
    expect(short.sale!.status).toBe('FAILED');
    t.inventory.fail('take', { ok: false, transient: false, code: 'RESERVATION_NOT_ACTIVE', message: 'released' });
    const expired = await sell(t.gql, { lines: [{ productId: 'prod-0012', quantity: 1 }] });
    expect(expired.sale!.status).toBe('FAILED');
    expect(await eventsOf(short.sale!.id)).toEqual([]);
    expect(await eventsOf(expired.sale!.id)).toEqual([]);

    t.inventory.fail('take', { ok: false, transient: true, code: 'INVENTORY_UNAVAILABLE', message: 'no answer' });
    const pending = await sell(t.gql, { lines: [{ productId: 'prod-0013', quantity: 1 }] });
    expect(pending.sale!.status).toBe('PENDING');
    expect(await eventsOf(pending.sale!.id)).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    expect(await t.running.recovery!.runNow()).toBeGreaterThanOrEqual(1);
    const events = await eventsOf(pending.sale!.id);
    expect(events.map((e) => [e.type, e.correlationId])).toEqual([['sale.recorded', 'sale-recovery']]);
    expect(events[0]!.data).toMatchObject({
      saleId: pending.sale!.id,
      totalCents: 1325,
      lines: [{ productId: 'prod-0013', categoryId: 'cat-1', quantity: 1, unitPriceCents: 1325, lineTotalCents: 1325 }],
    });
  });

  async function returnUnits(
    saleId: string,
    lines: { saleLineId: string; quantity: number }[],
    key = newKey('return'),
    refundMethod = 'CARD',
  ) {
    const res = await t.gql<{
      returnSale: { return: { id: string; status: string } | null; errors: { code: string }[] };
    }>(
      RETURN_SALE,
      { input: { saleId, registerId: REGISTER_1, lines, refundMethod, idempotencyKey: key, reason: 'too small' } },
      { token: tokens.clerk('store-1'), headers: { 'x-request-id': `req-${key}` } },
    );
    return { ...res.body.data!.returnSale, key };
  }

  it('a completed return writes sale.returned with the categories as sold; unfinished, refused and failed ones write none', async () => {
    const sold = (
      await sell(t.gql, {
        lines: [
          { productId: 'prod-0007', quantity: 3 },
          { productId: 'prod-0008', quantity: 1 },
        ],
      })
    ).sale!;
    // Filed elsewhere since: the return still reports the category the units were sold under.
    t.products.set('prod-0007', { categoryId: 'cat-moved' });
    const [line7, line8] = sold.lines;
    const done = await returnUnits(sold.id, [
      { saleLineId: line7!.id, quantity: 2 },
      { saleLineId: line8!.id, quantity: 1 },
    ]);
    expect(done.return!.status).toBe('COMPLETED');
    const returned = (await eventsOf(sold.id)).filter((e) => e.type === 'sale.returned');
    expect(returned).toHaveLength(1);
    expect(returned[0]).toMatchObject({ aggregateType: 'Sale', correlationId: `req-${done.key}` });
    expect(returned[0]!.data).toEqual({
      returnId: done.return!.id,
      saleId: sold.id,
      storeId: 'store-1',
      refundMethod: 'CARD',
      currency: 'CAD',
      refundCents: 2 * 1175 + 1200,
      lines: [
        { saleLineId: line7!.id, productId: 'prod-0007', categoryId: 'cat-1', quantity: 2, amountCents: 2350 },
        { saleLineId: line8!.id, productId: 'prod-0008', categoryId: 'cat-2', quantity: 1, amountCents: 1200 },
      ],
    });
    // Its replay writes nothing more.
    await returnUnits(
      sold.id,
      [
        { saleLineId: line7!.id, quantity: 2 },
        { saleLineId: line8!.id, quantity: 1 },
      ],
      done.key,
    );
    expect((await eventsOf(sold.id)).filter((e) => e.type === 'sale.returned')).toHaveLength(1);

    // More than is left: refused, nothing written anywhere.
    const counts = await t.counts();
    const tooMany = await returnUnits(sold.id, [{ saleLineId: line7!.id, quantity: 2 }]);
    expect(tooMany.errors.map((e) => e.code)).toEqual(['RETURN_EXCEEDS_SOLD']);
    expect(await t.counts()).toEqual(counts);

    // Inventory refuses the units for good: the return is undone (FAILED), no event.
    t.inventory.fail('returnStock', { ok: false, transient: false, code: 'UNKNOWN_LOCATION', message: 'no' });
    const failed = await returnUnits(sold.id, [{ saleLineId: line7!.id, quantity: 1 }]);
    expect(failed.return!.status).toBe('FAILED');
    expect((await eventsOf(sold.id)).filter((e) => e.type === 'sale.returned')).toHaveLength(1);

    // No answer: PENDING and no event until recovery completes it.
    t.inventory.fail('returnStock', { ok: false, transient: true, code: 'INVENTORY_UNAVAILABLE', message: 'no' });
    const waiting = await returnUnits(sold.id, [{ saleLineId: line7!.id, quantity: 1 }]);
    expect(waiting.return!.status).toBe('PENDING');
    expect((await eventsOf(sold.id)).filter((e) => e.type === 'sale.returned')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 400));
    await t.running.recovery!.runNow();
    const after = (await eventsOf(sold.id)).filter((e) => e.type === 'sale.returned');
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ correlationId: 'sale-recovery' });
    expect(after[1]!.data).toMatchObject({
      returnId: waiting.return!.id,
      refundCents: 1175,
      lines: [{ saleLineId: line7!.id, productId: 'prod-0007', categoryId: 'cat-1', quantity: 1, amountCents: 1175 }],
    });
  });

  it("cancelSale writes sale.cancelled with the sale's lines and the reason; a refused cancellation writes none", async () => {
    const sold = (
      await sell(t.gql, {
        lines: [
          { productId: 'prod-0009', quantity: 1 },
          { productId: 'prod-0010', quantity: 2 },
        ],
      })
    ).sale!;
    const cancel = (saleId: string, reason: string, requestId = 'req-cancel') =>
      t.gql<{ cancelSale: { sale: { status: string } | null; errors: { code: string }[] } }>(
        CANCEL_SALE,
        { input: { saleId, reason } },
        { token: tokens.manager('store-1', 'emp-store-1-manager'), headers: { 'x-request-id': requestId } },
      );

    // Inventory refuses the restock: the sale stays COMPLETED, nothing is reported.
    t.inventory.fail('restock', { ok: false, transient: false, code: 'RESERVATION_NOT_COMMITTED', message: 'no' });
    const refused = await cancel(sold.id, 'try');
    expect(refused.body.data!.cancelSale.errors.map((e) => e.code)).toEqual(['CANCEL_REFUSED']);
    expect((await eventsOf(sold.id)).map((e) => e.type)).toEqual(['sale.recorded']);

    const done = await cancel(sold.id, 'Rung up twice', 'req-cancel-2');
    expect(done.body.data!.cancelSale.sale!.status).toBe('CANCELLED');
    const events = await eventsOf(sold.id);
    expect(events.map((e) => e.type)).toEqual(['sale.recorded', 'sale.cancelled']);
    const recorded = events[0]!.data as { lines: Record<string, unknown>[] };
    expect(recorded.lines).toHaveLength(2);
    expect(events[1]).toMatchObject({ aggregateType: 'Sale', correlationId: 'req-cancel-2' });
    expect(events[1]!.data).toEqual({
      saleId: sold.id,
      storeId: 'store-1',
      currency: 'CAD',
      totalCents: 1225 + 2 * 1250,
      lines: recorded.lines,
      reason: 'Rung up twice',
    });

    // Cancelled already: refused, nothing written.
    const counts = await t.counts();
    const twice = await cancel(sold.id, 'again');
    expect(twice.body.data!.cancelSale.errors.map((e) => e.code)).toEqual(['INVALID_STATE']);
    expect(await t.counts()).toEqual(counts);
  });

  it('closeRegister writes register.closed with the figures frozen on the session; a refused close writes none', async () => {
    const register = 'reg-store-2-1';
    const sessionId = await openRegister(t.gql, register, 'store-2', '100.00');
    const cash = await sell(t.gql, {
      storeId: 'store-2',
      registerId: register,
      lines: [{ productId: 'prod-0002', quantity: 2 }],
      paymentMethod: 'CASH',
    });
    await sell(t.gql, {
      storeId: 'store-2',
      registerId: register,
      lines: [{ productId: 'prod-0003', quantity: 1 }],
      paymentMethod: 'CARD',
    });
    const refund = await t.gql<{ returnSale: { errors: UserErrorAnswer[] } }>(
      RETURN_SALE,
      {
        input: {
          saleId: cash.sale!.id,
          registerId: register,
          lines: [{ saleLineId: cash.sale!.lines[0]!.id, quantity: 1 }],
          refundMethod: 'CASH',
          idempotencyKey: newKey('refund'),
        },
      },
      { token: tokens.clerk('store-2') },
    );
    expect(refund.body.data!.returnSale.errors).toEqual([]);
    const started = new Date();
    const closed = await t.gql<{
      closeRegister: {
        session: Record<'cashSales' | 'cashRefunds' | 'expectedCash' | 'countedCash' | 'difference', MoneyAnswer> & {
          id: string;
          status: string;
          salesCount: number;
          closedBy: { id: string } | null;
        };
        errors: UserErrorAnswer[];
      };
    }>(
      CLOSE_REGISTER,
      { input: { registerId: register, countedCash: '119.00' } },
      { token: tokens.clerk('store-2', 'emp-store-2-clerk-1'), headers: { 'x-request-id': 'req-close' } },
    );
    const session = closed.body.data!.closeRegister.session;
    const amount = (k: 'cashSales' | 'cashRefunds' | 'expectedCash' | 'countedCash' | 'difference') =>
      cents(session[k].amount);
    const events = await eventsOf(sessionId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'register.closed',
      version: 1,
      aggregateType: 'RegisterSession',
      correlationId: 'req-close',
    });
    const [row] = await t.sql<{ opened_at: Date; closed_at: Date }>(
      'select opened_at, closed_at from register_sessions where id = $1',
      [sessionId],
    );
    expect(events[0]!.occurredAt).toEqual(row!.closed_at);
    expect(row!.closed_at.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    // float 100.00 + cash 21.00 - refund 10.50 = 110.50 expected; counted 119.00.
    expect(events[0]!.data).toEqual({
      sessionId,
      registerId: register,
      storeId: 'store-2',
      openedAt: row!.opened_at.toISOString(),
      closedAt: row!.closed_at.toISOString(),
      closedBy: 'emp-store-2-clerk-1',
      currency: 'CAD',
      salesCount: session.salesCount,
      cashSalesCents: amount('cashSales'),
      cashRefundsCents: amount('cashRefunds'),
      expectedCashCents: amount('expectedCash'),
      countedCashCents: amount('countedCash'),
      differenceCents: amount('difference'),
    });
    expect(events[0]!.data).toMatchObject({
      salesCount: 2,
      cashSalesCents: 2100,
      cashRefundsCents: 1050,
      expectedCashCents: 11050,
      countedCashCents: 11900,
      differenceCents: 850,
    });

    const counts = await t.counts();
    const again = await t.gql<{ closeRegister: { errors: { code: string }[] } }>(
      CLOSE_REGISTER,
      { input: { registerId: register, countedCash: '1.00' } },
      { token: tokens.clerk('store-2') },
    );
    expect(again.body.data!.closeRegister.errors.map((e) => e.code)).toEqual(['REGISTER_CLOSED']);
    expect(await t.counts()).toEqual(counts);
  });

  it('retainedEvents pages every event in sequence order, each conforming to docs/events.md; SERVICE only', async () => {
    const all = await allRetained();
    const rows = await t.outbox();
    expect(all).toHaveLength(rows.length);
    expect(new Set(all.map((e) => e.type))).toEqual(
      new Set(['sale.recorded', 'sale.returned', 'sale.cancelled', 'register.closed']),
    );
    for (const e of all) expect(contractViolations(contract, e)).toEqual([]);
    const sequences = all.map((e) => e.sequence as number);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));

    // Pages of 2 give the same events; an empty page keeps the cursor it was given.
    const paged: unknown[] = [];
    let after: string | null = null;
    for (let i = 0; i < 100; i += 1) {
      const page: Page = (await retained(after, 2)).body.data!.retainedEvents;
      paged.push(...page.events.map((e) => JSON.parse(e)));
      after = page.endCursor;
      if (!page.hasNextPage) break;
    }
    expect(paged).toEqual(all);
    expect((await retained(after, 5)).body.data!.retainedEvents).toEqual({
      events: [],
      endCursor: after,
      hasNextPage: false,
    });

    const tooBig = await retained(null, 1001);
    expect(tooBig.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const zero = await retained(null, 0);
    expect(zero.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    for (const token of [tokens.clerk('store-1'), tokens.manager('store-1'), tokens.admin()]) {
      const res = await retained(null, 10, token);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const anonymous = await t.gql(RETAINED, { first: 10 });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
