import { userErrorsOf, type UserError } from '../../kit/domain';
import { ECOMMERCE_ERROR_CODES } from '../generated/error-codes';
import type { EcommerceErrorCode } from '../generated/resolvers';

/**
 * ecommerce's UserErrors: only EcommerceErrorCode values (ADR 0021). A code kept in a row or relayed
 * from another system (a checkout saga's failure code, inventory's refusal) goes through
 * `codeOr(code, 'CHECKOUT_FAILED')`, so an unlisted one never reaches a client.
 */
export type { EcommerceErrorCode };
export type EcommerceUserError = UserError<EcommerceErrorCode>;
export const { userError, isCode, codeOr } = userErrorsOf<EcommerceErrorCode>(ECOMMERCE_ERROR_CODES);

/**
 * Input fields whose text rules have a code of their own; input hygiene refuses them with it too.
 * Not `email` and `password`: login shares their names and has no rule of its own for them (a
 * refusal there is INVALID_CHARACTERS or TOO_LONG, as for registration's).
 */
export const TEXT_CODES = {
  firstName: 'INVALID_NAME',
  lastName: 'INVALID_NAME',
  phone: 'INVALID_PHONE',
  recipient: 'INVALID_ADDRESS',
  line1: 'INVALID_ADDRESS',
  line2: 'INVALID_ADDRESS',
  city: 'INVALID_ADDRESS',
  region: 'INVALID_ADDRESS',
  postalCode: 'INVALID_ADDRESS',
  country: 'INVALID_ADDRESS',
  cardNumber: 'INVALID_CARD',
  cvc: 'INVALID_CARD',
  holderName: 'INVALID_CARD',
  idempotencyKey: 'INVALID_IDEMPOTENCY_KEY',
  reason: 'INVALID_REASON',
  note: 'INVALID_NOTE',
} as const satisfies Record<string, EcommerceErrorCode>;
