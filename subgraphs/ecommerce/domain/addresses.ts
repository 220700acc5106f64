import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { forbidden, userError, type UserError } from '../../kit';
import {
  ADDRESS_COLUMNS,
  addressById,
  addressesByCustomers,
  toAddress,
  type AddressRow,
  type AddressView,
} from './rows';
import { execute, query } from './sql';
import { checkAddress, type AddressInputShape } from './validation';

export const MAX_ADDRESSES = 20;

export interface AddressResult {
  address: AddressView | null;
  errors: UserError[];
}

/** Serialises address changes of one customer so that the one-default rule never races. */
async function lockCustomer(em: EntityManager, customerId: string): Promise<void> {
  await query(em, 'select id from customers where id = ? for update', [customerId]);
}

/** An address of the caller; FORBIDDEN for another customer's, null when it does not exist. */
async function ownAddress(em: EntityManager, customerId: string, addressId: string): Promise<AddressView | null> {
  const address = await addressById(em, addressId);
  if (address && address.customerId !== customerId) throw forbidden('This address belongs to another customer');
  return address;
}

const unknownAddress = (field: string[]) => userError('UNKNOWN_ADDRESS', 'No such address', field);

export async function addAddress(
  em: EntityManager,
  customerId: string,
  input: AddressInputShape & { isDefault?: boolean | null },
): Promise<AddressResult> {
  const { address, errors } = checkAddress(input, ['input', 'address']);
  if (errors.length) return { address: null, errors };
  return em.transactional(async (tem) => {
    await lockCustomer(tem, customerId);
    const [{ count }] = (await query<{ count: string }>(tem, 'select count(*) from addresses where customer_id = ?', [
      customerId,
    ])) as [{ count: string }];
    if (Number(count) >= MAX_ADDRESSES) {
      return {
        address: null,
        errors: [userError('TOO_MANY_ADDRESSES', `A customer keeps at most ${MAX_ADDRESSES} addresses`, ['input'])],
      };
    }
    const makeDefault = Number(count) === 0 || input.isDefault === true;
    if (makeDefault)
      await execute(
        tem,
        'update addresses set is_default = false, updated_at = now() where customer_id = ? and is_default',
        [customerId],
      );
    const rows = await query<AddressRow>(
      tem,
      `insert into addresses (id, customer_id, recipient, line1, line2, city, region, postal_code, country, is_default)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${ADDRESS_COLUMNS}`,
      [
        randomUUID(),
        customerId,
        address.recipient,
        address.line1,
        address.line2,
        address.city,
        address.region,
        address.postalCode,
        address.country,
        makeDefault,
      ],
    );
    return { address: toAddress(rows[0] as AddressRow), errors: [] };
  });
}

export async function updateAddress(
  em: EntityManager,
  customerId: string,
  addressId: string,
  input: AddressInputShape & { isDefault?: boolean | null },
): Promise<AddressResult> {
  const existing = await ownAddress(em, customerId, addressId);
  if (!existing) return { address: null, errors: [unknownAddress(['input', 'addressId'])] };
  const { address, errors } = checkAddress(input, ['input', 'address']);
  if (errors.length) return { address: null, errors };
  return em.transactional(async (tem) => {
    await lockCustomer(tem, customerId);
    // The default moves only to another address, never away to none.
    const makeDefault = existing.isDefault || input.isDefault === true;
    if (makeDefault && !existing.isDefault) {
      await execute(
        tem,
        'update addresses set is_default = false, updated_at = now() where customer_id = ? and is_default',
        [customerId],
      );
    }
    const rows = await query<AddressRow>(
      tem,
      `update addresses set recipient = ?, line1 = ?, line2 = ?, city = ?, region = ?, postal_code = ?, country = ?,
              is_default = ?, updated_at = now()
        where id = ? and customer_id = ? returning ${ADDRESS_COLUMNS}`,
      [
        address.recipient,
        address.line1,
        address.line2,
        address.city,
        address.region,
        address.postalCode,
        address.country,
        makeDefault,
        addressId,
        customerId,
      ],
    );
    const row = rows[0];
    if (!row) return { address: null, errors: [unknownAddress(['input', 'addressId'])] };
    return { address: toAddress(row), errors: [] };
  });
}

export interface RemoveAddressResult {
  removedAddressId: string | null;
  addresses: AddressView[];
  errors: UserError[];
}

export async function removeAddress(
  em: EntityManager,
  customerId: string,
  addressId: string,
): Promise<RemoveAddressResult> {
  const existing = await ownAddress(em, customerId, addressId);
  if (!existing) {
    return {
      removedAddressId: null,
      addresses: await addressesByCustomers(em, [customerId]),
      errors: [unknownAddress(['input', 'addressId'])],
    };
  }
  return em.transactional(async (tem) => {
    await lockCustomer(tem, customerId);
    const removed = await query<{ is_default: boolean }>(
      tem,
      'delete from addresses where id = ? and customer_id = ? returning is_default',
      [addressId, customerId],
    );
    if (removed[0]?.is_default) {
      await execute(
        tem,
        `update addresses set is_default = true, updated_at = now()
          where id = (select id from addresses where customer_id = ? order by created_at, id limit 1)`,
        [customerId],
      );
    }
    return {
      removedAddressId: removed.length ? addressId : null,
      addresses: await addressesByCustomers(tem, [customerId]),
      errors: removed.length ? [] : [unknownAddress(['input', 'addressId'])],
    };
  });
}
