/**
 * Applying events to the read models. A batch of events is applied in ONE transaction together with
 * the insert of their ids into processed_events (unique): an id already there is a duplicate (a
 * replay, a redelivery after a crash before XACK) and adds nothing. Acknowledging the stream entries
 * is the caller's business, after this commits.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { legacyExecute, legacyQueryRows, type DomainContext } from '../../kit/domain';
import { effectsOf, sumEffects, type Effects } from './effects';
import type { ParsedEvent } from './events';

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
  const inserted = await legacyQueryRows<{ event_id: string }>(
    em,
    `insert into processed_events (event_id, source, type, version, aggregate_type, aggregate_id, sequence, occurred_at)
     select * from unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::bigint[], ?::timestamptz[])
     on conflict (event_id) do nothing
     returning event_id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.source),
      rows.map((r) => r.type),
      rows.map((r) => r.version),
      rows.map((r) => r.aggregate.type),
      rows.map((r) => r.aggregate.id),
      rows.map((r) => r.sequence),
      rows.map((r) => r.occurredAt.toISOString()),
    ],
  );
  const fresh: ParsedEvent[] = [];
  for (const { event_id } of inserted) {
    const i = candidates.get(event_id);
    if (i === undefined) continue;
    outcomes[i] = 'applied';
    fresh.push(events[i]!);
  }
  await writeEffects(em, sumEffects(fresh.map(effectsOf)));
  return { outcomes };
}

/** Adds summed deltas to the fact rows: one upsert statement per table, whatever the number of rows. */
export async function writeEffects(em: EntityManager, effects: Effects): Promise<void> {
  const s = effects.store;
  if (s.length > 0) {
    await legacyExecute(
      em,
      `insert into daily_store_facts as f
         (day, channel, store_id, transactions, units, gross_cents, returns, returned_units, refund_cents, updated_at)
       select x.*, now() from unnest(?::date[], ?::text[], ?::text[], ?::int[], ?::int[], ?::bigint[], ?::int[], ?::int[], ?::bigint[])
         as x(day, channel, store_id, transactions, units, gross_cents, returns, returned_units, refund_cents)
       on conflict (day, channel, store_id) do update set
         transactions = f.transactions + excluded.transactions,
         units = f.units + excluded.units,
         gross_cents = f.gross_cents + excluded.gross_cents,
         returns = f.returns + excluded.returns,
         returned_units = f.returned_units + excluded.returned_units,
         refund_cents = f.refund_cents + excluded.refund_cents,
         updated_at = now()`,
      [
        s.map((d) => d.day),
        s.map((d) => d.channel),
        s.map((d) => d.storeId),
        s.map((d) => d.transactions),
        s.map((d) => d.units),
        s.map((d) => d.grossCents),
        s.map((d) => d.returns),
        s.map((d) => d.returnedUnits),
        s.map((d) => d.refundCents),
      ],
    );
  }
  const p = effects.product;
  if (p.length > 0) {
    await legacyExecute(
      em,
      `insert into daily_product_facts as f
         (day, channel, store_id, product_id, category_id, units, gross_cents, returned_units, refund_cents, updated_at)
       select x.*, now() from unnest(?::date[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::bigint[], ?::int[], ?::bigint[])
         as x(day, channel, store_id, product_id, category_id, units, gross_cents, returned_units, refund_cents)
       on conflict (day, channel, store_id, product_id, category_id) do update set
         units = f.units + excluded.units,
         gross_cents = f.gross_cents + excluded.gross_cents,
         returned_units = f.returned_units + excluded.returned_units,
         refund_cents = f.refund_cents + excluded.refund_cents,
         updated_at = now()`,
      [
        p.map((d) => d.day),
        p.map((d) => d.channel),
        p.map((d) => d.storeId),
        p.map((d) => d.productId),
        p.map((d) => d.categoryId),
        p.map((d) => d.units),
        p.map((d) => d.grossCents),
        p.map((d) => d.returnedUnits),
        p.map((d) => d.refundCents),
      ],
    );
  }
}

/** Applies a batch in one transaction (processed ids and deltas commit together, or neither). */
export async function applyEvents(
  ctx: Pick<DomainContext, 'em'>,
  events: readonly ParsedEvent[],
): Promise<BatchResult> {
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
export async function recordRejection(ctx: Pick<DomainContext, 'em'>, r: Rejection): Promise<void> {
  await legacyExecute(
    ctx.em,
    `insert into rejected_events (stream, entry_id, event_id, type, reason_code, reason, payload)
     values (?, ?, ?, ?, ?, ?, ?)
     on conflict (stream, entry_id) do nothing`,
    [
      clean(r.stream, 200),
      clean(r.entryId, 100),
      r.eventId,
      clean(r.type, 100),
      r.reasonCode,
      clean(r.reason, 500),
      clean(r.payload, MAX_PAYLOAD),
    ],
  );
}
