/**
 * The findings of the hardening issue, each as it was reported, through the router (the generated
 * corpus in hostile-input.e2e.test.ts covers their classes; these pin the examples).
 */
import http from 'node:http';
import jwt from 'jsonwebtoken';
import { JWT_AUDIENCE, JWT_ISSUER, jwtSecret } from '../../subgraphs/kit';
import { operation } from '../../schema/operations';
import { SUBGRAPH_LIST } from '../../subgraphs/registry';
import { startStack, type Stack } from '../helpers/stack';
import { tokens, type GqlResult } from '../helpers/toolkit';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const codes = (r: GqlResult) => (r.body.errors ?? []).map((e) => e.extensions?.code);
const PRODUCT_PAGE = 'products(first: 100) { edges { node { id name stock { available } } } }';

describe('hardening findings, through the router', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      services: SUBGRAPH_LIST.map((s) => s.name),
      seed: true,
      env: { RETAIL_SEED_HISTORY_DAYS: '0' },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  describe('operation limits', () => {
    it('refuses 200 aliases of a 100-product page with the limit, before any subgraph works', async () => {
      const before = await stack.statements('products');
      const query = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: ${PRODUCT_PAGE}`).join(' ')} }`;
      const res = await stack.gql(query);
      expect(res.status).toBe(400);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED', limit: 2000 });
      expect(await stack.statements('products')).toBe(before);
    });

    it('refuses 5,000 aliases of locations, and 31 aliases within the token limit', async () => {
      const many = await stack.gql(
        `{ ${Array.from({ length: 5000 }, (_, i) => `l${i}: locations { id }`).join(' ')} }`,
      );
      expect(many.status).toBe(400);
      expect(codes(many)).toEqual(['TOKEN_LIMIT_EXCEEDED']);
      const some = await stack.gql(`{ ${Array.from({ length: 31 }, (_, i) => `l${i}: locations { id }`).join(' ')} }`);
      expect(some.body.errors?.[0]).toMatchObject({
        message: 'Operation has 31 aliases; the limit is 30',
        extensions: { code: 'ALIAS_LIMIT_EXCEEDED', limit: 30, value: 31 },
      });
    });

    it('refuses a product page whose nested lists multiply beyond the cost limit', async () => {
      const res = await stack.gql(
        `query($n: Int!) { products(first: $n) { edges { node { stock { levels { location { store {
           stock(first: 100) { edges { node { onHand } } } } } } } } } } }`,
        { n: 100 },
      );
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 10000 });
    });

    it('answers an ordinary CatalogPage correctly while heavy requests are being refused', async () => {
      const heavy = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: ${PRODUCT_PAGE}`).join(' ')} }`;
      const burst = Array.from({ length: 20 }, () => stack.gql(heavy));
      const page = await stack.gql(operation('CatalogPage'), { first: 20 });
      const refused = await Promise.all(burst);
      expect(refused.every((r) => r.status === 400)).toBe(true);
      expect(page.body.errors).toBeUndefined();
      expect((page.body.data as { products: { edges: unknown[] } }).products.edges).toHaveLength(20);
    });
  });

  describe('NUL characters in arguments and inputs', () => {
    const cases: [string, string, Record<string, unknown>, (() => string) | undefined][] = [
      ['product(id)', '{ product(id: "prod\\u0000-1") { id } }', {}, undefined],
      ['productBySku', '{ productBySku(sku: "SKU\\u0000") { id } }', {}, undefined],
      ['searchProducts', '{ searchProducts(text: "a\\u0000", first: 5) { id } }', {}, undefined],
      ['products(filter.text)', '{ products(first: 5, filter: { text: "a\\u0000" }) { totalCount } }', {}, undefined],
      [
        'registerCustomer',
        operation('RegisterCustomer'),
        { input: { email: 'x\u0000@example.com', password: 'long-enough-1', firstName: 'A', lastName: 'B' } },
        undefined,
      ],
      ['login', operation('Login'), { input: { email: 'alice@example.com', password: 'p\u0000' } }, undefined],
      [
        'adjustStock',
        operation('AdjustStock'),
        { input: { productId: 'prod-0001', locationId: 'loc-store-1', delta: 1, note: 'n\u0000' } },
        () => tokens.admin(),
      ],
      [
        'changeProductPrice',
        operation('ChangeProductPrice'),
        { input: { productId: 'prod\u0000', price: '1.00' } },
        () => tokens.admin(),
      ],
    ];
    it.each(cases)('%s: refused with a code, never INTERNAL_SERVER_ERROR', async (_name, query, variables, token) => {
      const res = await stack.gql(query, variables, { token: token?.() });
      expect(codes(res)).not.toContain('INTERNAL_SERVER_ERROR');
      const payloadErrors = Object.values(
        (res.body.data ?? {}) as Record<string, { errors?: { code: string }[] } | null>,
      )
        .flatMap((p) => p?.errors ?? [])
        .map((e) => e.code);
      expect([...codes(res), ...payloadErrors]).toEqual([
        expect.stringMatching(/^(BAD_USER_INPUT|INVALID_CHARACTERS)$/),
      ]);
    });
  });

  it('refuses a minimum price beyond what the price column holds, before any SQL', async () => {
    const before = await stack.statements('products');
    // Refused by the router with the kit's Decimal rule, before any subgraph (ADR 0024): as a literal
    // by validation, as a variable by coercion; both 400.
    const literal = await stack.gql('{ products(first: 5, filter: { minPrice: "999999999999" }) { totalCount } }');
    expect(literal.status).toBe(400);
    expect(codes(literal)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(literal.body.errors?.[0]?.message).toMatch(/Decimal must be between -21474836.47 and 21474836.47/);
    const variable = await stack.gql(
      'query($p: Decimal) { products(first: 5, filter: { minPrice: $p }) { totalCount } }',
      {
        p: '999999999999',
      },
    );
    expect(variable.status).toBe(400);
    expect(codes(variable)).toEqual(['BAD_USER_INPUT']);
    expect(variable.body.errors?.[0]?.message).toMatch(
      /^Variable "\$p" got invalid value "999999999999"; Decimal must be between/,
    );
    expect(await stack.statements('products')).toBe(before);
  });

  describe('edited cursors are BAD_USER_INPUT', () => {
    it.each([
      [
        'me.orders ["abc"]',
        '{ me { orders(first: 5, after: "CURSOR") { totalCount } } }',
        b64(['abc']),
        () => tokens.customer('cust-0001'),
      ],
      ['orders [1e308]', '{ orders(first: 5, after: "CURSOR") { totalCount } }', b64([1e308]), () => tokens.admin()],
      [
        'products [NUL, id]',
        '{ products(first: 5, after: "CURSOR") { totalCount } }',
        b64(['\u0000', 'prod-0001']),
        undefined,
      ],
      [
        'Store.stock [NUL]',
        '{ location(id: "loc-store-1") { store { stock(first: 5, after: "CURSOR") { totalCount } } } }',
        b64(['\u0000']),
        undefined,
      ],
    ])('%s', async (_name, query, cursor, token) => {
      const res = await stack.gql(query.replace('CURSOR', cursor), {}, { token: token?.() });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    });
  });

  it('refuses a token without exp (it would never expire)', async () => {
    const forever = jwt.sign({ role: 'ADMIN' }, jwtSecret(), {
      algorithm: 'HS256',
      subject: 'emp-admin',
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    });
    const res = await stack.gql('{ locations { id } }', {}, { token: forever });
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers a body over 1 MB with a 413 JSON error, the connection drained rather than reset', async () => {
    const body = JSON.stringify({ query: '{ locations { id } }', variables: { pad: 'x'.repeat(1_500_000) } });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        stack.routerUrl,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual({
      errors: [
        {
          message: 'Request body is larger than 1000000 bytes',
          extensions: { code: 'PAYLOAD_TOO_LARGE', limit: 1_000_000 },
        },
      ],
    });
  });

  describe('content types', () => {
    it.each([
      ['no content type', undefined],
      ['text/plain', 'text/plain'],
      ['form encoding', 'application/x-www-form-urlencoded'],
    ])('a POST with %s is refused with 415 and not executed, even with the preflight header', async (_n, type) => {
      const before = await stack.statements('products');
      const headers: Record<string, string> = { 'apollo-require-preflight': 'true' };
      if (type) headers['content-type'] = type;
      const res = await fetch(stack.routerUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: '{ products(first: 1) { totalCount } }' }),
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] });
      expect(await stack.statements('products')).toBe(before);
    });
  });
});
