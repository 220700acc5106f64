/**
 * Input hygiene in retail's mutations (kit/input-hygiene.ts with retail's TEXT_CODES): control
 * characters or text over 10,000 characters in a field with text rules of its own are refused with
 * that field's own code (note -> INVALID_NOTE, reason -> INVALID_REASON, idempotencyKey ->
 * INVALID_IDEMPOTENCY_KEY, name -> INVALID_NAME...), the code its domain rule gives, and in any other
 * field (an id, a password) with INVALID_CHARACTERS or TOO_LONG; nothing runs, nothing is written.
 */
import { tokens } from '../../helpers/toolkit';
import {
  CANCEL_SALE,
  CLOSE_REGISTER,
  RECORD_SALE,
  REGISTER_1,
  RETURN_SALE,
  useTestRetail,
  type UserErrorAnswer,
} from './helpers';

const CREATE_STORE = `mutation($input: CreateStoreInput!) { createStore(input: $input) { store { id } errors { code field message } } }`;
const CREATE_EMPLOYEE = `mutation($input: CreateEmployeeInput!) { createEmployee(input: $input) { employee { id } errors { code field message } } }`;
const STAFF_LOGIN = `mutation($input: StaffLoginInput!) { staffLogin(input: $input) { token errors { code field message } } }`;

const STORE = { name: 'Rimouski Centre', address: '1 rue de la Cathédrale', city: 'Rimouski' };
const LONG = 'x'.repeat(10_001);

describe('input hygiene with retail codes', () => {
  const t = useTestRetail();
  const admin = tokens.admin();
  const clerk = tokens.clerk('store-1');

  /** The payload's errors as code@field, after checking that nothing was written. */
  async function refused(field: string, query: string, input: Record<string, unknown>, token?: string) {
    const before = await t.counts();
    const res = await t.gql<Record<string, { errors: UserErrorAnswer[] }>>(query, { input }, { token });
    expect(res.body.errors).toBeUndefined();
    expect(await t.counts()).toEqual(before);
    return res.body.data![field]!.errors.map((e) => `${e.code}@${(e.field ?? []).join('.')}`);
  }

  it.each([
    ['name', { ...STORE, name: 'Rimouski\u0000' }, 'INVALID_NAME@input.name'],
    ['address', { ...STORE, address: '1 rue\u0007' }, 'INVALID_ADDRESS@input.address'],
    ['city', { ...STORE, city: LONG }, 'INVALID_ADDRESS@input.city'],
    ['phone', { ...STORE, phone: '418\u001b555' }, 'INVALID_PHONE@input.phone'],
    ['timeZone', { ...STORE, timeZone: 'America/Toronto\u0000' }, 'INVALID_TIME_ZONE@input.timeZone'],
    [
      'opening hours',
      { ...STORE, openingHours: [{ day: 'MONDAY', opens: '09:00\u0001', closes: '17:00' }] },
      'INVALID_OPENING_HOURS@input.openingHours.0.opens',
    ],
  ])(
    'createStore: control characters or too much text in the %s are refused with its own code',
    async (_what, input, code) => {
      expect(await refused('createStore', CREATE_STORE, input, admin)).toEqual([code]);
    },
  );

  it('staff accounts: the email with its code, a password (no text rule of its own) with the generic ones', async () => {
    expect(
      await refused('staffLogin', STAFF_LOGIN, {
        email: 'clerk1a@staff.example.com\u0000',
        password: 'staff-password',
      }),
    ).toEqual(['INVALID_EMAIL@input.email']);
    expect(
      await refused('staffLogin', STAFF_LOGIN, { email: 'clerk1a@staff.example.com', password: 'staff\u0000password' }),
    ).toEqual(['INVALID_CHARACTERS@input.password']);
    const account = { name: 'Léo Martin', email: 'leo@staff.example.com', role: 'CLERK', storeId: 'store-1' };
    expect(await refused('createEmployee', CREATE_EMPLOYEE, { ...account, password: LONG }, admin)).toEqual([
      'TOO_LONG@input.password',
    ]);
  });

  it('the till: a note, a reason and an idempotency key with their codes, an id with the generic one', async () => {
    const sale = {
      storeId: 'store-1',
      registerId: REGISTER_1,
      lines: [{ productId: 'prod-0001', quantity: 1 }],
      paymentMethod: 'CARD',
    };
    expect(await refused('recordSale', RECORD_SALE, { ...sale, idempotencyKey: 'key\u0000' }, clerk)).toEqual([
      'INVALID_IDEMPOTENCY_KEY@input.idempotencyKey',
    ]);
    expect(
      await refused('recordSale', RECORD_SALE, { ...sale, registerId: 'reg\u0000', idempotencyKey: 'k-1' }, clerk),
    ).toEqual(['INVALID_CHARACTERS@input.registerId']);
    expect(
      await refused(
        'closeRegister',
        CLOSE_REGISTER,
        { registerId: REGISTER_1, countedCash: '1.00', note: 'short\u0000' },
        clerk,
      ),
    ).toEqual(['INVALID_NOTE@input.note']);
    // Over the kit's 10,000 characters: the same code as over the domain's 500.
    expect(
      await refused(
        'closeRegister',
        CLOSE_REGISTER,
        { registerId: REGISTER_1, countedCash: '1.00', note: LONG },
        clerk,
      ),
    ).toEqual(['INVALID_NOTE@input.note']);
    expect(
      await refused('cancelSale', CANCEL_SALE, { saleId: 'sale-1', reason: 'oops\u0008' }, tokens.manager('store-1')),
    ).toEqual(['INVALID_REASON@input.reason']);
    const giveBack = {
      saleId: 'sale-1',
      registerId: REGISTER_1,
      lines: [{ saleLineId: 'line-1', quantity: 1 }],
      refundMethod: 'CASH',
      idempotencyKey: 'r-1',
    };
    expect(await refused('returnSale', RETURN_SALE, { ...giveBack, reason: 'torn\u007f' }, clerk)).toEqual([
      'INVALID_REASON@input.reason',
    ]);
  });
});
