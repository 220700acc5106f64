/**
 * reports' pure parts, no I/O: the event contract as the consumer reads it (every type and version of
 * docs/events.md accepted, anything else rejected with its reason code), the chain's calendar days
 * across daylight-saving changes, periods, the rounding of averages, and the deltas: summing them in
 * any order gives the same rows (why per-aggregate order does not matter, ADR 0018).
 */
import {
  addDays,
  chainDay,
  checkPeriod,
  daysIn,
  eachDay,
  periodOrError,
} from '../../../subgraphs/reports/domain/calendar';
import { effectsOf, sumEffects } from '../../../subgraphs/reports/domain/effects';
import { KNOWN_EVENTS, parseEvent, type ParsedEvent } from '../../../subgraphs/reports/domain/events';
import { averageBasketCents, returnsRate } from '../../../subgraphs/reports/domain/queries';
import { events, type Envelope } from './helpers';

const parse = (e: Envelope | string, source = typeof e === 'string' ? 'retail' : e.source) =>
  parseEvent(typeof e === 'string' ? e : JSON.stringify(e), source as Envelope['source'], 'CAD');

const line = { productId: 'prod-0001', categoryId: 'cat-a', quantity: 2, unitPriceCents: 1250 };

describe('the event contract as reports reads it', () => {
  it('knows every event type of docs/events.md, version 1, from its producer', () => {
    expect(Object.keys(KNOWN_EVENTS).sort()).toEqual(
      [
        'order.confirmed',
        'order.cancelled',
        'order.shipped',
        'sale.recorded',
        'sale.returned',
        'sale.cancelled',
        'register.closed',
        'stock.changed',
        'replenishment.requested',
        'replenishment.approved',
        'replenishment.rejected',
      ].sort(),
    );
    for (const known of Object.values(KNOWN_EVENTS)) expect(known.versions).toEqual([1]);
  });

  it('accepts each applied type with its data, and the ignored ones without reading their data', () => {
    for (const e of [
      events.orderConfirmed('ord-1', [line]),
      events.orderCancelled('ord-1', [line]),
      events.orderCancelled('ord-2', null),
      events.saleRecorded('sale-1', 'store-1', [line]),
      events.saleReturned('sale-1', 'store-1', [line]),
      events.saleCancelled('sale-1', 'store-1', [line]),
    ]) {
      const r = parse(e);
      expect({ type: e.type, ok: r.ok, fact: r.ok ? r.event.fact.type : null }).toEqual({
        type: e.type,
        ok: true,
        fact: e.type,
      });
    }
    for (const e of [events.orderShipped('ord-1'), events.stockChanged('prod-0001')]) {
      const r = parse(e);
      expect(r.ok && r.event.fact.type).toBe('ignored');
    }
  });

  it.each([
    ['not JSON', 'nope', 'malformed_json'],
    ['a JSON array', '[1]', 'malformed_json'],
    ['an id that is not a UUID', JSON.stringify({ ...events.orderShipped('o'), id: 'x' }), 'invalid_envelope'],
    [
      'a version that is not an integer',
      JSON.stringify({ ...events.orderShipped('o'), version: '1' }),
      'invalid_envelope',
    ],
    ['a bad occurredAt', JSON.stringify({ ...events.orderShipped('o'), occurredAt: 'yesterday' }), 'invalid_envelope'],
    ['a negative sequence', JSON.stringify({ ...events.orderShipped('o'), sequence: -1 }), 'invalid_envelope'],
    ['no aggregate', JSON.stringify({ ...events.orderShipped('o'), aggregate: null }), 'invalid_envelope'],
    ['an unknown type', JSON.stringify({ ...events.orderShipped('o'), type: 'order.lost' }), 'unknown_type'],
    ['version 2', JSON.stringify({ ...events.orderShipped('o'), version: 2 }), 'unknown_version'],
  ])('rejects %s', (_what, text, code) => {
    const r = parseEvent(text, 'ecommerce', 'CAD');
    expect(r.ok ? null : r.code).toBe(code);
  });

  it('rejects data that breaks the contract, events on the wrong stream and other currencies', () => {
    const sale = events.saleRecorded('sale-1', 'store-1', [line]);
    const withLines = (lines: unknown) => ({ ...sale, data: { ...sale.data, lines } });
    for (const bad of [
      withLines([]),
      withLines([{ ...(sale.data.lines as object[])[0], quantity: 0 }]),
      withLines([{ ...(sale.data.lines as object[])[0], lineTotalCents: 1.5 }]),
      withLines([{ ...(sale.data.lines as object[])[0], productId: '' }]),
      withLines([{ ...(sale.data.lines as object[])[0], productId: 'a\u0000b' }]),
      { ...sale, data: { ...sale.data, soldAt: 'noon' } },
      { ...sale, data: { ...sale.data, storeId: null } },
      { ...events.orderCancelled('o', [line]), data: { ...events.orderCancelled('o', [line]).data, lines: [] } },
    ]) {
      const r = parse(bad as Envelope);
      expect(r.ok ? null : r.code).toBe('invalid_data');
    }
    const r1 = parseEvent(JSON.stringify(sale), 'ecommerce', 'CAD');
    expect(r1.ok ? null : r1.code).toBe('wrong_source');
    const r2 = parseEvent(JSON.stringify(sale), 'retail', 'EUR');
    expect(r2.ok ? null : r2.code).toBe('wrong_currency');
  });

  it('keeps the id of the envelope lower-case, so an upper-case copy of it is the same event', () => {
    const e = events.orderShipped('o');
    const r = parse({ ...e, id: e.id.toUpperCase() });
    expect(r.ok && r.event.envelope.id).toBe(e.id.toLowerCase());
  });
});

describe("the chain's calendar (America/Toronto)", () => {
  it('buckets instants by the day in Toronto, across both daylight-saving changes', () => {
    expect(chainDay(new Date('2026-03-01T04:59:59Z'))).toBe('2026-02-28');
    expect(chainDay(new Date('2026-03-01T05:00:00Z'))).toBe('2026-03-01');
    // EDT from 2026-03-08: midnight is 04:00Z.
    expect(chainDay(new Date('2026-03-09T03:59:59Z'))).toBe('2026-03-08');
    expect(chainDay(new Date('2026-03-09T04:00:00Z'))).toBe('2026-03-09');
    // Back to EST on 2026-11-01.
    expect(chainDay(new Date('2026-11-02T04:59:59Z'))).toBe('2026-11-01');
    expect(chainDay(new Date('2026-12-31T23:30:00-05:00'))).toBe('2026-12-31');
  });

  it('counts the days of a period, both ends included', () => {
    expect(daysIn({ from: '2026-03-07', to: '2026-03-09' })).toBe(3);
    expect(eachDay({ from: '2026-02-27', to: '2026-03-02' })).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(daysIn({ from: '2024-01-01', to: '2024-12-31' })).toBe(366);
  });

  it('refuses periods that end before they start, exceed 366 days or are not calendar days', () => {
    expect(checkPeriod({ from: '2026-01-01', to: '2026-12-31' })).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    expect(checkPeriod({ from: '2026-05-05', to: '2026-05-05' })).toEqual({ from: '2026-05-05', to: '2026-05-05' });
    for (const bad of [
      { from: '2026-01-02', to: '2026-01-01' },
      { from: '2025-01-01', to: '2026-01-02' },
      { from: '2026-02-29', to: '2026-03-01' },
    ]) {
      expect(() => checkPeriod(bad)).toThrow(expect.objectContaining({ name: 'InvalidArgument', argument: 'period' }));
      const r = periodOrError(bad, ['input', 'period']);
      expect(r.ok ? null : r.error.code).toBe('INVALID_PERIOD');
    }
  });
});

describe('figures', () => {
  it('rounds the average basket half away from zero, to the cent, without floats', () => {
    expect(averageBasketCents({ revenueCents: 1000, transactions: 3 })).toBe(333);
    expect(averageBasketCents({ revenueCents: 1001, transactions: 2 })).toBe(501);
    expect(averageBasketCents({ revenueCents: -1001, transactions: 2 })).toBe(-501);
    expect(averageBasketCents({ revenueCents: 500, transactions: 0 })).toBe(0);
    expect(averageBasketCents({ revenueCents: 9_007_199_254_740, transactions: 7 })).toBe(1_286_742_750_677);
    expect(returnsRate({ returns: 1, transactions: 4 })).toBe(0.25);
    expect(returnsRate({ returns: 1, transactions: 0 })).toBe(0);
  });
});

describe('deltas: the order of events does not change the figures', () => {
  const yesterday = new Date('2026-11-30T17:00:00Z');
  const mix = [
    events.orderConfirmed('o1', [line, { ...line, productId: 'prod-0002', categoryId: null }]),
    events.orderCancelled('o1', [line, { ...line, productId: 'prod-0002', categoryId: null }]),
    events.orderConfirmed('o2', [line], yesterday),
    events.saleRecorded('s1', 'store-1', [line, line]),
    events.saleReturned('s1', 'store-1', [{ ...line, quantity: 1 }]),
    events.saleRecorded('s2', 'store-2', [line], yesterday, new Date()),
    events.saleCancelled('s2', 'store-2', [line]),
    events.orderCancelled('o3', null),
  ].map((e) => {
    const r = parse(e);
    if (!r.ok) throw new Error(r.reason);
    return r.event;
  });

  /** A deterministic shuffle (seeded), so a failure is reproducible. */
  function shuffled(list: ParsedEvent[], seed: number): ParsedEvent[] {
    const out = [...list];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
      s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  it('sums to the same rows for 200 orders of the same events, one at a time or all at once', () => {
    const reference = sumEffects(mix.map(effectsOf));
    for (let seed = 1; seed <= 200; seed++) {
      const order = shuffled(mix, seed);
      expect(sumEffects(order.map(effectsOf))).toEqual(reference);
      // One event per batch, as a consumer applying them one by one would.
      expect(sumEffects(order.map((e) => sumEffects([effectsOf(e)])))).toEqual(reference);
    }
  });

  it('counts a sale on the day it was rung up and its cancellation on the day it happened', () => {
    const sums = sumEffects(mix.map(effectsOf));
    const s2 = sums.store.filter((s) => s.storeId === 'store-2');
    expect(s2.map((s) => [s.day, s.transactions])).toEqual([
      ['2026-11-30', 1],
      [chainDay(new Date()), -1],
    ]);
    // A checkout that never completed adds nothing.
    const never = mix.find((e) => e.fact.type === 'order.cancelled' && !e.fact.wasConfirmed)!;
    expect(effectsOf(never)).toEqual({ store: [], product: [] });
  });
});
