import { LockMode } from '@mikro-orm/postgresql';
import {
  checkPhone,
  checkText,
  execute,
  optionalText,
  pgConstraint,
  pgErrorCode,
  queryOne,
  ServiceUnavailable,
  type CallerContext,
  type DbContext,
} from '../../kit/domain';
import { CashRegisterSchema, StoreSchema } from '../entities';
import type { AddCashRegisterInput, CreateStoreInput, UpdateStoreInput } from '../generated/resolvers';
import { assertManagerAt } from './access';
import type { RetailContext } from './context';
import { relayed, userError, type RetailUserError } from './errors';
import { employeeById, storeById } from './reads';
import {
  LAST_REGISTER_NUMBER,
  LOCK_STORE,
  NEXT_STORE_NUMBER,
  STORE_HAS_OPEN_REGISTER,
  STORE_NAME_TAKEN,
} from './sql/stores';
import type { CashRegister, OpeningHours, StoreView } from './types';
import {
  checkOpeningHours,
  checkTimeZone,
  DEFAULT_TIME_ZONE,
  MAX_ADDRESS_LENGTH,
  MAX_NAME_LENGTH,
  validId,
} from './validation';

/**
 * Store management (head office) and registers. A new store gets its stock location from inventory
 * first (ensureStoreLocation, idempotent), then its row: a store never exists without a location.
 * If the insert then fails (a concurrent store took the name), the location stays unused in
 * inventory, which is harmless. Writes go through the unit of work under the store's row lock.
 */

export interface StoreResult {
  store: StoreView | null;
  errors: RetailUserError[];
}

export const MAX_REGISTERS_PER_STORE = 50;

const refused = (errors: RetailUserError[]): StoreResult => ({ store: null, errors });

function view(row: StoreView & { saleSeq?: unknown }): StoreView {
  const { saleSeq: _counter, ...rest } = row;
  return rest;
}

interface StoreDetails {
  name?: string | null;
  address?: string | null;
  city?: string | null;
  phone?: string | null;
  timeZone?: string | null;
  openingHours?: readonly { day: OpeningHours['day']; opens: string; closes: string }[] | null;
}

/** The details a store is created or updated with; `required` for creation. */
function checkDetails(
  input: StoreDetails,
  required: boolean,
): { errors: RetailUserError[]; hours: OpeningHours[] | null } {
  const f = (name: string) => ['input', name];
  const present = (v: unknown) => required || (v !== undefined && v !== null);
  const errors: (RetailUserError | null)[] = [];
  if (present(input.name)) {
    errors.push(
      checkText(input.name, f('name'), { required: true, max: MAX_NAME_LENGTH, code: 'INVALID_NAME', label: 'Name' }),
    );
  }
  if (present(input.address)) {
    errors.push(
      checkText(input.address, f('address'), {
        required: true,
        max: MAX_ADDRESS_LENGTH,
        code: 'INVALID_ADDRESS',
        label: 'Address',
      }),
    );
  }
  if (present(input.city)) {
    errors.push(
      checkText(input.city, f('city'), {
        required: true,
        max: MAX_NAME_LENGTH,
        code: 'INVALID_ADDRESS',
        label: 'City',
      }),
    );
  }
  errors.push(checkPhone(input.phone, f('phone')));
  if (input.timeZone !== undefined && input.timeZone !== null)
    errors.push(checkTimeZone(input.timeZone.trim(), f('timeZone')));
  let hours: OpeningHours[] | null = null;
  if (input.openingHours) {
    const checked = checkOpeningHours(input.openingHours, f('openingHours'));
    errors.push(...checked.errors);
    hours = checked.hours;
  }
  return { errors: errors.filter((e) => e !== null), hours };
}

async function nameTaken(ctx: DbContext, name: string, exceptId: string | null): Promise<boolean> {
  return (await queryOne(ctx.em, STORE_NAME_TAKEN, { name, exceptId }))?.taken ?? false;
}

const nameTakenError = () => userError('STORE_NAME_TAKEN', 'Another store has this name', ['input', 'name']);

/**
 * The next free store number: store_number_seq, skipping numbers a store already has (the demo
 * stores are seeded with theirs). Lean SQL: the ORM does not model sequences.
 */
async function nextStoreNumber(ctx: DbContext): Promise<number> {
  for (;;) {
    const row = await queryOne(ctx.em, NEXT_STORE_NUMBER, {});
    if (row && !row.taken) return Number(row.n);
  }
}

export async function createStore(
  ctx: Pick<RetailContext, 'em' | 'inventory'>,
  input: CreateStoreInput,
): Promise<StoreResult> {
  const { errors, hours } = checkDetails(input, true);
  if (errors.length) return refused(errors);
  const name = input.name.trim();
  if (await nameTaken(ctx, name, null)) return refused([nameTakenError()]);

  const number = await nextStoreNumber(ctx);
  const id = `store-${number}`;
  const location = await ctx.inventory.ensureStoreLocation(id, name);
  if (!location.ok) {
    if (location.transient) throw new ServiceUnavailable('inventory', { cause: new Error(location.message) });
    return refused([relayed(location.code, `Inventory refused the store's location: ${location.message}`)]);
  }
  const now = new Date();
  try {
    const store = await ctx.em.transactional(async (tx) =>
      tx.create(StoreSchema, {
        id,
        number,
        name,
        address: input.address.trim(),
        city: input.city.trim(),
        phone: optionalText(input.phone),
        timeZone: input.timeZone?.trim() || DEFAULT_TIME_ZONE,
        openingHours: hours ?? [],
        managerId: null,
        locationId: location.value.locationId,
        active: true,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return { store: view(store), errors: [] };
  } catch (err) {
    if (pgErrorCode(err) === '23505' && pgConstraint(err) === 'stores_name_lower_unique')
      return refused([nameTakenError()]);
    throw err;
  }
}

/** The manager a store may get: an active MANAGER of that very store. */
async function checkManager(ctx: DbContext, storeId: string, managerId: string): Promise<RetailUserError | null> {
  const field = ['input', 'managerId'];
  const employee = validId(managerId) ? await employeeById(ctx, managerId) : null;
  if (!employee) return userError('UNKNOWN_EMPLOYEE', `No employee with id ${managerId}`, field);
  if (!employee.active || employee.role !== 'MANAGER' || employee.storeId !== storeId) {
    return userError('INVALID_MANAGER', 'The manager must be an active MANAGER of this store', field);
  }
  return null;
}

export async function updateStore(ctx: DbContext, input: UpdateStoreInput): Promise<StoreResult> {
  const { errors, hours } = checkDetails(input, false);
  const existing = validId(input.storeId) ? await storeById(ctx, input.storeId) : null;
  if (!existing) errors.push(userError('UNKNOWN_STORE', `No store with id ${input.storeId}`, ['input', 'storeId']));
  if (input.managerId && input.clearManager) {
    errors.push(userError('INVALID_MANAGER', 'Give managerId or clearManager, not both', ['input', 'managerId']));
  } else if (input.managerId && existing) {
    const problem = await checkManager(ctx, existing.id, input.managerId);
    if (problem) errors.push(problem);
  }
  const name = input.name?.trim();
  if (name && existing && (await nameTaken(ctx, name, existing.id))) errors.push(nameTakenError());
  if (input.active === false && existing?.active) {
    const open = await queryOne(ctx.em, STORE_HAS_OPEN_REGISTER, { storeId: existing.id });
    if (open?.open) {
      errors.push(
        userError('REGISTERS_OPEN', 'Close every register of the store before closing it', ['input', 'active']),
      );
    }
  }
  if (errors.length || !existing) return refused(errors);

  try {
    const store = await ctx.em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(StoreSchema, { id: existing.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (name) row.name = name;
      if (input.address != null) row.address = input.address.trim();
      if (input.city != null) row.city = input.city.trim();
      if (input.phone != null) row.phone = optionalText(input.phone);
      if (input.timeZone != null) row.timeZone = input.timeZone.trim();
      if (hours) row.openingHours = hours;
      if (input.managerId) row.managerId = input.managerId;
      if (input.clearManager) row.managerId = null;
      if (input.active != null) row.active = input.active;
      return row;
    });
    return { store: view(store), errors: [] };
  } catch (err) {
    if (pgErrorCode(err) === '23505' && pgConstraint(err) === 'stores_name_lower_unique')
      return refused([nameTakenError()]);
    throw err;
  }
}

export interface RegisterResult {
  register: CashRegister | null;
  errors: RetailUserError[];
}

/** A new register numbered after the store's last one, under the store's row lock (two adds never share a number). */
export async function addCashRegister(ctx: CallerContext, input: AddCashRegisterInput): Promise<RegisterResult> {
  const field = ['input', 'storeId'];
  const store = validId(input.storeId) ? await storeById(ctx, input.storeId) : null;
  if (!store)
    return { register: null, errors: [userError('UNKNOWN_STORE', `No store with id ${input.storeId}`, field)] };
  assertManagerAt(ctx, store.id);
  if (!store.active) return { register: null, errors: [userError('STORE_INACTIVE', 'The store is closed', field)] };
  const outcome = await ctx.em.transactional(async (tx) => {
    await execute(tx, LOCK_STORE, { storeId: store.id });
    const last = await queryOne(tx, LAST_REGISTER_NUMBER, { storeId: store.id });
    const number = (last?.n ?? 0) + 1;
    if (number > MAX_REGISTERS_PER_STORE) return null;
    const now = new Date();
    return tx.create(CashRegisterSchema, {
      id: `reg-${store.id}-${number}`,
      storeId: store.id,
      number,
      active: true,
      createdAt: now,
      updatedAt: now,
    });
  });
  if (!outcome) {
    return {
      register: null,
      errors: [userError('TOO_MANY_REGISTERS', `A store has at most ${MAX_REGISTERS_PER_STORE} registers`, field)],
    };
  }
  return { register: outcome, errors: [] };
}
