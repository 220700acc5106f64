/**
 * Whether a write scenario's operations left stock and reports exactly as they said (the
 * performance issue's "0 oversold, every order and sale exact in stock and in reports"), read the
 * way a user would, around a scenario's runs (its warm-up and its measured run):
 *
 *  - stock: every level of every product the scenario sold, read from inventory itself (the source
 *    of truth, no router cache in between): the units available across the product's locations went
 *    down by exactly the units the completed operations carried, and no level is below zero;
 *  - reports: SalesReport through the router for the days around now, once reports has consumed
 *    the events (polled): transactions, units and revenue went up by exactly the operations' own.
 *
 * Only the scenario writes while it runs (the bench runs its scenarios one after the other), so any
 * difference is the stack's.
 */
import { gql } from './util';

/** What the operations that succeeded said they did. */
export interface Effects {
  /** Units per product id. */
  units: Map<string, number>;
  transactions: number;
  /** Sum of the operations' totals, in cents. */
  revenueCents: number;
}

export function noEffects(): Effects {
  return { units: new Map(), transactions: 0, revenueCents: 0 };
}

/** Adds one successful operation: its lines and its total ("12.50"). */
export function addEffect(e: Effects, lines: readonly { productId: string; quantity: number }[], total: string): void {
  e.transactions += 1;
  e.revenueCents += cents(total);
  for (const l of lines) e.units.set(l.productId, (e.units.get(l.productId) ?? 0) + l.quantity);
}

export function cents(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!m) throw new Error(`not a money amount: ${amount}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number((m[3] ?? '0').padEnd(2, '0')));
}

export interface ReportFigures {
  transactions: number;
  unitsSold: number;
  revenueCents: number;
}

/** Stock per product (summed over its locations) and the report's figures, at one moment. */
export interface Ledger {
  available: Map<string, number>;
  reports: ReportFigures;
}

export interface ExactnessOptions {
  routerUrl: string;
  inventoryUrl: string;
  adminToken: string;
}

const STOCK = `query BenchStock($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id stock { levels { location { id } onHand reserved available } } }
  }
}`;

const REPORT = `query BenchSalesTotals($period: PeriodInput!) {
  salesReport(period: $period) { revenue { amount } transactions unitsSold }
}`;

export interface Level {
  location: { id: string };
  onHand: number;
  reserved: number;
  available: number;
}

/** The levels of these products, straight from inventory. */
async function stockLevels(opts: ExactnessOptions, productIds: readonly string[]): Promise<Map<string, Level[]>> {
  const out = new Map<string, Level[]>();
  for (let i = 0; i < productIds.length; i += 100) {
    const batch = productIds.slice(i, i + 100);
    const res = await gql(
      opts.inventoryUrl,
      STOCK,
      { representations: batch.map((id) => ({ __typename: 'Product', id })) },
      opts.adminToken,
    );
    const list = res.body.data?._entities as ({ id: string; stock: { levels: Level[] } } | null)[] | undefined;
    if (res.status !== 200 || res.body.errors?.length || !list)
      throw new Error(`inventory stock: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    batch.forEach((id, k) => out.set(id, list[k]?.stock.levels ?? []));
  }
  return out;
}

/** The days around now (UTC ±1 day covers the chain's day whatever the time zone). */
function periodAroundNow(now = new Date()): { from: string; to: string } {
  const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(-1), to: day(1) };
}

async function reportFigures(opts: ExactnessOptions): Promise<ReportFigures> {
  const res = await gql(opts.routerUrl, REPORT, { period: periodAroundNow() }, opts.adminToken);
  const r = res.body.data?.salesReport as
    { revenue: { amount: string }; transactions: number; unitsSold: number } | undefined;
  if (res.status !== 200 || res.body.errors?.length || !r)
    throw new Error(`salesReport: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return { transactions: r.transactions, unitsSold: r.unitsSold, revenueCents: cents(r.revenue.amount) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sameFigures = (a: ReportFigures, b: ReportFigures) =>
  a.transactions === b.transactions && a.unitsSold === b.unitsSold && a.revenueCents === b.revenueCents;

/**
 * The ledger before a scenario: stock of these products, and the report once it has stopped moving
 * (the events of what ran before are consumed: two reads 500 ms apart agree).
 */
export async function readLedger(opts: ExactnessOptions, productIds: readonly string[]): Promise<Ledger> {
  let reports = await reportFigures(opts);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    await sleep(500);
    const again = await reportFigures(opts);
    if (sameFigures(again, reports)) break;
    reports = again;
  }
  return { available: availableOf(await stockLevels(opts, productIds)), reports };
}

function availableOf(levels: Map<string, Level[]>): Map<string, number> {
  return new Map([...levels].map(([id, ls]) => [id, ls.reduce((n, l) => n + l.available, 0)]));
}

/** Products whose available units did not go down by exactly what was sold: "id: expected -n, saw -m". */
export function stockDifferences(
  before: ReadonlyMap<string, number>,
  now: ReadonlyMap<string, number>,
  effects: Effects,
): string[] {
  const out: string[] = [];
  for (const id of new Set([...before.keys(), ...effects.units.keys()])) {
    const sold = effects.units.get(id) ?? 0;
    const change = (now.get(id) ?? 0) - (before.get(id) ?? 0);
    if (change !== -sold) out.push(`${id}: expected -${sold}, saw ${change}`);
  }
  return out;
}

/** Levels with on hand, reserved or available below zero: "product@location". */
export function levelsBelowZero(levels: ReadonlyMap<string, readonly Level[]>): string[] {
  return [...levels].flatMap(([id, ls]) =>
    ls.filter((l) => l.onHand < 0 || l.reserved < 0 || l.available < 0).map((l) => `${id}@${l.location.id}`),
  );
}

/** The report's figures once it has counted `effects` on top of `before`. */
export function expectedFigures(before: ReportFigures, effects: Effects): ReportFigures {
  return {
    transactions: before.transactions + effects.transactions,
    unitsSold: before.unitsSold + [...effects.units.values()].reduce((a, b) => a + b, 0),
    revenueCents: before.revenueCents + effects.revenueCents,
  };
}

export interface ExactnessResult {
  /** Products whose available units did not go down by exactly what was sold: "id: expected -n, saw -m". */
  stockMismatches: string[];
  /** Levels below zero (on hand, reserved or available): "product@location". */
  negativeLevels: string[];
  /** Whether the report reached exactly before + effects, and how long after the last operation. */
  reportsExact: boolean;
  reportsAfterMs: number | null;
  expected: ReportFigures;
  seen: ReportFigures;
}

/** Compares the ledger now with `before` + `effects`; waits up to `timeoutMs` for reports to catch up. */
export async function checkExact(
  opts: ExactnessOptions,
  before: Ledger,
  effects: Effects,
  timeoutMs = 30_000,
): Promise<ExactnessResult> {
  const started = Date.now();
  const levels = await stockLevels(opts, [...before.available.keys()]);
  const stockMismatches = stockDifferences(before.available, availableOf(levels), effects);
  const negativeLevels = levelsBelowZero(levels);
  const expected = expectedFigures(before.reports, effects);
  let seen = await reportFigures(opts);
  while (!sameFigures(seen, expected) && Date.now() - started < timeoutMs) {
    await sleep(50);
    seen = await reportFigures(opts);
  }
  const reportsExact = sameFigures(seen, expected);
  return {
    stockMismatches,
    negativeLevels,
    reportsExact,
    reportsAfterMs: reportsExact ? Date.now() - started : null,
    expected,
    seen,
  };
}

/** One line for the bench's output. */
export function exactnessLine(r: ExactnessResult): string {
  const stock =
    r.stockMismatches.length === 0
      ? 'stock exact'
      : `stock NOT exact for ${r.stockMismatches.length} products (${r.stockMismatches.slice(0, 3).join('; ')})`;
  const reports = r.reportsExact
    ? `reports exact (${r.reportsAfterMs} ms after the last operation)`
    : `reports NOT exact: expected ${JSON.stringify(r.expected)}, saw ${JSON.stringify(r.seen)}`;
  return `${stock}, ${r.negativeLevels.length} levels below zero, ${reports}`;
}
