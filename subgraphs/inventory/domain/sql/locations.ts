import { sql } from '../../../kit/domain';
import type { Location } from '../types';
import { LOCATION, rowWith } from './shared';

/**
 * The store's location, the existing one or a new one (ensureStoreLocation), in one data-modifying
 * statement: the read of the existing row and the conditional insert. The new id is `preferredId`,
 * or that id plus a random suffix when another location already took it; a conflict (a concurrent
 * call created the store's location) inserts nothing and returns no row, so the caller reads again.
 */
export const ENSURE_STORE_LOCATION = sql<
  { storeId: string; preferredId: string; name: string },
  Location & { created: boolean }
>(
  `with existing as (
     select ${LOCATION.columns} from location l where l.store_id = :storeId
   ), ins as (
     insert into location as l (id, name, kind, store_id)
     select case when exists (select 1 from location where id = :preferredId)
                 then :preferredId || '-' || left(gen_random_uuid()::text, 8)
                 else :preferredId end,
            :name, 'STORE', :storeId
      where not exists (select 1 from existing)
     on conflict do nothing
     returning ${LOCATION.columns}
   )
   select *, false as "created" from existing
   union all
   select *, true as "created" from ins`,
  { row: rowWith<Location, { created: boolean }>(LOCATION) },
);
