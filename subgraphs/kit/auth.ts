import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** Roles of people and services. SERVICE is for subgraph-to-subgraph calls (sagas). */
export const ROLES = ['CUSTOMER', 'CLERK', 'MANAGER', 'ADMIN', 'SERVICE'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  /** Customer id, employee id or service name. */
  sub: string;
  role: Role;
  /** The store a CLERK or MANAGER works at. */
  storeId?: string;
}

export const JWT_ISSUER = 'retail-supergraph';
export const JWT_AUDIENCE = 'retail-api';
const ALGORITHM = 'HS256';
const DEV_SECRET = 'dev-only-secret-change-me-0123456789abcdef';

export function jwtSecret(): string {
  const secret = process.env.JWT_SECRET;
  if (secret && secret.length >= 32) return secret;
  if (process.env.NODE_ENV === 'production') {
    throw new Error('JWT_SECRET (at least 32 characters) is required in production');
  }
  return DEV_SECRET;
}

let signingKey: { secret: string; key: KeyObject } | null = null;

/**
 * The secret as a KeyObject, made once per secret. Given a string, jsonwebtoken first tries it as a
 * PEM public (verify) or private (sign) key and, when that throws, makes a secret key of it: on every
 * call. That failed parse and its exception were 12 to 21 % of the CPU of the router and of every
 * subgraph under the POS bench (docs/benchmarks.md); a KeyObject skips both. Keyed by the secret's
 * value, so a changed JWT_SECRET (tests) is read as before.
 */
function jwtKey(): KeyObject {
  const secret = jwtSecret();
  if (signingKey?.secret !== secret) signingKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return signingKey.key;
}

/**
 * The longest a token of each role may live (exp - iat): a stolen token is useful for a bounded
 * time. Customers stay signed in for a day, staff for a shift, services for a saga step.
 */
export const MAX_TOKEN_LIFETIME_SECONDS: Readonly<Record<Role, number>> = {
  CUSTOMER: 24 * 3600,
  CLERK: 12 * 3600,
  MANAGER: 12 * 3600,
  ADMIN: 12 * 3600,
  SERVICE: 15 * 60,
};

/** How far in the future `iat` may be (clocks of issuers and verifiers differ a little). */
export const CLOCK_SKEW_SECONDS = 60;

export function signToken(identity: Identity, expiresInSeconds = 3600): string {
  const max = MAX_TOKEN_LIFETIME_SECONDS[identity.role];
  if (expiresInSeconds > max) {
    throw new Error(`a ${identity.role} token lives at most ${max} s; ${expiresInSeconds} s was asked`);
  }
  const payload: Record<string, unknown> = { role: identity.role };
  if (identity.storeId) payload.storeId = identity.storeId;
  return jwt.sign(payload, jwtKey(), {
    algorithm: ALGORITHM,
    subject: identity.sub,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    expiresIn: expiresInSeconds,
  });
}

export class InvalidTokenError extends Error {}

/**
 * Verifies a bearer token: signature with the pinned algorithm (so "none" and RS/HS confusion are
 * refused), expiry, issuer and audience. Throws InvalidTokenError with a client-safe message.
 */
export function verifyToken(token: string): Identity {
  return verifyTokenClaims(token).identity;
}

/** Like verifyToken, with the time the token was issued (seconds), which revocation compares. */
export function verifyTokenClaims(token: string): { identity: Identity; issuedAt: number } {
  let decoded: jwt.JwtPayload | string;
  try {
    decoded = jwt.verify(token, jwtKey(), {
      algorithms: [ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    });
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token';
    throw new InvalidTokenError(reason);
  }
  if (typeof decoded === 'string' || typeof decoded.sub !== 'string') throw new InvalidTokenError('invalid token');
  const role = decoded.role as Role;
  if (!ROLES.includes(role)) throw new InvalidTokenError('invalid token');
  // jsonwebtoken accepts a token without exp (it never expires) or iat; ours always have both.
  if (typeof decoded.exp !== 'number' || typeof decoded.iat !== 'number') {
    throw new InvalidTokenError('token must have an expiry (exp) and an issue time (iat)');
  }
  if (decoded.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw new InvalidTokenError('token issued in the future');
  if (decoded.exp - decoded.iat > MAX_TOKEN_LIFETIME_SECONDS[role]) {
    throw new InvalidTokenError(`token lifetime exceeds the ${MAX_TOKEN_LIFETIME_SECONDS[role]} s allowed for ${role}`);
  }
  const identity: Identity = { sub: decoded.sub, role };
  if (typeof decoded.storeId === 'string') identity.storeId = decoded.storeId;
  return { identity, issuedAt: decoded.iat };
}

/** What revocation asks: were tokens of this subject issued at or before this time revoked? */
export interface RevocationCheck {
  isRevoked(sub: string, issuedAtSeconds: number): boolean;
}

/**
 * Reads "Authorization: Bearer x"; null when absent, InvalidTokenError when present but bad, or
 * revoked (a deactivated employee, a changed role) when a revocation list is given.
 */
export function identityFromHeader(header: string | undefined, revocations?: RevocationCheck): Identity | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new InvalidTokenError('Authorization header must be "Bearer <token>"');
  const { identity, issuedAt } = verifyTokenClaims(match[1]);
  if (revocations?.isRevoked(identity.sub, issuedAt)) throw new InvalidTokenError('token revoked');
  return identity;
}

/** Token a subgraph presents when it calls another subgraph directly (saga steps). */
export function serviceToken(service: string, expiresInSeconds = 300): string {
  return signToken({ sub: service, role: 'SERVICE' }, expiresInSeconds);
}
