import { AccessDenied, NotAuthenticated, type DomainContext, type Identity } from '../../kit/domain';
import type { EmployeeProfile } from './types';

/**
 * Who may do what in retail. graphql-shield (server.ts) checks the role of each field; what needs the
 * row (the store of a sale, of a register, of an employee) is checked here, and a refusal is the
 * kit's AccessDenied (FORBIDDEN) or NotAuthenticated (UNAUTHENTICATED).
 */

type Caller = Pick<DomainContext, 'identity'>;

/** The signed-in caller; UNAUTHENTICATED without a token. */
export function callerOf(ctx: Caller): Identity {
  if (!ctx.identity) throw new NotAuthenticated();
  return ctx.identity;
}

/** A CLERK or MANAGER works at exactly one store, ADMIN (head office) at every store. */
export function worksAt(identity: Identity, storeId: string): boolean {
  if (identity.role === 'ADMIN') return true;
  return (identity.role === 'CLERK' || identity.role === 'MANAGER') && identity.storeId === storeId;
}

/** Staff of the store (or ADMIN); FORBIDDEN otherwise. The caller is returned for the audit fields. */
export function assertStaffAt(ctx: Caller, storeId: string): Identity {
  const identity = callerOf(ctx);
  if (!worksAt(identity, storeId)) throw new AccessDenied('Only staff of this store may do this');
  return identity;
}

/** The store's MANAGER (or ADMIN); FORBIDDEN otherwise. */
export function assertManagerAt(ctx: Caller, storeId: string): Identity {
  const identity = callerOf(ctx);
  if (identity.role === 'ADMIN') return identity;
  if (identity.role === 'MANAGER' && identity.storeId === storeId) return identity;
  throw new AccessDenied('Only the manager of this store may do this');
}

/** Reading a store's sales, sessions and staff data: its staff, ADMIN, and services (reports). */
export function assertCanReadStore(ctx: Caller, storeId: string): void {
  const identity = callerOf(ctx);
  if (identity.role === 'SERVICE') return;
  assertStaffAt(ctx, storeId);
}

/** An employee is visible to themselves, to staff of their store, to ADMIN and to services. */
export function assertCanSeeEmployee(ctx: Caller, employee: Pick<EmployeeProfile, 'id' | 'storeId'>): void {
  const identity = callerOf(ctx);
  if (identity.sub === employee.id && identity.role !== 'CUSTOMER') return;
  if (identity.role === 'ADMIN' || identity.role === 'SERVICE') return;
  if (employee.storeId !== null && worksAt(identity, employee.storeId)) return;
  throw new AccessDenied('Employees are visible to their own store and to head office only');
}

/** The member of staff signed in (CLERK, MANAGER or ADMIN): their employee id; null for anyone else. */
export function signedInEmployeeId(ctx: Caller): string | null {
  const identity = ctx.identity;
  if (!identity) return null;
  return identity.role === 'CLERK' || identity.role === 'MANAGER' || identity.role === 'ADMIN' ? identity.sub : null;
}

/** An employee read by id for the caller: null when there is none, FORBIDDEN when not theirs to see. */
export function visibleEmployee<E extends Pick<EmployeeProfile, 'id' | 'storeId'>>(
  ctx: Caller,
  employee: E | null,
): E | null {
  if (employee) assertCanSeeEmployee(ctx, employee);
  return employee;
}

/** A row of a store (a sale) read by id for the caller: null when there is none, FORBIDDEN when not theirs to read. */
export function visibleInStore<R extends { storeId: string }>(ctx: Caller, row: R | null): R | null {
  if (row) assertCanReadStore(ctx, row.storeId);
  return row;
}
