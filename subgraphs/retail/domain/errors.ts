import { userErrorsOf, type UserError } from '../../kit/domain';
import { RETAIL_ERROR_CODES } from '../generated/error-codes';
import type { RetailErrorCode } from '../generated/resolvers';

/**
 * Retail's UserErrors: only RetailErrorCode values (ADR 0021), so a misspelled code fails the type
 * check. A code retail did not choose (inventory's refusal of a sale's stock, of a return, of a
 * store's location) goes through `relayed`, which keeps the codes the enum lists and turns any other
 * into INVENTORY_REFUSED with inventory's own message.
 */
export type { RetailErrorCode };
export type RetailUserError = UserError<RetailErrorCode>;
export const { userError, isCode, codeOr } = userErrorsOf<RetailErrorCode>(RETAIL_ERROR_CODES);

/** A refusal another subgraph answered with (a stored failure code included), as a retail UserError. */
export function relayed(code: string | null | undefined, message: string, field?: string | string[]): RetailUserError {
  return userError(codeOr(code, 'INVENTORY_REFUSED'), message, field);
}

/** Input fields whose text rules have a code of their own; input hygiene refuses them with it too. */
export const TEXT_CODES = {
  name: 'INVALID_NAME',
  email: 'INVALID_EMAIL',
  address: 'INVALID_ADDRESS',
  city: 'INVALID_ADDRESS',
  phone: 'INVALID_PHONE',
  timeZone: 'INVALID_TIME_ZONE',
  opens: 'INVALID_OPENING_HOURS',
  closes: 'INVALID_OPENING_HOURS',
  note: 'INVALID_NOTE',
  reason: 'INVALID_REASON',
  idempotencyKey: 'INVALID_IDEMPOTENCY_KEY',
} as const satisfies Record<string, RetailErrorCode>;
