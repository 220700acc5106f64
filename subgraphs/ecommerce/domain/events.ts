import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents, type NewEvent } from '../../kit/domain';
import type { Order, OrderLine } from './types';

/**
 * The events ecommerce publishes (docs/events.md, "order.*"), typed so that a misspelt type or a
 * field the contract does not list fails to compile, and written with the kit's recordEvents in the
 * transaction of the change they report, after the order's own row (so two changes of one order
 * number their events in commit order).
 */

/** One line of an order as the events carry it. */
export interface OrderEventLine {
  productId: string;
  /** The product's category when the order was placed (order_lines.category_id); null when unclassified. */
  categoryId: string | null;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

/** order.confirmed v1: the checkout saga confirmed the order (stock reserved and committed, payment authorised). */
export interface OrderConfirmedData {
  orderId: string;
  number: string;
  customerId: string;
  currency: string;
  subtotalCents: number;
  totalCents: number;
  lines: OrderEventLine[];
}

/** order.cancelled v1: the order ended CANCELLED (cancelOrder, or the checkout saga's rollback). */
export interface OrderCancelledData {
  orderId: string;
  /** Whether an order.confirmed was written for it: reports reverses only those. */
  wasConfirmed: boolean;
  currency: string;
  /** The confirmed total reversed; 0 when it was never confirmed. */
  totalCents: number;
  /** The confirmed lines reversed; empty when it was never confirmed. */
  lines: OrderEventLine[];
  /** The order's cancelReason (what the API shows). */
  reason: string | null;
}

/** order.shipped v1: a confirmed order was marked SHIPPED. */
export interface OrderShippedData {
  orderId: string;
  /** The note of the SHIPPED history entry (the one given, or the default). */
  note: string | null;
}

type OrderEvent<T extends string, D extends object> = NewEvent<T, D> & {
  version: 1;
  aggregate: { type: 'Order'; id: string };
};

/** Every event ecommerce emits: its type decides its data. */
export type EcommerceEvent =
  | OrderEvent<'order.confirmed', OrderConfirmedData>
  | OrderEvent<'order.cancelled', OrderCancelledData>
  | OrderEvent<'order.shipped', OrderShippedData>;

/** Writes ecommerce events in `em`'s transaction (recordEvents refuses to run outside one). */
export function recordOrderEvents(
  em: EntityManager,
  correlationId: string | null,
  events: readonly EcommerceEvent[],
): Promise<void> {
  return recordEvents(em, correlationId, events);
}

const aggregate = (orderId: string) => ({ type: 'Order' as const, id: orderId });

export function eventLines(lines: readonly OrderLine[]): OrderEventLine[] {
  return lines.map((l) => ({
    productId: l.productId,
    categoryId: l.categoryId,
    quantity: l.quantity,
    unitPriceCents: l.unitPriceCents,
    lineTotalCents: l.quantity * l.unitPriceCents,
  }));
}

export function orderConfirmed(order: Order, lines: readonly OrderLine[]): EcommerceEvent {
  return {
    type: 'order.confirmed',
    version: 1,
    aggregate: aggregate(order.id),
    data: {
      orderId: order.id,
      number: order.number,
      customerId: order.customerId,
      currency: order.currency,
      subtotalCents: order.subtotalCents,
      totalCents: order.totalCents,
      lines: eventLines(lines),
    },
  };
}

export function orderCancelled(order: Order, lines: readonly OrderLine[], wasConfirmed: boolean): EcommerceEvent {
  return {
    type: 'order.cancelled',
    version: 1,
    aggregate: aggregate(order.id),
    data: {
      orderId: order.id,
      wasConfirmed,
      currency: order.currency,
      totalCents: wasConfirmed ? order.totalCents : 0,
      lines: wasConfirmed ? eventLines(lines) : [],
      reason: order.cancelReason,
    },
  };
}

export function orderShipped(orderId: string, note: string | null): EcommerceEvent {
  return { type: 'order.shipped', version: 1, aggregate: aggregate(orderId), data: { orderId, note } };
}
