import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents } from '../../kit/domain';
import type { RegisterSession, ReturnLineAsSold, Sale, SaleLine, SaleReturn } from './types';

/**
 * Retail's domain events, exactly as docs/events.md describes them (types, version, every data
 * field), as a closed union: an event with a misspelt type, a missing field or one the contract does
 * not list does not compile. They are written to the outbox (kit/outbox.ts) by the domain functions
 * in the transaction of the change they report, after its row; the relay publishes them to
 * `events:retail`. `occurredAt` is the business clock (ctx.clock()): the server's now, the demo
 * history's own time.
 */

/** A line of a sale as sale.recorded and sale.cancelled carry it. */
export interface SaleLineData {
  lineId: string;
  productId: string;
  categoryId: string | null;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

export interface SaleRecordedData {
  saleId: string;
  number: string;
  storeId: string;
  registerId: string;
  employeeId: string;
  paymentMethod: string;
  /** ISO 8601 instant: when the register rang it up. */
  soldAt: string;
  currency: string;
  totalCents: number;
  lines: SaleLineData[];
}

export interface ReturnLineData {
  saleLineId: string;
  productId: string;
  categoryId: string | null;
  quantity: number;
  amountCents: number;
}

export interface SaleReturnedData {
  returnId: string;
  saleId: string;
  storeId: string;
  refundMethod: string;
  currency: string;
  refundCents: number;
  lines: ReturnLineData[];
}

export interface SaleCancelledData {
  saleId: string;
  storeId: string;
  currency: string;
  totalCents: number;
  lines: SaleLineData[];
  reason: string;
}

export interface RegisterClosedData {
  sessionId: string;
  registerId: string;
  storeId: string;
  openedAt: string;
  closedAt: string;
  closedBy: string;
  currency: string;
  salesCount: number;
  cashSalesCents: number;
  cashRefundsCents: number;
  expectedCashCents: number;
  countedCashCents: number;
  differenceCents: number;
}

interface Event<T extends string, A extends string, D> {
  type: T;
  version: 1;
  aggregate: { type: A; id: string };
  occurredAt: Date;
  data: D;
}

export type RetailEvent =
  | Event<'sale.recorded', 'Sale', SaleRecordedData>
  | Event<'sale.returned', 'Sale', SaleReturnedData>
  | Event<'sale.cancelled', 'Sale', SaleCancelledData>
  | Event<'register.closed', 'RegisterSession', RegisterClosedData>;

export type RetailEventType = RetailEvent['type'];

/** Writes retail events in the caller's transaction (the kit refuses outside one). */
export function recordRetailEvents(
  ctx: { em: EntityManager; requestId: string },
  events: readonly RetailEvent[],
): Promise<void> {
  return recordEvents(ctx.em, ctx.requestId, events);
}

function saleLineData(lines: readonly SaleLine[]): SaleLineData[] {
  return lines.map((l) => ({
    lineId: l.id,
    productId: l.productId,
    categoryId: l.categoryId,
    quantity: l.quantity,
    unitPriceCents: l.unitPriceCents,
    lineTotalCents: l.quantity * l.unitPriceCents,
  }));
}

/** A sale came to COMPLETED: its stock was taken. */
export function saleRecorded(sale: Sale, lines: readonly SaleLine[], at: Date): RetailEvent {
  return {
    type: 'sale.recorded',
    version: 1,
    aggregate: { type: 'Sale', id: sale.id },
    occurredAt: at,
    data: {
      saleId: sale.id,
      number: sale.number,
      storeId: sale.storeId,
      registerId: sale.registerId,
      employeeId: sale.soldBy,
      paymentMethod: sale.paymentMethod,
      soldAt: sale.soldAt.toISOString(),
      currency: sale.currency,
      totalCents: sale.totalCents,
      lines: saleLineData(lines),
    },
  };
}

/** A completed sale came to CANCELLED: every unit back in stock. */
export function saleCancelled(sale: Sale, lines: readonly SaleLine[], at: Date): RetailEvent {
  return {
    type: 'sale.cancelled',
    version: 1,
    aggregate: { type: 'Sale', id: sale.id },
    occurredAt: at,
    data: {
      saleId: sale.id,
      storeId: sale.storeId,
      currency: sale.currency,
      totalCents: sale.totalCents,
      lines: saleLineData(lines),
      // cancelSale refuses a blank reason; the column is only null for a sale never cancelled.
      reason: sale.cancelReason ?? '',
    },
  };
}

/** A return came to COMPLETED: refunded, its units back on the shelf. */
export function saleReturned(ret: SaleReturn, lines: readonly ReturnLineAsSold[], at: Date): RetailEvent {
  return {
    type: 'sale.returned',
    version: 1,
    aggregate: { type: 'Sale', id: ret.saleId },
    occurredAt: at,
    data: {
      returnId: ret.id,
      saleId: ret.saleId,
      storeId: ret.storeId,
      refundMethod: ret.refundMethod,
      currency: ret.currency,
      refundCents: ret.refundCents,
      lines: lines.map((l) => ({
        saleLineId: l.saleLineId,
        productId: l.productId,
        categoryId: l.categoryId,
        quantity: l.quantity,
        amountCents: l.refundCents,
      })),
    },
  };
}

/** A register session was closed and counted: its figures as frozen on the row. */
export function registerClosed(session: RegisterSession): RetailEvent {
  const figure = (n: number | null, name: string): number => {
    // The closing sets every figure before this is built (register_sessions_closed_figures).
    if (n === null) throw new Error(`session ${session.id} closed without ${name}`);
    return n;
  };
  if (!session.closedAt || !session.closedBy) throw new Error(`session ${session.id} is not closed`);
  return {
    type: 'register.closed',
    version: 1,
    aggregate: { type: 'RegisterSession', id: session.id },
    occurredAt: session.closedAt,
    data: {
      sessionId: session.id,
      registerId: session.registerId,
      storeId: session.storeId,
      openedAt: session.openedAt.toISOString(),
      closedAt: session.closedAt.toISOString(),
      closedBy: session.closedBy,
      currency: session.currency,
      salesCount: figure(session.salesCount, 'salesCount'),
      cashSalesCents: figure(session.cashSalesCents, 'cashSalesCents'),
      cashRefundsCents: figure(session.cashRefundsCents, 'cashRefundsCents'),
      expectedCashCents: figure(session.expectedCashCents, 'expectedCashCents'),
      countedCashCents: figure(session.countedCashCents, 'countedCashCents'),
      differenceCents: figure(session.differenceCents, 'differenceCents'),
    },
  };
}
