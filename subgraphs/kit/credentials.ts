import type { EntityManager } from '@mikro-orm/postgresql';
import {
  burnVerification,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  verifyPassword,
} from './passwords';
import { execute, sql, type Statement } from './sql';
import { userError, type UserError } from './user-error';
import { MAX_EMAIL_LENGTH, normalizeEmail } from './validation';

/**
 * Sign-in and password rules for every subgraph that keeps accounts (ecommerce's customers, retail's
 * staff), on top of kit/passwords.ts: one answer for every failed sign-in, in about the same time.
 */

/** A new password's length rule (registration, account creation): WEAK_PASSWORD otherwise. */
export function checkNewPassword(password: string, field: string[]): UserError<'WEAK_PASSWORD'> | null {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    return userError(
      'WEAK_PASSWORD',
      `Password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`,
      field,
    );
  }
  return null;
}

/** A row of an accounts table: what a credential check needs of it. */
export interface PasswordAccount {
  id: string;
  passwordHash: string;
}

/** The one answer of every failed sign-in: it never tells which of email and password was wrong. */
export const invalidCredentials = (): UserError<'INVALID_CREDENTIALS'> =>
  userError('INVALID_CREDENTIALS', 'Email or password is incorrect');

type Rehash = Statement<{ hash: string; id: string; previous: string }, never>;
const rehashes = new Map<string, Rehash>();

/** The upgrade of one accounts table's hash, conditional on the hash just verified; one statement per table. */
function rehashStatement(table: string): Rehash {
  let st = rehashes.get(table);
  if (!st) {
    st = sql(
      `update ${table} set password_hash = :hash, updated_at = now() where id = :id and password_hash = :previous`,
    );
    rehashes.set(table, st);
  }
  return st;
}

/**
 * The account these credentials open, or null. An unknown email, a wrong password and an account
 * `usable` refuses (deactivated staff) give the same null in about the same time (one scrypt
 * verification each); oversized input is refused before any work. A hash made with weaker parameters
 * than today's is upgraded now that the password is known, conditional on the hash just verified so
 * that a concurrent password change is never overwritten.
 */
export async function checkCredentials<A extends PasswordAccount>(
  em: EntityManager,
  input: { email: string; password: string },
  accounts: {
    /** The table `find` reads, whose password_hash is upgraded. */
    table: string;
    /** The account with this (normalised) email, whatever its case, hash included. */
    find: (email: string) => Promise<A | null>;
    usable?: (account: A) => boolean;
  },
): Promise<A | null> {
  const email = normalizeEmail(input.email);
  if (email.length > MAX_EMAIL_LENGTH || input.password.length > MAX_PASSWORD_LENGTH) return null;
  const account = await accounts.find(email);
  if (!account) return burnVerification(input.password).then(() => null);
  const matches = await verifyPassword(input.password, account.passwordHash);
  if (!matches || (accounts.usable && !accounts.usable(account))) return null;
  if (needsRehash(account.passwordHash)) {
    await execute(em, rehashStatement(accounts.table), {
      hash: await hashPassword(input.password),
      id: account.id,
      previous: account.passwordHash,
    });
  }
  return account;
}
