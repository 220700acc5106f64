import { userError, type UserError } from '../../kit/domain';
import type { AddressInput, PaymentCardInput } from '../generated/resolvers';
import type { CardDetails } from './ports';
import type { AddressSnapshot } from './types';

/** Input rules shared by the domain functions; each returns UserErrors naming the input field at fault. */

export const MAX_LINE_QUANTITY = 999;

export function checkQuantity(quantity: number, field: string[]): UserError | null {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    return userError('INVALID_QUANTITY', `Quantity must be a whole number from 1 to ${MAX_LINE_QUANTITY}`, field);
  }
  return null;
}

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by email, not regex.
const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export function normalizeEmail(email: string): string {
  return email.trim();
}

export function checkEmail(email: string, field: string[]): UserError | null {
  if (email.length > 254 || !EMAIL_RE.test(email)) {
    return userError('INVALID_EMAIL', 'Email must look like name@example.com (at most 254 characters)', field);
  }
  return null;
}

export function checkText(
  value: string | null | undefined,
  field: string[],
  opts: { required: boolean; max: number; code: string; label: string },
): UserError | null {
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
export function checkPhone(phone: string | null | undefined, field: string[]): UserError | null {
  const v = optionalText(phone);
  // The length on its own too: the pattern alone would let a leading "+" make it 31.
  if (v !== null && (v.length > MAX_PHONE_LENGTH || !PHONE_RE.test(v))) {
    return userError('INVALID_PHONE', 'Phone must be 7 to 30 digits, spaces, dashes or parentheses', field);
  }
  return null;
}

/** Validates and normalises an address (trimmed, country upper case). */
export function checkAddress(input: AddressInput, base: string[]): { address: AddressSnapshot; errors: UserError[] } {
  const f = (name: string) => [...base, name];
  const errors = [
    checkText(input.recipient, f('recipient'), {
      required: false,
      max: 200,
      code: 'INVALID_ADDRESS',
      label: 'Recipient',
    }),
    checkText(input.line1, f('line1'), { required: true, max: 200, code: 'INVALID_ADDRESS', label: 'Address line 1' }),
    checkText(input.line2, f('line2'), { required: false, max: 200, code: 'INVALID_ADDRESS', label: 'Address line 2' }),
    checkText(input.city, f('city'), { required: true, max: 100, code: 'INVALID_ADDRESS', label: 'City' }),
    checkText(input.region, f('region'), { required: false, max: 100, code: 'INVALID_ADDRESS', label: 'Region' }),
    checkText(input.postalCode, f('postalCode'), {
      required: true,
      max: 20,
      code: 'INVALID_ADDRESS',
      label: 'Postal code',
    }),
  ].filter((e): e is UserError => e !== null);
  const country = input.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) {
    errors.push(userError('INVALID_ADDRESS', 'Country must be a two-letter ISO 3166-1 code, e.g. "CA"', f('country')));
  }
  return {
    errors,
    address: {
      recipient: optionalText(input.recipient),
      line1: input.line1.trim(),
      line2: optionalText(input.line2),
      city: input.city.trim(),
      region: optionalText(input.region),
      postalCode: input.postalCode.trim().toUpperCase(),
      country,
    },
  };
}

/** Longest name a card carries (ISO/IEC 7813 allows 26 on the stripe; embossed names are shorter still). */
export const MAX_CARD_HOLDER_LENGTH = 100;

/** Validates a payment card; the number is only checked for shape (the provider decides the rest). */
export function checkCard(
  input: PaymentCardInput,
  base: string[],
  now: Date = new Date(),
): { card: CardDetails | null; errors: UserError[] } {
  const f = (name: string) => [...base, name];
  const errors: UserError[] = [];
  const number = input.cardNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number)) {
    errors.push(userError('INVALID_CARD', 'Card number must be 12 to 19 digits', f('cardNumber')));
  }
  if (!/^\d{3,4}$/.test(input.cvc.trim())) {
    errors.push(userError('INVALID_CARD', 'Card verification code must be 3 or 4 digits', f('cvc')));
  }
  const { expiryMonth: month, expiryYear: year } = input;
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    errors.push(userError('INVALID_CARD', 'Expiry month must be from 1 to 12', f('expiryMonth')));
  } else if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    errors.push(userError('INVALID_CARD', 'Expiry year must have four digits', f('expiryYear')));
  } else {
    const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
    if (year * 12 + (month - 1) < thisMonth) {
      errors.push(userError('CARD_EXPIRED', 'The card has expired', f('expiryYear')));
    }
  }
  const holder = checkText(input.holderName, f('holderName'), {
    required: false,
    max: MAX_CARD_HOLDER_LENGTH,
    code: 'INVALID_CARD',
    label: 'Card holder name',
  });
  if (holder) errors.push(holder);
  if (errors.length) return { card: null, errors };
  return {
    errors,
    card: {
      number,
      expiryMonth: month,
      expiryYear: year,
      cvc: input.cvc.trim(),
      holderName: optionalText(input.holderName),
    },
  };
}
