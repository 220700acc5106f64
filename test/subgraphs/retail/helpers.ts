/**
 * Retail fixtures for the subgraph tests (real PostgreSQL, the subgraph over HTTP) and the e2e tests:
 * doubles of the ports the sagas need to fail on purpose (inventory, products), a retail instance
 * started on them, and small drivers for registers and sales. Tokens, the GraphQL client and waitFor
 * come from the toolkit (test/helpers/toolkit.ts).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { client, tokens, type Gql } from '../../helpers/toolkit';
import {
  createLogger,
  DEFAULT_CURRENCY,
  demoRegisterId,
  redisRevocations,
  type OutboxRow,
  type Revocations,
} from '../../../subgraphs/kit';
import type { ProductSource } from '../../../subgraphs/kit/clients';
import type { InventoryPort, ProductInfo, ReserveLine, StepResult } from '../../../subgraphs/kit/domain';
import type { RetailConfig } from '../../../subgraphs/retail/config';
import type { ResolverServices } from '../../../subgraphs/retail/resolvers';
import { startRetail, type RunningRetail } from '../../../subgraphs/retail/server';
import { seedRetail } from '../../../subgraphs/retail/seed';

// ---------- doubles ----------

type Method = 'reserve' | 'take' | 'commit' | 'release' | 'restock' | 'returnStock' | 'ensureStoreLocation';
type Scripted = StepResult<never> | 'throw';

/** A step done, with nothing to answer. */
const DONE = { ok: true, value: undefined } as const;
/** A reservation's step done: its id, as inventory names it. */
const held = (orderId: string) => ({ ok: true, value: { reservationId: `res-${orderId}` } }) as const;

interface FakeReservation {
  status: 'PENDING' | 'COMMITTED' | 'RELEASED' | 'RESTOCKED';
  locationId: string | null;
  lines: ReserveLine[];
  /** Written COMMITTED at once by take. */
  taken?: boolean;
}

/**
 * Inventory as the contract describes it, in memory: stock per (location, product), reservations by
 * order id with inventory's idempotency and refusals, returns by return id. `fail(method, ...)`
 * scripts the next answers of a method (a transient or definitive failure, or a throw).
 */
export class FakeInventory implements InventoryPort {
  readonly onHand = new Map<string, number>();
  readonly reserved = new Map<string, number>();
  readonly reservations = new Map<string, FakeReservation>();
  readonly returns = new Map<string, ReserveLine[]>();
  readonly calls: { method: Method; id: string }[] = [];
  private readonly scripted = new Map<Method, Scripted[]>();

  private key = (locationId: string, productId: string) => `${locationId}|${productId}`;

  setStock(locationId: string, productId: string, onHand: number): void {
    this.onHand.set(this.key(locationId, productId), onHand);
  }

  level(locationId: string, productId: string): { onHand: number; reserved: number } {
    const k = this.key(locationId, productId);
    return { onHand: this.onHand.get(k) ?? 0, reserved: this.reserved.get(k) ?? 0 };
  }

  fail(method: Method, ...answers: Scripted[]): void {
    this.scripted.set(method, [...(this.scripted.get(method) ?? []), ...answers]);
  }

  callsOf(method: Method): string[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.id);
  }

  private async call<T>(method: Method, id: string, run: () => StepResult<T>): Promise<StepResult<T>> {
    this.calls.push({ method, id });
    await new Promise((r) => setImmediate(r));
    const next = this.scripted.get(method)?.shift();
    if (next === 'throw') throw new Error(`${method} blew up`);
    if (next) return next;
    return run();
  }

  private move(locationId: string, lines: ReserveLine[], field: 'onHand' | 'reserved', sign: number): void {
    const map = field === 'onHand' ? this.onHand : this.reserved;
    for (const l of lines) {
      const k = this.key(locationId, l.productId);
      map.set(k, (map.get(k) ?? 0) + sign * l.quantity);
    }
  }

  private refuse(code: string, message = code): StepResult<never> {
    return { ok: false, transient: false, code, message };
  }

  /** INSUFFICIENT_STOCK, as inventory words it, for the first line the location cannot hold; null when all fit. */
  private shortage(locationId: string, lines: ReserveLine[]): StepResult<never> | null {
    const short = lines.find((l) => {
      const { onHand, reserved } = this.level(locationId, l.productId);
      return onHand - reserved < l.quantity;
    });
    if (!short) return null;
    const { onHand, reserved } = this.level(locationId, short.productId);
    return this.refuse(
      'INSUFFICIENT_STOCK',
      `Only ${Math.max(onHand - reserved, 0)} of ${short.productId} available at ${locationId}; ${short.quantity} requested`,
    );
  }

  reserve(orderId: string, lines: ReserveLine[], _ttl: number, locationId = 'loc-online') {
    return this.call('reserve', orderId, () => {
      const existing = this.reservations.get(orderId);
      if (existing) {
        if (existing.status === 'RELEASED' || existing.status === 'RESTOCKED')
          return this.refuse('RESERVATION_NOT_ACTIVE');
        return held(orderId);
      }
      const shortage = this.shortage(locationId, lines);
      if (shortage) return shortage;
      this.move(locationId, lines, 'reserved', 1);
      this.reservations.set(orderId, { status: 'PENDING', locationId, lines });
      return held(orderId);
    });
  }

  take(orderId: string, lines: ReserveLine[], locationId = 'loc-online') {
    return this.call('take', orderId, () => {
      const existing = this.reservations.get(orderId);
      if (existing) {
        if (existing.status === 'RELEASED' || existing.status === 'RESTOCKED')
          return this.refuse('RESERVATION_NOT_ACTIVE');
        const same =
          existing.taken === true &&
          existing.locationId === locationId &&
          JSON.stringify(existing.lines) === JSON.stringify(lines);
        return same ? held(orderId) : this.refuse('IDEMPOTENCY_KEY_REUSED');
      }
      const shortage = this.shortage(locationId, lines);
      if (shortage) return shortage;
      this.move(locationId, lines, 'onHand', -1);
      this.reservations.set(orderId, { status: 'COMMITTED', locationId, lines, taken: true });
      return held(orderId);
    });
  }

  commit(orderId: string) {
    return this.call('commit', orderId, () => {
      const r = this.reservations.get(orderId);
      if (!r) return this.refuse('RESERVATION_NOT_FOUND');
      if (r.status === 'COMMITTED') return DONE;
      if (r.status !== 'PENDING' || !r.locationId) return this.refuse('RESERVATION_NOT_ACTIVE');
      this.move(r.locationId, r.lines, 'reserved', -1);
      this.move(r.locationId, r.lines, 'onHand', -1);
      r.status = 'COMMITTED';
      return DONE;
    });
  }

  release(orderId: string, _reason: string) {
    return this.call('release', orderId, () => {
      const r = this.reservations.get(orderId);
      if (!r) {
        this.reservations.set(orderId, { status: 'RELEASED', locationId: null, lines: [] });
        return DONE;
      }
      if (r.status === 'RELEASED') return DONE;
      if (r.status !== 'PENDING' || !r.locationId) return this.refuse('RESERVATION_NOT_ACTIVE');
      this.move(r.locationId, r.lines, 'reserved', -1);
      r.status = 'RELEASED';
      return DONE;
    });
  }

  restock(orderId: string, _reason: string) {
    return this.call('restock', orderId, () => {
      const r = this.reservations.get(orderId);
      if (!r) return this.refuse('RESERVATION_NOT_FOUND');
      if (r.status === 'RESTOCKED') return DONE;
      if (r.status !== 'COMMITTED' || !r.locationId) return this.refuse('RESERVATION_NOT_COMMITTED');
      this.move(r.locationId, r.lines, 'onHand', 1);
      r.status = 'RESTOCKED';
      return DONE;
    });
  }

  returnStock(returnId: string, locationId: string, lines: ReserveLine[], _reason: string) {
    return this.call('returnStock', returnId, () => {
      if (!this.returns.has(returnId)) {
        this.move(locationId, lines, 'onHand', 1);
        this.returns.set(returnId, lines);
      }
      return DONE;
    });
  }

  ensureStoreLocation(storeId: string, _name: string) {
    return this.call('ensureStoreLocation', storeId, () => ({ ok: true, value: { locationId: `loc-${storeId}` } }));
  }
}

/** The catalogue as a map; `lookups` counts the `_entities` requests the real client would send. */
export class FakeProducts implements ProductSource {
  readonly products = new Map<string, ProductInfo>();
  lookups = 0;

  constructor(count = 20) {
    for (let n = 1; n <= count; n += 1) {
      const id = `prod-${String(n).padStart(4, '0')}`;
      this.products.set(id, {
        id,
        name: `Product ${n}`,
        active: true,
        priceCents: 1000 + n * 25,
        currency: DEFAULT_CURRENCY,
        categoryId: `cat-${n % 3}`,
      });
    }
  }

  set(id: string, change: Partial<ProductInfo>): void {
    const p = this.products.get(id);
    if (p) this.products.set(id, { ...p, ...change });
  }

  async fetchMany(ids: readonly string[]): Promise<(ProductInfo | null)[]> {
    this.lookups += 1;
    return ids.map((id) => this.products.get(id) ?? null);
  }
}

// ---------- a retail instance on the doubles ----------

export interface TestRetail {
  running: RunningRetail;
  db: TestDatabase;
  inventory: FakeInventory;
  products: FakeProducts;
  revocations: Revocations;
  gql: Gql;
  /** Rows of one statement on the retail database. */
  sql: <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;
  /** Row counts of every retail table, the outbox included: what "nothing was written" compares. */
  counts: () => Promise<Record<string, number>>;
  /** The outbox rows (events written), oldest first; only those of `type` when given. */
  outbox: (type?: string) => Promise<OutboxEventRow[]>;
  /** This instance's Redis key prefix: its event stream is `<prefix>events:retail`. */
  redisPrefix: string;
  stop: () => Promise<void>;
}

/** An outbox row as the tests read it (the envelope's columns). */
export type OutboxEventRow = Pick<
  OutboxRow,
  'type' | 'version' | 'aggregateType' | 'aggregateId' | 'correlationId' | 'occurredAt' | 'data'
>;

export const TEST_CONFIG: RetailConfig = {
  productsUrl: 'http://127.0.0.1:9/graphql',
  inventoryUrls: ['http://127.0.0.1:9/graphql'],
  staffTokenTtlSeconds: 3600,
  callTimeoutMs: 2000,
  reservationTtlSeconds: 600,
  stuckAfterMs: 300,
  replayWaitMs: 2000,
  recoveryIntervalMs: 0,
  fault: null,
  instanceId: 'test',
};

/**
 * Retail on a fresh database with the demo stores, staff and registers (no history), every store
 * location stocked with 50 units of each fake product. The recovery loop runs only when a test asks
 * (`running.recovery.runNow()`).
 */
export async function startTestRetail(config: Partial<RetailConfig> = {}): Promise<TestRetail> {
  const db = await freshDatabase('retail');
  const inventory = new FakeInventory();
  const products = new FakeProducts();
  for (let s = 1; s <= 5; s += 1) {
    for (const id of products.products.keys()) inventory.setStock(`loc-store-${s}`, id, 50);
  }
  // The instance's own Redis keys: revocations, and the event stream its outbox relay publishes to
  // (the relay reads REDIS_PREFIX when it starts), so no test file reads another's events.
  const redisPrefix = `test:${randomBytes(4).toString('hex')}:`;
  process.env.REDIS_PREFIX = redisPrefix;
  const revocations = await redisRevocations(
    process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix,
    createLogger('retail-test'),
  );
  const services: ResolverServices = { config: { ...TEST_CONFIG, ...config }, products, inventory };
  const running = await startRetail({
    dbUrl: db.url,
    port: 0,
    services,
    revocations,
    afterMigrate: (orm) => seedRetail(orm),
  });
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const sql = async <T>(text: string, params: unknown[] = []) => (await pg.query(text, params)).rows as T[];
  return {
    running,
    db,
    inventory,
    products,
    revocations,
    gql: client(running.url),
    sql,
    counts: async () => {
      const rows = await sql<{ t: string; n: number }>(
        `select 'stores' as t, count(*)::int as n from stores union all select 'cash_registers', count(*)::int from cash_registers
         union all select 'employees', count(*)::int from employees union all select 'register_sessions', count(*)::int from register_sessions
         union all select 'sales', count(*)::int from sales union all select 'sale_lines', count(*)::int from sale_lines
         union all select 'returns', count(*)::int from returns union all select 'return_lines', count(*)::int from return_lines
         union all select 'outbox', count(*)::int from outbox`,
      );
      return Object.fromEntries(rows.map((r) => [r.t, r.n]));
    },
    outbox: (type?: string) =>
      sql<OutboxEventRow>(
        `select type, version, aggregate_type as "aggregateType", aggregate_id as "aggregateId",
                correlation_id as "correlationId", occurred_at as "occurredAt", data
           from outbox where $1::text is null or type = $1 order by seq`,
        [type ?? null],
      ),
    redisPrefix,
    stop: async () => {
      await running.stop();
      await revocations.close();
      await pg.end();
      await db.drop();
    },
  };
}

/**
 * The TestRetail of the enclosing describe block: started before its tests (then `setup`, e.g. the
 * registers they sell on opened) and stopped after them.
 */
export function useTestRetail(setup?: (t: TestRetail) => Promise<void>): TestRetail {
  // Filled when the block starts, before any test reads it.
  const t = {} as TestRetail;
  let started: TestRetail | undefined;
  beforeAll(async () => {
    started = await startTestRetail();
    Object.assign(t, started);
    await setup?.(t);
  }, 60_000);
  afterAll(async () => {
    await started?.stop();
  });
  return t;
}

// ---------- drivers ----------

/** A payload's UserError as a client reads it. */
export interface UserErrorAnswer {
  code: string;
  field: string[] | null;
  message: string;
}

/** Money as a client reads it. */
export interface MoneyAnswer {
  amount: string;
  currency: string;
}

export const REGISTER_1 = demoRegisterId('store-1', 1);
export const REGISTER_2 = demoRegisterId('store-1', 2);

let keys = 0;
/** A fresh idempotency key. */
export function newKey(prefix = 'sale'): string {
  keys += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${keys}`;
}

const SALE_FIELDS = `id number status failureCode soldAt recordedAt paymentMethod
  total { amount currency }
  lines { id product { id } quantity unitPrice { amount currency } lineTotal { amount } returnedQuantity }
  store { id } register { id } soldBy { id }`;

export const RECORD_SALE = `mutation RecordSaleTest($input: RecordSaleInput!) {
  recordSale(input: $input) { sale { ${SALE_FIELDS} } errors { code field message } }
}`;

export const RETURN_SALE = `mutation ReturnSaleTest($input: ReturnSaleInput!) {
  returnSale(input: $input) {
    return { id status refund { amount currency } refundMethod lines { saleLine { id } product { id } quantity refund { amount } } }
    errors { code field message }
  }
}`;

export const OPEN_REGISTER = `mutation OpenRegisterTest($input: OpenRegisterInput!) {
  openRegister(input: $input) { session { id status openingFloat { amount } } errors { code field message } }
}`;

export const CLOSE_REGISTER = `mutation CloseRegisterTest($input: CloseRegisterInput!) {
  closeRegister(input: $input) {
    session { id status openingFloat { amount } cashSales { amount } cashRefunds { amount } expectedCash { amount }
              countedCash { amount } difference { amount } salesCount closedBy { id } }
    errors { code field message }
  }
}`;

export const CANCEL_SALE = `mutation CancelSaleTest($input: CancelSaleInput!) {
  cancelSale(input: $input) { sale { id status cancelReason } errors { code field message } }
}`;

/** Opens a register of a store as its clerk; fails the test when it does not open. */
export async function openRegister(
  gql: Gql,
  registerId: string,
  storeId = 'store-1',
  float = '200.00',
): Promise<string> {
  const res = await gql<{ openRegister: { session: { id: string } | null; errors: UserErrorAnswer[] } }>(
    OPEN_REGISTER,
    { input: { registerId, openingFloat: float } },
    { token: tokens.clerk(storeId) },
  );
  const session = res.body.data?.openRegister.session;
  if (!session) throw new Error(`register ${registerId} did not open: ${JSON.stringify(res.body)}`);
  return session.id;
}

export interface SaleInput {
  storeId?: string;
  registerId?: string;
  lines: { productId: string; quantity: number }[];
  paymentMethod?: 'CASH' | 'CARD';
  idempotencyKey?: string;
  soldAt?: string;
}

/** Sends recordSale (as a clerk of the store unless a token is given); returns the payload. */
export async function sell(gql: Gql, input: SaleInput, token?: string) {
  const storeId = input.storeId ?? 'store-1';
  const res = await gql<{
    recordSale: {
      sale: {
        id: string;
        number: string;
        status: string;
        failureCode: string | null;
        total: { amount: string };
        lines: { id: string; product: { id: string }; quantity: number; unitPrice: { amount: string } }[];
      } | null;
      errors: UserErrorAnswer[];
    };
  }>(
    RECORD_SALE,
    {
      input: {
        storeId,
        registerId: input.registerId ?? REGISTER_1,
        lines: input.lines,
        paymentMethod: input.paymentMethod ?? 'CARD',
        idempotencyKey: input.idempotencyKey ?? newKey(),
        ...(input.soldAt ? { soldAt: input.soldAt } : {}),
      },
    },
    { token: token ?? tokens.clerk(storeId) },
  );
  if (!res.body.data) throw new Error(`recordSale failed: ${JSON.stringify(res.body)}`);
  return res.body.data.recordSale;
}
