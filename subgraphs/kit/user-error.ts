/**
 * Business-rule failures returned in mutation payloads, never thrown (ADR 0021). Every code a client
 * can receive is a value of its subgraph's `<Subgraph>ErrorCode` enum in the SDL, with a
 * description; codegen turns each enum into a TypeScript union (generated/resolvers.ts) and a list
 * of its values (generated/error-codes.ts). A subgraph's domain makes its errors with the helper of
 * its own `domain/errors.ts` (`userErrorsOf<RetailErrorCode>(RETAIL_ERROR_CODES)`), so a misspelled
 * code fails `npm run typecheck`.
 *
 * The kit's shared checks (validation.ts, credentials.ts, input hygiene) return the literal codes
 * they use; pushing one into a subgraph's `UserError<Code>[]` fails the type check when that
 * subgraph's enum lacks the code.
 */
export interface UserError<C extends string = string> {
  code: C;
  field: string[] | null;
  message: string;
}

export function userError<C extends string>(code: C, message: string, field?: string | string[]): UserError<C> {
  return { code, message, field: field === undefined ? null : Array.isArray(field) ? field : [field] };
}

export interface UserErrors<C extends string> {
  /** A UserError with one of this subgraph's codes. */
  userError: (code: C, message: string, field?: string | string[]) => UserError<C>;
  /** True for a value of this subgraph's enum (a code kept in a row, or another subgraph's answer). */
  isCode: (code: string) => code is C;
  /** `code` when it is one of this subgraph's, else `fallback`: a stored or relayed code never leaves unlisted. */
  codeOr: (code: string | null | undefined, fallback: C) => C;
}

/** The error helpers of one subgraph, typed by its enum and checked against its values at run time. */
export function userErrorsOf<C extends string>(values: readonly C[]): UserErrors<C> {
  const known = new Set<string>(values);
  const isCode = (code: string): code is C => known.has(code);
  return {
    userError: (code, message, field) => userError(code, message, field),
    isCode,
    codeOr: (code, fallback) => (code && isCode(code) ? code : fallback),
  };
}
