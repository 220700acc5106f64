import { userErrorsOf, type UserError } from '../../kit/domain';
import { REPORTS_ERROR_CODES } from '../generated/error-codes';
import type { ReportsErrorCode } from '../generated/resolvers';

/** reports' UserErrors: only ReportsErrorCode values (ADR 0021). */
export type { ReportsErrorCode };
export type ReportsUserError = UserError<ReportsErrorCode>;
export const { userError, isCode, codeOr } = userErrorsOf<ReportsErrorCode>(REPORTS_ERROR_CODES);

/** Input fields whose text rules have a code of their own; input hygiene refuses them with it too. */
export const TEXT_CODES = {
  storeId: 'INVALID_STORE',
} as const satisfies Record<string, ReportsErrorCode>;
