import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents, type NewEvent } from '../../kit/domain';
import type { MovementReason } from './types';

/**
 * Inventory's domain events (docs/events.md: stock.changed, replenishment.requested / approved /
 * rejected), written to the outbox in the transaction of the change they report, after its rows.
 * The union below is the contract in types: a misspelt type or a data field too many or too few
 * does not compile.
 */

/** stock.changed v1: one stock level's on-hand or reserved quantity changed (one per movement row). */
export interface StockChangedData {
  productId: string;
  locationId: string;
  /** The store of the location; null for the warehouse and the online location. */
  storeId: string | null;
  reason: MovementReason;
  /** The order, return or request it belongs to; null for a manual adjustment. */
  reference: string | null;
  onHandDelta: number;
  reservedDelta: number;
  /** On-hand after this change. */
  onHand: number;
  /** Reserved after this change. */
  reserved: number;
  reorderPoint: number;
}

/** replenishment.requested v1: store staff asked the warehouse for stock. */
export interface ReplenishmentRequestedData {
  requestId: string;
  storeId: string;
  sourceLocationId: string;
  destinationLocationId: string;
  requestedBy: string;
  note: string | null;
  lines: { productId: string; quantity: number }[];
}

/** replenishment.approved v1: head office approved; every line with what moved (0: not sent). */
export interface ReplenishmentApprovedData {
  requestId: string;
  storeId: string;
  decidedBy: string;
  lines: { productId: string; quantity: number; approvedQuantity: number }[];
}

/** replenishment.rejected v1: head office rejected, with its reason. */
export interface ReplenishmentRejectedData {
  requestId: string;
  storeId: string;
  decidedBy: string;
  reason: string;
}

type Event<T extends string, A extends string, D extends object> = NewEvent<T, D> & {
  aggregate: { type: A; id: string };
};

export type StockChanged = Event<'stock.changed', 'StockLevel', StockChangedData>;
export type InventoryEvent =
  | StockChanged
  | Event<'replenishment.requested', 'ReplenishmentRequest', ReplenishmentRequestedData>
  | Event<'replenishment.approved', 'ReplenishmentRequest', ReplenishmentApprovedData>
  | Event<'replenishment.rejected', 'ReplenishmentRequest', ReplenishmentRejectedData>;

/** Writes inventory's events in `tx`'s transaction (the kit refuses outside one). */
export function recordInventoryEvents(
  tx: EntityManager,
  correlationId: string | null,
  events: readonly InventoryEvent[],
): Promise<void> {
  return recordEvents(tx, correlationId, events);
}

/**
 * One audit-trail row as a write statement returns it, with the level's state after the WHOLE
 * statement (which may have moved the same level more than once: an expiry sweep of several
 * reservations of one product).
 */
export interface MovementChange {
  productId: string;
  locationId: string;
  storeId: string | null;
  reason: MovementReason;
  reference: string | null;
  onHandDelta: number;
  reservedDelta: number;
  /** The level after the statement. */
  onHand: number;
  reserved: number;
  reorderPoint: number;
}

/** The stock.changed aggregate id: one level, `<productId>@<locationId>`. */
export function stockLevelId(productId: string, locationId: string): string {
  return `${productId}@${locationId}`;
}

/**
 * One stock.changed per movement, in the order given (the audit trail's), each carrying the level as
 * it was right after that movement: the last movement of a level leaves it as the statement did, and
 * each earlier one is the state before the movements that follow it on that level. So a level moved
 * twice by one statement gives two events whose deltas add up and whose "after" values are a path.
 */
export function stockChangedEvents(changes: readonly MovementChange[], occurredAt?: Date): StockChanged[] {
  const after = new Map<string, { onHand: number; reserved: number }>();
  const events: StockChanged[] = new Array<StockChanged>(changes.length);
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i]!;
    const id = stockLevelId(c.productId, c.locationId);
    const state = after.get(id) ?? { onHand: c.onHand, reserved: c.reserved };
    events[i] = {
      type: 'stock.changed',
      aggregate: { type: 'StockLevel', id },
      ...(occurredAt ? { occurredAt } : {}),
      data: {
        productId: c.productId,
        locationId: c.locationId,
        storeId: c.storeId,
        reason: c.reason,
        reference: c.reference,
        onHandDelta: c.onHandDelta,
        reservedDelta: c.reservedDelta,
        onHand: state.onHand,
        reserved: state.reserved,
        reorderPoint: c.reorderPoint,
      },
    };
    after.set(id, { onHand: state.onHand - c.onHandDelta, reserved: state.reserved - c.reservedDelta });
  }
  return events;
}
