import { randomUUID } from 'node:crypto';
import {
  AccessDenied,
  checkCredentials,
  checkEmail,
  checkNewPassword,
  checkPhone,
  checkText,
  hashPassword,
  invalidCredentials,
  normalizeEmail,
  NotAuthenticated,
  optionalText,
  pgConstraint,
  pgErrorCode,
  queryOne,
  type DbContext,
  type DomainContext,
} from '../../kit/domain';
import { CartSchema, CustomerSchema } from '../entities';
import type { LoginInput, RegisterCustomerInput } from '../generated/resolvers';
import { userError, type EcommerceUserError } from './errors';
import { customerByEmail } from './reads';
import { EMAIL_TAKEN } from './sql/customers';
import type { Customer, CustomerProfile } from './types';

/** Result of registration and login; the resolver signs the token for `customer`. */
export interface AuthResult {
  customer: CustomerProfile | null;
  errors: EcommerceUserError[];
}

const fail = (errors: EcommerceUserError[]): AuthResult => ({ customer: null, errors });

function profile(customer: Customer): CustomerProfile {
  const { passwordHash: _hash, ...rest } = customer;
  return rest;
}

function checkRegistration(input: RegisterCustomerInput, email: string): EcommerceUserError[] {
  return [
    checkEmail(email, ['input', 'email']),
    checkNewPassword(input.password, ['input', 'password']),
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
  ].filter((e) => e !== null);
}

/** Creates an account with its empty cart, in one unit of work. */
export async function registerCustomer(ctx: DbContext, input: RegisterCustomerInput): Promise<AuthResult> {
  const email = normalizeEmail(input.email);
  const errors = checkRegistration(input, email);
  if (errors.length) return fail(errors);

  const taken = () => fail([userError('EMAIL_TAKEN', 'An account with this email already exists', ['input', 'email'])]);
  // lower(email) is what customers_email_lower_unique covers; the ORM's criteria cannot say it.
  const exists = await queryOne(ctx.em, EMAIL_TAKEN, { email });
  if (exists) return taken();

  const passwordHash = await hashPassword(input.password);
  const now = new Date();
  try {
    const customer = await ctx.em.transactional(async (tx) => {
      const created = tx.create(CustomerSchema, {
        id: randomUUID(),
        email,
        firstName: input.firstName.trim(),
        lastName: input.lastName.trim(),
        phone: optionalText(input.phone),
        passwordHash,
        createdAt: now,
        updatedAt: now,
      });
      tx.create(CartSchema, {
        id: randomUUID(),
        customerId: created.id,
        status: 'ACTIVE',
        createdAt: now,
        updatedAt: now,
      });
      return created;
    });
    return { customer: profile(customer), errors: [] };
  } catch (err) {
    // Two registrations of one email at the same moment: the unique index decides, the loser is told.
    if (pgErrorCode(err) === '23505' && pgConstraint(err) === 'customers_email_lower_unique') return taken();
    throw err;
  }
}

/** Checks credentials; an unknown email and a wrong password give the same answer in about the same time. */
export async function login(ctx: DbContext, input: LoginInput): Promise<AuthResult> {
  const customer = await checkCredentials(ctx.em, input, {
    table: 'customers',
    find: (email) => customerByEmail(ctx, email),
  });
  return customer ? { customer: profile(customer), errors: [] } : fail([invalidCredentials()]);
}

/** Staff roles that may read any customer (another subgraph resolving a reference, support). */
const CUSTOMER_READERS = new Set(['MANAGER', 'ADMIN', 'SERVICE']);

/** A customer is visible to that customer and to staff only: UNAUTHENTICATED or FORBIDDEN otherwise. */
export function assertCanSeeCustomer(ctx: Pick<DomainContext, 'identity'>, customerId: string): void {
  const identity = ctx.identity;
  if (!identity) throw new NotAuthenticated();
  if (identity.role === 'CUSTOMER' && identity.sub === customerId) return;
  if (CUSTOMER_READERS.has(identity.role)) return;
  throw new AccessDenied('Customers are visible to themselves and to staff only');
}

/** The caller's own customer id, or null for staff and service tokens (Query.me). */
export function ownCustomerId(ctx: Pick<DomainContext, 'identity'>): string | null {
  return ctx.identity?.role === 'CUSTOMER' ? ctx.identity.sub : null;
}
