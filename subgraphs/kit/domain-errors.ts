/**
 * Failures a domain function throws instead of returning, free of GraphQL so that domain code can
 * raise them; the kit maps them once to GraphQL error codes (errors.ts: publicError). Business-rule
 * failures that a client can act on are UserErrors in payloads, not these.
 */

/** The caller may not touch this row (another customer's order, another store's stock): FORBIDDEN. */
export class AccessDenied extends Error {
  override readonly name = 'AccessDenied';
}

/** The caller must sign in first: UNAUTHENTICATED. */
export class NotAuthenticated extends Error {
  override readonly name = 'NotAuthenticated';
  constructor(message = 'Authentication required') {
    super(message);
  }
}

/** An argument is malformed (an edited cursor, an over-long search text): BAD_USER_INPUT. */
export class InvalidArgument extends Error {
  override readonly name = 'InvalidArgument';
  constructor(
    message: string,
    /** The argument at fault, e.g. "after" or "filter.text". */
    readonly argument: string,
  ) {
    super(message);
  }
}
