import { spawnSync } from 'node:child_process';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { JWT_AUDIENCE, JWT_ISSUER, jwtSecret, signToken } from '../../subgraphs/kit';
import { DEMO_CUSTOMER_PASSWORD } from '../../subgraphs/ecommerce/seed';
import {
  AddAddressDocument,
  AddToCartDocument,
  LoginDocument,
  MeDocument,
  OrdersDocument,
  RegisterCustomerDocument,
  RemoveAddressDocument,
  RemoveCartLineDocument,
  UpdateAddressDocument,
  UpdateCartLineDocument,
  type AddToCartMutation,
} from '../../schema/operations/generated';
import {
  addToCart,
  ADDRESS,
  ecommerceCounts,
  newCustomer,
  sqlRows,
  type Gql,
  type TestCustomer,
} from '../subgraphs/ecommerce/helpers';
import { startStack, type Stack } from '../helpers/stack';
import { tokens, type Gql as TypedGql, type GqlResult } from '../helpers/toolkit';

/** Identity and ownership through the router: registration, login, tokens, and "only your own". */
describe('ecommerce identity through the router', () => {
  let stack: Stack;
  let db: string;

  beforeAll(async () => {
    stack = await startStack({ services: ['products', 'inventory', 'ecommerce'], seed: true });
    db = stack.databases.ecommerce!.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  // The ecommerce fixtures' client (newCustomer, addToCart); the operations below go through the
  // stack's typed client, so their results have the generated operation types.
  const fixtures: Gql = (q, v, o) => stack.gql(q, v, o);
  const gql: TypedGql = (query, variables, opts) => stack.gql(query, variables, opts);
  const codes = (errors: { code: string }[] | undefined) => (errors ?? []).map((e) => e.code);

  describe('registration and login', () => {
    it('registers a customer, returns a CUSTOMER token, and stores only a scrypt hash', async () => {
      const email = `Reg.${Date.now()}@Example.com`;
      const res = await gql(RegisterCustomerDocument, {
        input: {
          email,
          password: 'a-good-password',
          firstName: ' Ada ',
          lastName: 'Lovelace',
          phone: '+1 514 555 0100',
        },
      });
      expect(res.status).toBe(200);
      const p = res.body.data!.registerCustomer;
      expect(p.errors).toEqual([]);
      expect(p.customer).toEqual({ id: expect.any(String), email, firstName: 'Ada', lastName: 'Lovelace' });
      const customerId = p.customer!.id;
      const claims = jwt.verify(p.token!, jwtSecret(), { algorithms: ['HS256'] }) as jwt.JwtPayload;
      expect(claims).toMatchObject({ sub: customerId, role: 'CUSTOMER', iss: JWT_ISSUER, aud: JWT_AUDIENCE });

      const [row] = await sqlRows<{ password_hash: string }>(db, 'select password_hash from customers where id = $1', [
        customerId,
      ]);
      expect(row!.password_hash).toMatch(/^\$scrypt\$v=1\$N=16384,r=8,p=1\$/);
      expect(row!.password_hash).not.toContain('a-good-password');
      // The schema has no field that could return it.
      expect(stack.supergraphSdl).not.toMatch(/password(Hash|_hash)/i);
    });

    it('logs in with any letter case of the email; wrong password and unknown email get the same error', async () => {
      const c = await newCustomer(fixtures, 'login');
      const ok = await gql(LoginDocument, { input: { email: c.email.toUpperCase(), password: 'long-enough-pw' } });
      expect(ok.body.data!.login.errors).toEqual([]);
      expect(ok.body.data!.login.customer).toEqual({ id: c.id, email: c.email });
      const me = await gql(MeDocument, {}, { token: ok.body.data!.login.token! });
      expect(me.body.data?.me?.id).toBe(c.id);

      const wrong = await gql(LoginDocument, { input: { email: c.email, password: 'not-the-password' } });
      const unknown = await gql(LoginDocument, {
        input: { email: `nobody-${Date.now()}@example.com`, password: 'x' },
      });
      for (const res of [wrong, unknown]) {
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data!.login.token).toBeNull();
        expect(res.body.data!.login.customer).toBeNull();
        expect(res.body.data!.login.errors).toEqual([
          { code: 'INVALID_CREDENTIALS', field: null, message: 'Email or password is incorrect' },
        ]);
      }
    });

    it('seeds demo customers that sign in with the documented password', async () => {
      const res = await gql(LoginDocument, {
        input: { email: 'alice@example.com', password: DEMO_CUSTOMER_PASSWORD },
      });
      expect(res.body.data!.login.errors).toEqual([]);
      expect(res.body.data!.login.customer?.email).toBe('alice@example.com');
    });

    it('refuses a second account for the same email in another letter case (unique on lower(email))', async () => {
      const c = await newCustomer(fixtures, 'dup');
      const before = await ecommerceCounts(db);
      const res = await gql(RegisterCustomerDocument, {
        input: { email: c.email.toUpperCase(), password: 'another-password', firstName: 'D', lastName: 'Up' },
      });
      expect(codes(res.body.data!.registerCustomer.errors)).toEqual(['EMAIL_TAKEN']);
      expect(res.body.data!.registerCustomer.token).toBeNull();
      expect(await ecommerceCounts(db)).toEqual(before);
    });

    it('lets exactly one of two simultaneous registrations of one email win', async () => {
      const email = `race-${Date.now()}@example.com`;
      const input = { email, password: 'racing-password', firstName: 'R', lastName: 'Ace' };
      const results = await Promise.all([
        gql(RegisterCustomerDocument, { input }),
        gql(RegisterCustomerDocument, { input: { ...input, email: email.toUpperCase() } }),
      ]);
      const outcomes = results.map((r) => codes(r.body.data!.registerCustomer.errors).join(',') || 'ok').sort();
      expect(outcomes).toEqual(['EMAIL_TAKEN', 'ok']);
      const rows = await sqlRows(db, 'select id from customers where lower(email) = lower($1)', [email]);
      expect(rows).toHaveLength(1);
    });

    it.each([
      ['malformed email', { email: 'not-an-email' }, ['INVALID_EMAIL'], ['input', 'email']],
      ['short password', { password: 'short7!' }, ['WEAK_PASSWORD'], ['input', 'password']],
      ['empty first name', { firstName: '  ' }, ['INVALID_NAME'], ['input', 'firstName']],
    ])('refuses a %s with a UserError and writes nothing', async (_label, patch, expected, field) => {
      const before = await ecommerceCounts(db);
      const res = await gql(RegisterCustomerDocument, {
        input: {
          email: `ok-${Date.now()}@example.com`,
          password: 'long-enough-pw',
          firstName: 'A',
          lastName: 'B',
          ...patch,
        },
      });
      const p = res.body.data!.registerCustomer;
      expect(codes(p.errors)).toEqual(expected);
      expect(p.errors[0]?.field).toEqual(field);
      expect(p.token).toBeNull();
      expect(p.customer).toBeNull();
      expect(await ecommerceCounts(db)).toEqual(before);
    });
  });

  describe('tokens', () => {
    it('me without a token is UNAUTHENTICATED', async () => {
      const res = await gql(MeDocument);
      expect(res.body.data?.me ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('refuses tampered, expired, alg "none" and wrongly signed tokens', async () => {
      const c = await newCustomer(fixtures, 'tokens');
      const [header, payload, signature] = c.token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

      const tampered = `${header}.${b64({ ...claims, role: 'ADMIN' })}.${signature}`;
      const expired = signToken({ sub: c.id, role: 'CUSTOMER' }, -60);
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      const otherKey = jwt.sign({ role: 'CUSTOMER' }, 'some-other-secret-that-is-long-enough-0123', {
        algorithm: 'HS256',
        subject: c.id,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn: 600,
      });
      for (const token of [tampered, expired, none, otherKey, 'garbage']) {
        const res = await gql(MeDocument, {}, { token });
        expect(res.body.data?.me ?? null).toBeNull();
        expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      // The genuine token still works.
      expect((await gql(MeDocument, {}, { token: c.token })).body.data?.me?.id).toBe(c.id);
    });

    it('staff tokens cannot use customer mutations (FORBIDDEN) and see no `me`', async () => {
      const staff = tokens.clerk('store-1', 'emp-1');
      const res = await gql(AddToCartDocument, { input: { productId: 'prod-0001', quantity: 1 } }, { token: staff });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const me = await gql(MeDocument, {}, { token: staff });
      expect(me.body.errors).toBeUndefined();
      expect(me.body.data!.me).toBeNull();
    });

    it('`npm run token` mints a dev token the router accepts, and refuses to under NODE_ENV=production', async () => {
      const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
          cwd: path.join(__dirname, '..', '..'),
          env: { ...process.env, ...env },
          encoding: 'utf8',
        });
      const ok = run(['--role', 'ADMIN', '--sub', 'emp-cli']);
      expect(ok.status).toBe(0);
      const token = ok.stdout.trim();
      expect(jwt.decode(token)).toMatchObject({ sub: 'emp-cli', role: 'ADMIN' });
      const orders = await gql(OrdersDocument, { first: 1 }, { token });
      expect(orders.body.errors).toBeUndefined();
      expect(orders.body.data?.orders.totalCount).toEqual(expect.any(Number));

      const manager = run(['--role', 'manager', '--store', 'store-1']);
      expect(jwt.decode(manager.stdout.trim())).toMatchObject({
        role: 'MANAGER',
        storeId: 'store-1',
        sub: 'dev-manager',
      });

      const prod = run(['--role', 'ADMIN'], { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
      expect(prod.status).toBe(1);
      expect(prod.stdout).toBe('');
      expect(prod.stderr).toContain('NODE_ENV=production');
      expect(run(['--role', 'BOSS']).status).toBe(1);
    });

    it('anonymous callers cannot use customer mutations (UNAUTHENTICATED)', async () => {
      const res = await gql(AddToCartDocument, { input: { productId: 'prod-0001', quantity: 1 } });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('ownership: a customer reads and changes only their own data', () => {
    let a: TestCustomer;
    let b: TestCustomer;
    let bLineId: string;

    beforeAll(async () => {
      [a, b] = await Promise.all([newCustomer(fixtures, 'owner-a'), newCustomer(fixtures, 'owner-b')]);
      const added: GqlResult<AddToCartMutation>['body'] = await addToCart(fixtures, b, 'prod-0003', 2);
      const [line] = added.data?.addToCart.cart?.lines ?? [];
      if (!line) throw new Error(`addToCart failed: ${JSON.stringify(added)}`);
      bLineId = line.id;
    });

    it('Me shows the caller’s own addresses and cart (contract operation)', async () => {
      const me = await gql(MeDocument, {}, { token: b.token });
      expect(me.body.errors).toBeUndefined();
      const data = me.body.data!.me!;
      expect(data.id).toBe(b.id);
      expect(data.addresses).toEqual([
        {
          id: b.addressId,
          line1: ADDRESS.line1,
          city: ADDRESS.city,
          postalCode: 'H3B 1A7',
          country: 'CA',
          isDefault: true,
        },
      ]);
      expect(data.cart.itemCount).toBe(2);
      expect(data.cart.lines).toHaveLength(1);
      const line = data.cart.lines[0]!;
      expect(line.product).toEqual({
        id: 'prod-0003',
        name: expect.any(String),
        stock: { available: expect.any(Number) },
      });
      const unit = Number(line.unitPrice.amount);
      expect(line.lineTotal.amount).toBe((unit * 2).toFixed(2));
      expect(data.cart.subtotal).toEqual({ amount: (unit * 2).toFixed(2), currency: 'CAD' });
      expect(data.orders.edges).toEqual([]);
    });

    it('changing or removing another customer’s cart line is FORBIDDEN and changes nothing', async () => {
      const before = await ecommerceCounts(db);
      const upd = await gql(UpdateCartLineDocument, { input: { lineId: bLineId, quantity: 5 } }, { token: a.token });
      expect(upd.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const rem = await gql(RemoveCartLineDocument, { input: { lineId: bLineId } }, { token: a.token });
      expect(rem.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await ecommerceCounts(db)).toEqual(before);
      const [line] = await sqlRows<{ quantity: number }>(db, 'select quantity from cart_lines where id = $1', [
        bLineId,
      ]);
      expect(line!.quantity).toBe(2);
    });

    it('changing or removing another customer’s address is FORBIDDEN and changes nothing', async () => {
      const upd = await gql(
        UpdateAddressDocument,
        { input: { addressId: b.addressId, address: { ...ADDRESS, city: 'Hacked' } } },
        { token: a.token },
      );
      expect(upd.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const rem = await gql(RemoveAddressDocument, { input: { addressId: b.addressId } }, { token: a.token });
      expect(rem.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const [row] = await sqlRows<{ city: string }>(db, 'select city from addresses where id = $1', [b.addressId]);
      expect(row!.city).toBe(ADDRESS.city);
    });

    it('an unknown cart line or address is a UserError, not a leak', async () => {
      const upd = await gql(
        UpdateCartLineDocument,
        { input: { lineId: 'no-such-line', quantity: 1 } },
        { token: a.token },
      );
      expect(codes(upd.body.data!.updateCartLine.errors)).toEqual(['UNKNOWN_CART_LINE']);
      const rem = await gql(RemoveAddressDocument, { input: { addressId: 'no-such-address' } }, { token: a.token });
      expect(codes(rem.body.data!.removeAddress.errors)).toEqual(['UNKNOWN_ADDRESS']);
    });
  });

  describe('addresses', () => {
    it('keeps exactly one default: the first address, then whichever is made default; removal promotes the oldest', async () => {
      const c = await newCustomer(fixtures, 'addr');
      const second = await gql(
        AddAddressDocument,
        { input: { address: { ...ADDRESS, line1: '2 rue B' } } },
        { token: c.token },
      );
      expect(second.body.data?.addAddress.address?.isDefault).toBe(false);
      const third = await gql(
        AddAddressDocument,
        { input: { address: { ...ADDRESS, line1: '3 rue C', isDefault: true } } },
        { token: c.token },
      );
      const thirdAddress = third.body.data!.addAddress.address!;
      const thirdId = thirdAddress.id;
      expect(thirdAddress.isDefault).toBe(true);
      const defaults = async () =>
        (
          await sqlRows<{ id: string }>(db, 'select id from addresses where customer_id = $1 and is_default', [c.id])
        ).map((r) => r.id);
      expect(await defaults()).toEqual([thirdId]);

      const removed = await gql(RemoveAddressDocument, { input: { addressId: thirdId } }, { token: c.token });
      expect(removed.body.data!.removeAddress.removedAddressId).toBe(thirdId);
      expect(await defaults()).toEqual([c.addressId]);

      const bad = await gql(
        AddAddressDocument,
        { input: { address: { ...ADDRESS, country: 'Canada', line1: ' ' } } },
        { token: c.token },
      );
      expect(codes(bad.body.data!.addAddress.errors)).toEqual(['INVALID_ADDRESS', 'INVALID_ADDRESS']);
    });
  });
});
