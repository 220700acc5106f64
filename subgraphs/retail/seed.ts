import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  DEMO_ADMIN_ID,
  DEMO_PRODUCT_COUNT,
  DEMO_REGISTERS_PER_STORE,
  DEMO_STORES,
  demoProductId,
  demoRegisterId,
  demoStaffIds,
  legacyExecute,
  formatMinor,
  legacyQueryOne,
  seededRandom,
  type Identity,
} from '../kit';
import { hashPassword } from '../kit/passwords';
import type { RetailContext } from './domain/context';
import { sessionTotals } from './domain/reads';
import { returnSale } from './domain/returns';
import { recordSale } from './domain/sales';
import { closeRegister, openRegister } from './domain/sessions';
import type { EmployeeRole, OpeningHours } from './domain/types';

/**
 * Retail demo data (docs/demo-data.md): the five demo stores with their opening hours, two registers
 * each, one MANAGER and two CLERKs per store plus one ADMIN (all signing in with DEMO_STAFF_PASSWORD),
 * and about four weeks of till history rung up through the same domain code as live sales
 * (openRegister, recordSale, returnSale, closeRegister), so inventory's stock and movements agree
 * with every sale. Idempotent: rows are inserted if missing, and the history resumes where a run
 * stopped (sales and returns carry deterministic idempotency keys; a day's session is found by its
 * opening time), so a second run changes nothing.
 */

export const DEMO_STAFF_PASSWORD = 'staff-password';

export interface DemoEmployee {
  id: string;
  name: string;
  email: string;
  role: EmployeeRole;
  storeId: string | null;
}

const PEOPLE = [
  ['Mathieu Bouchard', 'Julie Lavoie', 'Kevin Morin'],
  ['Isabelle Côté', 'Simon Pelletier', 'Nadia Girard'],
  ['Étienne Roy', 'Sophie Gagné', 'Marc-André Fortin'],
  ['Chloé Bergeron', 'Alexandre Ouellet', 'Léa Caron'],
  ['Patrick Leblanc', 'Émilie Nadeau', 'Samuel Poirier'],
] as const;

export const DEMO_STAFF: readonly DemoEmployee[] = [
  { id: DEMO_ADMIN_ID, name: 'Hélène Dubois', email: 'admin@staff.example.com', role: 'ADMIN', storeId: null },
  ...DEMO_STORES.flatMap((store, i): DemoEmployee[] => {
    const ids = demoStaffIds(store.id);
    const names = PEOPLE[i % PEOPLE.length] ?? PEOPLE[0];
    const n = i + 1;
    return [
      { id: ids.manager, name: names[0], email: `manager${n}@staff.example.com`, role: 'MANAGER', storeId: store.id },
      { id: ids.clerks[0], name: names[1], email: `clerk${n}a@staff.example.com`, role: 'CLERK', storeId: store.id },
      { id: ids.clerks[1], name: names[2], email: `clerk${n}b@staff.example.com`, role: 'CLERK', storeId: store.id },
    ];
  }),
];

const WEEKDAY_HOURS: OpeningHours[] = [
  { day: 'MONDAY', opens: '09:00', closes: '21:00' },
  { day: 'TUESDAY', opens: '09:00', closes: '21:00' },
  { day: 'WEDNESDAY', opens: '09:00', closes: '21:00' },
  { day: 'THURSDAY', opens: '09:00', closes: '21:00' },
  { day: 'FRIDAY', opens: '09:00', closes: '21:00' },
  { day: 'SATURDAY', opens: '09:00', closes: '17:00' },
  { day: 'SUNDAY', opens: '10:00', closes: '17:00' },
];

/** Stores, staff, managers and registers: inserted if missing (`on conflict do nothing`), two processes seeding at once included. */
async function seedReferenceData(em: EntityManager): Promise<void> {
  await legacyExecute(
    em,
    `insert into stores (id, number, name, address, city, phone, time_zone, opening_hours, location_id)
     select id, number, name, address, city, phone, 'America/Toronto', ?::jsonb, location_id
       from jsonb_to_recordset(?::jsonb)
         as x(id text, number integer, name text, address text, city text, phone text, location_id text)
     on conflict do nothing`,
    [
      JSON.stringify(WEEKDAY_HOURS),
      JSON.stringify(
        DEMO_STORES.map((s, i) => ({
          id: s.id,
          number: i + 1,
          name: s.name,
          address: s.address,
          city: s.city,
          phone: s.phone,
          location_id: s.locationId,
        })),
      ),
    ],
  );
  const missing = await legacyQueryOne<{ n: string }>(em, 'select count(*) as n from employees where id = any(?::text[])', [
    DEMO_STAFF.map((e) => e.id),
  ]);
  if (Number(missing?.n ?? 0) < DEMO_STAFF.length) {
    // One hash for every demo account: they share a password, and scrypt is slow on purpose.
    const hash = await hashPassword(DEMO_STAFF_PASSWORD);
    await legacyExecute(
      em,
      `insert into employees (id, name, email, role, store_id, password_hash)
       select id, name, email, role, store_id, ? from jsonb_to_recordset(?::jsonb)
         as x(id text, name text, email text, role text, store_id text)
       on conflict do nothing`,
      [hash, JSON.stringify(DEMO_STAFF.map((e) => ({ ...e, store_id: e.storeId })))],
    );
  }
  // Each store's demo manager manages it, unless someone has chosen otherwise since.
  await legacyExecute(
    em,
    `update stores s set manager_id = e.id from employees e
      where e.store_id = s.id and e.id = 'emp-' || s.id || '-manager' and e.active and s.manager_id is null
        and s.id = any(?::text[])`,
    [DEMO_STORES.map((s) => s.id)],
  );
  const registers = DEMO_STORES.flatMap((s) =>
    Array.from({ length: DEMO_REGISTERS_PER_STORE }, (_v, i) => ({
      id: demoRegisterId(s.id, i + 1),
      store_id: s.id,
      number: i + 1,
    })),
  );
  await legacyExecute(
    em,
    `insert into cash_registers (id, store_id, number)
     select id, store_id, number from jsonb_to_recordset(?::jsonb) as x(id text, store_id text, number integer)
     on conflict do nothing`,
    [JSON.stringify(registers)],
  );
}

// ---------- four weeks at the tills ----------

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
/** Opening and closing of every demo day, in UTC hours: 9:00/10:00 to 18:50/19:50 in Eastern time. */
const OPEN_AT_HOUR = 13.5;
const CLOSE_AT_HOUR = 23.83;

/** Days of history (RETAIL_SEED_HISTORY_DAYS, default 28; 0 seeds no history). */
export function historyDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.RETAIL_SEED_HISTORY_DAYS;
  if (raw === undefined || raw === '') return 28;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 366)
    throw new Error(`RETAIL_SEED_HISTORY_DAYS must be 0 to 366; got ${raw}`);
  return n;
}

/** Products that are on sale (every 47th demo product is withdrawn). */
const SELLABLE = Array.from({ length: DEMO_PRODUCT_COUNT }, (_v, i) => i + 1).filter((n) => n % 47 !== 0);

export interface HistoryReport {
  days: number;
  sales: number;
  failed: number;
  returns: number;
  sessions: number;
  ms: number;
}

/** A context acting as a given employee at a given moment. */
export type SeedContext = (identity: Identity, clock: () => Date) => RetailContext;

async function seedStoreHistory(
  makeContext: SeedContext,
  storeIndex: number,
  firstDay: number,
  days: number,
  report: HistoryReport,
): Promise<void> {
  const store = DEMO_STORES[storeIndex];
  if (!store) return;
  const ids = demoStaffIds(store.id);
  for (let d = 0; d < days; d += 1) {
    const dayStart = firstDay + d * DAY_MS;
    const openedAt = new Date(dayStart + OPEN_AT_HOUR * HOUR_MS);
    for (let r = 1; r <= DEMO_REGISTERS_PER_STORE; r += 1) {
      const registerId = demoRegisterId(store.id, r);
      const clerk: Identity = { sub: ids.clerks[(r - 1) % 2] ?? ids.manager, role: 'CLERK', storeId: store.id };
      let now = openedAt;
      const ctx = makeContext(clerk, () => now);
      const session = await legacyQueryOne<{ id: string; status: string }>(
        ctx.em,
        'select id, status from register_sessions where register_id = ? and opened_at = ?',
        [registerId, openedAt],
      );
      if (session?.status === 'CLOSED') continue;
      if (!session) await openRegister(ctx, { registerId, openingFloat: '200.00' });
      report.sessions += 1;

      const random = seededRandom((storeIndex + 1) * 1_000_003 + d * 101 + r);
      const count = 2 + Math.floor(random() * 4);
      const completed: { saleId: string; lineId: string; cash: boolean }[] = [];
      for (let i = 0; i < count; i += 1) {
        now = new Date(openedAt.getTime() + ((i + random()) / count) * (CLOSE_AT_HOUR - OPEN_AT_HOUR - 0.5) * HOUR_MS);
        const lineCount = 1 + Math.floor(random() * 4);
        const products = new Set<string>();
        while (products.size < lineCount)
          products.add(demoProductId(SELLABLE[Math.floor(random() * SELLABLE.length)] ?? 1));
        const cash = random() < 0.4;
        const result = await recordSale(ctx, {
          storeId: store.id,
          registerId,
          lines: [...products].map((productId) => ({ productId, quantity: random() < 0.8 ? 1 : 2 })),
          paymentMethod: cash ? 'CASH' : 'CARD',
          idempotencyKey: `seed:${store.id}:${d}:${r}:${i}`,
        });
        const sale = result.sale;
        if (sale?.status === 'COMPLETED' && sale.lines?.[0]) {
          report.sales += 1;
          completed.push({ saleId: sale.id, lineId: sale.lines[0].id, cash });
        } else {
          report.failed += 1;
        }
      }
      // About one register day in four sees a customer bring one unit back.
      const returned = completed[Math.floor(random() * completed.length)];
      if (returned && random() < 0.25) {
        now = new Date(now.getTime() + 10 * 60 * 1000);
        const result = await returnSale(ctx, {
          saleId: returned.saleId,
          registerId,
          lines: [{ saleLineId: returned.lineId, quantity: 1 }],
          refundMethod: returned.cash ? 'CASH' : 'CARD',
          reason: 'Changed their mind',
          idempotencyKey: `seed-return:${store.id}:${d}:${r}`,
        });
        if (result.return) report.returns += 1;
      }
      // Counted exactly, except now and then a few dollars short.
      const sessionId = (
        await legacyQueryOne<{ id: string }>(
          ctx.em,
          "select id from register_sessions where register_id = ? and status = 'OPEN'",
          [registerId],
        )
      )?.id;
      const [totals] = sessionId ? await sessionTotals(ctx, [sessionId]) : [];
      const expected = 20_000 + (totals?.cashSalesCents ?? 0) - (totals?.cashRefundsCents ?? 0);
      const short = random() < 0.1 ? 500 : 0;
      now = new Date(dayStart + CLOSE_AT_HOUR * HOUR_MS);
      await closeRegister(ctx, {
        registerId,
        countedCash: formatMinor(Math.max(0, expected - short)),
        note: short ? 'Drawer short at closing' : null,
      });
    }
  }
}

/**
 * Rings up `days` days of history ending yesterday (UTC), every store in parallel, each store's days
 * in order. A later run resumes the same days: the first seeded session dates them.
 */
async function seedHistory(em: EntityManager, makeContext: SeedContext, days: number): Promise<HistoryReport> {
  const started = Date.now();
  const report: HistoryReport = { days, sales: 0, failed: 0, returns: 0, sessions: 0, ms: 0 };
  const first = await legacyQueryOne<{ at: Date | string | null; closed: string }>(
    em,
    "select min(opened_at) as at, count(*) filter (where status = 'CLOSED') as closed from register_sessions",
  );
  if (Number(first?.closed ?? 0) >= days * DEMO_STORES.length * DEMO_REGISTERS_PER_STORE) return report;
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const firstDay = first?.at ? Math.floor(new Date(first.at).getTime() / DAY_MS) * DAY_MS : today - days * DAY_MS;
  await Promise.all(DEMO_STORES.map((_s, i) => seedStoreHistory(makeContext, i, firstDay, days, report)));
  report.ms = Date.now() - started;
  return report;
}

export async function seedRetail(
  orm: MikroORM,
  history?: { makeContext: SeedContext; days: number },
): Promise<HistoryReport | null> {
  const em = orm.em.fork() as EntityManager;
  await seedReferenceData(em);
  if (!history || history.days === 0) return null;
  return seedHistory(em, history.makeContext, history.days);
}
