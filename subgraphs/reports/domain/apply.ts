/**
 * Applying events to the read models. A batch of events is applied in ONE transaction together with
 * the insert of their ids into processed_events (unique): an id already there is a duplicate (a
 * replay, a redelivery after a crash before XACK) and adds nothing. Acknowledging the stream entries
 * is the caller's business, after this commits.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { execute, queryRows, type DbContext } from '../../kit/domain';
import { effectsOf, sumEffects, type Effects, type ProductDelta, type StoreDelta } from './effects';
import type { ParsedEvent } from './events';
import {
  ADD_PRODUCT_FACTS,
  ADD_STORE_FACTS,
  INSERT_PROCESSED_EVENTS,
  INSERT_REJECTION,
  type DailyDeltaColumns,
} from './sql/events';

export type Outcome = 'applied' | 'duplicate' | 'ignored';

export interface BatchResult {
  /** Per event, in the order given. */
  outcomes: Outcome[];
}

/** Writes the processed rows and the summed deltas of `events` on `em` (inside the caller's transaction). */
export async function writeEvents(em: EntityManager, events: readonly ParsedEvent[]): Promise<BatchResult> {
  const outcomes: Outcome[] = events.map((e) => (e.fact.type === 'ignored' ? 'ignored' : 'duplicate'));
  const candidates = new Map<string, number>();
  events.forEach((e, i) => {
    // The first copy of an id within the batch is the one that may apply.
    if (outcomes[i] !== 'ignored' && !candidates.has(e.envelope.id)) candidates.set(e.envelope.id, i);
  });
  if (candidates.size === 0) return { outcomes };
  const rows = [...candidates.values()].map((i) => events[i]!.envelope);
  const inserted = await queryRows(em, INSERT_PROCESSED_EVENTS, {
    eventIds: rows.map((r) => r.id),
    sources: rows.map((r) => r.source),
    types: rows.map((r) => r.type),
    versions: rows.map((r) => r.version),
    aggregateTypes: rows.map((r) => r.aggregate.type),
    aggregateIds: rows.map((r) => r.aggregate.id),
    sequences: rows.map((r) => r.sequence),
    occurredAts: rows.map((r) => r.occurredAt.toISOString()),
  });
  const fresh: ParsedEvent[] = [];
  for (const { eventId } of inserted) {
    const i = candidates.get(eventId);
    if (i === undefined) continue;
    outcomes[i] = 'applied';
    fresh.push(events[i]!);
  }
  await writeEffects(em, sumEffects(fresh.map(effectsOf)));
  return { outcomes };
}

/** The columns both tables' deltas have, one array per column. */
function dailyColumns(deltas: readonly (StoreDelta | ProductDelta)[]): DailyDeltaColumns {
  return {
    days: deltas.map((d) => d.day),
    channels: deltas.map((d) => d.channel),
    storeIds: deltas.map((d) => d.storeId),
    units: deltas.map((d) => d.units),
    grossCents: deltas.map((d) => d.grossCents),
    returnedUnits: deltas.map((d) => d.returnedUnits),
    refundCents: deltas.map((d) => d.refundCents),
  };
}

/** Adds summed deltas to the fact rows: one upsert statement per table, whatever the number of rows. */
export async function writeEffects(em: EntityManager, effects: Effects): Promise<void> {
  const s = effects.store;
  if (s.length > 0) {
    await execute(em, ADD_STORE_FACTS, {
      ...dailyColumns(s),
      transactions: s.map((d) => d.transactions),
      returns: s.map((d) => d.returns),
    });
  }
  const p = effects.product;
  if (p.length > 0) {
    await execute(em, ADD_PRODUCT_FACTS, {
      ...dailyColumns(p),
      productIds: p.map((d) => d.productId),
      categoryIds: p.map((d) => d.categoryId),
    });
  }
}

/** Applies a batch in one transaction (processed ids and deltas commit together, or neither). */
export async function applyEvents(ctx: DbContext, events: readonly ParsedEvent[]): Promise<BatchResult> {
  if (events.every((e) => e.fact.type === 'ignored')) return { outcomes: events.map(() => 'ignored') };
  return ctx.em.transactional((tx) => writeEvents(tx as EntityManager, events));
}

export interface Rejection {
  stream: string;
  entryId: string;
  eventId: string | null;
  type: string | null;
  reasonCode: string;
  reason: string;
  payload: string;
}

const MAX_PAYLOAD = 10_000;

/** PostgreSQL text cannot hold NUL: a hostile entry is still recorded, with NULs made visible. */
function clean(text: string | null, max: number): string | null {
  return text === null ? null : text.slice(0, max).replace(/\u0000/g, '\uFFFD');
}

/** Records a rejected entry once (a redelivered entry is not recorded twice). */
export async function recordRejection(ctx: DbContext, r: Rejection): Promise<void> {
  await execute(ctx.em, INSERT_REJECTION, {
    stream: clean(r.stream, 200),
    entryId: clean(r.entryId, 100),
    eventId: r.eventId,
    type: clean(r.type, 100),
    reasonCode: r.reasonCode,
    reason: clean(r.reason, 500),
    payload: clean(r.payload, MAX_PAYLOAD),
  });
}
