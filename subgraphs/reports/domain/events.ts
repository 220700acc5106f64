/**
 * The event contract as reports reads it (docs/events.md): the envelope, every event type and
 * version it knows, and the data fields it relies on, checked before anything is applied. An entry
 * that fails a check is rejected with a reason code (recorded, acknowledged, never retried): the
 * producer must be fixed, waiting would not help.
 */
import { SOURCES, type Source } from './types';

export interface SaleLineData {
  productId: string;
  categoryId: string | null;
  quantity: number;
  lineTotalCents: number;
}

export interface ReturnLineData {
  productId: string;
  categoryId: string | null;
  quantity: number;
  amountCents: number;
}

/** The facts reports applies, by type (version 1 of each). */
export type Fact =
  | { type: 'order.confirmed'; currency: string; lines: SaleLineData[] }
  | { type: 'order.cancelled'; wasConfirmed: boolean; currency: string; lines: SaleLineData[] }
  | { type: 'sale.recorded'; storeId: string; soldAt: Date; currency: string; lines: SaleLineData[] }
  | { type: 'sale.returned'; storeId: string; currency: string; lines: ReturnLineData[] }
  | { type: 'sale.cancelled'; storeId: string; currency: string; lines: SaleLineData[] }
  /** A known event that no read model uses (order.shipped, register.closed, inventory's). */
  | { type: 'ignored' };

export interface Envelope {
  id: string;
  type: string;
  version: number;
  occurredAt: Date;
  source: Source;
  correlationId: string | null;
  aggregate: { type: string; id: string };
  /** Decimal string: outbox sequences are bigints. */
  sequence: string;
}

export interface ParsedEvent {
  envelope: Envelope;
  fact: Fact;
}

export type RejectReason =
  | 'malformed_json'
  | 'invalid_envelope'
  | 'wrong_source'
  | 'unknown_type'
  | 'unknown_version'
  | 'invalid_data'
  | 'wrong_currency';

export type ParseResult =
  | { ok: true; event: ParsedEvent }
  | {
      ok: false;
      code: RejectReason;
      reason: string;
      /** What could be read of the envelope, for the rejection record. */
      eventId: string | null;
      type: string | null;
    };

/** Every event type of the contract, with its producer and the versions reports understands. */
export const KNOWN_EVENTS: Readonly<Record<string, { source: Source; versions: readonly number[] }>> = {
  'order.confirmed': { source: 'ecommerce', versions: [1] },
  'order.cancelled': { source: 'ecommerce', versions: [1] },
  'order.shipped': { source: 'ecommerce', versions: [1] },
  'sale.recorded': { source: 'retail', versions: [1] },
  'sale.returned': { source: 'retail', versions: [1] },
  'sale.cancelled': { source: 'retail', versions: [1] },
  'register.closed': { source: 'retail', versions: [1] },
  'stock.changed': { source: 'inventory', versions: [1] },
  'replenishment.requested': { source: 'inventory', versions: [1] },
  'replenishment.approved': { source: 'inventory', versions: [1] },
  'replenishment.rejected': { source: 'inventory', versions: [1] },
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const MAX_ID = 200;
const MAX_LINES = 1_000;
/** Money and quantities fit the read models' integer columns many times over. */
const MAX_AMOUNT = 1_000_000_000_00;
const MAX_QUANTITY = 1_000_000;

class Invalid extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new Invalid(`${what} must be an object`);
  return v;
}

function id(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID || /[\u0000-\u001f\u007f]/.test(v)) {
    throw new Invalid(`${what} must be an id of 1 to ${MAX_ID} characters`);
  }
  return v;
}

function nullableId(v: unknown, what: string): string | null {
  return v === null || v === undefined ? null : id(v, what);
}

function int(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new Invalid(`${what} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function instant(v: unknown, what: string): Date {
  if (typeof v !== 'string' || !ISO_INSTANT.test(v)) throw new Invalid(`${what} must be an ISO 8601 instant`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new Invalid(`${what} must be an ISO 8601 instant`);
  return d;
}

function currency(v: unknown): string {
  if (typeof v !== 'string' || !CURRENCY_RE.test(v)) throw new Invalid('data.currency must be an ISO 4217 code');
  return v;
}

function list(v: unknown, what: string, allowEmpty: boolean): unknown[] {
  if (!Array.isArray(v)) throw new Invalid(`${what} must be an array`);
  if (v.length > MAX_LINES) throw new Invalid(`${what} has more than ${MAX_LINES} lines`);
  if (!allowEmpty && v.length === 0) throw new Invalid(`${what} must not be empty`);
  return v;
}

function saleLines(v: unknown, allowEmpty = false): SaleLineData[] {
  return list(v, 'data.lines', allowEmpty).map((raw, i) => {
    const l = obj(raw, `data.lines[${i}]`);
    return {
      productId: id(l.productId, `data.lines[${i}].productId`),
      categoryId: nullableId(l.categoryId, `data.lines[${i}].categoryId`),
      quantity: int(l.quantity, `data.lines[${i}].quantity`, 1, MAX_QUANTITY),
      lineTotalCents: int(l.lineTotalCents, `data.lines[${i}].lineTotalCents`, 0, MAX_AMOUNT),
    };
  });
}

function returnLines(v: unknown): ReturnLineData[] {
  return list(v, 'data.lines', false).map((raw, i) => {
    const l = obj(raw, `data.lines[${i}]`);
    return {
      productId: id(l.productId, `data.lines[${i}].productId`),
      categoryId: nullableId(l.categoryId, `data.lines[${i}].categoryId`),
      quantity: int(l.quantity, `data.lines[${i}].quantity`, 1, MAX_QUANTITY),
      amountCents: int(l.amountCents, `data.lines[${i}].amountCents`, 0, MAX_AMOUNT),
    };
  });
}

/** The data of the facts reports applies; other known types are checked for an object only. */
function factOf(type: string, data: Obj): Fact {
  switch (type) {
    case 'order.confirmed':
      id(data.orderId, 'data.orderId');
      return { type, currency: currency(data.currency), lines: saleLines(data.lines) };
    case 'order.cancelled': {
      id(data.orderId, 'data.orderId');
      if (typeof data.wasConfirmed !== 'boolean') throw new Invalid('data.wasConfirmed must be a boolean');
      const lines = saleLines(data.lines, true);
      if (data.wasConfirmed && lines.length === 0) throw new Invalid('data.lines must not be empty when wasConfirmed');
      return { type, wasConfirmed: data.wasConfirmed, currency: currency(data.currency), lines };
    }
    case 'sale.recorded':
      id(data.saleId, 'data.saleId');
      return {
        type,
        storeId: id(data.storeId, 'data.storeId'),
        soldAt: instant(data.soldAt, 'data.soldAt'),
        currency: currency(data.currency),
        lines: saleLines(data.lines),
      };
    case 'sale.returned':
      id(data.saleId, 'data.saleId');
      return {
        type,
        storeId: id(data.storeId, 'data.storeId'),
        currency: currency(data.currency),
        lines: returnLines(data.lines),
      };
    case 'sale.cancelled':
      id(data.saleId, 'data.saleId');
      return {
        type,
        storeId: id(data.storeId, 'data.storeId'),
        currency: currency(data.currency),
        lines: saleLines(data.lines),
      };
    default:
      return { type: 'ignored' };
  }
}

function envelopeOf(raw: Obj, source: Source): Envelope {
  const aggregate = obj(raw.aggregate, 'aggregate');
  const sequence = raw.sequence;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) {
    throw new Invalid('sequence must be a non-negative integer');
  }
  if (raw.correlationId !== null && raw.correlationId !== undefined && typeof raw.correlationId !== 'string') {
    throw new Invalid('correlationId must be a string');
  }
  return {
    id: raw.id as string,
    type: raw.type as string,
    version: raw.version as number,
    occurredAt: instant(raw.occurredAt, 'occurredAt'),
    source,
    correlationId: typeof raw.correlationId === 'string' ? raw.correlationId.slice(0, 200) : null,
    aggregate: { type: id(aggregate.type, 'aggregate.type'), id: id(aggregate.id, 'aggregate.id') },
    sequence: String(sequence),
  };
}

/**
 * Reads one stream entry's `event` field (or a retained outbox row's envelope) from `source`'s
 * stream: the envelope, then the type and version, then the data, rejecting at the first problem.
 * `currency` is the reporting currency: facts in another one are refused, not mixed into sums.
 */
export function parseEvent(text: string | null | undefined, source: Source, reportingCurrency: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    return { ok: false, code: 'malformed_json', reason: 'the entry is not JSON', eventId: null, type: null };
  }
  if (!isObj(raw))
    return { ok: false, code: 'malformed_json', reason: 'the entry is not a JSON object', eventId: null, type: null };
  const eventId = typeof raw.id === 'string' && UUID_RE.test(raw.id) ? raw.id.toLowerCase() : null;
  const type = typeof raw.type === 'string' ? raw.type.slice(0, 100) : null;
  const reject = (code: RejectReason, reason: string): ParseResult => ({ ok: false, code, reason, eventId, type });
  if (!eventId) return reject('invalid_envelope', 'id must be a UUID');
  if (!type) return reject('invalid_envelope', 'type must be a string');
  if (typeof raw.version !== 'number' || !Number.isInteger(raw.version)) {
    return reject('invalid_envelope', 'version must be an integer');
  }
  if (!(SOURCES as readonly unknown[]).includes(raw.source))
    return reject('invalid_envelope', 'source must be a producer name');
  if (raw.source !== source) return reject('wrong_source', `a ${String(raw.source)} event on the ${source} stream`);
  let envelope: Envelope;
  try {
    envelope = envelopeOf({ ...raw, id: eventId }, source);
  } catch (err) {
    if (err instanceof Invalid) return reject('invalid_envelope', err.message);
    throw err;
  }
  const known = KNOWN_EVENTS[type];
  if (!known || known.source !== source) return reject('unknown_type', `${source} does not produce ${type} events`);
  if (!known.versions.includes(envelope.version)) {
    return reject(
      'unknown_version',
      `${type} version ${envelope.version} is not one reports knows (${known.versions.join(', ')})`,
    );
  }
  let fact: Fact;
  try {
    fact = factOf(type, obj(raw.data, 'data'));
  } catch (err) {
    if (err instanceof Invalid) return reject('invalid_data', err.message);
    throw err;
  }
  if (fact.type !== 'ignored' && fact.currency !== reportingCurrency) {
    return reject('wrong_currency', `amounts in ${fact.currency}; reports sums ${reportingCurrency} only`);
  }
  return { ok: true, event: { envelope: { ...envelope, id: eventId }, fact } };
}
