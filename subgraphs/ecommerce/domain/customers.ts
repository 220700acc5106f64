import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { signToken, userError, type UserError } from '../../kit';
import {
  burnVerification,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  verifyPassword,
} from './passwords';
import { CUSTOMER_COLUMNS, toCustomer, type CustomerRow, type CustomerView } from './rows';
import { execute, pgConstraint, pgErrorCode, query, queryOne } from './sql';
import { checkEmail, checkPhone, checkText, normalizeEmail, optionalText } from './validation';

export interface RegisterInput {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  phone?: string | null;
}

export interface AuthResult {
  token: string | null;
  customer: CustomerView | null;
  errors: UserError[];
}

const fail = (errors: UserError[]): AuthResult => ({ token: null, customer: null, errors });

function customerToken(customerId: string, ttlSeconds: number): string {
  return signToken({ sub: customerId, role: 'CUSTOMER' }, ttlSeconds);
}

function checkPassword(password: string, field: string[]): UserError | null {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    return userError(
      'WEAK_PASSWORD',
      `Password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`,
      field,
    );
  }
  return null;
}

/** Creates an account (with its empty cart) and signs it in. */
export async function registerCustomer(
  em: EntityManager,
  input: RegisterInput,
  tokenTtlSeconds: number,
): Promise<AuthResult> {
  const email = normalizeEmail(input.email);
  const errors = [
    checkEmail(email, ['input', 'email']),
    checkPassword(input.password, ['input', 'password']),
    checkText(input.firstName, ['input', 'firstName'], {
      required: true,
      max: 100,
      code: 'INVALID_NAME',
      label: 'First name',
    }),
    checkText(input.lastName, ['input', 'lastName'], {
      required: true,
      max: 100,
      code: 'INVALID_NAME',
      label: 'Last name',
    }),
    checkPhone(input.phone, ['input', 'phone']),
  ].filter((e): e is UserError => e !== null);
  if (errors.length) return fail(errors);

  const taken = () => fail([userError('EMAIL_TAKEN', 'An account with this email already exists', ['input', 'email'])]);
  const exists = await queryOne(em, 'select 1 from customers where lower(email) = lower(?)', [email]);
  if (exists) return taken();

  const passwordHash = await hashPassword(input.password);
  const id = randomUUID();
  try {
    const rows = await em.transactional(async (tem) => {
      const inserted = await query<CustomerRow>(
        tem,
        `insert into customers (id, email, first_name, last_name, phone, password_hash)
         values (?, ?, ?, ?, ?, ?) returning ${CUSTOMER_COLUMNS}`,
        [id, email, input.firstName.trim(), input.lastName.trim(), optionalText(input.phone), passwordHash],
      );
      await execute(tem, 'insert into carts (id, customer_id) values (?, ?)', [randomUUID(), id]);
      return inserted;
    });
    const customer = toCustomer(rows[0] as CustomerRow);
    return { token: customerToken(customer.id, tokenTtlSeconds), customer, errors: [] };
  } catch (err) {
    // Two registrations of one email at the same moment: the unique index decides, the loser is told.
    if (pgErrorCode(err) === '23505' && pgConstraint(err) === 'customers_email_lower_unique') return taken();
    throw err;
  }
}

export interface LoginInput {
  email: string;
  password: string;
}

/** Checks credentials; an unknown email and a wrong password give the same answer in about the same time. */
export async function login(em: EntityManager, input: LoginInput, tokenTtlSeconds: number): Promise<AuthResult> {
  const invalid = () => fail([userError('INVALID_CREDENTIALS', 'Email or password is incorrect')]);
  const email = normalizeEmail(input.email);
  if (email.length > 254 || input.password.length > MAX_PASSWORD_LENGTH) return invalid();
  const row = await queryOne<CustomerRow & { password_hash: string }>(
    em,
    `select ${CUSTOMER_COLUMNS}, password_hash from customers where lower(email) = lower(?)`,
    [email],
  );
  if (!row) {
    await burnVerification(input.password);
    return invalid();
  }
  if (!(await verifyPassword(input.password, row.password_hash))) return invalid();
  if (needsRehash(row.password_hash)) {
    // Parameters were raised since this hash was made: upgrade it now that we know the password.
    const upgraded = await hashPassword(input.password);
    await execute(em, 'update customers set password_hash = ?, updated_at = now() where id = ? and password_hash = ?', [
      upgraded,
      row.id,
      row.password_hash,
    ]);
  }
  const customer = toCustomer(row);
  return { token: customerToken(customer.id, tokenTtlSeconds), customer, errors: [] };
}
