import { AccessDenied, InvalidArgument, type CallerContext } from '../../kit/domain';
import { assertCanReadStore, callerOf } from './access';
import { saleByNumber, storeById, type EmployeeFilter, type SaleFilter } from './reads';
import type { Sale } from './types';
import { DEFAULT_TIME_ZONE } from './validation';

/**
 * The list queries' filters, checked against the caller: who may list which store's staff and sales,
 * and what a period may be. A malformed period is an InvalidArgument (BAD_USER_INPUT), a list the
 * caller may not see AccessDenied (FORBIDDEN).
 */

/** The longest period a sales list may span, in days (both ends included). */
export const MAX_PERIOD_DAYS = 366;

const DAY_MS = 24 * 3600 * 1000;

/** A range of calendar days ("2026-03-01"), both ends included, read in `timeZone`. */
export function checkPeriod(
  period: { from: string; to: string } | null | undefined,
  timeZone: string,
): SaleFilter['period'] {
  if (!period) return null;
  const { from, to } = period;
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (!(days >= 1)) throw new InvalidArgument('"period.to" must not be before "period.from"', 'period');
  if (days > MAX_PERIOD_DAYS) throw new InvalidArgument(`"period" spans at most ${MAX_PERIOD_DAYS} days`, 'period');
  return { from, to, timeZone };
}

/** A store's sales: its staff, ADMIN, services; the period's days are the store's. */
export async function saleFilter(
  ctx: CallerContext,
  storeId: string,
  period: { from: string; to: string } | null | undefined,
): Promise<SaleFilter> {
  assertCanReadStore(ctx, storeId);
  const store = period ? await storeById(ctx, storeId) : null;
  return { storeId, period: checkPeriod(period, store?.timeZone ?? DEFAULT_TIME_ZONE) };
}

/** A MANAGER lists their own store's staff (the default), ADMIN any store's or everyone. */
export function employeeFilter(
  ctx: CallerContext,
  storeId: string | null | undefined,
  includeInactive: boolean,
): EmployeeFilter {
  const identity = callerOf(ctx);
  if (identity.role === 'ADMIN' || identity.role === 'SERVICE') return { storeId: storeId ?? null, includeInactive };
  if (identity.role === 'MANAGER' && identity.storeId && (storeId ?? identity.storeId) === identity.storeId) {
    return { storeId: identity.storeId, includeInactive };
  }
  throw new AccessDenied("Only the store's manager and head office may list its staff");
}

/** A receipt number as printed: "S", the store number, "-", the store's sale counter (6 digits at least). */
const RECEIPT_NUMBER = /^S[1-9]\d{0,8}-\d{6,12}$/;

/**
 * The sale of a receipt (any status), for its store's staff, ADMIN and services (FORBIDDEN for another
 * store's staff); null for a number no sale has, and for text that is not a receipt number at all
 * (read nothing for it). Typed at the till, so surrounding spaces and a lower-case "s" are forgiven.
 */
export async function saleOfReceipt(ctx: CallerContext, number: string): Promise<Sale | null> {
  const receipt = number.trim().toUpperCase();
  if (!RECEIPT_NUMBER.test(receipt)) return null;
  const sale = await saleByNumber(ctx, receipt);
  if (sale) assertCanReadStore(ctx, sale.storeId);
  return sale;
}
