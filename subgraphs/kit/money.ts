import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** The currency every demo price is in; money carries its currency so more can follow. */
export const DEFAULT_CURRENCY = 'CAD';

const DECIMAL_RE = /^-?\d{1,12}(\.\d{1,2})?$/;

/** Parses "12.5" / "12.50" / "12" into integer minor units; null when malformed. */
export function parseDecimalToMinor(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL_RE.test(trimmed)) return null;
  const negative = trimmed.startsWith('-');
  const [whole = '0', frac = ''] = trimmed.replace('-', '').split('.');
  const minor = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return negative ? -minor : minor;
}

/** Formats integer minor units as a two-decimal string: 1250 -> "12.50". */
export function formatMinor(minor: number): string {
  const negative = minor < 0;
  const abs = Math.abs(minor);
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

export interface Money {
  amount: string;
  currency: string;
}

export function money(minor: number, currency: string = DEFAULT_CURRENCY): Money {
  return { amount: formatMinor(minor), currency };
}

function invalid(value: unknown): GraphQLError {
  return new GraphQLError(
    `Decimal must be a string like "12.50" with at most 2 decimals; got ${JSON.stringify(value)}`,
    { extensions: { code: 'BAD_USER_INPUT' } },
  );
}

/**
 * Decimal: money amounts travel as strings so that no client parses them into floats.
 * Internally the value stays a validated string; domain code converts it to minor units.
 */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'A decimal number sent as a string, e.g. "12.50". Used for money amounts.',
  serialize(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return formatMinor(value);
    throw invalid(value);
  },
  parseValue(value) {
    if (typeof value !== 'string' || parseDecimalToMinor(value) === null) throw invalid(value);
    return value.trim();
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || parseDecimalToMinor(ast.value) === null) {
      throw invalid(
        ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? ast.value : ast.kind,
      );
    }
    return ast.value.trim();
  },
});
