import { queryOne, queryPage, queryRows, type DbContext } from '../../kit/domain';
import {
  EMAIL_TAKEN,
  EMPLOYEE_BY_EMAIL,
  EMPLOYEES_BY_IDS,
  EMPLOYEES_COUNT,
  EMPLOYEES_PAGE,
  type EmployeeFilterParams,
} from './sql/staff';
import {
  RETURN_BY_KEY,
  RETURN_LINES_AS_SOLD,
  RETURN_LINES_BY_RETURNS,
  RETURNS_BY_IDS,
  RETURNS_BY_SALES,
  SALE_BY_KEY,
  SALE_BY_NUMBER,
  SALE_LINES_BY_IDS,
  SALE_LINES_BY_SALES,
  SALES_BY_IDS,
  SALES_COUNT,
  SALES_PAGE,
  type SaleFilterParams,
} from './sql/sale-reads';
import {
  OPEN_SESSIONS_BY_REGISTERS,
  REGISTER_SESSIONS_COUNT,
  REGISTER_SESSIONS_PAGE,
  SESSION_TOTALS,
  SESSIONS_BY_IDS,
} from './sql/sessions';
import { ALL_STORES, REGISTERS_BY_IDS, REGISTERS_BY_STORES, STORES_BY_IDS } from './sql/stores';
import type {
  CashRegister,
  Employee,
  EmployeeProfile,
  RegisterSession,
  ReturnLine,
  ReturnLineAsSold,
  Sale,
  SaleLine,
  SaleReturn,
  SessionTotals,
  StoreView,
} from './types';

/**
 * Lean reads (ADR 0003) returning the tables' own row types (domain/types.ts), without entity
 * hydration, for the DataLoaders, the sagas and mutation payloads. Each runs one statement of
 * domain/sql/ (ADR 0022), whose select lists come from the entity definitions.
 */

// ---------- stores and registers ----------

export function storesByIds(ctx: DbContext, ids: readonly string[]): Promise<StoreView[]> {
  return queryRows(ctx.em, STORES_BY_IDS, { ids });
}

export async function storeById(ctx: DbContext, id: string): Promise<StoreView | null> {
  return (await storesByIds(ctx, [id]))[0] ?? null;
}

/** Every store by number (a short list), the closed ones only when asked. */
export function allStores(ctx: DbContext, includeInactive: boolean): Promise<StoreView[]> {
  return queryRows(ctx.em, ALL_STORES, { includeInactive });
}

export function registersByIds(ctx: DbContext, ids: readonly string[]): Promise<CashRegister[]> {
  return queryRows(ctx.em, REGISTERS_BY_IDS, { ids });
}

export async function registerById(ctx: DbContext, id: string): Promise<CashRegister | null> {
  return (await registersByIds(ctx, [id]))[0] ?? null;
}

/** The registers of the stores, by number. */
export function registersByStores(ctx: DbContext, storeIds: readonly string[]): Promise<CashRegister[]> {
  return queryRows(ctx.em, REGISTERS_BY_STORES, { storeIds });
}

// ---------- staff ----------

export function employeesByIds(ctx: DbContext, ids: readonly string[]): Promise<EmployeeProfile[]> {
  return queryRows(ctx.em, EMPLOYEES_BY_IDS, { ids });
}

export async function employeeById(ctx: DbContext, id: string): Promise<EmployeeProfile | null> {
  return (await employeesByIds(ctx, [id]))[0] ?? null;
}

/** The account with its password hash, for login only; `lower(email)` is what the unique index covers. */
export function employeeByEmail(ctx: DbContext, email: string): Promise<Employee | null> {
  return queryOne(ctx.em, EMPLOYEE_BY_EMAIL, { email });
}

/** Whether an account has this email, whatever its letter case. */
export async function emailTaken(ctx: DbContext, email: string): Promise<boolean> {
  return (await queryOne(ctx.em, EMAIL_TAKEN, { email }))?.taken ?? false;
}

/** Which employees a staff list shows: one store's (or everyone's), the deactivated ones when asked. */
export type EmployeeFilter = EmployeeFilterParams;

/** Up to `first + 1` employees by (name, id) after the keyset `after` (the extra row tells whether more follow). */
export async function employeesPage(
  ctx: DbContext,
  page: { filter: EmployeeFilter; first: number; after: readonly [string, string] | null },
): Promise<EmployeeProfile[]> {
  return queryPage(ctx.em, EMPLOYEES_PAGE, page.first, {
    storeId: page.filter.storeId,
    includeInactive: page.filter.includeInactive,
    afterName: page.after?.[0] ?? null,
    afterId: page.after?.[1] ?? null,
  });
}

export async function countEmployees(ctx: DbContext, filter: EmployeeFilter): Promise<number> {
  const row = await queryOne(ctx.em, EMPLOYEES_COUNT, {
    storeId: filter.storeId,
    includeInactive: filter.includeInactive,
  });
  return row?.count ?? 0;
}

// ---------- register sessions ----------

export function sessionsByIds(ctx: DbContext, ids: readonly string[]): Promise<RegisterSession[]> {
  return queryRows(ctx.em, SESSIONS_BY_IDS, { ids });
}

/** The open session of each register that has one. */
export function openSessionsByRegisters(ctx: DbContext, registerIds: readonly string[]): Promise<RegisterSession[]> {
  return queryRows(ctx.em, OPEN_SESSIONS_BY_REGISTERS, { registerIds });
}

/**
 * What each session took and paid out in cash so far: its completed cash sales and the cash refunds
 * paid at its register. One statement for any number of sessions.
 */
export function sessionTotals(
  ctx: DbContext,
  sessionIds: readonly string[],
): Promise<(SessionTotals & { sessionId: string })[]> {
  return queryRows(ctx.em, SESSION_TOTALS, { sessionIds });
}

/** A position in a register's sessions, newest opened first: the last session already listed. */
export interface SessionKeyset {
  openedAt: Date;
  id: string;
}

/** Up to `first + 1` sessions of a register, newest opened first, after the keyset `after`. */
export async function registerSessionsPage(
  ctx: DbContext,
  page: { registerId: string; first: number; after: SessionKeyset | null },
): Promise<RegisterSession[]> {
  return queryPage(ctx.em, REGISTER_SESSIONS_PAGE, page.first, {
    registerId: page.registerId,
    afterOpenedAt: page.after?.openedAt ?? null,
    afterId: page.after?.id ?? null,
  });
}

export async function countRegisterSessions(ctx: DbContext, registerId: string): Promise<number> {
  return (await queryOne(ctx.em, REGISTER_SESSIONS_COUNT, { registerId }))?.count ?? 0;
}

// ---------- sales ----------

export function salesByIds(ctx: DbContext, ids: readonly string[]): Promise<Sale[]> {
  return queryRows(ctx.em, SALES_BY_IDS, { ids });
}

export async function saleById(ctx: DbContext, id: string): Promise<Sale | null> {
  return (await salesByIds(ctx, [id]))[0] ?? null;
}

export function saleByKey(ctx: DbContext, storeId: string, idempotencyKey: string): Promise<Sale | null> {
  return queryOne(ctx.em, SALE_BY_KEY, { storeId, idempotencyKey });
}

/** The sale with this receipt number, e.g. "S3-000042". */
export function saleByNumber(ctx: DbContext, number: string): Promise<Sale | null> {
  return queryOne(ctx.em, SALE_BY_NUMBER, { number });
}

/** Lines of the sales, in line order. */
export function saleLinesBySales(ctx: DbContext, saleIds: readonly string[]): Promise<SaleLine[]> {
  return queryRows(ctx.em, SALE_LINES_BY_SALES, { saleIds });
}

export function saleLinesByIds(ctx: DbContext, ids: readonly string[]): Promise<SaleLine[]> {
  return queryRows(ctx.em, SALE_LINES_BY_IDS, { ids });
}

/**
 * Which sales a list shows: one store's sales that happened (completed or cancelled), optionally
 * those rung up on a range of calendar days of a time zone (both ends included).
 */
export interface SaleFilter {
  storeId: string;
  period: { from: string; to: string; timeZone: string } | null;
}

function saleFilterParams(filter: SaleFilter): SaleFilterParams {
  return {
    storeId: filter.storeId,
    periodFrom: filter.period?.from ?? null,
    periodTo: filter.period?.to ?? null,
    timeZone: filter.period?.timeZone ?? null,
  };
}

/**
 * Up to `first + 1` sales newest recorded first (seq descending) after the keyset `afterSeq`. Keyset,
 * not offset, so pages stay stable while sales are rung up.
 */
export async function salesPage(
  ctx: DbContext,
  page: { filter: SaleFilter; first: number; afterSeq: number | null },
): Promise<Sale[]> {
  return queryPage(ctx.em, SALES_PAGE, page.first, { ...saleFilterParams(page.filter), afterSeq: page.afterSeq });
}

export async function countSales(ctx: DbContext, filter: SaleFilter): Promise<number> {
  return (await queryOne(ctx.em, SALES_COUNT, saleFilterParams(filter)))?.count ?? 0;
}

// ---------- returns ----------

export function returnsByIds(ctx: DbContext, ids: readonly string[]): Promise<SaleReturn[]> {
  return queryRows(ctx.em, RETURNS_BY_IDS, { ids });
}

export async function returnById(ctx: DbContext, id: string): Promise<SaleReturn | null> {
  return (await returnsByIds(ctx, [id]))[0] ?? null;
}

export function returnByKey(ctx: DbContext, storeId: string, idempotencyKey: string): Promise<SaleReturn | null> {
  return queryOne(ctx.em, RETURN_BY_KEY, { storeId, idempotencyKey });
}

/** Returns of the sales, oldest first. */
export function returnsBySales(ctx: DbContext, saleIds: readonly string[]): Promise<SaleReturn[]> {
  return queryRows(ctx.em, RETURNS_BY_SALES, { saleIds });
}

/** A return's lines with their sale lines' categories as sold, in sale line order (its sale.returned). */
export function returnLinesAsSold(ctx: DbContext, returnId: string): Promise<ReturnLineAsSold[]> {
  return queryRows(ctx.em, RETURN_LINES_AS_SOLD, { returnId });
}

/** Lines of the returns, in the order of the sale lines they come from. */
export function returnLinesByReturns(ctx: DbContext, returnIds: readonly string[]): Promise<ReturnLine[]> {
  return queryRows(ctx.em, RETURN_LINES_BY_RETURNS, { returnIds });
}
