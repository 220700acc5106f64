import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  DEMO_ADMIN_ID,
  DEMO_PRODUCT_COUNT,
  DEMO_REGISTERS_PER_STORE,
  DEMO_STORES,
  demoProductId,
  demoRegisterId,
  demoStaffIds,
  execute,
  formatMinor,
  queryOne,
  seededRandom,
  toDate,
  type Identity,
} from '../kit';
import { hashPassword } from '../kit/passwords';
import type { RetailContext } from './domain/context';
import { sessionTotals } from './domain/reads';
import { returnSale } from './domain/returns';
import { recordSale } from './domain/sales';
import { cashFigures, closeRegister, openRegister } from './domain/sessions';
import {
  ASSIGN_DEMO_MANAGERS,
  EMPLOYEES_PRESENT,
  INSERT_EMPLOYEES,
  INSERT_REGISTERS,
  INSERT_STORES,
} from './domain/sql/seed';
import { HISTORY_PROGRESS, OPEN_SESSION_OF_REGISTER, SESSION_OPENED_AT } from './domain/sql/sessions';
import type { EmployeeRole, OpeningHours } from './domain/types';
import { addDays, DEFAULT_TIME_ZONE, localDate, weekdayOf, zonedInstant } from './domain/validation';

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

/**
 * The chain's time zone: every demo store's, and the one reports' days are in (docs/events.md). The
 * history's days are its calendar days.
 */
const CHAIN_TIME_ZONE = DEFAULT_TIME_ZONE;

/** Stores, staff, managers and registers: inserted if missing (`on conflict do nothing`), two processes seeding at once included. */
async function seedReferenceData(em: EntityManager): Promise<void> {
  await execute(em, INSERT_STORES, {
    ids: DEMO_STORES.map((s) => s.id),
    numbers: DEMO_STORES.map((_s, i) => i + 1),
    names: DEMO_STORES.map((s) => s.name),
    addresses: DEMO_STORES.map((s) => s.address),
    cities: DEMO_STORES.map((s) => s.city),
    phones: DEMO_STORES.map((s) => s.phone),
    locationIds: DEMO_STORES.map((s) => s.locationId),
    timeZone: CHAIN_TIME_ZONE,
    openingHours: JSON.stringify(WEEKDAY_HOURS),
  });
  const ids = DEMO_STAFF.map((e) => e.id);
  const present = await queryOne(em, EMPLOYEES_PRESENT, { ids });
  if ((present?.count ?? 0) < DEMO_STAFF.length) {
    // One hash for every demo account: they share a password, and scrypt is slow on purpose.
    await execute(em, INSERT_EMPLOYEES, {
      ids,
      names: DEMO_STAFF.map((e) => e.name),
      emails: DEMO_STAFF.map((e) => e.email),
      roles: DEMO_STAFF.map((e) => e.role),
      storeIds: DEMO_STAFF.map((e) => e.storeId),
      passwordHash: await hashPassword(DEMO_STAFF_PASSWORD),
    });
  }
  await execute(em, ASSIGN_DEMO_MANAGERS, { storeIds: DEMO_STORES.map((s) => s.id) });
  const registers = DEMO_STORES.flatMap((s) =>
    Array.from({ length: DEMO_REGISTERS_PER_STORE }, (_v, i) => ({
      id: demoRegisterId(s.id, i + 1),
      storeId: s.id,
      number: i + 1,
    })),
  );
  await execute(em, INSERT_REGISTERS, {
    ids: registers.map((r) => r.id),
    storeIds: registers.map((r) => r.storeId),
    numbers: registers.map((r) => r.number),
  });
}

// ---------- four weeks at the tills ----------

const MINUTE_MS = 60 * 1000;

/**
 * When the registers of a demo day open and close: at the store's opening time and ten minutes
 * before its closing time, in the chain's zone, so a day of the history is that day in Toronto
 * whatever the season (and reports, which read days in that zone, see it on that day).
 */
function tillHours(day: string): { openedAt: Date; closedAt: Date } {
  const weekday = weekdayOf(day);
  const hours = WEEKDAY_HOURS.find((h) => h.day === weekday) ?? { day: weekday, opens: '09:00', closes: '17:00' };
  return {
    openedAt: zonedInstant(day, hours.opens, CHAIN_TIME_ZONE),
    closedAt: new Date(zonedInstant(day, hours.closes, CHAIN_TIME_ZONE).getTime() - 10 * MINUTE_MS),
  };
}

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
  firstDay: string,
  days: number,
  report: HistoryReport,
): Promise<void> {
  const store = DEMO_STORES[storeIndex];
  if (!store) return;
  const ids = demoStaffIds(store.id);
  for (let d = 0; d < days; d += 1) {
    const { openedAt, closedAt } = tillHours(addDays(firstDay, d));
    // The sales of the day, between opening and half an hour before the registers close.
    const sellingMs = closedAt.getTime() - openedAt.getTime() - 30 * MINUTE_MS;
    for (let r = 1; r <= DEMO_REGISTERS_PER_STORE; r += 1) {
      const registerId = demoRegisterId(store.id, r);
      const clerk: Identity = { sub: ids.clerks[(r - 1) % 2] ?? ids.manager, role: 'CLERK', storeId: store.id };
      let now = openedAt;
      const ctx = makeContext(clerk, () => now);
      const session = await queryOne(ctx.em, SESSION_OPENED_AT, { registerId, openedAt });
      if (session?.status === 'CLOSED') continue;
      if (!session) await openRegister(ctx, { registerId, openingFloat: '200.00' });
      report.sessions += 1;

      const random = seededRandom((storeIndex + 1) * 1_000_003 + d * 101 + r);
      const count = 2 + Math.floor(random() * 4);
      const completed: { saleId: string; lineId: string; cash: boolean }[] = [];
      for (let i = 0; i < count; i += 1) {
        now = new Date(openedAt.getTime() + ((i + random()) / count) * sellingMs);
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
        now = new Date(now.getTime() + 10 * MINUTE_MS);
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
      const open = await queryOne(ctx.em, OPEN_SESSION_OF_REGISTER, { registerId });
      const expected = open
        ? (await cashFigures(open, async () => (await sessionTotals(ctx, [open.id]))[0] ?? null)).expectedCashCents
        : 0;
      const short = random() < 0.1 ? 500 : 0;
      now = closedAt;
      await closeRegister(ctx, {
        registerId,
        countedCash: formatMinor(Math.max(0, expected - short)),
        note: short ? 'Drawer short at closing' : null,
      });
    }
  }
}

/**
 * Rings up `days` days of history ending yesterday, days of the chain's zone (America/Toronto): seeded
 * at 19:38 in Toronto, today there is nothing, whatever the date in UTC. Every store in parallel,
 * each store's days in order. A later run resumes the same days: the first seeded session dates them.
 */
async function seedHistory(
  em: EntityManager,
  makeContext: SeedContext,
  days: number,
  clock: () => Date,
): Promise<HistoryReport> {
  const started = Date.now();
  const report: HistoryReport = { days, sales: 0, failed: 0, returns: 0, sessions: 0, ms: 0 };
  const progress = await queryOne(em, HISTORY_PROGRESS, {});
  if ((progress?.closed ?? 0) >= days * DEMO_STORES.length * DEMO_REGISTERS_PER_STORE) return report;
  const firstDay = progress?.firstOpenedAt
    ? localDate(toDate(progress.firstOpenedAt), CHAIN_TIME_ZONE)
    : addDays(localDate(clock(), CHAIN_TIME_ZONE), -days);
  await Promise.all(DEMO_STORES.map((_s, i) => seedStoreHistory(makeContext, i, firstDay, days, report)));
  report.ms = Date.now() - started;
  return report;
}

export async function seedRetail(
  orm: MikroORM,
  history?: {
    makeContext: SeedContext;
    days: number;
    /** What "today" is (the history ends the day before, in the chain's zone); the server's clock by default. */
    clock?: () => Date;
  },
): Promise<HistoryReport | null> {
  const em = orm.em.fork() as EntityManager;
  await seedReferenceData(em);
  if (!history || history.days === 0) return null;
  return seedHistory(em, history.makeContext, history.days, history.clock ?? (() => new Date()));
}
