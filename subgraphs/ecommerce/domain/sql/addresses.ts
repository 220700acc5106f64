import { projection, sql } from '../../../kit/domain';
import { AddressSchema } from '../../entities';
import type { Address } from '../types';

/** Reads of addresses (ADR 0022); their writes go through the unit of work (domain/addresses.ts). */

const ADDRESS = projection(AddressSchema);

/** Each customer's default first, then oldest first (addresses_customer_idx). */
export const ADDRESSES_BY_CUSTOMERS = sql<{ customerIds: readonly string[] }, Address>(
  `select ${ADDRESS.columns} from addresses where customer_id = any(:customerIds::text[])
   order by customer_id, is_default desc, created_at, id`,
  { row: ADDRESS },
);

export const ADDRESS_BY_ID = sql<{ id: string }, Address>(`select ${ADDRESS.columns} from addresses where id = :id`, {
  row: ADDRESS,
});
