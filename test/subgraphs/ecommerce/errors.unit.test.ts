/**
 * ecommerce's own error rules beyond every subgraph's (test/error-codes.unit.test.ts, ADR 0021): a
 * saga's failure code the enum does not list answers CHECKOUT_FAILED; and input hygiene
 * (kit/input-hygiene.ts with TEXT_CODES) refuses a field with text rules of its own with that field's
 * code, any other field (an id, an email, a password) with INVALID_CHARACTERS or TOO_LONG. Run on the
 * subgraph's schema: a refused input never reaches a resolver, so no database is needed.
 */
import { execute, parse } from 'graphql';
import { MAX_INPUT_STRING, type Identity } from '../../../subgraphs/kit';
import { codeOr, TEXT_CODES, type EcommerceErrorCode } from '../../../subgraphs/ecommerce/domain/errors';
import { schema } from '../../../subgraphs/ecommerce/server';

describe('EcommerceErrorCode', () => {
  it("keeps a checkout failure code ecommerce lists, and answers CHECKOUT_FAILED for inventory's or a transport's", () => {
    expect(codeOr('PAYMENT_DECLINED', 'CHECKOUT_FAILED')).toBe('PAYMENT_DECLINED');
    expect(codeOr('INSUFFICIENT_STOCK', 'CHECKOUT_FAILED')).toBe('INSUFFICIENT_STOCK');
    expect(codeOr('INVENTORY_UNAVAILABLE', 'CHECKOUT_FAILED')).toBe('CHECKOUT_FAILED');
    expect(codeOr('RESERVATION_NOT_ACTIVE', 'CHECKOUT_FAILED')).toBe('CHECKOUT_FAILED');
    expect(codeOr(null, 'CHECKOUT_FAILED')).toBe('CHECKOUT_FAILED');
  });

  it('has no text code of its own for email and password: login shares their names', () => {
    expect(TEXT_CODES).not.toHaveProperty('email');
    expect(TEXT_CODES).not.toHaveProperty('password');
  });
});

describe('input hygiene with ecommerce codes', () => {
  const customer: Identity = { sub: 'cust-hygiene', role: 'CUSTOMER' };
  const admin: Identity = { sub: 'emp-admin', role: 'ADMIN' };
  const LONG = 'x'.repeat(MAX_INPUT_STRING + 1);
  const CARD = { cardNumber: '4242 4242 4242 4242', expiryMonth: 12, expiryYear: 2099, cvc: '123' };
  const ADDRESS = { line1: '1 rue A', city: 'Montréal', postalCode: 'H3B 1A7', country: 'CA' };

  const MUTATIONS = {
    registerCustomer: 'RegisterCustomerInput',
    login: 'LoginInput',
    addAddress: 'AddAddressInput',
    updateAddress: 'UpdateAddressInput',
    addToCart: 'AddToCartInput',
    checkout: 'CheckoutInput',
    cancelOrder: 'CancelOrderInput',
    shipOrder: 'ShipOrderInput',
  } as const;

  /** The payload's errors as code@field; the refusal comes before any resolver, so nothing else is asked. */
  async function refused(
    field: keyof typeof MUTATIONS,
    input: Record<string, unknown>,
    identity: Identity | null,
  ): Promise<string[]> {
    const result = await execute({
      schema,
      document: parse(
        `mutation($input: ${MUTATIONS[field]}!) { ${field}(input: $input) { errors { code field message } } }`,
      ),
      variableValues: { input },
      // The request context as the kit builds it: permission rules read the caller from its domain context.
      contextValue: { domain: { identity, requestId: 'hygiene-test' } },
    });
    expect(result.errors).toBeUndefined();
    const payload = result.data?.[field] as { errors: { code: EcommerceErrorCode; field: string[] | null }[] };
    return payload.errors.map((e) => `${e.code}@${(e.field ?? []).join('.')}`);
  }

  it.each([
    ['first name', { firstName: 'Ada\u0000' }, 'INVALID_NAME@input.firstName'],
    ['last name', { lastName: LONG }, 'INVALID_NAME@input.lastName'],
    ['phone', { phone: '514\u001b555' }, 'INVALID_PHONE@input.phone'],
    ['email', { email: 'ada\u0000@example.com' }, 'INVALID_CHARACTERS@input.email'],
    ['password', { password: LONG }, 'TOO_LONG@input.password'],
  ])('registerCustomer: the %s', async (_what, patch, code) => {
    const input = { email: 'ada@example.com', password: 'long-enough-pw', firstName: 'Ada', lastName: 'L', ...patch };
    expect(await refused('registerCustomer', input, null)).toEqual([code]);
  });

  it('login: email and password have no rule of their own', async () => {
    expect(await refused('login', { email: 'ada@example.com', password: 'p\u0000' }, null)).toEqual([
      'INVALID_CHARACTERS@input.password',
    ]);
  });

  it('addresses: each field of the address with INVALID_ADDRESS, the address id with the generic code', async () => {
    for (const [name, value] of [
      ['recipient', 'Ada\u0007'],
      ['line1', '1 rue\u0000'],
      ['line2', LONG],
      ['city', 'Montréal\u0001'],
      ['region', 'QC\u007f'],
      ['postalCode', 'H3B\u0000'],
      ['country', 'C\u0000'],
    ] as const) {
      expect(await refused('addAddress', { address: { ...ADDRESS, [name]: value } }, customer)).toEqual([
        `INVALID_ADDRESS@input.address.${name}`,
      ]);
    }
    expect(await refused('updateAddress', { addressId: 'addr\u0000', address: ADDRESS }, customer)).toEqual([
      'INVALID_CHARACTERS@input.addressId',
    ]);
  });

  it('the cart: a product id with the generic code', async () => {
    expect(await refused('addToCart', { productId: LONG, quantity: 1 }, customer)).toEqual([
      'TOO_LONG@input.productId',
    ]);
  });

  it('checkout: the idempotency key and the card with their codes, an address id with the generic one', async () => {
    const input = { shippingAddressId: 'addr-1', paymentMethod: CARD, idempotencyKey: 'key-1' };
    expect(await refused('checkout', { ...input, idempotencyKey: 'key\u0000' }, customer)).toEqual([
      'INVALID_IDEMPOTENCY_KEY@input.idempotencyKey',
    ]);
    // Over the kit's 10,000 characters: the same code as over the domain's 100.
    expect(await refused('checkout', { ...input, idempotencyKey: LONG }, customer)).toEqual([
      'INVALID_IDEMPOTENCY_KEY@input.idempotencyKey',
    ]);
    for (const name of ['cardNumber', 'cvc', 'holderName'] as const) {
      expect(await refused('checkout', { ...input, paymentMethod: { ...CARD, [name]: '1\u0000' } }, customer)).toEqual([
        `INVALID_CARD@input.paymentMethod.${name}`,
      ]);
    }
    expect(await refused('checkout', { ...input, shippingAddressId: 'addr\u0000' }, customer)).toEqual([
      'INVALID_CHARACTERS@input.shippingAddressId',
    ]);
  });

  it('orders: a reason and a note with their codes, an order id with the generic one', async () => {
    expect(await refused('cancelOrder', { orderId: 'ord-1', reason: 'oops\u0008' }, customer)).toEqual([
      'INVALID_REASON@input.reason',
    ]);
    expect(await refused('shipOrder', { orderId: 'ord-1', note: LONG }, admin)).toEqual(['INVALID_NOTE@input.note']);
    expect(await refused('shipOrder', { orderId: 'ord\u0000' }, admin)).toEqual(['INVALID_CHARACTERS@input.orderId']);
  });
});
