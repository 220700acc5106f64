/**
 * Test helpers of the reports tests (no test cases here): envelopes as the producers will emit them
 * (docs/events.md), feeding them to a stream, waiting until a consumer group has nothing left, and
 * the figures a report must show, summed straight from the events (not through reports' code), and
 * typed documents for the tests' own queries of reports' fields.
 */
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import type { Redis } from 'ioredis';
import { chainDay } from '../../../subgraphs/reports/domain/calendar';
import { parseEvent, type ParsedEvent } from '../../../subgraphs/reports/domain/events';

export interface Line {
  productId: string;
  categoryId: string | null;
  quantity: number;
  unitPriceCents: number;
}

export interface Envelope {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  source: 'ecommerce' | 'retail' | 'inventory';
  correlationId: string;
  aggregate: { type: string; id: string };
  sequence: number;
  data: Record<string, unknown>;
}

let sequence = 0;

function envelope(
  source: Envelope['source'],
  type: string,
  aggregate: Envelope['aggregate'],
  at: Date,
  data: Record<string, unknown>,
): Envelope {
  return {
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: at.toISOString(),
    source,
    correlationId: `test-${randomUUID().slice(0, 8)}`,
    aggregate,
    sequence: ++sequence,
    data,
  };
}

const saleLines = (lines: Line[]) =>
  lines.map((l, i) => ({
    lineId: `line-${i + 1}`,
    productId: l.productId,
    categoryId: l.categoryId,
    quantity: l.quantity,
    unitPriceCents: l.unitPriceCents,
    lineTotalCents: l.quantity * l.unitPriceCents,
  }));
const total = (lines: Line[]) => lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0);

export const events = {
  orderConfirmed: (orderId: string, lines: Line[], at = new Date()) =>
    envelope('ecommerce', 'order.confirmed', { type: 'Order', id: orderId }, at, {
      orderId,
      number: `W-${orderId.slice(-6)}`,
      customerId: 'cust-1',
      currency: 'CAD',
      subtotalCents: total(lines),
      totalCents: total(lines),
      lines: saleLines(lines).map(({ lineId: _l, ...rest }) => rest),
    }),
  orderCancelled: (orderId: string, lines: Line[] | null, at = new Date()) =>
    envelope('ecommerce', 'order.cancelled', { type: 'Order', id: orderId }, at, {
      orderId,
      wasConfirmed: lines !== null,
      currency: 'CAD',
      totalCents: lines ? total(lines) : 0,
      lines: lines ? saleLines(lines).map(({ lineId: _l, ...rest }) => rest) : [],
      reason: 'customer asked',
    }),
  orderShipped: (orderId: string, at = new Date()) =>
    envelope('ecommerce', 'order.shipped', { type: 'Order', id: orderId }, at, { orderId, note: null }),
  saleRecorded: (saleId: string, storeId: string, lines: Line[], soldAt = new Date(), at = soldAt) =>
    envelope('retail', 'sale.recorded', { type: 'Sale', id: saleId }, at, {
      saleId,
      number: `S${storeId.slice(-1)}-${saleId.slice(-6)}`,
      storeId,
      registerId: `reg-${storeId}-1`,
      employeeId: `emp-${storeId}-clerk-1`,
      paymentMethod: 'CARD',
      soldAt: soldAt.toISOString(),
      currency: 'CAD',
      totalCents: total(lines),
      lines: saleLines(lines),
    }),
  saleReturned: (saleId: string, storeId: string, lines: Line[], at = new Date()) =>
    envelope('retail', 'sale.returned', { type: 'Sale', id: saleId }, at, {
      returnId: `ret-${randomUUID().slice(0, 8)}`,
      saleId,
      storeId,
      refundMethod: 'CARD',
      currency: 'CAD',
      refundCents: total(lines),
      lines: lines.map((l, i) => ({
        saleLineId: `line-${i + 1}`,
        productId: l.productId,
        categoryId: l.categoryId,
        quantity: l.quantity,
        amountCents: l.quantity * l.unitPriceCents,
      })),
    }),
  saleCancelled: (saleId: string, storeId: string, lines: Line[], at = new Date()) =>
    envelope('retail', 'sale.cancelled', { type: 'Sale', id: saleId }, at, {
      saleId,
      storeId,
      currency: 'CAD',
      totalCents: total(lines),
      lines: saleLines(lines),
      reason: 'rung up twice',
    }),
  stockChanged: (productId: string, at = new Date()) =>
    envelope('inventory', 'stock.changed', { type: 'StockLevel', id: `${productId}@loc-store-1` }, at, {
      productId,
      locationId: 'loc-store-1',
      storeId: 'store-1',
      reason: 'SALE',
      reference: null,
      onHandDelta: -1,
      reservedDelta: 0,
      onHand: 10,
      reserved: 0,
      reorderPoint: 5,
    }),
};

/** XADDs envelopes (or raw text) to `<prefix>events:<source>`, each as the single field `event`. */
export async function publish(redis: Redis, prefix: string, list: (Envelope | { raw: string; source: string })[]) {
  const ids: string[] = [];
  for (const e of list) {
    const text = 'raw' in e ? e.raw : JSON.stringify(e);
    const id = await redis.xadd(`${prefix}events:${e.source}`, 'MAXLEN', '~', '100000', '*', 'event', text);
    ids.push(id ?? '');
  }
  return ids;
}

function flat(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(v)) for (let i = 0; i + 1 < v.length; i += 2) out[String(v[i])] = v[i + 1];
  return out;
}

/** Waits until the group has read and acknowledged every entry of every stream. */
export async function drained(redis: Redis, prefix: string, group = 'reports', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let left = 0;
    for (const s of ['ecommerce', 'retail', 'inventory']) {
      const key = `${prefix}events:${s}`;
      if ((await redis.exists(key)) === 0) continue;
      const groups = ((await redis.call('XINFO', 'GROUPS', key)) as unknown[]).map(flat);
      const g = groups.find((x) => x.name === group);
      const length = await redis.xlen(key);
      if (!g) left += length;
      else left += Number(g.pending ?? 0) + Number(g.lag ?? 0);
    }
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`stream entries still unconsumed after ${timeoutMs} ms: ${left}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Sums {
  revenueCents: number;
  transactions: number;
  unitsSold: number;
  returns: number;
}

export interface Expected extends Sums {
  byChannel: Record<'ONLINE' | 'STORE', Sums>;
  byStore: Record<string, Sums>;
  byCategory: Record<string, { revenueCents: number; unitsSold: number }>;
  byProduct: Record<string, { revenueCents: number; unitsSold: number }>;
  daily: Record<string, Sums>;
}

const zero = (): Sums => ({ revenueCents: 0, transactions: 0, unitsSold: 0, returns: 0 });

/**
 * The figures the sources imply for days in [from, to]: every confirmed order and recorded sale adds
 * its lines, a cancellation of a confirmed one takes them off, a return takes its units and refund
 * off and counts once, each on its own day in America/Toronto (a sale on its soldAt).
 */
export function expectedFigures(all: readonly Envelope[], from: string, to: string, storeId?: string): Expected {
  const ex: Expected = {
    ...zero(),
    byChannel: { ONLINE: zero(), STORE: zero() },
    byStore: {},
    byCategory: {},
    byProduct: {},
    daily: {},
  };
  const seen = new Set<string>();
  for (const e of all) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const d = e.data;
    const store = typeof d.storeId === 'string' ? d.storeId : null;
    if (storeId && store !== storeId) continue;
    let sign = 0;
    let tx = 0;
    let returns = 0;
    let day = chainDay(new Date(e.occurredAt));
    if (e.type === 'order.confirmed' || e.type === 'sale.recorded') [sign, tx] = [1, 1];
    else if (e.type === 'sale.cancelled' || (e.type === 'order.cancelled' && d.wasConfirmed === true))
      [sign, tx] = [-1, -1];
    else if (e.type === 'sale.returned') [sign, returns] = [-1, 1];
    else continue;
    if (e.type === 'sale.recorded') day = chainDay(new Date(d.soldAt as string));
    if (day < from || day > to) continue;
    const lines = d.lines as {
      productId: string;
      categoryId: string | null;
      quantity: number;
      lineTotalCents?: number;
      amountCents?: number;
    }[];
    const cents = lines.reduce((n, l) => n + (l.lineTotalCents ?? l.amountCents ?? 0), 0) * sign;
    const units = lines.reduce((n, l) => n + l.quantity, 0) * sign;
    const channel = e.source === 'ecommerce' ? 'ONLINE' : 'STORE';
    const slices = [ex, ex.byChannel[channel], (ex.daily[day] ??= zero())];
    if (store) slices.push((ex.byStore[store] ??= zero()));
    for (const s of slices) {
      s.revenueCents += cents;
      s.transactions += tx;
      s.unitsSold += units;
      s.returns += returns;
    }
    for (const l of lines) {
      const c = (l.lineTotalCents ?? l.amountCents ?? 0) * sign;
      const cat = (ex.byCategory[l.categoryId ?? ''] ??= { revenueCents: 0, unitsSold: 0 });
      const prod = (ex.byProduct[l.productId] ??= { revenueCents: 0, unitsSold: 0 });
      for (const s of [cat, prod]) {
        s.revenueCents += c;
        s.unitsSold += l.quantity * sign;
      }
    }
  }
  return ex;
}

/** "12.34" from 1234 (and "-0.50" from -50), as Money amounts read. */
export function amount(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** An envelope as the consumer parses it (in CAD); throws for one the contract refuses. */
export function parsed(e: Envelope): ParsedEvent {
  const r = parseEvent(JSON.stringify(e), e.source, 'CAD');
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

// ---------- the tests' own queries ----------

/**
 * A query a test sends to reports itself (the client operations of schema/operations join other
 * subgraphs' fields, so they go through the router), with the result shape the test reads: the
 * toolkit's client returns `body.data` typed by it.
 */
export function reportsQuery<Result, Variables = Record<string, unknown>>(
  text: string,
): TypedDocumentNode<Result, Variables> {
  return parse(text);
}

/** Money as a query selects it: `{ amount }`, or `{ amount currency }`. */
export interface AmountOut {
  amount: string;
}
export interface MoneyOut extends AmountOut {
  currency: string;
}

/** A reference to another subgraph's entity, as reports resolves it alone: its id. */
export interface RefOut {
  id: string;
}

export interface PeriodVars {
  from: string;
  to: string;
}
