import { userErrorsOf, type UserError } from '../../kit/domain';
import { PRODUCTS_ERROR_CODES } from '../generated/error-codes';
import type { ProductsErrorCode } from '../generated/resolvers';

/** The catalogue's UserErrors: only ProductsErrorCode values (ADR 0021). */
export type { ProductsErrorCode };
export type ProductsUserError = UserError<ProductsErrorCode>;
export const { userError, isCode, codeOr } = userErrorsOf<ProductsErrorCode>(PRODUCTS_ERROR_CODES);

/** Input fields whose text rules have a code of their own; input hygiene refuses them with it too. */
export const TEXT_CODES = {
  sku: 'INVALID_SKU',
  name: 'INVALID_NAME',
  description: 'INVALID_DESCRIPTION',
  reason: 'INVALID_REASON',
} as const satisfies Record<string, ProductsErrorCode>;
