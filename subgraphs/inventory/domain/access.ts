import type { Identity } from '../../kit';
import type { LocationView } from './views';

/** A caller may not touch this row; resolvers turn it into a FORBIDDEN GraphQL error. */
export class AccessDenied extends Error {}

/** The name recorded in the audit trail: an employee id, a service name, or "system". */
export function actorName(identity: Identity | null): string {
  return identity?.sub ?? 'system';
}

/**
 * Who may change stock at a location by hand: head office anywhere, a manager only at the
 * location of the store on their token (so never the warehouse or online stock).
 */
export function assertMayAdjust(identity: Identity, location: LocationView): void {
  if (identity.role === 'ADMIN') return;
  if (identity.role === 'MANAGER' && identity.storeId && location.storeId === identity.storeId) return;
  throw new AccessDenied(
    identity.role === 'MANAGER'
      ? 'Managers may only adjust the stock of their own store'
      : 'Not allowed to adjust stock',
  );
}
