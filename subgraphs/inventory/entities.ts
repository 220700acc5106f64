import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * What MikroORM knows about inventory's tables (ADR 0003). The tables themselves, with their CHECK
 * constraints and partial indexes, are defined by the hand-written SQL in migrations/. Hot reads and
 * the stock-changing statements are lean SQL (domain/); these schemas keep the ORM's metadata in
 * step with the database for anything that uses the EntityManager.
 */

export type LocationKind = 'WAREHOUSE' | 'STORE' | 'ONLINE';

export const MOVEMENT_REASONS = [
  'ADJUSTMENT',
  'RECEIPT',
  'SALE',
  'RETURN',
  'DAMAGE',
  'TRANSFER_IN',
  'TRANSFER_OUT',
  'RESERVATION',
  'RESERVATION_RELEASED',
  'RESERVATION_EXPIRED',
  'RESERVATION_COMMITTED',
] as const;
export type MovementReason = (typeof MOVEMENT_REASONS)[number];

export const RESERVATION_STATUSES = ['PENDING', 'COMMITTED', 'RELEASED', 'EXPIRED', 'RESTOCKED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface Location {
  id: string;
  name: string;
  kind: LocationKind;
  storeId: string | null;
  createdAt: Date;
}

export interface StockLevel {
  productId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  reorderPoint: number;
  updatedAt: Date;
}

export interface StockMovement {
  id: string;
  productId: string;
  locationId: string;
  onHandDelta: number;
  reservedDelta: number;
  reason: MovementReason;
  reference: string | null;
  note: string | null;
  actor: string;
  createdAt: Date;
}

export interface Reservation {
  id: string;
  orderId: string;
  locationId: string | null;
  status: ReservationStatus;
  expiresAt: Date;
  releaseReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReservationLine {
  reservationId: string;
  productId: string;
  quantity: number;
}

export const LocationSchema = new EntitySchema<Location>({
  name: 'Location',
  tableName: 'location',
  properties: {
    id: { type: 'string', primary: true },
    name: { type: 'string' },
    kind: { type: 'string' },
    storeId: { type: 'string', nullable: true, unique: true },
    createdAt: { type: 'Date', defaultRaw: 'now()' },
  },
});

export const StockLevelSchema = new EntitySchema<StockLevel>({
  name: 'StockLevel',
  tableName: 'stock_level',
  properties: {
    productId: { type: 'string', primary: true },
    locationId: { type: 'string', primary: true },
    onHand: { type: 'integer' },
    reserved: { type: 'integer' },
    reorderPoint: { type: 'integer' },
    updatedAt: { type: 'Date', defaultRaw: 'now()' },
  },
});

export const StockMovementSchema = new EntitySchema<StockMovement>({
  name: 'StockMovement',
  tableName: 'stock_movement',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    productId: { type: 'string' },
    locationId: { type: 'string' },
    onHandDelta: { type: 'integer' },
    reservedDelta: { type: 'integer' },
    reason: { type: 'string' },
    reference: { type: 'string', nullable: true },
    note: { type: 'string', nullable: true },
    actor: { type: 'string' },
    createdAt: { type: 'Date', defaultRaw: 'now()' },
  },
});

export const ReservationSchema = new EntitySchema<Reservation>({
  name: 'Reservation',
  tableName: 'reservation',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    orderId: { type: 'string', unique: true },
    locationId: { type: 'string', nullable: true },
    status: { type: 'string' },
    expiresAt: { type: 'Date' },
    releaseReason: { type: 'string', nullable: true },
    createdAt: { type: 'Date', defaultRaw: 'now()' },
    updatedAt: { type: 'Date', defaultRaw: 'now()' },
  },
});

export const ReservationLineSchema = new EntitySchema<ReservationLine>({
  name: 'ReservationLine',
  tableName: 'reservation_line',
  properties: {
    reservationId: { type: 'uuid', primary: true },
    productId: { type: 'string', primary: true },
    quantity: { type: 'integer' },
  },
});

export const entities = [
  LocationSchema,
  StockLevelSchema,
  StockMovementSchema,
  ReservationSchema,
  ReservationLineSchema,
];
