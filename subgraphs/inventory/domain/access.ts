import { AccessDenied, NotAuthenticated, type DomainContext, type Identity } from '../../kit/domain';
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
