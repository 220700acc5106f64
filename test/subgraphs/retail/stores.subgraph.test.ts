/**
 * Stores and registers against real PostgreSQL with an inventory double: public store reads, store
 * management by head office (the stock location comes from inventory first), registers numbered per
 * store under concurrency, and opening registers.
 */
import { tokens } from '../../helpers/toolkit';
import { OPEN_REGISTER, useTestRetail, type UserErrorAnswer } from './helpers';

interface OpeningHoursAnswer {
  day: string;
  opens: string;
  closes: string;
}

const CREATE_STORE = `mutation($input: CreateStoreInput!) {
  createStore(input: $input) {
    store { id number name city phone timeZone openingHours { day opens closes } active registers { id } }
    errors { code field }
  }
}`;
const UPDATE_STORE = `mutation($input: UpdateStoreInput!) {
  updateStore(input: $input) { store { id name phone openingHours { day opens closes } active manager { id } } errors { code field } }
}`;
const ADD_REGISTER = `mutation($input: AddCashRegisterInput!) {
  addCashRegister(input: $input) { register { id number store { id } active } errors { code } }
}`;

const NEW_STORE = {
  name: 'Sherbrooke Carrefour',
  address: '3050 boul. de Portland',
  city: 'Sherbrooke',
  phone: '+1 819 555 0106',
  openingHours: [
    { day: 'SATURDAY', opens: '09:00', closes: '17:00' },
    { day: 'MONDAY', opens: '09:30', closes: '21:00' },
  ],
};

describe('stores and registers (retail subgraph)', () => {
  const t = useTestRetail();
  const admin = tokens.admin();

  it('the contract Stores query runs anonymously: the demo stores with their registers', async () => {
    const res = await t.gql<{ stores: { id: string; registers: { id: string; number: number }[] }[] }>(
      'query { stores { id name city address phone registers { id number } } }',
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.stores.map((s) => s.id)).toEqual(['store-1', 'store-2', 'store-3', 'store-4', 'store-5']);
    expect(res.body.data!.stores[2]!.registers).toEqual([
      { id: 'reg-store-3-1', number: 1 },
      { id: 'reg-store-3-2', number: 2 },
    ]);
    const one = await t.gql<{ store: { number: number; timeZone: string; openingHours: OpeningHoursAnswer[] } | null }>(
      'query { store(id: "store-3") { number timeZone openingHours { day opens closes } } missing: store(id: "nope") { id } }',
    );
    expect(one.body.data).toMatchObject({ store: { number: 3, timeZone: 'America/Toronto' }, missing: null });
    expect(one.body.data!.store!.openingHours).toHaveLength(7);
    // The manager is staff data: named to staff, not to anonymous callers.
    const anonymous = await t.gql('query { store(id: "store-1") { manager { id } } }');
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const staff = await t.gql(
      'query { store(id: "store-1") { manager { id name } } }',
      {},
      { token: tokens.clerk('store-1') },
    );
    expect(staff.body.data).toEqual({ store: { manager: { id: 'emp-store-1-manager', name: 'Mathieu Bouchard' } } });
  });

  it('createStore gets the stock location from inventory, numbers the store and sorts its hours', async () => {
    const res = await t.gql<{
      createStore: {
        store: {
          id: string;
          number: number;
          name: string;
          city: string;
          phone: string | null;
          timeZone: string;
          openingHours: OpeningHoursAnswer[];
          active: boolean;
          registers: { id: string }[];
        } | null;
        errors: UserErrorAnswer[];
      };
    }>(CREATE_STORE, { input: NEW_STORE }, { token: admin });
    expect(res.body.data!.createStore).toEqual({
      store: {
        id: 'store-6',
        number: 6,
        name: 'Sherbrooke Carrefour',
        city: 'Sherbrooke',
        phone: '+1 819 555 0106',
        timeZone: 'America/Toronto',
        openingHours: [
          { day: 'MONDAY', opens: '09:30', closes: '21:00' },
          { day: 'SATURDAY', opens: '09:00', closes: '17:00' },
        ],
        active: true,
        registers: [],
      },
      errors: [],
    });
    expect(t.inventory.callsOf('ensureStoreLocation')).toEqual(['store-6']);
    const [row] = await t.sql<{ location_id: string }>("select location_id from stores where id = 'store-6'");
    expect(row!.location_id).toBe('loc-store-6');
  });

  it('createStore refuses bad details with UserErrors before asking inventory, and writes nothing', async () => {
    const counts = await t.counts();
    const calls = t.inventory.calls.length;
    const codes = async (change: Record<string, unknown>) =>
      (
        await t.gql<{ createStore: { errors: { code: string; field: string[] }[] } }>(
          CREATE_STORE,
          { input: { ...NEW_STORE, name: 'Another One', ...change } },
          { token: admin },
        )
      ).body.data!.createStore.errors.map((e) => `${e.code}@${e.field.slice(1).join('.')}`);
    expect(await codes({ name: 'SHERBROOKE carrefour' })).toEqual(['STORE_NAME_TAKEN@name']);
    expect(await codes({ name: ' ' })).toEqual(['INVALID_NAME@name']);
    expect(await codes({ city: 'x'.repeat(101) })).toEqual(['INVALID_ADDRESS@city']);
    expect(await codes({ phone: 'call me' })).toEqual(['INVALID_PHONE@phone']);
    expect(await codes({ timeZone: 'Mars/Olympus' })).toEqual(['INVALID_TIME_ZONE@timeZone']);
    expect(
      await codes({
        openingHours: [
          { day: 'MONDAY', opens: '09:00', closes: '08:00' },
          { day: 'MONDAY', opens: '25:00', closes: '9:00' },
        ],
      }),
    ).toEqual([
      'INVALID_OPENING_HOURS@openingHours.0.closes',
      'INVALID_OPENING_HOURS@openingHours.1.day',
      'INVALID_OPENING_HOURS@openingHours.1.opens',
      'INVALID_OPENING_HOURS@openingHours.1.closes',
    ]);
    expect(await t.counts()).toEqual(counts);
    expect(t.inventory.calls.length).toBe(calls);

    t.inventory.fail('ensureStoreLocation', {
      ok: false,
      transient: true,
      code: 'INVENTORY_UNAVAILABLE',
      message: 'down',
    });
    const down = await t.gql(CREATE_STORE, { input: { ...NEW_STORE, name: 'Unlucky' } }, { token: admin });
    expect(down.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(await t.counts()).toEqual(counts);

    const byManager = await t.gql(CREATE_STORE, { input: NEW_STORE }, { token: tokens.manager('store-1') });
    expect(byManager.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('updateStore changes only what is given; the manager must be an active MANAGER of the store', async () => {
    const res = await t.gql<{
      updateStore: {
        store: {
          id: string;
          name: string;
          phone: string | null;
          openingHours: OpeningHoursAnswer[];
          active: boolean;
          manager: { id: string } | null;
        } | null;
        errors: UserErrorAnswer[];
      };
    }>(
      UPDATE_STORE,
      { input: { storeId: 'store-2', phone: '', openingHours: [{ day: 'SUNDAY', opens: '11:00', closes: '16:00' }] } },
      { token: admin },
    );
    expect(res.body.data!.updateStore).toEqual({
      store: {
        id: 'store-2',
        name: 'Laval Carrefour',
        phone: null,
        openingHours: [{ day: 'SUNDAY', opens: '11:00', closes: '16:00' }],
        active: true,
        manager: { id: 'emp-store-2-manager' },
      },
      errors: [],
    });
    const codes = async (input: Record<string, unknown>) =>
      (
        await t.gql<{ updateStore: { errors: { code: string }[] } }>(
          UPDATE_STORE,
          { input: { storeId: 'store-2', ...input } },
          { token: admin },
        )
      ).body.data!.updateStore.errors.map((e) => e.code);
    expect(await codes({ managerId: 'emp-store-2-clerk-1' })).toEqual(['INVALID_MANAGER']);
    expect(await codes({ managerId: 'emp-store-1-manager' })).toEqual(['INVALID_MANAGER']);
    expect(await codes({ managerId: 'emp-nobody' })).toEqual(['UNKNOWN_EMPLOYEE']);
    expect(await codes({ name: 'Montréal Centre-Ville' })).toEqual(['STORE_NAME_TAKEN']);
    expect(await codes({ storeId: 'store-404' })).toEqual(['UNKNOWN_STORE']);
    const cleared = await t.gql(UPDATE_STORE, { input: { storeId: 'store-2', clearManager: true } }, { token: admin });
    expect(cleared.body.data).toMatchObject({ updateStore: { store: { manager: null }, errors: [] } });

    // A store closes for good only once its registers are closed.
    await t.gql(
      OPEN_REGISTER,
      { input: { registerId: 'reg-store-5-1', openingFloat: '100.00' } },
      { token: tokens.clerk('store-5') },
    );
    const storeId = 'store-5';
    expect(
      (
        await t.gql<{ updateStore: { errors: { code: string }[] } }>(
          UPDATE_STORE,
          { input: { storeId, active: false } },
          { token: admin },
        )
      ).body.data!.updateStore.errors.map((e) => e.code),
    ).toEqual(['REGISTERS_OPEN']);
  });

  it('addCashRegister numbers registers per store, also when two are added at once; the store manager or ADMIN only', async () => {
    const add = (storeId: string, token: string) =>
      t.gql<{ addCashRegister: { register: { id: string; number: number } | null; errors: { code: string }[] } }>(
        ADD_REGISTER,
        { input: { storeId } },
        { token },
      );
    const [a, b] = await Promise.all([add('store-1', tokens.manager('store-1')), add('store-1', admin)]);
    expect(
      [a.body.data!.addCashRegister.register!.number, b.body.data!.addCashRegister.register!.number].sort(),
    ).toEqual([3, 4]);
    expect(a.body.data!.addCashRegister.register!.id).toMatch(/^reg-store-1-[34]$/);
    expect((await add('store-1', tokens.manager('store-2'))).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await add('store-1', tokens.clerk('store-1'))).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await add('store-99', admin)).body.data!.addCashRegister.errors.map((e) => e.code)).toEqual([
      'UNKNOWN_STORE',
    ]);
  });

  it('openRegister: one open session per register, staff of its store only, a float within bounds', async () => {
    const open = (registerId: string, token: string, openingFloat = '200.00') =>
      t.gql<{ openRegister: { session: { id: string } | null; errors: { code: string }[] } }>(
        OPEN_REGISTER,
        { input: { registerId, openingFloat } },
        { token },
      );
    const clerk = tokens.clerk('store-4');
    const [x, y] = await Promise.all([open('reg-store-4-1', clerk), open('reg-store-4-1', clerk)]);
    const outcomes = [x, y].map((r) =>
      r.body.data!.openRegister.session ? 'OPEN' : r.body.data!.openRegister.errors[0]?.code,
    );
    expect(outcomes.sort()).toEqual(['OPEN', 'REGISTER_ALREADY_OPEN']);
    expect((await open('reg-store-4-2', tokens.clerk('store-1'))).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await open('reg-store-4-2', clerk, '-1.00')).body.data!.openRegister.errors.map((e) => e.code)).toEqual([
      'INVALID_AMOUNT',
    ]);
    expect((await open('reg-store-4-2', clerk, '100000.01')).body.data!.openRegister.errors.map((e) => e.code)).toEqual(
      ['INVALID_AMOUNT'],
    );
    expect((await open('reg-nope', clerk)).body.data!.openRegister.errors.map((e) => e.code)).toEqual([
      'UNKNOWN_REGISTER',
    ]);
    const current = await t.gql<{ store: { registers: { currentSession: { id: string } | null }[] } }>(
      'query { store(id: "store-4") { registers { currentSession { id } } } }',
      {},
      { token: clerk },
    );
    expect(current.body.data!.store.registers.map((r) => r.currentSession !== null)).toEqual([true, false]);
  });
});
