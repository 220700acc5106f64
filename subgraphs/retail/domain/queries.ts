import { AccessDenied, InvalidArgument } from '../../kit/domain';
import { assertCanReadStore, callerOf } from './access';
import type { ReadContext } from './context';
import type { EmployeeFilter, SaleFilter } from './reads';

/**
 * The list queries' filters, checked against the caller: who may list which store's staff and sales,
 * and what a period may be. A malformed period is an InvalidArgument (BAD_USER_INPUT), a list the
 * caller may not see AccessDenied (FORBIDDEN).
 */

/** The longest period a sales list may span. */
export const MAX_PERIOD_DAYS = 400;

export function checkPeriod(period: { from: Date; to: Date } | null | undefined): SaleFilter['period'] {
  if (!period) return null;
  const { from, to } = period;
  if (!(from.getTime() < to.getTime()))
    throw new InvalidArgument('"period.to" must be later than "period.from"', 'period');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 24 * 3600 * 1000) {
    throw new InvalidArgument(`"period" spans at most ${MAX_PERIOD_DAYS} days`, 'period');
  }
  return { from, to };
}

/** A store's sales: its staff, ADMIN, services. */
export function saleFilter(
  ctx: ReadContext,
  storeId: string,
  period: { from: Date; to: Date } | null | undefined,
): SaleFilter {
  assertCanReadStore(ctx, storeId);
  return { storeId, period: checkPeriod(period) };
}

/** A MANAGER lists their own store's staff (the default), ADMIN any store's or everyone. */
export function employeeFilter(
  ctx: ReadContext,
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
