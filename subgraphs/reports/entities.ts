import { BigIntType, EntitySchema } from '@mikro-orm/postgresql';
import {
  CHANNELS,
  REPORT_STATUSES,
  REPORT_TYPES,
  type DailyProductFact,
  type DailyStoreFact,
  type ProcessedEvent,
  type ReadModelRebuild,
  type RejectedEvent,
  type SavedReport,
} from './domain/types';

/**
 * The complete description of reports' tables (ADR 0003, ADR 0018), built on the row interfaces of
 * domain/types.ts: `npm run migration:create -- reports --check` fails when these and the committed
 * migrations disagree. Nothing here references another subgraph's database: store, product and
 * category ids are plain text as the producers' events carry them. CHECK expressions are written the
 * way PostgreSQL normalises them, which is what the schema comparator reads back.
 */

const text = { type: 'string', columnType: 'text' } as const;
const nullableText = { ...text, nullable: true } as const;
/** Identity columns and outbox sequences: decimal strings, like lean reads and cursors carry them. */
const bigintText = () => new BigIntType('string');
/** Money sums in minor units: bigint, read as JS numbers (exact far beyond any store's revenue). */
const cents = (fieldName: string) =>
  ({ type: new BigIntType('number'), columnType: 'bigint', fieldName, default: 0 }) as const;
const count = (fieldName: string) => ({ type: 'integer', fieldName, default: 0 }) as const;
const timestamp = (fieldName: string) =>
  ({ type: 'Date', columnType: 'timestamptz', fieldName, defaultRaw: 'now()', onCreate: () => new Date() }) as const;
const day = { type: 'string', columnType: 'date' } as const;
const channel = { enum: true, items: () => CHANNELS, columnType: 'text' } as const;

export const ProcessedEventSchema = new EntitySchema<ProcessedEvent>({
  name: 'ProcessedEvent',
  tableName: 'processed_events',
  properties: {
    eventId: { ...text, primary: true, fieldName: 'event_id' },
    source: text,
    type: text,
    version: { type: 'integer' },
    aggregateType: { ...text, fieldName: 'aggregate_type' },
    aggregateId: { ...text, fieldName: 'aggregate_id' },
    sequence: { type: bigintText(), columnType: 'bigint' },
    occurredAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'occurred_at' },
    appliedAt: timestamp('applied_at'),
  },
  indexes: [
    // An aggregate's history (support: "was this sale's cancellation applied?").
    { name: 'processed_events_aggregate_idx', properties: ['aggregateType', 'aggregateId'] },
  ],
});

export const RejectedEventSchema = new EntitySchema<RejectedEvent>({
  name: 'RejectedEvent',
  tableName: 'rejected_events',
  properties: {
    id: {
      type: bigintText(),
      columnType: 'bigint',
      primary: true,
      autoincrement: true,
      generated: 'by default as identity',
    },
    stream: text,
    entryId: { ...text, fieldName: 'entry_id' },
    eventId: { ...nullableText, fieldName: 'event_id' },
    type: nullableText,
    reasonCode: { ...text, fieldName: 'reason_code' },
    reason: text,
    payload: text,
    rejectedAt: timestamp('rejected_at'),
  },
  // A redelivered entry is recorded once.
  uniques: [{ name: 'rejected_events_entry_unique', properties: ['stream', 'entryId'] }],
});

export const DailyStoreFactSchema = new EntitySchema<DailyStoreFact>({
  name: 'DailyStoreFact',
  tableName: 'daily_store_facts',
  properties: {
    day: { ...day, primary: true },
    channel: { ...channel, primary: true },
    storeId: { ...text, primary: true, fieldName: 'store_id' },
    transactions: count('transactions'),
    units: count('units'),
    grossCents: cents('gross_cents'),
    returns: count('returns'),
    returnedUnits: count('returned_units'),
    refundCents: cents('refund_cents'),
    updatedAt: timestamp('updated_at'),
  },
  // Store.performance and a MANAGER's reports read one store's days.
  indexes: [{ name: 'daily_store_facts_store_day_idx', properties: ['storeId', 'day'] }],
  checks: [
    // Online facts belong to no store (''), point-of-sale facts to one.
    {
      name: 'daily_store_facts_store',
      expression: "(channel = 'ONLINE' and store_id = '') or (channel = 'STORE' and store_id <> '')",
    },
  ],
});

export const DailyProductFactSchema = new EntitySchema<DailyProductFact>({
  name: 'DailyProductFact',
  tableName: 'daily_product_facts',
  properties: {
    day: { ...day, primary: true },
    channel: { ...channel, primary: true },
    storeId: { ...text, primary: true, fieldName: 'store_id' },
    productId: { ...text, primary: true, fieldName: 'product_id' },
    categoryId: { ...text, primary: true, fieldName: 'category_id' },
    units: count('units'),
    grossCents: cents('gross_cents'),
    returnedUnits: count('returned_units'),
    refundCents: cents('refund_cents'),
    updatedAt: timestamp('updated_at'),
  },
  indexes: [
    // Product.salesStats reads one product's days; a MANAGER's breakdowns one store's.
    { name: 'daily_product_facts_product_day_idx', properties: ['productId', 'day'] },
    { name: 'daily_product_facts_store_day_idx', properties: ['storeId', 'day'] },
  ],
  checks: [
    {
      name: 'daily_product_facts_store',
      expression: "(channel = 'ONLINE' and store_id = '') or (channel = 'STORE' and store_id <> '')",
    },
  ],
});

export const SavedReportSchema = new EntitySchema<SavedReport>({
  name: 'SavedReport',
  tableName: 'saved_reports',
  properties: {
    id: { ...text, primary: true },
    seq: { type: bigintText(), columnType: 'bigint', autoincrement: true, generated: 'by default as identity' },
    type: { enum: true, items: () => REPORT_TYPES, columnType: 'text' },
    periodFrom: { ...day, fieldName: 'period_from' },
    periodTo: { ...day, fieldName: 'period_to' },
    storeId: { ...nullableText, fieldName: 'store_id' },
    status: { enum: true, items: () => REPORT_STATUSES, columnType: 'text', default: 'PENDING' },
    data: { type: 'json', columnType: 'jsonb', nullable: true },
    failureReason: { ...nullableText, fieldName: 'failure_reason' },
    requestedBy: { ...text, fieldName: 'requested_by' },
    requestedAt: timestamp('requested_at'),
    generatedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'generated_at', nullable: true },
    attempts: count('attempts'),
    claimedBy: { ...nullableText, fieldName: 'claimed_by' },
    leaseUntil: { type: 'Date', columnType: 'timestamptz', fieldName: 'lease_until', nullable: true },
  },
  uniques: [{ name: 'saved_reports_seq_unique', properties: ['seq'] }],
  indexes: [
    // Keyset pagination newest first, per store (a MANAGER's list) and per status (the job's claim).
    {
      name: 'saved_reports_store_seq_idx',
      expression: 'create index saved_reports_store_seq_idx on saved_reports (store_id, seq desc)',
    },
    { name: 'saved_reports_status_seq_idx', properties: ['status', 'seq'] },
  ],
  checks: [
    { name: 'saved_reports_period', expression: 'period_from <= period_to' },
    {
      name: 'saved_reports_ready_data',
      expression: "(status = 'READY') = (data is not null and generated_at is not null)",
    },
  ],
});

export const ReadModelRebuildSchema = new EntitySchema<ReadModelRebuild>({
  name: 'ReadModelRebuild',
  tableName: 'read_model_rebuilds',
  properties: {
    id: {
      type: bigintText(),
      columnType: 'bigint',
      primary: true,
      autoincrement: true,
      generated: 'by default as identity',
    },
    startedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'started_at' },
    finishedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'finished_at' },
    eventsApplied: count('events_applied'),
    eventsRejected: count('events_rejected'),
    durationMs: { type: 'integer', fieldName: 'duration_ms' },
  },
});

export const entities = [
  ProcessedEventSchema,
  RejectedEventSchema,
  DailyStoreFactSchema,
  DailyProductFactSchema,
  SavedReportSchema,
  ReadModelRebuildSchema,
];
