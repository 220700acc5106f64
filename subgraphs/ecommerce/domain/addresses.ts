import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { AccessDenied, withEm, type DbContext, type DomainContext } from '../../kit/domain';
import { AddressSchema, CustomerSchema } from '../entities';
import type { AddAddressInput, RemoveAddressInput, UpdateAddressInput } from '../generated/resolvers';
import { signedInCustomer } from './context';
import { userError, type EcommerceUserError } from './errors';
import { addressById, addressesByCustomers } from './reads';
import type { Address } from './types';
import { checkAddress } from './validation';

/**
 * A customer's addresses are one small aggregate written through the unit of work: the customer row
 * is locked first, so that changes of one customer's addresses are serialised and the one-default
 * rule (the partial unique index addresses_one_default) never races.
 */

export const MAX_ADDRESSES = 20;

export interface AddressResult {
  address: Address | null;
  errors: EcommerceUserError[];
}

async function lockCustomer(tx: EntityManager, customerId: string): Promise<void> {
  await tx.findOne(CustomerSchema, { id: customerId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/**
 * Clears the customer's current default. Flushed at once: the unit of work writes inserts before
 * updates, and the new default must not meet the old one in addresses_one_default.
 */
async function clearDefault(tx: EntityManager, customerId: string): Promise<void> {
  const current = await tx.findOne(AddressSchema, { customerId, isDefault: true });
  if (!current) return;
  current.isDefault = false;
  await tx.flush();
}

/** An address of the caller; FORBIDDEN for another customer's, null when it does not exist. */
async function ownAddress(ctx: DbContext, customerId: string, addressId: string): Promise<Address | null> {
  const address = await addressById(ctx, addressId);
  if (address && address.customerId !== customerId) throw new AccessDenied('This address belongs to another customer');
  return address;
}

const unknownAddress = (field: string[]) => userError('UNKNOWN_ADDRESS', 'No such address', field);

/** Saves a new address for the caller; the first one, or one marked isDefault, becomes the default. */
export async function addAddress(ctx: DomainContext, input: AddAddressInput): Promise<AddressResult> {
  const customerId = signedInCustomer(ctx);
  const { address, errors } = checkAddress(input.address, ['input', 'address']);
  if (errors.length) return { address: null, errors };
  return ctx.em.transactional(async (tx) => {
    await lockCustomer(tx, customerId);
    const count = await tx.count(AddressSchema, { customerId });
    if (count >= MAX_ADDRESSES) {
      return {
        address: null,
        errors: [userError('TOO_MANY_ADDRESSES', `A customer keeps at most ${MAX_ADDRESSES} addresses`, ['input'])],
      };
    }
    const makeDefault = count === 0 || input.address.isDefault === true;
    if (makeDefault) await clearDefault(tx, customerId);
    const now = new Date();
    const created = tx.create(AddressSchema, {
      id: randomUUID(),
      customerId,
      ...address,
      isDefault: makeDefault,
      createdAt: now,
      updatedAt: now,
    });
    return { address: created, errors: [] };
  });
}

/** Replaces every field of one of the caller's addresses; the default moves only to another address. */
export async function updateAddress(ctx: DomainContext, input: UpdateAddressInput): Promise<AddressResult> {
  const customerId = signedInCustomer(ctx);
  const existing = await ownAddress(ctx, customerId, input.addressId);
  if (!existing) return { address: null, errors: [unknownAddress(['input', 'addressId'])] };
  const { address, errors } = checkAddress(input.address, ['input', 'address']);
  if (errors.length) return { address: null, errors };
  return ctx.em.transactional(async (tx) => {
    await lockCustomer(tx, customerId);
    const row = await tx.findOne(AddressSchema, { id: input.addressId, customerId });
    if (!row) return { address: null, errors: [unknownAddress(['input', 'addressId'])] };
    // The default moves only to another address, never away to none.
    const makeDefault = row.isDefault || input.address.isDefault === true;
    if (makeDefault && !row.isDefault) await clearDefault(tx, customerId);
    tx.assign(row, { ...address, isDefault: makeDefault });
    return { address: row, errors: [] };
  });
}

export interface RemoveAddressResult {
  removedAddressId: string | null;
  addresses: Address[];
  errors: EcommerceUserError[];
}

/** Deletes one of the caller's addresses; when it was the default, the oldest remaining one takes over. */
export async function removeAddress(ctx: DomainContext, input: RemoveAddressInput): Promise<RemoveAddressResult> {
  const customerId = signedInCustomer(ctx);
  const existing = await ownAddress(ctx, customerId, input.addressId);
  const refused = async (db: DbContext): Promise<RemoveAddressResult> => ({
    removedAddressId: null,
    addresses: await addressesByCustomers(db, [customerId]),
    errors: [unknownAddress(['input', 'addressId'])],
  });
  if (!existing) return refused(ctx);
  return ctx.em.transactional(async (tx) => {
    await lockCustomer(tx, customerId);
    const row = await tx.findOne(AddressSchema, { id: input.addressId, customerId });
    if (!row) return refused(withEm(ctx, tx));
    // Deleted first, for the same reason as clearDefault: the next default must not meet this one.
    tx.remove(row);
    await tx.flush();
    if (row.isDefault) {
      const next = await tx.findOne(AddressSchema, { customerId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      if (next) next.isDefault = true;
      await tx.flush();
    }
    return {
      removedAddressId: input.addressId,
      addresses: await addressesByCustomers(withEm(ctx, tx), [customerId]),
      errors: [],
    };
  });
}
