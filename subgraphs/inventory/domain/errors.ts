import { userErrorsOf, type UserError } from '../../kit/domain';
import { INVENTORY_ERROR_CODES } from '../generated/error-codes';
import type { InventoryErrorCode } from '../generated/resolvers';

/**
 * Inventory's UserErrors: only InventoryErrorCode values (ADR 0021), for its people's stock changes
 * and for the saga steps retail and ecommerce call. No input field has text rules of its own code (a
 * note or reason too long for its documented maximum is INVALID_INPUT), so input hygiene refuses
 * control characters and text over its cap with INVALID_CHARACTERS and TOO_LONG: no `textCodes`.
 */
export type { InventoryErrorCode };
export type InventoryUserError = UserError<InventoryErrorCode>;
export const { userError, isCode, codeOr } = userErrorsOf<InventoryErrorCode>(INVENTORY_ERROR_CODES);
