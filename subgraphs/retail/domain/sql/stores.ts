import { sql } from '../../../kit/domain';
import type { CashRegister, StoreView } from '../types';
import { REGISTER, STORE } from './rows';

/**
 * Stores and registers (ADR 0022): named parameters, select lists from the entity schemas, compiled
 * once when this module loads.
 */

export const STORES_BY_IDS = sql<{ ids: readonly string[] }, StoreView>(
  `select ${STORE.columns} from stores where id = any(:ids::text[])`,
  { row: STORE },
);

/** Every store by number (a short list); the closed ones only when asked. */
export const ALL_STORES = sql<{ includeInactive: boolean }, StoreView>(
  `select ${STORE.columns} from stores where :includeInactive::boolean or active order by number`,
  { row: STORE },
);

export const REGISTERS_BY_IDS = sql<{ ids: readonly string[] }, CashRegister>(
  `select ${REGISTER.columns} from cash_registers where id = any(:ids::text[])`,
  { row: REGISTER },
);

/** The registers of the stores, by store and number. */
export const REGISTERS_BY_STORES = sql<{ storeIds: readonly string[] }, CashRegister>(
  `select ${REGISTER.columns} from cash_registers where store_id = any(:storeIds::text[]) order by store_id, number`,
  { row: REGISTER },
);

/** Whether another store has this name; `lower(name)` is what stores_name_lower_unique covers. */
export const STORE_NAME_TAKEN = sql<{ name: string; exceptId: string | null }, { taken: boolean }>(
  `select exists (
     select 1 from stores where lower(name) = lower(:name) and id <> coalesce(:exceptId::text, '')
   ) as taken`,
);

/**
 * A candidate store number from store_number_seq, and whether a store has it already (the demo
 * stores are seeded with theirs). The ORM does not model sequences.
 */
export const NEXT_STORE_NUMBER = sql<Record<string, never>, { n: string; taken: boolean }>(
  `select n, exists (select 1 from stores where number = n) as taken
     from (select nextval('store_number_seq') as n) s`,
);

/** Whether a register of the store is open (a store closes for good only once none is). */
export const STORE_HAS_OPEN_REGISTER = sql<{ storeId: string }, { open: boolean }>(
  `select exists (select 1 from register_sessions where store_id = :storeId and status = 'OPEN') as open`,
);

/** The store's row lock: two registers added at once never get the same number. */
export const LOCK_STORE = sql<{ storeId: string }>(`select 1 from stores where id = :storeId for update`);

export const LAST_REGISTER_NUMBER = sql<{ storeId: string }, { n: number | null }>(
  `select max(number) as n from cash_registers where store_id = :storeId`,
);
