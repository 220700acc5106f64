import { EntitySchema } from '@mikro-orm/postgresql';
import { OutboxEvent } from '../kit/outbox';
import {
  LOCATION_KINDS,
  MOVEMENT_REASONS,
  REPLENISHMENT_STATUSES,
  RESERVATION_STATUSES,
  type Location,
  type ReplenishmentEvent,
  type ReplenishmentLine,
  type ReplenishmentRequest,
  type Reservation,
  type ReservationLine,
  type StockLevel,
  type StockMovement,
  type StockReturn,
  type StockReturnLine,
} from './domain/types';

/**
 * Inventory's tables, described once (ADR 0003): each schema is built on the row's one TypeScript
 * shape (domain/types.ts) and describes its table completely (types, defaults, keys, foreign keys,
 * indexes, CHECK constraints), so `npm run migration:create -- inventory --check` finds nothing
 * between these and the committed migrations. Columns follow the naming strategy (onHand ->
 * on_hand); foreign keys are ManyToOne relations mapped to plain ids (mapToPk), with the constraint
 * names PostgreSQL gave them in the first migration.
 */

const text = { type: 'string', columnType: 'text' } as const;
const timestamp = { type: 'Date', columnType: 'timestamptz' } as const;
const now = { ...timestamp, defaultRaw: 'now()' } as const;
/** PostgreSQL's defaults for a foreign key; MikroORM would otherwise add ON UPDATE CASCADE. */
const plainForeignKey = { updateRule: 'no action', deleteRule: 'no action' } as const;

/** A foreign key to a location, mapped to its id. */
function locationKey(fieldName: string, foreignKeyName: string, extra: { primary?: true } = {}) {
  return {
    kind: 'm:1',
    entity: 'Location',
    mapToPk: true,
    fieldName,
    foreignKeyName,
    ...plainForeignKey,
    ...extra,
  } as const;
}

export const LocationSchema = new EntitySchema<Location>({
  name: 'Location',
  tableName: 'location',
  properties: {
    id: { ...text, primary: true },
    name: { ...text },
    kind: { enum: true, items: LOCATION_KINDS, columnType: 'text' },
    storeId: { ...text, nullable: true, unique: 'location_store_id_unique' },
    createdAt: { ...now },
  },
  checks: [{ name: 'location_store_iff_store_kind', expression: "(kind = 'STORE') = (store_id is not null)" }],
});

export const StockLevelSchema = new EntitySchema<StockLevel>({
  name: 'StockLevel',
  tableName: 'stock_level',
  properties: {
    productId: { ...text, primary: true },
    locationId: {
      kind: 'm:1',
      entity: 'Location',
      mapToPk: true,
      primary: true,
      fieldName: 'location_id',
      foreignKeyName: 'stock_level_location_id_fkey',
      ...plainForeignKey,
    },
    onHand: { type: 'integer', default: 0 },
    reserved: { type: 'integer', default: 0 },
    reorderPoint: { type: 'integer', default: 0 },
    updatedAt: { ...now },
    // The low-stock index's predicate (ADR 0031): a column that changes only when a level crosses its
    // reorder point, so that a stock change indexes nothing and can be a HOT update.
    isLow: { type: 'boolean', generated: '(on_hand - reserved <= reorder_point) stored', fieldName: 'is_low' },
  },
  indexes: [
    // Store pages walk one location in product order.
    { name: 'stock_level_location_product_idx', properties: ['locationId', 'productId'] },
    // Serves lowOnly pages and lowStock without scanning healthy levels.
    {
      name: 'stock_level_low_idx',
      expression: 'create index stock_level_low_idx on stock_level (location_id, product_id) where is_low',
    },
  ],
  // The last line of defence against overselling: even a buggy statement cannot make reserved
  // exceed on_hand or either go negative.
  checks: [
    { name: 'stock_level_on_hand_non_negative', expression: 'on_hand >= 0' },
    { name: 'stock_level_reserved_non_negative', expression: 'reserved >= 0' },
    { name: 'stock_level_reserved_within_on_hand', expression: 'reserved <= on_hand' },
    { name: 'stock_level_reorder_point_non_negative', expression: 'reorder_point >= 0' },
  ],
});

export const StockMovementSchema = new EntitySchema<StockMovement>({
  name: 'StockMovement',
  tableName: 'stock_movement',
  properties: {
    id: { type: 'bigint', columnType: 'bigint', primary: true, autoincrement: true, generated: 'identity' },
    productId: { ...text },
    locationId: {
      kind: 'm:1',
      entity: 'Location',
      mapToPk: true,
      fieldName: 'location_id',
      foreignKeyName: 'stock_movement_location_id_fkey',
      ...plainForeignKey,
    },
    onHandDelta: { type: 'integer' },
    reservedDelta: { type: 'integer' },
    reason: { enum: true, items: MOVEMENT_REASONS, columnType: 'text' },
    reference: { ...text, nullable: true },
    note: { ...text, nullable: true },
    actor: { ...text },
    createdAt: { ...now },
  },
  indexes: [
    // The audit trail is read newest first, by product or by location (keyset on id).
    {
      name: 'stock_movement_product_idx',
      expression: 'create index stock_movement_product_idx on stock_movement (product_id, id desc)',
    },
    {
      name: 'stock_movement_location_idx',
      expression: 'create index stock_movement_location_idx on stock_movement (location_id, id desc)',
    },
    {
      name: 'stock_movement_reference_idx',
      expression: 'create index stock_movement_reference_idx on stock_movement (reference) where reference is not null',
    },
  ],
  checks: [{ name: 'stock_movement_changes_something', expression: 'on_hand_delta <> 0 or reserved_delta <> 0' }],
});

export const ReservationSchema = new EntitySchema<Reservation>({
  name: 'Reservation',
  tableName: 'reservation',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    orderId: { ...text, unique: 'reservation_order_id_unique' },
    locationId: {
      kind: 'm:1',
      entity: 'Location',
      mapToPk: true,
      nullable: true,
      fieldName: 'location_id',
      foreignKeyName: 'reservation_location_id_fkey',
      ...plainForeignKey,
    },
    status: { enum: true, items: RESERVATION_STATUSES, columnType: 'text' },
    expiresAt: { ...timestamp },
    releaseReason: { ...text, nullable: true },
    taken: { type: 'boolean', default: false },
    createdAt: { ...now },
    updatedAt: { ...now },
  },
  // A take is written COMMITTED and can only be restocked afterwards.
  checks: [
    {
      name: 'reservation_taken_committed',
      expression: "taken = false or status = 'COMMITTED' or status = 'RESTOCKED'",
    },
  ],
  indexes: [
    // The expiry sweeper looks only at pending reservations, oldest deadline first.
    {
      name: 'reservation_pending_expiry_idx',
      expression: "create index reservation_pending_expiry_idx on reservation (expires_at) where status = 'PENDING'",
    },
  ],
});

export const ReservationLineSchema = new EntitySchema<ReservationLine>({
  name: 'ReservationLine',
  tableName: 'reservation_line',
  properties: {
    reservationId: {
      kind: 'm:1',
      entity: 'Reservation',
      mapToPk: true,
      primary: true,
      fieldName: 'reservation_id',
      foreignKeyName: 'reservation_line_reservation_id_fkey',
      updateRule: 'no action',
      deleteRule: 'cascade',
    },
    productId: { ...text, primary: true },
    quantity: { type: 'integer' },
  },
  checks: [{ name: 'reservation_line_quantity_positive', expression: 'quantity > 0' }],
});

export const StockReturnSchema = new EntitySchema<StockReturn>({
  name: 'StockReturn',
  tableName: 'stock_return',
  properties: {
    returnId: { ...text, primary: true },
    locationId: locationKey('location_id', 'stock_return_location_id_fkey'),
    reason: { ...text, nullable: true },
    actor: { ...text },
    createdAt: { ...now },
  },
});

export const StockReturnLineSchema = new EntitySchema<StockReturnLine>({
  name: 'StockReturnLine',
  tableName: 'stock_return_line',
  properties: {
    returnId: {
      kind: 'm:1',
      entity: 'StockReturn',
      mapToPk: true,
      primary: true,
      fieldName: 'return_id',
      foreignKeyName: 'stock_return_line_return_id_fkey',
      updateRule: 'no action',
      deleteRule: 'cascade',
    },
    productId: { ...text, primary: true },
    quantity: { type: 'integer' },
  },
  checks: [{ name: 'stock_return_line_quantity_positive', expression: 'quantity > 0' }],
});

/** A foreign key to a replenishment request, its rows deleted with it. */
function requestKey(foreignKeyName: string, extra: { primary?: true } = {}) {
  return {
    kind: 'm:1',
    entity: 'ReplenishmentRequest',
    mapToPk: true,
    fieldName: 'request_id',
    foreignKeyName,
    updateRule: 'no action',
    deleteRule: 'cascade',
    ...extra,
  } as const;
}

export const ReplenishmentRequestSchema = new EntitySchema<ReplenishmentRequest>({
  name: 'ReplenishmentRequest',
  tableName: 'replenishment_request',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    // From replenishment_request_seq (the insert's nextval); the ORM neither models nor diffs sequences.
    seq: { type: 'bigint', columnType: 'bigint', unique: 'replenishment_request_seq_unique' },
    storeId: { ...text },
    sourceLocationId: locationKey('source_location_id', 'replenishment_request_source_location_id_fkey'),
    destinationLocationId: locationKey('destination_location_id', 'replenishment_request_destination_location_id_fkey'),
    status: { enum: true, items: REPLENISHMENT_STATUSES, columnType: 'text' },
    note: { ...text, nullable: true },
    requestedBy: { ...text },
    decidedBy: { ...text, nullable: true },
    decidedAt: { ...timestamp, nullable: true },
    rejectionReason: { ...text, nullable: true },
    createdAt: { ...now },
    updatedAt: { ...now },
  },
  indexes: [
    // Store staff list their store's requests, head office a status (the pending queue), both newest first.
    {
      name: 'replenishment_request_store_seq_idx',
      expression: 'create index replenishment_request_store_seq_idx on replenishment_request (store_id, seq desc)',
    },
    {
      name: 'replenishment_request_status_seq_idx',
      expression: 'create index replenishment_request_status_seq_idx on replenishment_request (status, seq desc)',
    },
  ],
  checks: [
    {
      name: 'replenishment_request_decided_iff_not_pending',
      expression: "(status = 'PENDING') = (decided_at is null) and (decided_at is null) = (decided_by is null)",
    },
    {
      name: 'replenishment_request_reason_iff_rejected',
      expression: "(status = 'REJECTED') = (rejection_reason is not null)",
    },
    { name: 'replenishment_request_between_locations', expression: 'source_location_id <> destination_location_id' },
  ],
});

export const ReplenishmentLineSchema = new EntitySchema<ReplenishmentLine>({
  name: 'ReplenishmentLine',
  tableName: 'replenishment_line',
  properties: {
    requestId: requestKey('replenishment_line_request_id_fkey', { primary: true }),
    productId: { ...text, primary: true },
    quantity: { type: 'integer' },
    approvedQuantity: { type: 'integer', nullable: true },
  },
  checks: [
    { name: 'replenishment_line_quantity_positive', expression: 'quantity > 0' },
    {
      name: 'replenishment_line_approved_within_quantity',
      expression: 'approved_quantity is null or (approved_quantity >= 0 and approved_quantity <= quantity)',
    },
  ],
});

export const ReplenishmentEventSchema = new EntitySchema<ReplenishmentEvent>({
  name: 'ReplenishmentEvent',
  tableName: 'replenishment_event',
  properties: {
    id: { type: 'bigint', columnType: 'bigint', primary: true, autoincrement: true, generated: 'identity' },
    requestId: requestKey('replenishment_event_request_id_fkey'),
    status: { enum: true, items: REPLENISHMENT_STATUSES, columnType: 'text' },
    actor: { ...text },
    note: { ...text, nullable: true },
    createdAt: { ...now },
  },
  indexes: [{ name: 'replenishment_event_request_idx', properties: ['requestId', 'id'] }],
});

export const entities = [
  LocationSchema,
  StockLevelSchema,
  StockMovementSchema,
  ReservationSchema,
  ReservationLineSchema,
  StockReturnSchema,
  StockReturnLineSchema,
  ReplenishmentRequestSchema,
  ReplenishmentLineSchema,
  ReplenishmentEventSchema,
  // Inventory's events (domain/events.ts), written in the transaction of each change (docs/events.md).
  OutboxEvent,
];
