import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AccessDenied, InvalidArgument, NotAuthenticated, ServiceUnavailable } from './domain-errors';
import type { Logger } from './logger';
import { pgErrorCode } from './sql';

export { userError, type UserError } from './user-error';

export function badInput(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extra } });
}

export function unauthenticated(message = 'Authentication required'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

export function forbidden(message = 'Not allowed'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/** Error codes that may be shown to clients with their original message. */
const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
]);

/**
 * PostgreSQL "data exception" class (22xxx): a value the column or type cannot hold (NUL in text,
 * an integer out of range, malformed numbers). Input validation should refuse these before any SQL;
 * one that still reaches the database was sent by the client, so it is bad input, not a crash.
 */
function isDataException(err: unknown): boolean {
  const code = pgErrorCode(err);
  return typeof code === 'string' && code.startsWith('22');
}

/**
 * The client-facing code and message of a resolver failure that is not already a coded GraphQLError:
 * domain errors (domain-errors.ts) and database data exceptions. Null for anything else (a bug, an
 * outage), which is masked as INTERNAL_SERVER_ERROR.
 */
export function publicError(
  original: unknown,
): { code: string; message: string; extensions?: Record<string, unknown> } | null {
  if (original instanceof AccessDenied) return { code: 'FORBIDDEN', message: original.message };
  if (original instanceof NotAuthenticated) return { code: 'UNAUTHENTICATED', message: original.message };
  if (original instanceof InvalidArgument) {
    return { code: 'BAD_USER_INPUT', message: original.message, extensions: { argument: original.argument } };
  }
  if (original instanceof ServiceUnavailable) {
    return { code: 'SERVICE_UNAVAILABLE', message: original.message, extensions: { serviceName: original.service } };
  }
  if (isDataException(original)) return { code: 'BAD_USER_INPUT', message: 'A value in the request is not valid' };
  return null;
}

/** The code a GraphQL error is reported with, after the mapping above (metrics use the same). */
export function errorCode(err: GraphQLError | GraphQLFormattedError, original?: unknown): string {
  const given = err.extensions?.code;
  if (typeof given === 'string' && given !== 'INTERNAL_SERVER_ERROR') return given;
  const mapped = publicError(original ?? ('originalError' in err ? err.originalError : undefined));
  return mapped?.code ?? 'INTERNAL_SERVER_ERROR';
}

/**
 * Masks anything that is not a deliberate client-facing error: SQL text, stack traces and
 * driver messages stay in the logs, the client gets a generic message and a code.
 */
export function makeFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, code } };
    }
    const original = unwrapResolverError(error);
    const mapped = publicError(original);
    if (mapped) {
      if (mapped.code === 'BAD_USER_INPUT' && !(original instanceof InvalidArgument)) {
        log.warn({ err: original, path: formatted.path }, 'database refused a value from the request');
      }
      if (original instanceof ServiceUnavailable) {
        log.warn(
          { err: original, cause: original.cause, path: formatted.path },
          'a service this one calls is unavailable',
        );
      }
      return {
        message: mapped.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: mapped.code, ...mapped.extensions },
      };
    }
    log.error({ err: error, path: formatted.path }, 'internal error in resolver');
    return {
      message: 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
