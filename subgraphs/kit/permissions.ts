import { GraphQLError, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, and, deny, or, rule, shield, type IRules } from 'graphql-shield';
import type { Role } from './auth';
import type { Context } from './server';

export { allow, and, deny, or, rule };

/** Rule results are errors with codes so that clients can tell "log in" from "not yours". */
const UNAUTHENTICATED = () => new GraphQLError('Authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
const FORBIDDEN = (message = 'Not allowed') => new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });

export const isAuthenticated = rule({ cache: 'contextual' })(async (_p, _a, ctx: Context) =>
  ctx.domain.identity ? true : UNAUTHENTICATED(),
);

/** Passes for any of the roles; anonymous callers get UNAUTHENTICATED, others FORBIDDEN. */
const roleRules = new Map<string, ReturnType<ReturnType<typeof rule>>>();
export function hasRole(...roles: Role[]) {
  // graphql-shield refuses two different rule objects with one name, so each role set is one rule.
  const name = `hasRole:${[...roles].sort().join(',')}`;
  let found = roleRules.get(name);
  if (!found) {
    found = rule(name, { cache: 'contextual' })(async (_p, _a, ctx: Context) => {
      const identity = ctx.domain.identity;
      if (!identity) return UNAUTHENTICATED();
      return roles.includes(identity.role) ? true : FORBIDDEN(`Requires role ${roles.join(' or ')}`);
    });
    roleRules.set(name, found);
  }
  return found;
}

export const isStaffManager = hasRole('MANAGER', 'ADMIN');
export const isService = hasRole('SERVICE');

/**
 * Applies graphql-shield with deny-by-default for mutations: a Mutation field without an explicit
 * rule is refused. Query fields default to allow (public catalogue) unless given a rule.
 * Errors thrown inside resolvers pass through unchanged (allowExternalErrors) so that the kit's
 * formatError decides what the client sees.
 */
export function withPermissions(rules: IRules) {
  return (schema: GraphQLSchema): GraphQLSchema => {
    const mutationType = schema.getMutationType();
    const given = (rules as Record<string, Record<string, unknown>>).Mutation ?? {};
    const mutationRules: Record<string, unknown> = { '*': deny };
    if (mutationType) {
      for (const name of Object.keys(mutationType.getFields())) mutationRules[name] = given[name] ?? deny;
    }
    const merged = { ...(rules as Record<string, unknown>), ...(mutationType ? { Mutation: mutationRules } : {}) };
    const middleware = shield(merged as IRules, {
      fallbackRule: allow,
      allowExternalErrors: true,
      fallbackError: FORBIDDEN(),
    });
    // graphql-shield wraps every field of every type; on a page of 100 products that is hundreds
    // of extra async hops. Keep its wrappers only on the types that have rules (plus the roots).
    const ruled = new Set(['Query', 'Mutation', ...Object.keys(merged)]);
    const generated = middleware.generate(schema) as Record<string, unknown>;
    const kept = Object.fromEntries(Object.entries(generated).filter(([type]) => ruled.has(type)));
    return applyMiddleware(schema, kept as Parameters<typeof applyMiddleware>[1]);
  };
}
