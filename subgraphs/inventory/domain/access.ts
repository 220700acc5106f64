import { AccessDenied, NotAuthenticated, type DomainContext, type Identity } from '../../kit/domain';
import type { DashboardScope } from './dashboard';
import type { Location } from './types';

/**
 * The caller of a stock-changing operation. The permission rules already refuse anonymous callers on
 * these fields; this keeps TypeScript and a misconfigured rule honest.
 */
export function callerOf(ctx: Pick<DomainContext, 'identity'>): Identity {
  if (!ctx.identity) throw new NotAuthenticated();
  return ctx.identity;
}

/** The name recorded in the audit trail: an employee id, a service name, or "system". */
export function actorName(identity: Identity | null): string {
  return identity?.sub ?? 'system';
}

/**
 * Who may change stock at a location by hand: head office anywhere, a manager only at the
 * location of the store on their token (so never the warehouse or online stock).
 */
export function assertMayAdjust(identity: Identity, location: Pick<Location, 'storeId'>): void {
  if (identity.role === 'ADMIN') return;
  if (identity.role === 'MANAGER' && identity.storeId && location.storeId === identity.storeId) return;
  throw new AccessDenied(
    identity.role === 'MANAGER'
      ? 'Managers may only adjust the stock of their own store'
      : 'Not allowed to adjust stock',
  );
}

/** The store a CLERK or MANAGER works at (their token's): the only store they may ask stock for. */
export function staffStore(identity: Identity): string {
  if ((identity.role === 'CLERK' || identity.role === 'MANAGER') && identity.storeId) return identity.storeId;
  throw new AccessDenied('Only the staff of a store may ask for its replenishment');
}

/** Head office decides replenishment requests (the permission rule says so too; this keeps the domain honest). */
export function assertHeadOffice(identity: Identity): void {
  if (identity.role !== 'ADMIN') throw new AccessDenied('Only head office may decide replenishment requests');
}

/**
 * Whose replenishment requests a caller may list: head office any store's (null: every store),
 * store staff only their own store's, which is also what they get without naming a store.
 */
export function replenishmentScope(identity: Identity, storeId: string | null): string | null {
  if (identity.role === 'ADMIN') return storeId;
  if ((identity.role === 'CLERK' || identity.role === 'MANAGER') && identity.storeId) {
    if (storeId !== null && storeId !== identity.storeId) {
      throw new AccessDenied("Store staff may only see their own store's replenishment requests");
    }
    return identity.storeId;
  }
  throw new AccessDenied('Not allowed to see replenishment requests');
}

/**
 * Who may read a dashboard's stock figures: the rule reports applies to the same key (ADR 0018), so
 * the two halves of one dashboard agree. The chain's: head office only. A store's: that store's
 * MANAGER (their token's store) or head office. Anyone else, clerks and customers included, FORBIDDEN.
 */
export function assertMayReadDashboard(identity: Identity, scope: DashboardScope): void {
  if (identity.role === 'ADMIN') return;
  if (scope.kind === 'chain') throw new AccessDenied("Only head office sees the chain's dashboard");
  if (identity.role === 'MANAGER' && identity.storeId) {
    if (identity.storeId === scope.storeId) return;
    throw new AccessDenied("A store manager sees only their own store's dashboard");
  }
  throw new AccessDenied('The dashboard needs a MANAGER or ADMIN account');
}
