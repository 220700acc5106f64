import { userError, type UserError } from './user-error';

/**
 * Input rules every subgraph that takes people's details or order lines applies the same way (names,
 * emails, phone numbers, free text, line quantities); each returns a UserError naming the input field
 * at fault, or null.
 */

/** Most units of one product in a cart, order or sale line (the tables' CHECK constraints agree). */
export const MAX_LINE_QUANTITY = 999;

export function checkQuantity(quantity: number, field: string[]): UserError<'INVALID_QUANTITY'> | null {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    return userError('INVALID_QUANTITY', `Quantity must be a whole number from 1 to ${MAX_LINE_QUANTITY}`, field);
  }
  return null;
}

export const MAX_EMAIL_LENGTH = 254;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by email, not regex.
const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export function normalizeEmail(email: string): string {
  return email.trim();
}

export function checkEmail(email: string, field: string[]): UserError<'INVALID_EMAIL'> | null {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_RE.test(email)) {
    return userError(
      'INVALID_EMAIL',
      `Email must look like name@example.com (at most ${MAX_EMAIL_LENGTH} characters)`,
      field,
    );
  }
  return null;
}

/** Required or optional text of at most `max` characters once trimmed (refused, never cut). */
export function checkText<C extends string>(
  value: string | null | undefined,
  field: string[],
  opts: { required: boolean; max: number; code: C; label: string },
): UserError<C> | null {
  const v = value?.trim() ?? '';
  if (opts.required && v.length === 0) return userError(opts.code, `${opts.label} is required`, field);
  if (v.length > opts.max) return userError(opts.code, `${opts.label} must be at most ${opts.max} characters`, field);
  return null;
}

/** Trims optional text; empty becomes null. */
export function optionalText(value: string | null | undefined): string | null {
  const v = value?.trim() ?? '';
  return v.length ? v : null;
}

export const MAX_PHONE_LENGTH = 30;
const PHONE_RE = /^\+?[0-9 ().-]{7,30}$/;

export function checkPhone(phone: string | null | undefined, field: string[]): UserError<'INVALID_PHONE'> | null {
  const v = optionalText(phone);
  // The length on its own too: the pattern alone would let a leading "+" make it 31.
  if (v !== null && (v.length > MAX_PHONE_LENGTH || !PHONE_RE.test(v))) {
    return userError('INVALID_PHONE', 'Phone must be 7 to 30 digits, spaces, dashes or parentheses', field);
  }
  return null;
}
