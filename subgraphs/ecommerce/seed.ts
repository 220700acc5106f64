import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { legacyExecute, legacyQueryOne } from '../kit';
import { hashPassword } from '../kit/passwords';

/**
 * Demo customer accounts (docs/demo-data.md). Every demo customer signs in with DEMO_CUSTOMER_PASSWORD.
 * Idempotent: existing rows are left as they are, so a second run changes nothing.
 */
export const DEMO_CUSTOMER_PASSWORD = 'demo-password';

export interface DemoCustomer {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string;
  address: { line1: string; city: string; region: string; postalCode: string; country: string };
}

export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  {
    id: 'cust-0001',
    email: 'alice@example.com',
    firstName: 'Alice',
    lastName: 'Tremblay',
    phone: '+1 514 555 0201',
    address: { line1: '350 rue Saint-Paul E', city: 'Montréal', region: 'QC', postalCode: 'H2Y 1H2', country: 'CA' },
  },
  {
    id: 'cust-0002',
    email: 'bob@example.com',
    firstName: 'Bob',
    lastName: 'Gagnon',
    phone: '+1 418 555 0202',
    address: { line1: '12 rue du Petit-Champlain', city: 'Québec', region: 'QC', postalCode: 'G1K 4H4', country: 'CA' },
  },
  {
    id: 'cust-0003',
    email: 'carol@example.com',
    firstName: 'Carol',
    lastName: 'Roy',
    phone: '+1 819 555 0203',
    address: { line1: '25 rue Laurier', city: 'Gatineau', region: 'QC', postalCode: 'J8X 4C8', country: 'CA' },
  },
];

export async function seedEcommerce(orm: MikroORM): Promise<void> {
  const em = orm.em.fork() as EntityManager;
  for (const c of DEMO_CUSTOMERS) {
    const exists = await legacyQueryOne(em, 'select 1 from customers where id = ? or lower(email) = lower(?)', [
      c.id,
      c.email,
    ]);
    if (exists) continue;
    const hash = await hashPassword(DEMO_CUSTOMER_PASSWORD);
    // Insert-if-missing (`on conflict do nothing`): two processes seeding at once, or a half-seeded
    // database, still end with each row exactly once; the unit of work would fail on the duplicate.
    await em.transactional(async (tem) => {
      await legacyExecute(
        tem,
        `insert into customers (id, email, first_name, last_name, phone, password_hash)
         values (?, ?, ?, ?, ?, ?) on conflict do nothing`,
        [c.id, c.email, c.firstName, c.lastName, c.phone, hash],
      );
      await legacyExecute(
        tem,
        `insert into addresses (id, customer_id, line1, city, region, postal_code, country, is_default)
         values (?, ?, ?, ?, ?, ?, ?, true) on conflict do nothing`,
        [
          `addr-${c.id}`,
          c.id,
          c.address.line1,
          c.address.city,
          c.address.region,
          c.address.postalCode,
          c.address.country,
        ],
      );
      await legacyExecute(tem, 'insert into carts (id, customer_id) values (?, ?) on conflict do nothing', [
        `cart-${c.id}`,
        c.id,
      ]);
    });
  }
}
