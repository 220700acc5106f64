/**
 * The transactional outbox (ADR 0019), the half that domain code uses: the `outbox` table every
 * producer (ecommerce, retail, inventory, products) has in its own database, `recordEvent` to write an event
 * in the transaction of the change it reports, and the envelope every event is published in
 * (docs/events.md). The relay that publishes the rows to Redis is kit/outbox-relay.ts (an adapter).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { EntitySchema, type EntityManager, type Knex } from '@mikro-orm/postgresql';
import { instant, integer, optionalText, text } from './columns';
import { execute, queryRows, sql } from './sql';

/** The producers of events, each with its own stream `<REDIS_PREFIX>events:<source>`. */
export type EventSource = 'ecommerce' | 'retail' | 'inventory' | 'products';

/** One row of `outbox`: an event, published or not. */
export interface OutboxRow {
  /** Order of writing (bigserial, as a decimal string): the relay publishes in this order. */
  seq: string;
  /** The event id (UUID), the consumers' idempotency key. */
  id: string;
  type: string;
  version: number;
  aggregateType: string;
  aggregateId: string;
  /** The request (or background job) that caused it. */
  correlationId: string | null;
  occurredAt: Date;
  data: Record<string, unknown>;
  createdAt: Date;
  /** When the relay published it; null while pending. */
  publishedAt: Date | null;
  /** The Redis stream entry id it was published as. */
  streamId: string | null;
}

export const OutboxEvent = new EntitySchema<OutboxRow>({
  name: 'OutboxEvent',
  tableName: 'outbox',
  properties: {
    seq: { type: 'bigint', columnType: 'bigserial', primary: true, autoincrement: true },
    id: { type: 'uuid', columnType: 'uuid', unique: 'outbox_id_unique' },
    type: text,
    version: integer,
    aggregateType: { ...text, fieldName: 'aggregate_type' },
    aggregateId: { ...text, fieldName: 'aggregate_id' },
    correlationId: { ...optionalText, fieldName: 'correlation_id' },
    occurredAt: { ...instant, fieldName: 'occurred_at' },
    data: { type: 'json', columnType: 'jsonb' },
    createdAt: { ...instant, fieldName: 'created_at', defaultRaw: 'now()' },
    publishedAt: { ...instant, fieldName: 'published_at', nullable: true },
    streamId: { ...optionalText, fieldName: 'stream_id' },
  },
  indexes: [
    // The relay's scan: pending rows in order, a small index however long the retention.
    {
      name: 'outbox_pending_idx',
      expression: 'create index "outbox_pending_idx" on "outbox" ("seq") where published_at is null',
    },
    // The retention purge.
    { name: 'outbox_published_at_idx', properties: ['publishedAt'] },
  ],
});

/** An event as a producer's domain describes it; the envelope's other fields are filled in here. */
export interface NewEvent<T extends string = string, D extends object = Record<string, unknown>> {
  type: T;
  /** Version of this type's data (docs/events.md); 1 unless a type changed incompatibly. */
  version?: number;
  aggregate: { type: string; id: string };
  data: D;
  /** When the fact happened (a sale's time); default: the writing transaction's clock. */
  occurredAt?: Date;
}

/** Thrown when an event is recorded outside a transaction: it could outlive (or miss) its change. */
export class OutboxOutsideTransaction extends Error {
  constructor(type: string) {
    super(`recordEvent(${type}) must run inside the transaction of the change it reports`);
  }
}

/**
 * Writes events to the outbox in the caller's transaction (`em` inside em.transactional or
 * inTransaction): they are published if and only if the change commits. Insert them after the
 * aggregate's own row is written, so that two transactions on one aggregate number their events in
 * commit order (the second waits on the first's row lock before taking a sequence number).
 */
const INSERT_EVENTS = sql<{
  ids: string[];
  types: string[];
  versions: number[];
  aggregateTypes: string[];
  aggregateIds: string[];
  correlationIds: (string | null)[];
  occurredAt: (string | null)[];
  data: string[];
}>(
  `insert into outbox (id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data)
   select e.id, e.type, e.version, e.aggregate_type, e.aggregate_id, e.correlation_id, coalesce(e.occurred_at, now()), e.data
     from unnest(:ids::uuid[], :types::text[], :versions::int[], :aggregateTypes::text[], :aggregateIds::text[],
                 :correlationIds::text[], :occurredAt::timestamptz[], :data::jsonb[])
       with ordinality as e(id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data, n)
    order by e.n`,
);

export async function recordEvents(
  em: EntityManager,
  correlationId: string | null,
  events: readonly NewEvent<string, object>[],
): Promise<void> {
  if (events.length === 0) return;
  if (!em.getTransactionContext()) throw new OutboxOutsideTransaction(events[0]!.type);
  // One statement for the lot; unnest keeps their order, so their sequence numbers follow it.
  await execute(em, INSERT_EVENTS, eventColumns(correlationId, events));
  // knex settles executionPromise when the transaction ends: resolved on COMMIT, rejected on ROLLBACK.
  const trx = em.getTransactionContext<Knex.Transaction>();
  const url = String(em.config.get('clientUrl'));
  trx?.executionPromise?.then(
    () => outboxCommits.emit('committed', url),
    () => undefined,
  );
}

/** The values of events for one insert: each column as an array, in the events' order. */
function eventColumns(correlationId: string | null, events: readonly NewEvent<string, object>[]) {
  return {
    ids: events.map(() => randomUUID()),
    types: events.map((e) => e.type),
    versions: events.map((e) => e.version ?? 1),
    aggregateTypes: events.map((e) => e.aggregate.type),
    aggregateIds: events.map((e) => e.aggregate.id),
    correlationIds: events.map(() => correlationId?.slice(0, 200) ?? null),
    occurredAt: events.map((e) => e.occurredAt?.toISOString() ?? null),
    data: events.map((e) => JSON.stringify(e.data)),
  };
}

/**
 * The outbox insert as one part of a larger statement: a data-modifying CTE named `name` that writes
 * the events only when the CTE `guard` of the same statement returned a row (the change they report
 * happened), so change and events commit together in one round trip. Its values are named after
 * `name`; merge them into the statement's. Call `eventsWritten` once the statement has run.
 */
export function outboxInsertPart(
  name: string,
  guard: string,
  correlationId: string | null,
  events: readonly NewEvent<string, object>[],
): { sql: string; values: Record<string, unknown> } {
  const cols = eventColumns(correlationId, events);
  const p = (column: keyof typeof cols) => `:${name}${column[0]!.toUpperCase()}${column.slice(1)}`;
  const values: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(cols)) {
    values[`${name}${column[0]!.toUpperCase()}${column.slice(1)}`] = value;
  }
  return {
    sql: `${name} as (
      insert into outbox (id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data)
      select e.id, e.type, e.version, e.aggregate_type, e.aggregate_id, e.correlation_id, coalesce(e.occurred_at, now()), e.data
        from unnest(${p('ids')}::uuid[], ${p('types')}::text[], ${p('versions')}::int[], ${p('aggregateTypes')}::text[],
                    ${p('aggregateIds')}::text[], ${p('correlationIds')}::text[], ${p('occurredAt')}::timestamptz[],
                    ${p('data')}::jsonb[])
          with ordinality as e(id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data, n)
       where exists (select 1 from ${guard})
       order by e.n)`,
    values,
  };
}

/** After a statement with an outbox part committed (outside a knex transaction): wake the relay now. */
export function eventsWritten(em: EntityManager): void {
  outboxCommits.emit('committed', String(em.config.get('clientUrl')));
}

/**
 * Emits `committed` with the database URL when a transaction of this process that recorded events
 * commits, so the relay of that database publishes them at once instead of at its next poll.
 */
export const outboxCommits = new EventEmitter();
outboxCommits.setMaxListeners(0);

/** One event of recordEvents. */
export function recordEvent(em: EntityManager, correlationId: string | null, event: NewEvent<string, object>) {
  return recordEvents(em, correlationId, [event]);
}

/** The columns envelopeText needs, as lean SQL selects them. */
export interface EnvelopeRow {
  seq: string;
  id: string;
  type: string;
  version: number;
  aggregate_type: string;
  aggregate_id: string;
  correlation_id: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
}

// seq is read as text (bigint); order by outbox.seq, not by this text alias.
export const ENVELOPE_COLUMNS =
  'seq::text as seq, id::text as id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data';

/**
 * The published form of an event (docs/events.md, "Envelope"): the same text on the stream and in
 * retainedEvents, keys in a fixed order.
 */
export function envelopeText(source: EventSource, row: EnvelopeRow): string {
  return JSON.stringify({
    id: row.id,
    type: row.type,
    version: row.version,
    occurredAt: new Date(row.occurred_at).toISOString(),
    source,
    correlationId: row.correlation_id,
    aggregate: { type: row.aggregate_type, id: row.aggregate_id },
    sequence: Number(row.seq),
    data: row.data,
  });
}

const RETAINED_PAGE = sql<{ afterSeq: string; limit: number }, EnvelopeRow>(
  `select ${ENVELOPE_COLUMNS} from outbox where seq > :afterSeq::bigint order by outbox.seq limit :limit`,
);

/** Up to `first` retained events (published or not) after sequence `afterSeq`, oldest first. */
export async function retainedEvents(
  em: EntityManager,
  source: EventSource,
  afterSeq: string,
  first: number,
): Promise<{ events: string[]; lastSeq: string | null; more: boolean }> {
  const rows = await queryRows(em, RETAINED_PAGE, { afterSeq, limit: first + 1 });
  const page = rows.slice(0, first);
  return {
    events: page.map((r) => envelopeText(source, r)),
    lastSeq: page[page.length - 1]?.seq ?? null,
    more: rows.length > first,
  };
}
