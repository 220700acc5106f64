import { legacyProjectedRow, legacyProjectedRows, projection, legacyQueryOne, legacyQueryRows } from '../../kit/domain';
import {
  CashRegisterSchema,
  EmployeeSchema,
  RegisterSessionSchema,
  ReturnLineSchema,
  SaleLineSchema,
  SaleReturnSchema,
  SaleSchema,
  StoreSchema,
} from '../entities';
import type { DbContext } from './context';
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
 * Lean reads (ADR 0003): parameterised SQL returning the tables' own row types (domain/types.ts),
 * without entity hydration, for the DataLoaders, the sagas and mutation payloads. The select lists
 * come from the entity definitions (kit projection), so a column is described once.
 */

export const STORE = projection(StoreSchema, { omit: ['saleSeq'] });
const REGISTER = projection(CashRegisterSchema);
const EMPLOYEE = projection(EmployeeSchema, { omit: ['passwordHash'] });
const EMPLOYEE_WITH_HASH = projection(EmployeeSchema);
export const SESSION = projection(RegisterSessionSchema);
export const SALE = projection(SaleSchema);
export const SALE_LINE = projection(SaleLineSchema);
export const RETURN = projection(SaleReturnSchema);
/** Aliased: return lines are read joined with their sale lines, for the lines' order. */
const RETURN_LINE = projection(ReturnLineSchema, { alias: 'rl' });

// ---------- stores and registers ----------

export function storesByIds(ctx: DbContext, ids: readonly string[]): Promise<StoreView[]> {
  return legacyProjectedRows(ctx.em, STORE, `select ${STORE.columns} from stores where id = any(?::text[])`, [ids]);
}

export async function storeById(ctx: DbContext, id: string): Promise<StoreView | null> {
  return (await storesByIds(ctx, [id]))[0] ?? null;
}

/** Every store by number (a short list), the closed ones only when asked. */
export function allStores(ctx: DbContext, includeInactive: boolean): Promise<StoreView[]> {
  return legacyProjectedRows(
    ctx.em,
    STORE,
    `select ${STORE.columns} from stores ${includeInactive ? '' : 'where active'} order by number`,
  );
}

export function registersByIds(ctx: DbContext, ids: readonly string[]): Promise<CashRegister[]> {
  return legacyProjectedRows(ctx.em, REGISTER, `select ${REGISTER.columns} from cash_registers where id = any(?::text[])`, [
    ids,
  ]);
}

/** The registers of the stores, by number. */
export function registersByStores(ctx: DbContext, storeIds: readonly string[]): Promise<CashRegister[]> {
  return legacyProjectedRows(
    ctx.em,
    REGISTER,
    `select ${REGISTER.columns} from cash_registers where store_id = any(?::text[]) order by store_id, number`,
    [storeIds],
  );
}

// ---------- staff ----------

export function employeesByIds(ctx: DbContext, ids: readonly string[]): Promise<EmployeeProfile[]> {
  return legacyProjectedRows(ctx.em, EMPLOYEE, `select ${EMPLOYEE.columns} from employees where id = any(?::text[])`, [ids]);
}

export async function employeeById(ctx: DbContext, id: string): Promise<EmployeeProfile | null> {
  return (await employeesByIds(ctx, [id]))[0] ?? null;
}

/** The account with its password hash, for login only; `lower(email)` is what the unique index covers. */
export function employeeByEmail(ctx: DbContext, email: string): Promise<Employee | null> {
  return legacyProjectedRow(
    ctx.em,
    EMPLOYEE_WITH_HASH,
    `select ${EMPLOYEE_WITH_HASH.columns} from employees where lower(email) = lower(?)`,
    [email],
  );
}

/** Which employees a staff list shows: one store's (or everyone's), the deactivated ones when asked. */
export interface EmployeeFilter {
  storeId: string | null;
  includeInactive: boolean;
}

function employeeConditions(filter: EmployeeFilter): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (filter.storeId !== null) {
    sql.push('store_id = ?');
    params.push(filter.storeId);
  }
  if (!filter.includeInactive) sql.push('active');
  return { sql, params };
}

const where = (conditions: string[]) => (conditions.length ? `where ${conditions.join(' and ')}` : '');

/** Up to `first + 1` employees by (name, id) after the keyset `after` (the extra row tells whether more follow). */
export async function employeesPage(
  ctx: DbContext,
  page: { filter: EmployeeFilter; first: number; after: readonly [string, string] | null },
): Promise<EmployeeProfile[]> {
  if (page.first === 0) return [];
  const { sql, params } = employeeConditions(page.filter);
  if (page.after) {
    sql.push('(name, id) > (?, ?)');
    params.push(page.after[0], page.after[1]);
  }
  return legacyProjectedRows(
    ctx.em,
    EMPLOYEE,
    `select ${EMPLOYEE.columns} from employees ${where(sql)} order by name, id limit ?`,
    [...params, page.first + 1],
  );
}

export async function countEmployees(ctx: DbContext, filter: EmployeeFilter): Promise<number> {
  const { sql, params } = employeeConditions(filter);
  const row = await legacyQueryOne<{ count: string }>(ctx.em, `select count(*) from employees ${where(sql)}`, params);
  return Number(row?.count ?? 0);
}

// ---------- register sessions ----------

export function sessionsByIds(ctx: DbContext, ids: readonly string[]): Promise<RegisterSession[]> {
  return legacyProjectedRows(ctx.em, SESSION, `select ${SESSION.columns} from register_sessions where id = any(?::text[])`, [
    ids,
  ]);
}

/** The open session of each register that has one. */
export function openSessionsByRegisters(ctx: DbContext, registerIds: readonly string[]): Promise<RegisterSession[]> {
  return legacyProjectedRows(
    ctx.em,
    SESSION,
    `select ${SESSION.columns} from register_sessions where register_id = any(?::text[]) and status = 'OPEN'`,
    [registerIds],
  );
}

/**
 * What each session took and paid out in cash so far: its completed cash sales (a cancelled sale's
 * cash went back to the customer) and the cash refunds paid at its register (a failed return was
 * undone). One statement for any number of sessions.
 */
export async function sessionTotals(
  ctx: DbContext,
  sessionIds: readonly string[],
): Promise<(SessionTotals & { sessionId: string })[]> {
  return legacyQueryRows(
    ctx.em,
    `select s.id as "sessionId",
            coalesce(sa.cash, 0)::int as "cashSalesCents",
            coalesce(sa.completed, 0)::int as "salesCount",
            coalesce(re.cash, 0)::int as "cashRefundsCents"
       from register_sessions s
       left join lateral (
         select sum(total_cents) filter (where payment_method = 'CASH') as cash, count(*) as completed
           from sales where session_id = s.id and status = 'COMPLETED') sa on true
       left join lateral (
         select sum(refund_cents) as cash
           from returns where session_id = s.id and refund_method = 'CASH' and status <> 'FAILED') re on true
      where s.id = any(?::text[])`,
    [sessionIds],
  );
}

// ---------- sales ----------

export function salesByIds(ctx: DbContext, ids: readonly string[]): Promise<Sale[]> {
  return legacyProjectedRows(ctx.em, SALE, `select ${SALE.columns} from sales where id = any(?::text[])`, [ids]);
}

export async function saleById(ctx: DbContext, id: string): Promise<Sale | null> {
  return (await salesByIds(ctx, [id]))[0] ?? null;
}

export function saleByKey(ctx: DbContext, storeId: string, idempotencyKey: string): Promise<Sale | null> {
  return legacyProjectedRow(ctx.em, SALE, `select ${SALE.columns} from sales where store_id = ? and idempotency_key = ?`, [
    storeId,
    idempotencyKey,
  ]);
}

/** Lines of the sales, in line order. */
export function saleLinesBySales(ctx: DbContext, saleIds: readonly string[]): Promise<SaleLine[]> {
  return legacyProjectedRows(
    ctx.em,
    SALE_LINE,
    `select ${SALE_LINE.columns} from sale_lines where sale_id = any(?::text[]) order by sale_id, line_no`,
    [saleIds],
  );
}

export function saleLinesByIds(ctx: DbContext, ids: readonly string[]): Promise<SaleLine[]> {
  return legacyProjectedRows(ctx.em, SALE_LINE, `select ${SALE_LINE.columns} from sale_lines where id = any(?::text[])`, [
    ids,
  ]);
}

/**
 * Which sales a list shows: one store's sales that happened (completed or cancelled), optionally
 * those rung up on a range of calendar days of a time zone (both ends included).
 */
export interface SaleFilter {
  storeId: string;
  period: { from: string; to: string; timeZone: string } | null;
}

function saleConditions(filter: SaleFilter): { sql: string[]; params: unknown[] } {
  const sql = ['store_id = ?', "status in ('COMPLETED', 'CANCELLED')"];
  const params: unknown[] = [filter.storeId];
  if (filter.period) {
    // Midnight of the first day and of the day after the last, in the store's zone.
    sql.push('sold_at >= (?::date)::timestamp at time zone ?', 'sold_at < (?::date + 1)::timestamp at time zone ?');
    params.push(filter.period.from, filter.period.timeZone, filter.period.to, filter.period.timeZone);
  }
  return { sql, params };
}

/**
 * Up to `first + 1` sales newest recorded first (seq descending) after the keyset `afterSeq`. Keyset,
 * not offset, so pages stay stable while sales are rung up.
 */
export async function salesPage(
  ctx: DbContext,
  page: { filter: SaleFilter; first: number; afterSeq: number | null },
): Promise<Sale[]> {
  if (page.first === 0) return [];
  const { sql, params } = saleConditions(page.filter);
  if (page.afterSeq !== null) {
    sql.push('seq < ?');
    params.push(page.afterSeq);
  }
  return legacyProjectedRows(ctx.em, SALE, `select ${SALE.columns} from sales ${where(sql)} order by seq desc limit ?`, [
    ...params,
    page.first + 1,
  ]);
}

export async function countSales(ctx: DbContext, filter: SaleFilter): Promise<number> {
  const { sql, params } = saleConditions(filter);
  const row = await legacyQueryOne<{ count: string }>(ctx.em, `select count(*) from sales ${where(sql)}`, params);
  return Number(row?.count ?? 0);
}

// ---------- returns ----------

export function returnsByIds(ctx: DbContext, ids: readonly string[]): Promise<SaleReturn[]> {
  return legacyProjectedRows(ctx.em, RETURN, `select ${RETURN.columns} from returns where id = any(?::text[])`, [ids]);
}

export async function returnById(ctx: DbContext, id: string): Promise<SaleReturn | null> {
  return (await returnsByIds(ctx, [id]))[0] ?? null;
}

export function returnByKey(ctx: DbContext, storeId: string, idempotencyKey: string): Promise<SaleReturn | null> {
  return legacyProjectedRow(
    ctx.em,
    RETURN,
    `select ${RETURN.columns} from returns where store_id = ? and idempotency_key = ?`,
    [storeId, idempotencyKey],
  );
}

/** Returns of the sales, oldest first. */
export function returnsBySales(ctx: DbContext, saleIds: readonly string[]): Promise<SaleReturn[]> {
  return legacyProjectedRows(
    ctx.em,
    RETURN,
    `select ${RETURN.columns} from returns where sale_id = any(?::text[]) order by sale_id, created_at, id`,
    [saleIds],
  );
}

/** A return's lines with their sale lines' categories as sold, in sale line order (its sale.returned). */
export function returnLinesAsSold(ctx: DbContext, returnId: string): Promise<ReturnLineAsSold[]> {
  return legacyQueryRows<ReturnLineAsSold>(
    ctx.em,
    `select ${RETURN_LINE.columns}, sl.category_id as "categoryId"
       from return_lines rl join sale_lines sl on sl.id = rl.sale_line_id
      where rl.return_id = ? order by sl.line_no`,
    [returnId],
  );
}

/** Lines of the returns, in the order of the sale lines they come from. */
export function returnLinesByReturns(ctx: DbContext, returnIds: readonly string[]): Promise<ReturnLine[]> {
  return legacyProjectedRows(
    ctx.em,
    RETURN_LINE,
    `select ${RETURN_LINE.columns}
       from return_lines rl join sale_lines sl on sl.id = rl.sale_line_id
      where rl.return_id = any(?::text[]) order by rl.return_id, sl.line_no`,
    [returnIds],
  );
}
