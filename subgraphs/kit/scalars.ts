import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { formatMinor, parseDecimalToMinor } from './money';

/**
 * The custom scalars every subgraph declares, defined once: each subgraph's schema.graphql declares
 * `scalar DateTime` / `scalar Decimal` with the descriptions below (composition fails when
 * descriptions of a shared type disagree), and its resolvers use these implementations.
 */

/**
 * A refusal of a scalar's rule. graphql-js reports a GraphQLError thrown by parseLiteral as it is (no
 * "Expected value of type" prefix, no location of its own), so a literal's refusal carries its node,
 * like graphql-js' own scalars do, and says the value it got; a variable's refusal gets graphql-js'
 * prefix naming the variable.
 */
function invalid(what: string, value: unknown, node?: ValueNode): GraphQLError {
  return new GraphQLError(`${what}; got ${JSON.stringify(value)}`, {
    nodes: node,
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

function literalText(ast: ValueNode): unknown {
  return ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? ast.value : ast.kind;
}

// Calendar date, time with optional fraction, and an explicit offset: "2026-03-01T14:30:00Z",
// "2026-03-01T09:30:00.5-05:00". Date.parse alone would take "1" or "March 1" as well.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME_RULE = 'DateTime must be an ISO 8601 instant with an offset, e.g. "2026-03-01T14:30:00Z"';

function parseInstant(value: unknown, node?: ValueNode): Date {
  if (typeof value !== 'string' || value.length > 40 || !ISO_INSTANT.test(value)) {
    throw invalid(DATE_TIME_RULE, value, node);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(DATE_TIME_RULE, value, node);
  return date;
}

export const DATE_TIME_DESCRIPTION =
  'An instant in time as an ISO 8601 string in UTC, e.g. "2026-03-01T14:30:00.000Z".';

/** Timestamps leave the API as ISO 8601 UTC strings; PostgreSQL timestamptz arrives as Date (or text). */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: DATE_TIME_DESCRIPTION,
  serialize(value) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    if (typeof value === 'string') {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) return date.toISOString();
    }
    throw new GraphQLError('DateTime cannot represent this value');
  },
  parseValue: (value) => parseInstant(value),
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid(DATE_TIME_RULE, literalText(ast), ast);
    return parseInstant(ast.value, ast);
  },
});

const DECIMAL_RULE = 'Decimal must be a string like "12.50" with at most 2 decimals';

/** Money columns are PostgreSQL integers of minor units: an amount beyond them is refused here, before SQL. */
export const MAX_DECIMAL_MINOR = 2_147_483_647;
const DECIMAL_RANGE = `Decimal must be between -${formatMinor(MAX_DECIMAL_MINOR)} and ${formatMinor(MAX_DECIMAL_MINOR)}`;

function parseDecimal(value: unknown, node?: ValueNode): string {
  const minor = typeof value === 'string' && value.length <= 40 ? parseDecimalToMinor(value) : null;
  if (minor === null) throw invalid(DECIMAL_RULE, value, node);
  if (Math.abs(minor) > MAX_DECIMAL_MINOR) throw invalid(DECIMAL_RANGE, value, node);
  return (value as string).trim();
}

export const DECIMAL_DESCRIPTION = 'A decimal number sent as a string, e.g. "12.50". Used for money amounts.';

/**
 * Decimal: money amounts travel as strings so that no client parses them into floats. Inputs stay
 * validated strings (domain code converts them to minor units); outputs may be strings or integer
 * minor units.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: DECIMAL_DESCRIPTION,
  serialize(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return formatMinor(value);
    throw new GraphQLError('Decimal cannot represent this value');
  },
  parseValue: (value) => parseDecimal(value),
  parseLiteral(ast) {
    // A number literal (12.5) is refused like a number variable: amounts are strings, never floats.
    if (ast.kind !== Kind.STRING) throw invalid(DECIMAL_RULE, literalText(ast), ast);
    return parseDecimal(ast.value, ast);
  },
});

export const DATE_DESCRIPTION = 'A calendar date as an ISO 8601 string (YYYY-MM-DD), e.g. "2026-03-01".';
const DATE_RULE = 'Date must be a calendar date written YYYY-MM-DD, e.g. "2026-03-01"';

/** A real calendar day (2026-02-30 is refused), years 1000 to 9999 so it always has four digits. */
function parseCalendarDate(value: unknown, node?: ValueNode): string {
  if (typeof value !== 'string' || !/^[1-9]\d{3}-\d{2}-\d{2}$/.test(value)) throw invalid(DATE_RULE, value, node);
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw invalid(DATE_RULE, value, node);
  }
  return value;
}

/**
 * Date: a day without a time or a zone (reports' periods, the days of a breakdown); the field that
 * takes one says in which time zone it is read. Inputs and outputs are the YYYY-MM-DD text.
 */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: DATE_DESCRIPTION,
  serialize(value) {
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    throw new GraphQLError('Date cannot represent this value');
  },
  parseValue: (value) => parseCalendarDate(value),
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid(DATE_RULE, literalText(ast), ast);
    return parseCalendarDate(ast.value, ast);
  },
});

/**
 * Every custom scalar of the API, by name: the subgraphs resolve them with these, and the router
 * puts their parseValue/parseLiteral on the supergraph's scalars of the same name
 * (router/scalar-rules.ts), so that a value one of them refuses is refused at the router, before
 * any subgraph is called, with the same rule and message (ADR 0024).
 */
export const KIT_SCALARS: ReadonlyMap<string, GraphQLScalarType> = new Map(
  [DateTimeScalar, DecimalScalar, DateScalar].map((scalar) => [scalar.name, scalar]),
);
