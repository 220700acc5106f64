import { parseDecimalToMinor } from '../../kit/domain';
import type { ProductFilter as ProductFilterInput } from '../generated/resolvers';
import type { ProductFilter } from './types';
import { userError, type ProductsUserError } from './errors';

/** Pure checks of catalogue input; no I/O, so they are unit-tested directly. */

export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9-]{1,39}$/;
export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 5000;
export const MAX_REASON_LENGTH = 500;
export const MAX_SEARCH_LENGTH = 100;
/** price_cents is a PostgreSQL integer; 10 million dollars is far above any shelf price and far below 2^31. */
export const MAX_PRICE_CENTS = 1_000_000_000;

/** SKUs are stored upper case so that "sku-1" and "SKU-1" are the same article. */
export function normalizeSku(raw: string): string {
  return raw.trim().toUpperCase();
}

export function checkSku(raw: string, field: string[], errors: ProductsUserError[]): string {
  const sku = normalizeSku(raw);
  if (!SKU_PATTERN.test(sku)) {
    errors.push(
      userError('INVALID_SKU', 'SKU must be 2 to 40 letters, digits or dashes, starting with a letter or digit', field),
    );
  }
  return sku;
}

export function checkName(raw: string, field: string[], errors: ProductsUserError[]): string {
  const name = raw.trim();
  if (name.length === 0) errors.push(userError('INVALID_NAME', 'Name must not be empty', field));
  else if (name.length > MAX_NAME_LENGTH) {
    errors.push(userError('INVALID_NAME', `Name must be at most ${MAX_NAME_LENGTH} characters`, field));
  }
  return name;
}

export function checkDescription(raw: string | null | undefined, field: string[], errors: ProductsUserError[]): string {
  const description = (raw ?? '').trim();
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    errors.push(
      userError('INVALID_DESCRIPTION', `Description must be at most ${MAX_DESCRIPTION_LENGTH} characters`, field),
    );
  }
  return description;
}

/** A selling price in minor units; records INVALID_PRICE unless 0 < price <= MAX_PRICE_CENTS. */
export function checkPrice(raw: string, field: string[], errors: ProductsUserError[]): number {
  const cents = parseDecimalToMinor(raw);
  if (cents === null || cents <= 0) {
    errors.push(userError('INVALID_PRICE', 'Price must be greater than zero', field));
    return 0;
  }
  if (cents > MAX_PRICE_CENTS) {
    errors.push(userError('INVALID_PRICE', `Price must be at most ${MAX_PRICE_CENTS / 100}`, field));
    return 0;
  }
  return cents;
}

export function checkReason(
  raw: string | null | undefined,
  field: string[],
  errors: ProductsUserError[],
): string | null {
  const reason = raw?.trim() ?? '';
  if (reason.length > MAX_REASON_LENGTH) {
    errors.push(userError('INVALID_REASON', `Reason must be at most ${MAX_REASON_LENGTH} characters`, field));
  }
  return reason.length ? reason : null;
}

/** Distinct words of a search text, in order; matching is case-insensitive so duplicates differ only by case. */
export function searchTerms(text: string): string[] {
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const word of text.trim().split(/\s+/)) {
    const key = word.toLowerCase();
    if (word && !seen.has(key)) {
      seen.add(key);
      terms.push(word);
    }
  }
  return terms;
}

/** Makes user text literal inside LIKE: %, _ and the escape character itself match only themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Search text: trimmed, 1..MAX_SEARCH_LENGTH characters. */
export function checkSearchText(text: string): Checked<string> {
  const trimmed = text.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_SEARCH_LENGTH) {
    return { ok: false, message: `"text" must be 1 to ${MAX_SEARCH_LENGTH} characters after trimming` };
  }
  return { ok: true, value: trimmed };
}

/** Converts the GraphQL filter into SQL-ready criteria; an over-long text is malformed input. */
export function checkFilter(input: ProductFilterInput | null | undefined): Checked<ProductFilter> {
  const text = input?.text?.trim() ?? '';
  if (text.length > MAX_SEARCH_LENGTH) {
    return { ok: false, message: `"filter.text" must be at most ${MAX_SEARCH_LENGTH} characters` };
  }
  // Decimal has been validated by its scalar already, so these parse.
  const cents = (v: string | null | undefined) => (v === null || v === undefined ? null : parseDecimalToMinor(v));
  return {
    ok: true,
    value: {
      categoryId: input?.categoryId ?? null,
      active: input?.active ?? null,
      terms: searchTerms(text),
      minPriceCents: cents(input?.minPrice),
      maxPriceCents: cents(input?.maxPrice),
    },
  };
}
