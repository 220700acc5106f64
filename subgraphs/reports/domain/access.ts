import { AccessDenied, NotAuthenticated, type DomainContext } from '../../kit/domain';
import type { Scope } from './types';

/** The key of the whole chain's dashboard; a store's dashboard is keyed by the store id. */
export const CHAIN = 'chain';

/**
 * Whose figures the caller may read (issue 9, point 5): ADMIN the whole chain or any one store; a
 * MANAGER only their own store (from the token's storeId), whatever they ask for; anyone else
 * FORBIDDEN. graphql-shield already refuses other roles at the edge; this is the rule with the row.
 */
export function readScope(ctx: Pick<DomainContext, 'identity'>, requestedStoreId?: string | null): Scope {
  const who = ctx.identity;
  if (!who) throw new NotAuthenticated();
  if (who.role === 'ADMIN') {
    return requestedStoreId ? { kind: 'store', storeId: requestedStoreId } : { kind: 'chain' };
  }
  if (who.role === 'MANAGER' && who.storeId) {
    if (requestedStoreId && requestedStoreId !== who.storeId) {
      throw new AccessDenied("A store manager sees only their own store's reports");
    }
    return { kind: 'store', storeId: who.storeId };
  }
  throw new AccessDenied('Reports need a MANAGER or ADMIN account');
}

/** Refuses a MANAGER who asks about another store (Store.performance, a saved report of it). */
export function assertCanReadStore(ctx: Pick<DomainContext, 'identity'>, storeId: string): void {
  readScope(ctx, storeId);
}

/** The scope a dashboard key names: "chain" or a store id. */
export function scopeOfKey(key: string): Scope {
  return key === CHAIN ? { kind: 'chain' } : { kind: 'store', storeId: key };
}

export function keyOfScope(scope: Scope): string {
  return scope.kind === 'chain' ? CHAIN : scope.storeId;
}

/** Refuses a dashboard key the caller may not read (a reference the router resolves by key). */
export function assertCanReadScope(ctx: Pick<DomainContext, 'identity'>, scope: Scope): void {
  const allowed = readScope(ctx, scope.kind === 'store' ? scope.storeId : null);
  if (scope.kind === 'chain' && allowed.kind !== 'chain') throw new AccessDenied("Only ADMIN sees the chain's figures");
}
