/**
 * The retail subgraph through the router, with the real products and inventory (2 replicas) and the
 * demo data: the contract operations Stores, StaffLogin, RecordSale and ReturnSale, and the
 * point-of-sale rules of issue 8 as a client sees them (stock decremented exactly, prices kept as
 * sold, the last unit sold once, idempotent keys, returns never beyond what was sold, another store's
 * clerk FORBIDDEN, a deactivated employee's token refused, the register's cash difference, the
 * bad-input list with nothing written); the till's and the back office's reads: a sale by its receipt
 * number, a register's sessions with their final figures.
 */
import { Client } from 'pg';
import {
  AddCashRegisterDocument,
  AdjustStockDocument,
  CancelSaleDocument,
  ChangeProductPriceDocument,
  CloseRegisterDocument,
  CreateEmployeeDocument,
  CurrentEmployeeDocument,
  DeactivateEmployeeDocument,
  OpenRegisterDocument,
  ProductStockLevelsDocument,
  RecordSaleDocument,
  RegisterSessionsDocument,
  ReturnSaleDocument,
  SaleByNumberDocument,
  SaleDetailDocument,
  StaffLoginDocument,
  StoresDocument,
  StoreSalesDocument,
  StoreStaffDocument,
  StoreStockDocument,
} from '../../schema/operations/generated';
import { DEMO_STAFF, DEMO_STAFF_PASSWORD } from '../../subgraphs/retail/seed';
import { startStack, type Stack } from '../helpers/stack';
import { tokens } from '../helpers/toolkit';

const STORE = 'store-3';
const LOC = 'loc-store-3';
const REG_1 = 'reg-store-3-1';
const REG_2 = 'reg-store-3-2';

describe('retail through the router (products, inventory x2, retail; demo data)', () => {
  let stack: Stack;
  let retailDb: Client;
  let inventoryDb: Client;
  let clerk: string;
  let manager: string;
  let admin: string;
  let keys = 0;
  const key = (prefix = 'e2e') => `${prefix}-${Date.now()}-${++keys}`;

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'retail'],
      inventoryReplicas: 2,
      seed: true,
      env: { RETAIL_SEED_HISTORY_DAYS: '0' },
    });
    retailDb = new Client({ connectionString: stack.databases.retail!.url });
    inventoryDb = new Client({ connectionString: stack.databases.inventory!.url });
    await Promise.all([retailDb.connect(), inventoryDb.connect()]);
    const login = async (email: string) => {
      const res = await stack.gql(StaffLoginDocument, { input: { email, password: DEMO_STAFF_PASSWORD } });
      const token = res.body.data?.staffLogin.token;
      if (!token) throw new Error(`no token for ${email}: ${JSON.stringify(res.body)}`);
      return token;
    };
    const staff = (role: string) =>
      DEMO_STAFF.find((e) => e.role === role && e.storeId === (role === 'ADMIN' ? null : STORE))!;
    [clerk, manager, admin] = await Promise.all([
      login(staff('CLERK').email),
      login(staff('MANAGER').email),
      login(staff('ADMIN').email),
    ]);
    for (const registerId of [REG_1, REG_2]) {
      const opened = await stack.gql(
        OpenRegisterDocument,
        { input: { registerId, openingFloat: '200.00' } },
        { token: clerk },
      );
      expect(opened.body.data?.openRegister.errors).toEqual([]);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all([retailDb?.end(), inventoryDb?.end()]);
    await stack?.stop();
  });

  /** The stock of a product at the store, as the POS reads it through the router. */
  async function level(productId: string) {
    const res = await stack.gql(ProductStockLevelsDocument, { id: productId });
    const found = res.body.data?.product?.stock.levels.find((l) => l.location.id === LOC);
    if (!found) throw new Error(`no level of ${productId} at ${LOC}: ${JSON.stringify(res.body)}`);
    return { onHand: found.onHand, reserved: found.reserved };
  }

  /** Sets a product's stock at the store to exactly `units` (AdjustStock as head office). */
  async function stockExactly(productId: string, units: number) {
    const { onHand, reserved } = await level(productId);
    const delta = units + reserved - onHand;
    if (delta === 0) return;
    const res = await stack.gql(
      AdjustStockDocument,
      { input: { productId, locationId: LOC, delta, reason: 'ADJUSTMENT', note: 'e2e' } },
      { token: tokens.admin() },
    );
    expect(res.body.data?.adjustStock.errors).toEqual([]);
  }

  /** At least `units` available at the store (some demo levels start at 0). */
  async function inStock(productIds: string[], units = 20) {
    for (const id of productIds) {
      const { onHand, reserved } = await level(id);
      if (onHand - reserved < units) await stockExactly(id, units);
    }
  }

  const sell = (
    lines: { productId: string; quantity: number }[],
    opts: { key?: string; registerId?: string; storeId?: string; token?: string; payment?: 'CASH' | 'CARD' } = {},
  ) =>
    stack.gql(
      RecordSaleDocument,
      {
        input: {
          storeId: opts.storeId ?? STORE,
          registerId: opts.registerId ?? REG_1,
          lines,
          paymentMethod: opts.payment ?? 'CARD',
          idempotencyKey: opts.key ?? key(),
        },
      },
      { token: opts.token ?? clerk },
    );

  const giveBack = (
    saleId: string,
    saleLineId: string,
    quantity: number,
    opts: { key?: string; token?: string } = {},
  ) =>
    stack.gql(
      ReturnSaleDocument,
      {
        input: {
          saleId,
          registerId: REG_1,
          lines: [{ saleLineId, quantity }],
          refundMethod: 'CASH',
          reason: 'Does not fit',
          idempotencyKey: opts.key ?? key('return'),
        },
      },
      { token: opts.token ?? clerk },
    );

  const counts = async () => ({
    retail: (
      await retailDb.query<{ n: string }>(
        'select (select count(*) from sales) + (select count(*) from sale_lines) + (select count(*) from returns) + (select count(*) from register_sessions) as n',
      )
    ).rows[0]!.n,
    // Retail's events (docs/events.md): a refused change writes none.
    outbox: (await retailDb.query<{ n: string }>('select count(*) as n from outbox')).rows[0]!.n,
    inventory: (
      await inventoryDb.query<{ n: string }>(
        'select (select count(*) from reservation) + (select count(*) from stock_movement) as n',
      )
    ).rows[0]!.n,
  });

  it('Stores runs anonymously; StaffLogin gives a clerk of store-3 their store', async () => {
    const stores = await stack.gql(StoresDocument);
    expect(stores.body.errors).toBeUndefined();
    expect(stores.body.data!.stores.map((s) => s.id)).toEqual(['store-1', 'store-2', 'store-3', 'store-4', 'store-5']);
    expect(stores.body.data!.stores[2]).toEqual({
      id: 'store-3',
      name: 'Québec Sainte-Foy',
      city: 'Québec',
      address: '2450 boul. Laurier',
      phone: '+1 418 555 0103',
      registers: [
        { id: REG_1, number: 1 },
        { id: REG_2, number: 2 },
      ],
    });
    const me = await stack.gql(CurrentEmployeeDocument, {}, { token: clerk });
    expect(me.body.data?.currentEmployee).toMatchObject({ role: 'CLERK', store: { id: STORE } });
    const login = await stack.gql(StaffLoginDocument, {
      input: { email: 'clerk3a@staff.example.com', password: DEMO_STAFF_PASSWORD },
    });
    expect(login.body.data?.staffLogin.employee).toEqual({
      id: 'emp-store-3-clerk-1',
      name: 'Sophie Gagné',
      role: 'CLERK',
      store: { id: STORE, name: 'Québec Sainte-Foy' },
    });
  });

  it('RecordSale decrements the store stock exactly and keeps the prices as sold; a later price change does not touch it', async () => {
    await inStock(['prod-0051', 'prod-0052']);
    const before = [await level('prod-0051'), await level('prod-0052')];
    const res = await sell([
      { productId: 'prod-0051', quantity: 2 },
      { productId: 'prod-0052', quantity: 1 },
    ]);
    const sale = res.body.data!.recordSale.sale!;
    expect(res.body.data!.recordSale.errors).toEqual([]);
    expect(sale.status).toBe('COMPLETED');
    expect(sale.number).toMatch(/^S3-\d{6}$/);
    expect(sale.lines.map((l) => [l.product.id, typeof l.product.name, l.quantity])).toEqual([
      ['prod-0051', 'string', 2],
      ['prod-0052', 'string', 1],
    ]);
    expect([await level('prod-0051'), await level('prod-0052')]).toEqual([
      { onHand: before[0]!.onHand - 2, reserved: before[0]!.reserved },
      { onHand: before[1]!.onHand - 1, reserved: before[1]!.reserved },
    ]);
    // The store's shelf view (the contract's StoreStock) agrees.
    const shelf = await stack.gql(StoreStockDocument, { storeId: STORE, first: 100 });
    expect(shelf.body.errors).toBeUndefined();
    const onShelf = shelf.body.data!.store!.stock.edges.find((e) => e.node.product.id === 'prod-0051');
    expect(onShelf?.node.onHand).toBe(before[0]!.onHand - 2);

    const soldPrice = sale.lines[0]!.unitPrice.amount;
    const changed = await stack.gql(
      ChangeProductPriceDocument,
      { input: { productId: 'prod-0051', price: '999.99', reason: 'e2e' } },
      { token: tokens.admin() },
    );
    expect(changed.body.data?.changeProductPrice.errors).toEqual([]);
    const detail = await stack.gql(SaleDetailDocument, { id: sale.id }, { token: manager });
    expect(detail.body.data?.sale?.lines[0]?.unitPrice.amount).toBe(soldPrice);
    expect(detail.body.data?.sale?.total).toEqual(sale.total);
    expect(detail.body.data?.sale?.soldBy?.id).toBe('emp-store-3-clerk-1');
  });

  it('two registers sell the last unit at once: one sale, the other INSUFFICIENT_STOCK, stock ends at 0', async () => {
    await stockExactly('prod-0110', 1);
    const [a, b] = await Promise.all([
      sell([{ productId: 'prod-0110', quantity: 1 }], { registerId: REG_1 }),
      sell([{ productId: 'prod-0110', quantity: 1 }], { registerId: REG_2 }),
    ]);
    const outcomes = [a, b].map((r) => r.body.data!.recordSale.sale!.status).sort();
    expect(outcomes).toEqual(['COMPLETED', 'FAILED']);
    const failed = [a, b].find((r) => r.body.data!.recordSale.sale!.status === 'FAILED')!;
    expect(failed.body.data!.recordSale.errors.map((e) => e.code)).toEqual(['INSUFFICIENT_STOCK']);
    expect(await level('prod-0110')).toEqual({ onHand: 0, reserved: 0 });
  });

  it('20 concurrent sales of 1 unit with 5 available: exactly 5 succeed', async () => {
    await stockExactly('prod-0111', 5);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_v, i) =>
        sell([{ productId: 'prod-0111', quantity: 1 }], { registerId: i % 2 ? REG_1 : REG_2 }),
      ),
    );
    const statuses = answers.map((r) => r.body.data?.recordSale.sale?.status);
    expect(statuses.filter((s) => s === 'COMPLETED')).toHaveLength(5);
    expect(statuses.filter((s) => s === 'FAILED')).toHaveLength(15);
    expect(await level('prod-0111')).toEqual({ onHand: 0, reserved: 0 });
  });

  it('the same idempotency key twice, and five times at once: one sale, stock taken once', async () => {
    await inStock(['prod-0112']);
    const before = await level('prod-0112');
    const k = key('same');
    const first = await sell([{ productId: 'prod-0112', quantity: 2 }], { key: k });
    const again = await sell([{ productId: 'prod-0112', quantity: 2 }], { key: k });
    expect(again.body.data!.recordSale.sale!.id).toBe(first.body.data!.recordSale.sale!.id);
    const k2 = key('burst');
    const burst = await Promise.all(
      Array.from({ length: 5 }, () => sell([{ productId: 'prod-0112', quantity: 1 }], { key: k2 })),
    );
    const ids = new Set(burst.map((r) => r.body.data?.recordSale.sale?.id));
    expect(ids.size).toBe(1);
    expect(burst.every((r) => r.body.data?.recordSale.sale?.status === 'COMPLETED')).toBe(true);
    expect(await level('prod-0112')).toEqual({ onHand: before.onHand - 3, reserved: before.reserved });
    const reservations = await inventoryDb.query('select 1 from reservation where order_id = any($1::text[])', [
      [first.body.data!.recordSale.sale!.id, ...ids],
    ]);
    expect(reservations.rowCount).toBe(2);
  });

  it('returns: more than sold is refused (also over two returns, also two at once); a valid return restocks exactly', async () => {
    await inStock(['prod-0120']);
    const res = await sell([{ productId: 'prod-0120', quantity: 3 }]);
    const sale = res.body.data!.recordSale.sale!;
    const line = sale.lines[0]!.id;
    const before = await level('prod-0120');

    const over = await giveBack(sale.id, line, 4);
    expect(over.body.data!.returnSale.errors.map((e) => e.code)).toEqual(['RETURN_EXCEEDS_SOLD']);
    const ok = await giveBack(sale.id, line, 2);
    expect(ok.body.data!.returnSale.errors).toEqual([]);
    expect(ok.body.data!.returnSale.return!.lines).toEqual([{ saleLine: { id: line }, quantity: 2 }]);
    expect(ok.body.data!.returnSale.return!.refund).toEqual({
      amount: (Number(sale.lines[0]!.unitPrice.amount) * 2).toFixed(2),
      currency: 'CAD',
    });
    expect(await level('prod-0120')).toEqual({ onHand: before.onHand + 2, reserved: before.reserved });
    const movements = await inventoryDb.query<{ reason: string; on_hand_delta: number }>(
      'select reason, on_hand_delta from stock_movement where reference = $1',
      [ok.body.data!.returnSale.return!.id],
    );
    expect(movements.rows).toEqual([{ reason: 'RETURN', on_hand_delta: 2 }]);
    // Over two returns: 2 already back, 2 more would be 4 of 3.
    const second = await giveBack(sale.id, line, 2);
    expect(second.body.data!.returnSale.errors.map((e) => e.code)).toEqual(['RETURN_EXCEEDS_SOLD']);
    // Two at once for the last unit: one is accepted.
    const both = await Promise.all([giveBack(sale.id, line, 1), giveBack(sale.id, line, 1)]);
    expect(both.map((r) => r.body.data!.returnSale.errors.map((e) => e.code)).sort()).toEqual([
      [],
      ['RETURN_EXCEEDS_SOLD'],
    ]);
    expect(await level('prod-0120')).toEqual({ onHand: before.onHand + 3, reserved: before.reserved });
    const detail = await stack.gql(SaleDetailDocument, { id: sale.id }, { token: clerk });
    expect(detail.body.data?.sale?.lines[0]?.returnedQuantity).toBe(3);
  });

  it('a clerk of another store is FORBIDDEN to sell, return, see the sales or the staff of store-3', async () => {
    await inStock(['prod-0121']);
    const sale = (await sell([{ productId: 'prod-0121', quantity: 1 }])).body.data!.recordSale.sale!;
    const before = await counts();
    const intruder = tokens.clerk('store-1', 'emp-store-1-clerk-1');
    const checks = [
      await sell([{ productId: 'prod-0121', quantity: 1 }], { token: intruder }),
      await giveBack(sale.id, sale.lines[0]!.id, 1, { token: intruder }),
      await stack.gql(StoreSalesDocument, { storeId: STORE, first: 10 }, { token: intruder }),
      await stack.gql(SaleDetailDocument, { id: sale.id }, { token: intruder }),
      await stack.gql(StoreStaffDocument, { storeId: STORE, first: 10 }, { token: tokens.manager('store-1') }),
      await stack.gql(StoreStaffDocument, { storeId: STORE, first: 10 }, { token: intruder }),
    ];
    expect(checks.map((r) => r.body.errors?.[0]?.extensions?.code)).toEqual(Array(6).fill('FORBIDDEN'));
    expect(await counts()).toEqual(before);
    const own = await stack.gql(StoreStaffDocument, { storeId: STORE, first: 10 }, { token: manager });
    expect(own.body.data?.employees.totalCount).toBe(3);
    const list = await stack.gql(StoreSalesDocument, { storeId: STORE, first: 5 }, { token: clerk });
    expect(list.body.data?.sales.edges[0]?.node.id).toBeDefined();
  });

  it("a deactivated employee's token is refused at the next request, through the router", async () => {
    const made = await stack.gql(
      CreateEmployeeDocument,
      {
        input: {
          name: 'Temp Clerk',
          email: `temp-${Date.now()}@staff.example.com`,
          role: 'CLERK',
          storeId: STORE,
          password: 'temporary-pw',
        },
      },
      { token: admin },
    );
    const employee = made.body.data!.createEmployee.employee!;
    const login = await stack.gql(StaffLoginDocument, { input: { email: employee.email, password: 'temporary-pw' } });
    const token = login.body.data!.staffLogin.token!;
    expect((await stack.gql(CurrentEmployeeDocument, {}, { token })).body.data?.currentEmployee?.id).toBe(employee.id);
    const off = await stack.gql(DeactivateEmployeeDocument, { input: { employeeId: employee.id } }, { token: admin });
    expect(off.body.data?.deactivateEmployee).toEqual({ employee: { id: employee.id, active: false }, errors: [] });
    const refused = await stack.gql(CurrentEmployeeDocument, {}, { token });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const sale = await sell([{ productId: 'prod-0122', quantity: 1 }], { token });
    expect(sale.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('bad input: unknown store, register of another store, closed register, zero or negative quantity, unknown or inactive product; nothing written', async () => {
    const before = await counts();
    const codes = async (lines: { productId: string; quantity: number }[], opts: Parameters<typeof sell>[1] = {}) =>
      (await sell(lines, opts)).body.data!.recordSale.errors.map((e) => e.code);
    const one = [{ productId: 'prod-0130', quantity: 1 }];
    expect(await codes(one, { storeId: 'store-99', token: tokens.admin() })).toEqual(['UNKNOWN_STORE']);
    expect(await codes(one, { registerId: 'reg-store-1-1' })).toEqual(['REGISTER_NOT_IN_STORE']);
    // A register added just now has no open session.
    const added = await stack.gql(AddCashRegisterDocument, { input: { storeId: STORE } }, { token: manager });
    const closed = added.body.data!.addCashRegister.register!.id;
    expect(await codes(one, { registerId: closed })).toEqual(['REGISTER_CLOSED']);
    const afterRegister = await counts();
    expect(await codes([{ productId: 'prod-0130', quantity: 0 }])).toEqual(['INVALID_QUANTITY']);
    expect(await codes([{ productId: 'prod-0130', quantity: -3 }])).toEqual(['INVALID_QUANTITY']);
    expect(await codes([{ productId: 'prod-9999', quantity: 1 }])).toEqual(['UNKNOWN_PRODUCT']);
    // Every 47th demo product is withdrawn from sale.
    expect(await codes([{ productId: 'prod-0047', quantity: 1 }])).toEqual(['PRODUCT_INACTIVE']);
    expect(before.inventory).toEqual(afterRegister.inventory);
    expect(await counts()).toEqual(afterRegister);
  });

  it('closing a register records counted minus (float + cash sales - cash refunds); cancelSale restocks', async () => {
    const reg = (await stack.gql(AddCashRegisterDocument, { input: { storeId: STORE } }, { token: manager })).body.data!
      .addCashRegister.register!.id;
    await stack.gql(OpenRegisterDocument, { input: { registerId: reg, openingFloat: '100.00' } }, { token: clerk });
    await inStock(['prod-0140', 'prod-0143', 'prod-0142']);
    const cash = await sell([{ productId: 'prod-0140', quantity: 2 }], { registerId: reg, payment: 'CASH' });
    const cashTotal = Math.round(Number(cash.body.data!.recordSale.sale!.total.amount) * 100);
    const card = await sell([{ productId: 'prod-0143', quantity: 1 }], { registerId: reg, payment: 'CARD' });
    expect(card.body.data!.recordSale.errors).toEqual([]);
    const voided = await sell([{ productId: 'prod-0142', quantity: 1 }], { registerId: reg, payment: 'CASH' });
    const before = await level('prod-0142');
    const cancel = await stack.gql(
      CancelSaleDocument,
      { input: { saleId: voided.body.data!.recordSale.sale!.id, reason: 'Rung up by mistake' } },
      { token: manager },
    );
    expect(cancel.body.data?.cancelSale.sale?.status).toBe('CANCELLED');
    expect(await level('prod-0142')).toEqual({ onHand: before.onHand + 1, reserved: before.reserved });

    const expected = 10_000 + cashTotal;
    const counted = expected - 250;
    const closed = await stack.gql(
      CloseRegisterDocument,
      { input: { registerId: reg, countedCash: (counted / 100).toFixed(2), note: 'short' } },
      { token: clerk },
    );
    const session = closed.body.data!.closeRegister.session!;
    expect(closed.body.data!.closeRegister.errors).toEqual([]);
    expect(session.status).toBe('CLOSED');
    expect(session.salesCount).toBe(2);
    expect(session.cashSales.amount).toBe((cashTotal / 100).toFixed(2));
    expect(session.cashRefunds.amount).toBe('0.00');
    expect(session.expectedCash.amount).toBe((expected / 100).toFixed(2));
    expect(session.difference?.amount).toBe('-2.50');

    // What retail reported of it (docs/events.md): the three sales, the cancellation, the closing.
    const events = await retailDb.query<{ type: string; aggregate_id: string; data: { differenceCents?: number } }>(
      `select type, aggregate_id, data from outbox
        where aggregate_id = any($1::text[]) or (type = 'register.closed' and data->>'registerId' = $2) order by seq`,
      [[cash, card, voided].map((r) => r.body.data!.recordSale.sale!.id), reg],
    );
    expect(events.rows.map((e) => e.type)).toEqual([
      'sale.recorded',
      'sale.recorded',
      'sale.recorded',
      'sale.cancelled',
      'register.closed',
    ]);
    expect(events.rows[3]!.aggregate_id).toBe(voided.body.data!.recordSale.sale!.id);
    expect(events.rows[4]!.data.differenceCents).toBe(-250);
  });

  it('SaleByNumber: the receipt finds its sale for the store and head office, a return starts from it; another store FORBIDDEN; an unknown or malformed number null', async () => {
    await inStock(['prod-0150']);
    const sold = (await sell([{ productId: 'prod-0150', quantity: 2 }])).body.data!.recordSale.sale!;
    const read = await stack.gql(SaleByNumberDocument, { number: sold.number }, { token: clerk });
    expect(read.body.errors).toBeUndefined();
    const receipt = read.body.data!.saleByNumber!;
    expect(receipt).toMatchObject({
      id: sold.id,
      number: sold.number,
      status: 'COMPLETED',
      paymentMethod: 'CARD',
      store: { id: STORE },
      register: { id: REG_1 },
      total: sold.total,
      lines: [{ id: sold.lines[0]!.id, product: { id: 'prod-0150' }, quantity: 2, returnedQuantity: 0 }],
    });
    // Typed at the till: surrounding spaces and a lower-case "s" are forgiven; head office reads any store's.
    const typed = await stack.gql(SaleByNumberDocument, { number: ` ${sold.number.toLowerCase()} ` }, { token: admin });
    expect(typed.body.data?.saleByNumber?.id).toBe(sold.id);

    const back = await giveBack(receipt.id, receipt.lines[0]!.id, 1);
    expect(back.body.data!.returnSale.errors).toEqual([]);
    expect(back.body.data!.returnSale.return?.status).toBe('COMPLETED');
    const after = await stack.gql(SaleByNumberDocument, { number: sold.number }, { token: manager });
    expect(after.body.data?.saleByNumber?.lines[0]?.returnedQuantity).toBe(1);

    const refused = [
      await stack.gql(SaleByNumberDocument, { number: sold.number }, { token: tokens.clerk('store-1') }),
      await stack.gql(SaleByNumberDocument, { number: sold.number }, { token: tokens.manager('store-1') }),
      await stack.gql(SaleByNumberDocument, { number: sold.number }, { token: tokens.customer() }),
      await stack.gql(SaleByNumberDocument, { number: sold.number }),
    ];
    expect(refused.map((r) => [r.body.errors?.[0]?.extensions?.code, r.body.data?.saleByNumber ?? null])).toEqual([
      ['FORBIDDEN', null],
      ['FORBIDDEN', null],
      ['FORBIDDEN', null],
      ['UNAUTHENTICATED', null],
    ]);

    const unknown = [
      'S3-999999',
      'S99-000001',
      'nonsense',
      '',
      'S3-',
      'S3-42',
      `${sold.number}' or '1'='1`,
      'x'.repeat(500),
    ];
    const answers = await Promise.all(
      unknown.map((number) => stack.gql(SaleByNumberDocument, { number }, { token: clerk })),
    );
    expect(answers).toHaveLength(unknown.length);
    expect(answers.map((r) => [r.status, r.body.errors, r.body.data])).toEqual(
      unknown.map(() => [200, undefined, { saleByNumber: null }]),
    );
  });

  it("RegisterSessions: a register's sessions newest first, paginated, each closed one with the figures closeRegister reported", async () => {
    const reg = (await stack.gql(AddCashRegisterDocument, { input: { storeId: STORE } }, { token: manager })).body.data!
      .addCashRegister.register!.id;
    const open = async (float: string) => {
      const res = await stack.gql(
        OpenRegisterDocument,
        { input: { registerId: reg, openingFloat: float } },
        { token: clerk },
      );
      expect(res.body.data?.openRegister.errors).toEqual([]);
      return res.body.data!.openRegister.session!;
    };
    const first = await open('120.00');
    await inStock(['prod-0151']);
    const cash = await sell([{ productId: 'prod-0151', quantity: 1 }], { registerId: reg, payment: 'CASH' });
    const cashCents = Math.round(Number(cash.body.data!.recordSale.sale!.total.amount) * 100);
    const closing = await stack.gql(
      CloseRegisterDocument,
      {
        input: {
          registerId: reg,
          countedCash: ((12_000 + cashCents - 100) / 100).toFixed(2),
          note: 'one dollar short',
        },
      },
      { token: manager },
    );
    expect(closing.body.data!.closeRegister.errors).toEqual([]);
    const closed = closing.body.data!.closeRegister.session!;
    const second = await open('80.00');

    const page = async (token: string, after: string | null = null, first = 1) =>
      stack.gql(RegisterSessionsDocument, { registerId: reg, first, after }, { token });
    const newest = await page(manager);
    expect(newest.body.errors).toBeUndefined();
    const one = newest.body.data!.registerSessions;
    expect(one.totalCount).toBe(2);
    expect(one.pageInfo).toEqual({ hasNextPage: true, endCursor: one.edges[0]!.cursor });
    expect(one.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({
        id: second.id,
        status: 'OPEN',
        openedAt: second.openedAt,
        openedBy: { id: 'emp-store-3-clerk-1', name: 'Sophie Gagné' },
        closedAt: null,
        closedBy: null,
        countedCash: null,
        difference: null,
        expectedCash: { amount: '80.00', currency: 'CAD' },
        salesCount: 0,
      }),
    ]);
    const older = await page(clerk, one.pageInfo.endCursor, 10);
    const rest = older.body.data!.registerSessions;
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(rest.edges).toHaveLength(1);
    const final = rest.edges[0]!.node;
    // What closeRegister reported, read back afterwards.
    expect(final).toMatchObject({
      id: first.id,
      status: 'CLOSED',
      closedAt: closed.closedAt,
      salesCount: closed.salesCount,
      openingFloat: closed.openingFloat,
      cashSales: closed.cashSales,
      cashRefunds: closed.cashRefunds,
      expectedCash: closed.expectedCash,
      countedCash: closed.countedCash,
      difference: { amount: '-1.00', currency: 'CAD' },
      closingNote: 'one dollar short',
      openedBy: { id: 'emp-store-3-clerk-1' },
      closedBy: { id: 'emp-store-3-manager' },
    });
    expect(final.difference).toEqual(closed.difference);
    expect(final.expectedCash.amount).toBe(((12_000 + cashCents) / 100).toFixed(2));

    // Head office sees every store's; another store's staff is refused; an unknown register has none.
    expect((await page(admin, null, 10)).body.data?.registerSessions.totalCount).toBe(2);
    const intruder = await page(tokens.clerk('store-1'));
    expect(intruder.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const none = await stack.gql(RegisterSessionsDocument, { registerId: 'reg-nope', first: 5 }, { token: admin });
    expect(none.body.data?.registerSessions).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      edges: [],
    });
    const beyondTime = Buffer.from(JSON.stringify([Number.MAX_SAFE_INTEGER, first.id])).toString('base64url');
    for (const cursor of ['not-a-cursor', beyondTime]) {
      const edited = await page(manager, cursor);
      expect([cursor, edited.body.errors?.[0]?.extensions?.code]).toEqual([cursor, 'BAD_USER_INPUT']);
    }
  });

  it('retainedEvents is not part of the router API, even with a service token', async () => {
    const res = await stack.gql(
      'query { retainedEvents(first: 10) { events } }',
      {},
      { token: tokens.service('reports') },
    );
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
