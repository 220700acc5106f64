import type { Opt } from '@mikro-orm/postgresql';
import type { SagaColumns } from '../../kit/domain';
import type { SaleStep } from './sale-saga';

/**
 * The one TypeScript shape of each retail table (entities.ts builds its EntitySchemas on these, lean
 * reads return them), plus the few read views that are not a copy of one row, named as such. GraphQL
 * parents are mapped to these types (subgraphs/codegen-mappers.ts).
 */

export const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Opening hours of one day, local time of the store, "HH:MM" (stores.opening_hours, jsonb). */
export interface OpeningHours {
  day: Weekday;
  opens: string;
  closes: string;
}

/** A store of the chain (stores). */
export interface Store {
  /** "store-<number>". */
  id: string;
  number: number;
  name: string;
  address: string;
  city: string;
  phone: string | null;
  /** IANA zone, e.g. "America/Toronto". */
  timeZone: string;
  openingHours: OpeningHours[];
  /** An active MANAGER of this store, or null. */
  managerId: string | null;
  /** The store's stock location in inventory (ensureStoreLocation), e.g. "loc-store-3". */
  locationId: string;
  active: boolean;
  /** Last sale number handed out at this store (the counter behind S3-000042); never shown. */
  saleSeq: Opt<number>;
  createdAt: Date;
  updatedAt: Date;
}

/** A store as the API shows it (view): the row without its sale counter. */
export type StoreView = Omit<Store, 'saleSeq'>;

/** A till of a store (cash_registers); numbered 1, 2, ... per store. */
export interface CashRegister {
  /** "reg-<store id>-<number>". */
  id: string;
  storeId: string;
  number: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const EMPLOYEE_ROLES = ['CLERK', 'MANAGER', 'ADMIN'] as const;
export type EmployeeRole = (typeof EMPLOYEE_ROLES)[number];

/** A staff account (employees). */
export interface Employee {
  id: string;
  name: string;
  /** Login email as typed; unique regardless of case (employees_email_lower_unique). */
  email: string;
  role: EmployeeRole;
  /** Null exactly for ADMIN (employees_store_by_role). */
  storeId: string | null;
  active: boolean;
  /** Versioned scrypt hash (kit/passwords.ts); never leaves this subgraph, never read by lean reads. */
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An employee as the API shows it: the row without its password hash (view). */
export type EmployeeProfile = Omit<Employee, 'passwordHash'>;

export const SESSION_STATUSES = ['OPEN', 'CLOSED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * One opening of a register (register_sessions). The cash figures are computed from the session's
 * sales and refunds while it is OPEN and frozen on the row when it is closed.
 */
export interface RegisterSession {
  id: string;
  registerId: string;
  storeId: string;
  status: SessionStatus;
  currency: string;
  openingFloatCents: number;
  /** The token subject who opened it (an employee id, unless a test or service token). */
  openedBy: string;
  openedAt: Date;
  closedBy: string | null;
  closedAt: Date | null;
  /** Frozen at closing: completed cash sales, cash refunds, float + sales - refunds, counted, counted - expected. */
  cashSalesCents: number | null;
  cashRefundsCents: number | null;
  expectedCashCents: number | null;
  countedCashCents: number | null;
  differenceCents: number | null;
  salesCount: number | null;
  closingNote: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a session took and paid out in cash (computed from sales and returns, or frozen at closing). */
export interface SessionTotals {
  cashSalesCents: number;
  cashRefundsCents: number;
  salesCount: number;
}

export const PAYMENT_METHODS = ['CASH', 'CARD'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * A point-of-sale transaction (sales), with the bookkeeping of its saga (domain/sale-saga.ts): step in
 * flight, attempts, lease owner, last error and failure code (kit/saga.ts).
 */
export interface Sale extends SagaColumns<SaleStep> {
  id: string;
  storeId: string;
  registerId: string;
  sessionId: string;
  /** Per store, increasing: the n of "S<store number>-<n>". */
  seq: number;
  number: string;
  status: SaleStatus;
  paymentMethod: PaymentMethod;
  currency: string;
  totalCents: number;
  /** The register's clock. */
  soldAt: Date;
  /** The server's clock when the sale was recorded. */
  recordedAt: Date;
  /** Token subject who rang it up. */
  soldBy: string;
  idempotencyKey: string;
  cancelReason: string | null;
  cancelledBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One product of a sale (sale_lines), at the price it was sold at. */
export interface SaleLine {
  id: string;
  saleId: string;
  /** 1, 2, ... in the order rung up. */
  lineNo: number;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
  /**
   * The product's category when it was sold (products' lookup), null when unclassified: the events
   * of the sale, its cancellation and its returns carry it, so reports sums by the category as sold
   * without asking products later.
   */
  categoryId: string | null;
  /** Units returned so far; returns raise it with a conditional update, never above quantity. */
  returnedQuantity: number;
}

/** A sale as a payload shows it (view): `lines` is set when the producer holds them already. */
export interface SaleView extends Sale {
  lines?: SaleLine[];
}

export const RETURN_STATUSES = ['PENDING', 'COMPLETED', 'FAILED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

/** A return's one saga step: the units go back on the store's shelf in inventory. */
export type ReturnStep = 'RETURN_STOCK';

/**
 * Units of a sale brought back, with their refund (returns); its restock is a one-step saga with the
 * kit's saga bookkeeping (kit/saga.ts).
 */
export interface SaleReturn extends SagaColumns<ReturnStep> {
  id: string;
  saleId: string;
  storeId: string;
  registerId: string;
  sessionId: string;
  status: ReturnStatus;
  refundMethod: PaymentMethod;
  refundCents: number;
  currency: string;
  reason: string | null;
  returnedBy: string;
  idempotencyKey: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Units of one sale line in a return (return_lines). */
export interface ReturnLine {
  id: string;
  returnId: string;
  saleLineId: string;
  productId: string;
  quantity: number;
  refundCents: number;
}

/** A return line with the category its sale line was sold under (view): what sale.returned carries. */
export interface ReturnLineAsSold extends ReturnLine {
  categoryId: string | null;
}

/** A return as a payload shows it (view). */
export interface ReturnView extends SaleReturn {
  lines?: ReturnLine[];
}

export const SALE_STATUSES = [
  'PENDING',
  'STOCK_RESERVED',
  'COMPLETED',
  'FAILING',
  'FAILED',
  'CANCELLING',
  'CANCELLED',
] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];
