import { sql } from '../../../kit/domain';

/**
 * The demo customers' inserts (seed.ts). Insert-if-missing (`on conflict do nothing`): two processes
 * seeding at once, or a half-seeded database, still end with each row exactly once; the unit of work
 * would fail on the duplicate.
 */

/** Whether the demo customer, or another account with its email, exists already. */
export const DEMO_CUSTOMER_EXISTS = sql<{ id: string; email: string }, { found: number }>(
  'select 1 as found from customers where id = :id or lower(email) = lower(:email)',
);

export const INSERT_DEMO_CUSTOMER = sql<{
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string;
  passwordHash: string;
}>(
  `insert into customers (id, email, first_name, last_name, phone, password_hash)
   values (:id, :email, :firstName, :lastName, :phone, :passwordHash)
   on conflict do nothing`,
);

/** The demo customer's one address, its default. */
export const INSERT_DEMO_ADDRESS = sql<{
  id: string;
  customerId: string;
  line1: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}>(
  `insert into addresses (id, customer_id, line1, city, region, postal_code, country, is_default)
   values (:id, :customerId, :line1, :city, :region, :postalCode, :country, true)
   on conflict do nothing`,
);

export const INSERT_DEMO_CART = sql<{ id: string; customerId: string }>(
  'insert into carts (id, customer_id) values (:id, :customerId) on conflict do nothing',
);
