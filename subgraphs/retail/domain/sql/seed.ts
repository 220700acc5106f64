import { sql } from '../../../kit/domain';

/**
 * The demo reference data's inserts (seed.ts), idempotent: ON CONFLICT DO NOTHING adds what is
 * missing and never overwrites what changed since, two processes seeding at once included. Rows
 * travel as one array parameter per column, so a statement's text does not grow with its rows. The
 * till history goes through the domain functions of live sales instead.
 */

export const INSERT_STORES = sql<{
  ids: string[];
  numbers: number[];
  names: string[];
  addresses: string[];
  cities: string[];
  phones: (string | null)[];
  locationIds: string[];
  timeZone: string;
  /** Every demo store's opening hours, as jsonb text. */
  openingHours: string;
}>(
  `insert into stores (id, number, name, address, city, phone, time_zone, opening_hours, location_id)
   select x.id, x.number, x.name, x.address, x.city, x.phone, :timeZone, :openingHours::jsonb, x.location_id
     from unnest(:ids::text[], :numbers::int[], :names::text[], :addresses::text[], :cities::text[],
                 :phones::text[], :locationIds::text[])
          as x(id, number, name, address, city, phone, location_id)
   on conflict do nothing`,
);

/** How many of these accounts exist (the slow password hash is skipped once all do). */
export const EMPLOYEES_PRESENT = sql<{ ids: string[] }, { count: number }>(
  `select count(*)::int as count from employees where id = any(:ids::text[])`,
);

export const INSERT_EMPLOYEES = sql<{
  ids: string[];
  names: string[];
  emails: string[];
  roles: string[];
  storeIds: (string | null)[];
  passwordHash: string;
}>(
  `insert into employees (id, name, email, role, store_id, password_hash)
   select x.id, x.name, x.email, x.role, x.store_id, :passwordHash
     from unnest(:ids::text[], :names::text[], :emails::text[], :roles::text[], :storeIds::text[])
          as x(id, name, email, role, store_id)
   on conflict do nothing`,
);

/** Each store's demo manager manages it, unless someone has chosen otherwise since. */
export const ASSIGN_DEMO_MANAGERS = sql<{ storeIds: string[] }>(
  `update stores s set manager_id = e.id from employees e
    where e.store_id = s.id and e.id = 'emp-' || s.id || '-manager' and e.active and s.manager_id is null
      and s.id = any(:storeIds::text[])`,
);

export const INSERT_REGISTERS = sql<{ ids: string[]; storeIds: string[]; numbers: number[] }>(
  `insert into cash_registers (id, store_id, number)
   select * from unnest(:ids::text[], :storeIds::text[], :numbers::int[])
   on conflict do nothing`,
);
