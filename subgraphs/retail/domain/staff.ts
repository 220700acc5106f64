import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/postgresql';
import {
  checkCredentials,
  checkEmail,
  checkNewPassword,
  checkText,
  hashPassword,
  invalidCredentials,
  normalizeEmail,
  pgConstraint,
  pgErrorCode,
  type CallerContext,
  type DbContext,
} from '../../kit/domain';
import { EmployeeSchema, StoreSchema } from '../entities';
import type {
  ChangeEmployeeRoleInput,
  CreateEmployeeInput,
  DeactivateEmployeeInput,
  StaffLoginInput,
} from '../generated/resolvers';
import { callerOf } from './access';
import type { RetailContext } from './context';
import { userError, type RetailUserError } from './errors';
import { emailTaken, employeeByEmail, employeeById, storeById } from './reads';
import type { Employee, EmployeeProfile, EmployeeRole } from './types';
import { MAX_NAME_LENGTH, validId } from './validation';

/**
 * Staff accounts: sign-in, and the head office's management of them (create, deactivate, change
 * role). Deactivating an employee or changing their role revokes their tokens (ADR 0016) inside the
 * transaction that makes the change, so a change is never committed while the old tokens still work.
 * The writes go through the unit of work under the employee's row lock.
 */

export interface EmployeeResult {
  employee: EmployeeProfile | null;
  errors: RetailUserError[];
}

const refused = (errors: RetailUserError[]): EmployeeResult => ({ employee: null, errors });

export function profile(employee: Employee): EmployeeProfile {
  const { passwordHash: _hash, ...rest } = employee;
  return rest;
}

// ---------- sign-in ----------

/**
 * Checks credentials: an unknown email, a wrong password and a deactivated account give the same
 * answer in about the same time (one scrypt verification each). The resolver signs the token.
 */
export async function staffLogin(ctx: DbContext, input: StaffLoginInput): Promise<EmployeeResult> {
  const employee = await checkCredentials(ctx.em, input, {
    table: 'employees',
    find: (email) => employeeByEmail(ctx, email),
    usable: (e) => e.active,
  });
  return employee ? { employee: profile(employee), errors: [] } : refused([invalidCredentials()]);
}

// ---------- role and store ----------

/**
 * The store a role needs: CLERK and MANAGER exactly one (given, or `current`), ADMIN none. The store
 * must exist.
 */
async function storeForRole(
  ctx: DbContext,
  role: EmployeeRole,
  given: string | null | undefined,
  current: string | null,
): Promise<{ storeId: string | null; error: RetailUserError | null }> {
  const field = ['input', 'storeId'];
  if (role === 'ADMIN') {
    if (given) return { storeId: null, error: userError('INVALID_STORE', 'Head office (ADMIN) has no store', field) };
    return { storeId: null, error: null };
  }
  const storeId = given ?? current;
  if (!storeId) {
    return { storeId: null, error: userError('INVALID_STORE', `A ${role} must work at a store`, field) };
  }
  if (!validId(storeId) || !(await storeById(ctx, storeId))) {
    return { storeId: null, error: userError('UNKNOWN_STORE', `No store with id ${storeId}`, field) };
  }
  return { storeId, error: null };
}

// ---------- management ----------

export async function createEmployee(ctx: DbContext, input: CreateEmployeeInput): Promise<EmployeeResult> {
  const email = normalizeEmail(input.email);
  const errors: RetailUserError[] = [
    checkText(input.name, ['input', 'name'], {
      required: true,
      max: MAX_NAME_LENGTH,
      code: 'INVALID_NAME',
      label: 'Name',
    }),
    checkEmail(email, ['input', 'email']),
    checkNewPassword(input.password, ['input', 'password']),
  ].filter((e) => e !== null);
  const store = await storeForRole(ctx, input.role, input.storeId, null);
  if (store.error) errors.push(store.error);
  if (errors.length) return refused(errors);

  const taken = () =>
    refused([userError('EMAIL_TAKEN', 'An account with this email already exists', ['input', 'email'])]);
  // lower(email) is what employees_email_lower_unique covers; the ORM's criteria cannot say it.
  if (await emailTaken(ctx, email)) return taken();
  const passwordHash = await hashPassword(input.password);
  const now = new Date();
  try {
    const created = await ctx.em.transactional(async (tx) =>
      tx.create(EmployeeSchema, {
        id: `emp-${randomUUID()}`,
        name: input.name.trim(),
        email,
        role: input.role,
        storeId: store.storeId,
        active: true,
        passwordHash,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return { employee: profile(created), errors: [] };
  } catch (err) {
    // Two creations of one email at the same moment: the unique index decides, the loser is told.
    if (pgErrorCode(err) === '23505' && pgConstraint(err) === 'employees_email_lower_unique') return taken();
    throw err;
  }
}

/** Who is changed, and whether the caller may change them: never themselves (no lock-out by mistake). */
async function target(
  ctx: CallerContext,
  employeeId: string,
): Promise<{ employee: EmployeeProfile; error: null } | { employee: null; error: RetailUserError }> {
  const field = ['input', 'employeeId'];
  if (employeeId === callerOf(ctx).sub) {
    return {
      employee: null,
      error: userError('CANNOT_CHANGE_SELF', 'Ask another administrator to change your account', field),
    };
  }
  const employee = validId(employeeId) ? await employeeById(ctx, employeeId) : null;
  if (!employee)
    return { employee: null, error: userError('UNKNOWN_EMPLOYEE', `No employee with id ${employeeId}`, field) };
  return { employee, error: null };
}

/**
 * Deactivates an account: it can no longer sign in, it stops managing any store, and every token
 * issued to it is refused from the next request on. Deactivating again changes nothing more.
 */
export async function deactivateEmployee(
  ctx: Pick<RetailContext, 'em' | 'identity' | 'revocations'>,
  input: DeactivateEmployeeInput,
): Promise<EmployeeResult> {
  const found = await target(ctx, input.employeeId);
  if (found.error) return refused([found.error]);
  const changed = await ctx.em.transactional(async (tx) => {
    const row = await tx.findOneOrFail(
      EmployeeSchema,
      { id: found.employee.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    row.active = false;
    await tx.nativeUpdate(StoreSchema, { managerId: row.id }, { managerId: null, updatedAt: new Date() });
    await tx.flush();
    // Inside the transaction: if revoking fails, the account stays active rather than active tokens
    // outliving a deactivation.
    await ctx.revocations.revoke(row.id);
    return row;
  });
  return { employee: profile(changed), errors: [] };
}

/**
 * Gives an employee another role (and store); their tokens issued until now are refused, so they sign
 * in again under the new role. A manager who no longer manages their store is removed as its manager.
 */
export async function changeEmployeeRole(
  ctx: Pick<RetailContext, 'em' | 'identity' | 'revocations'>,
  input: ChangeEmployeeRoleInput,
): Promise<EmployeeResult> {
  const found = await target(ctx, input.employeeId);
  if (found.error) return refused([found.error]);
  const current = found.employee;
  if (!current.active) {
    return refused([
      userError('INACTIVE_EMPLOYEE', 'A deactivated account cannot change role', ['input', 'employeeId']),
    ]);
  }
  const store = await storeForRole(ctx, input.role, input.storeId, current.storeId);
  if (store.error) return refused([store.error]);
  if (current.role === input.role && current.storeId === store.storeId) return { employee: current, errors: [] };

  const changed = await ctx.em.transactional(async (tx) => {
    const row = await tx.findOneOrFail(EmployeeSchema, { id: current.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    row.role = input.role;
    row.storeId = store.storeId;
    // Manager only of a store where they are still a MANAGER.
    await tx.nativeUpdate(
      StoreSchema,
      input.role === 'MANAGER' ? { managerId: row.id, id: { $ne: store.storeId } } : { managerId: row.id },
      { managerId: null, updatedAt: new Date() },
    );
    await tx.flush();
    await ctx.revocations.revoke(row.id);
    return row;
  });
  return { employee: profile(changed), errors: [] };
}
