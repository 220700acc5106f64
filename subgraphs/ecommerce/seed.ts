import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { execute, queryOne } from '../kit';
import { DEMO_CUSTOMER_EXISTS, INSERT_DEMO_ADDRESS, INSERT_DEMO_CART, INSERT_DEMO_CUSTOMER } from './domain/sql/seed';
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
    const exists = await queryOne(em, DEMO_CUSTOMER_EXISTS, { id: c.id, email: c.email });
    if (exists) continue;
    const passwordHash = await hashPassword(DEMO_CUSTOMER_PASSWORD);
    // Insert-if-missing (domain/sql/seed.ts): concurrent or repeated seeds keep each row once.
    await em.transactional(async (tem) => {
      await execute(tem, INSERT_DEMO_CUSTOMER, {
        id: c.id,
        email: c.email,
        firstName: c.firstName,
        lastName: c.lastName,
        phone: c.phone,
        passwordHash,
      });
      const { line1, city, region, postalCode, country } = c.address;
      await execute(tem, INSERT_DEMO_ADDRESS, {
        id: `addr-${c.id}`,
        customerId: c.id,
        line1,
        city,
        region,
        postalCode,
        country,
      });
      await execute(tem, INSERT_DEMO_CART, { id: `cart-${c.id}`, customerId: c.id });
    });
  }
}
