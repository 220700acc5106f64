/**
 * reports' rows, one shape per table (ADR 0003, ADR 0018): entities.ts builds each table's
 * EntitySchema on the interface here; lean reads select into it. The read models are sums of deltas
 * (each event adds its own), so applying events in any order gives the same rows.
 */

/** The producers whose streams reports reads (docs/events.md: `events:<source>`). */
export const SOURCES = ['ecommerce', 'retail', 'inventory'] as const;
export type Source = (typeof SOURCES)[number];

export const CHANNELS = ['ONLINE', 'STORE'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Stored in `store_id` for facts that belong to no store (online orders): part of the key, so not null. */
export const NO_STORE = '';
/** Stored in `category_id` for products sold without a category. */
export const NO_CATEGORY = '';

/** A row of `processed_events`: an event applied to the read models, once (its id is the key). */
export interface ProcessedEvent {
  /** The envelope's UUID. */
  eventId: string;
  source: Source;
  type: string;
  version: number;
  aggregateType: string;
  aggregateId: string;
  /** The producer's outbox sequence (bigint as a decimal string). */
  sequence: string;
  occurredAt: Date;
  appliedAt: Date;
}

/** A row of `rejected_events`: a stream entry that could not be applied (malformed, unknown), acknowledged. */
export interface RejectedEvent {
  /** bigint identity as a decimal string. */
  id: string;
  /** The stream without the key prefix, e.g. "events:retail". */
  stream: string;
  /** The Redis entry id, e.g. "1733080000000-0". */
  entryId: string;
  /** The envelope's id when it had a readable one. */
  eventId: string | null;
  /** The envelope's type when it had a readable one. */
  type: string | null;
  /** malformed_json, invalid_envelope, unknown_type, unknown_version, invalid_data, wrong_source, wrong_currency, refused_by_database. */
  reasonCode: string;
  reason: string;
  /** The entry as received, cut at 10 000 characters. */
  payload: string;
  rejectedAt: Date;
}

/** Sums shared by both fact tables; money in minor units of the reporting currency. */
export interface FactSums {
  /** Units sold less units of cancellations (returns are counted apart). */
  units: number;
  /** Line totals sold less line totals cancelled. */
  grossCents: number;
  returnedUnits: number;
  refundCents: number;
}

/** A row of `daily_store_facts`: one day, channel and store (NO_STORE online). */
export interface DailyStoreFact extends FactSums {
  /** YYYY-MM-DD in the chain's time zone. */
  day: string;
  channel: Channel;
  storeId: string;
  /** Orders confirmed or sales recorded, less those cancelled. */
  transactions: number;
  /** Returns recorded (one per return, whatever its units). */
  returns: number;
  updatedAt: Date;
}

/** A row of `daily_product_facts`: one day, channel, store, product and the category it was sold under. */
export interface DailyProductFact extends FactSums {
  day: string;
  channel: Channel;
  storeId: string;
  productId: string;
  /** NO_CATEGORY when the product had none. */
  categoryId: string;
  updatedAt: Date;
}

export const REPORT_TYPES = ['SALES', 'STORE_PERFORMANCE'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];
export const REPORT_STATUSES = ['PENDING', 'READY', 'FAILED'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** A row of `saved_reports`: a snapshot asked for by generateReport, produced by the report job. */
export interface SavedReport {
  id: string;
  /** bigint identity (decimal string): the keyset of `reports`, newest first. */
  seq: string;
  type: ReportType;
  periodFrom: string;
  periodTo: string;
  /** Null for the whole chain. */
  storeId: string | null;
  status: ReportStatus;
  /** The figures once READY (SalesSnapshot or PerformanceSnapshot, by type). */
  data: unknown;
  failureReason: string | null;
  requestedBy: string;
  requestedAt: Date;
  generatedAt: Date | null;
  /** Claims so far (the job gives up after a few). */
  attempts: number;
  /** The job instance holding the claim; null when not claimed. */
  claimedBy: string | null;
  /** A claim older than this is taken over (the claimer died). */
  leaseUntil: Date | null;
}

/** A row of `read_model_rebuilds`: one `npm run reports:rebuild`. */
export interface ReadModelRebuild {
  id: string;
  startedAt: Date;
  finishedAt: Date;
  eventsApplied: number;
  eventsRejected: number;
  durationMs: number;
}

// ---------- read shapes (not rows) ----------

/** Where figures are taken: the whole chain or one store. */
export type Scope = { kind: 'chain' } | { kind: 'store'; storeId: string };

/** Validated days, both included, YYYY-MM-DD. */
export interface Period {
  from: string;
  to: string;
}

/** Net figures of any slice (a channel, a store, a day, the whole period). */
export interface Figures {
  revenueCents: number;
  transactions: number;
  unitsSold: number;
  returns: number;
  refundCents: number;
}

export interface ChannelFigures extends Figures {
  channel: Channel;
}
export interface StoreFigures extends Figures {
  storeId: string;
}
export interface DayFigures extends Figures {
  date: string;
}

/** The store-level part of a sales report: totals and the per-channel, per-store and per-day slices. */
export interface SalesSummary {
  totals: Figures;
  byChannel: ChannelFigures[];
  byStore: StoreFigures[];
  daily: DayFigures[];
}

export interface CategoryFigures {
  /** Null for products sold without a category. */
  categoryId: string | null;
  revenueCents: number;
  unitsSold: number;
}

export interface ProductFigures {
  productId: string;
  revenueCents: number;
  unitsSold: number;
  unitsReturned: number;
}

/** What a READY SALES report keeps (top products up to the largest limit a client may ask). */
export interface SalesSnapshot extends SalesSummary {
  byCategory: CategoryFigures[];
  topProducts: ProductFigures[];
}

/** What a READY STORE_PERFORMANCE report keeps. */
export interface PerformanceSnapshot {
  storeId: string;
  figures: Figures;
}
