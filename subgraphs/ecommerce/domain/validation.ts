import { checkText, optionalText } from '../../kit/domain';
import type { AddressInput, PaymentCardInput } from '../generated/resolvers';
import { userError, type EcommerceUserError } from './errors';
import type { CardDetails } from './ports';
import type { AddressSnapshot } from './types';

/**
 * ecommerce's own input rules (addresses, payment cards); the kit's rules (kit/validation.ts) cover
 * names, emails, phones and quantities. Each returns UserErrors naming the input field at fault.
 */

/** Validates and normalises an address (trimmed, country upper case). */
export function checkAddress(
  input: AddressInput,
  base: string[],
): { address: AddressSnapshot; errors: EcommerceUserError[] } {
  const f = (name: string) => [...base, name];
  const errors: EcommerceUserError[] = [
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
  ].filter((e) => e !== null);
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
): { card: CardDetails | null; errors: EcommerceUserError[] } {
  const f = (name: string) => [...base, name];
  const errors: EcommerceUserError[] = [];
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
