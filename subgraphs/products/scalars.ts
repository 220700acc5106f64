import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

function invalid(value: unknown): GraphQLError {
  return new GraphQLError(`DateTime must be an ISO 8601 string; got ${JSON.stringify(value)}`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

function parse(value: unknown): Date {
  if (typeof value !== 'string') throw invalid(value);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(value);
  return date;
}

/** Timestamps leave the API as ISO 8601 UTC strings; PostgreSQL timestamptz arrives as Date. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant in time as an ISO 8601 string in UTC, e.g. "2026-03-01T14:30:00.000Z".',
  serialize(value) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    if (typeof value === 'string') return parse(value).toISOString();
    throw invalid(value);
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid(ast.kind);
    return parse(ast.value);
  },
});
