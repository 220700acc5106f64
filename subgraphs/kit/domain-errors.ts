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

/**
 * A subgraph this one calls (products, inventory) could not answer: SERVICE_UNAVAILABLE, the code the
 * router gives when it cannot reach a subgraph, so clients handle one "try again later" code. Thrown
 * by the kit's clients; domain code calls them before it writes anything that depends on the answer.
 * The message is client-safe (it names the service, never its URL); `cause` keeps the detail for the
 * logs.
 */
export class ServiceUnavailable extends Error {
  override readonly name = 'ServiceUnavailable';
  constructor(
    /** The service that did not answer, e.g. "products". */
    readonly service: string,
    options?: { cause?: unknown },
  ) {
    super(`The ${service} service is unavailable; try again`, options);
  }
}
