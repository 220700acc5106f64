/**
 * What an event does to the read models, as deltas: each event adds its own numbers to the rows of
 * its day, channel, store (and product), so the rows are sums and the order in which events are
 * applied does not change them (ADR 0018). Pure functions: no I/O, tested on their own.
 */
import { chainDay } from './calendar';
import type { Fact, ParsedEvent, ReturnLineData, SaleLineData } from './events';
import { NO_CATEGORY, NO_STORE, type Channel } from './types';

export interface StoreDelta {
  day: string;
  channel: Channel;
  storeId: string;
  transactions: number;
  units: number;
  grossCents: number;
  returns: number;
  returnedUnits: number;
  refundCents: number;
}

export interface ProductDelta {
  day: string;
  channel: Channel;
  storeId: string;
  productId: string;
  categoryId: string;
  units: number;
  grossCents: number;
  returnedUnits: number;
  refundCents: number;
}

export interface Effects {
  store: StoreDelta[];
  product: ProductDelta[];
}

const NONE: Effects = { store: [], product: [] };

/** +1 to count a sale or order, -1 to reverse one (a cancellation). */
function saleEffects(day: string, channel: Channel, storeId: string, lines: SaleLineData[], sign: 1 | -1): Effects {
  const product = lines.map((l) => ({
    day,
    channel,
    storeId,
    productId: l.productId,
    categoryId: l.categoryId ?? NO_CATEGORY,
    units: sign * l.quantity,
    grossCents: sign * l.lineTotalCents,
    returnedUnits: 0,
    refundCents: 0,
  }));
  const store: StoreDelta = {
    day,
    channel,
    storeId,
    transactions: sign,
    units: product.reduce((n, p) => n + p.units, 0),
    grossCents: product.reduce((n, p) => n + p.grossCents, 0),
    returns: 0,
    returnedUnits: 0,
    refundCents: 0,
  };
  return { store: [store], product };
}

function returnEffects(day: string, storeId: string, lines: ReturnLineData[]): Effects {
  const product = lines.map((l) => ({
    day,
    channel: 'STORE' as const,
    storeId,
    productId: l.productId,
    categoryId: l.categoryId ?? NO_CATEGORY,
    units: 0,
    grossCents: 0,
    returnedUnits: l.quantity,
    refundCents: l.amountCents,
  }));
  const store: StoreDelta = {
    day,
    channel: 'STORE',
    storeId,
    transactions: 0,
    units: 0,
    grossCents: 0,
    returns: 1,
    returnedUnits: product.reduce((n, p) => n + p.returnedUnits, 0),
    refundCents: product.reduce((n, p) => n + p.refundCents, 0),
  };
  return { store: [store], product };
}

/**
 * The deltas of one event. A sale counts on the day the register rang it up (soldAt, within retail's
 * accepted skew); everything else on the day it happened (occurredAt), so a cancellation or a return
 * is counted on its own day and closed periods never change afterwards.
 */
export function effectsOf(event: ParsedEvent): Effects {
  const fact: Fact = event.fact;
  const day = chainDay(event.envelope.occurredAt);
  switch (fact.type) {
    case 'order.confirmed':
      return saleEffects(day, 'ONLINE', NO_STORE, fact.lines, 1);
    case 'order.cancelled':
      // A checkout that never completed was never counted: nothing to reverse.
      return fact.wasConfirmed ? saleEffects(day, 'ONLINE', NO_STORE, fact.lines, -1) : NONE;
    case 'sale.recorded':
      return saleEffects(chainDay(fact.soldAt), 'STORE', fact.storeId, fact.lines, 1);
    case 'sale.cancelled':
      return saleEffects(day, 'STORE', fact.storeId, fact.lines, -1);
    case 'sale.returned':
      return returnEffects(day, fact.storeId, fact.lines);
    case 'ignored':
      return NONE;
  }
}

// NUL cannot occur in ids (events.ts refuses control characters), so joined keys never collide.
const storeKey = (d: StoreDelta) => [d.day, d.channel, d.storeId].join('\u0000');
const productKey = (d: ProductDelta) => [d.day, d.channel, d.storeId, d.productId, d.categoryId].join('\u0000');

/**
 * The deltas of many events summed per row key, in a stable order (by key): one upsert row per key,
 * as PostgreSQL's ON CONFLICT DO UPDATE requires, and the same result whatever the events' order.
 */
export function sumEffects(all: readonly Effects[]): Effects {
  const stores = new Map<string, StoreDelta>();
  const products = new Map<string, ProductDelta>();
  for (const e of all) {
    for (const d of e.store) {
      const k = storeKey(d);
      const s = stores.get(k);
      if (!s) stores.set(k, { ...d });
      else {
        s.transactions += d.transactions;
        s.units += d.units;
        s.grossCents += d.grossCents;
        s.returns += d.returns;
        s.returnedUnits += d.returnedUnits;
        s.refundCents += d.refundCents;
      }
    }
    for (const d of e.product) {
      const k = productKey(d);
      const p = products.get(k);
      if (!p) products.set(k, { ...d });
      else {
        p.units += d.units;
        p.grossCents += d.grossCents;
        p.returnedUnits += d.returnedUnits;
        p.refundCents += d.refundCents;
      }
    }
  }
  const byKey = <T>(m: Map<string, T>) =>
    [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { store: byKey(stores), product: byKey(products) };
}
