import jwt from 'jsonwebtoken';
import { buildSchema as buildSchemaFromSdl, execute as graphqlExecute, GraphQLError, parse } from 'graphql';
import {
  checkFirst,
  DecimalScalar,
  MAX_INPUT_STRING,
  withInputHygiene,
  decodeCursor,
  encodeCursor,
  formatMinor,
  identityFromHeader,
  InvalidTokenError,
  JWT_AUDIENCE,
  JWT_ISSUER,
  jwtSecret,
  parseDecimalToMinor,
  requireFound,
  signToken,
  verifyToken,
} from '../../subgraphs/kit';

describe('money', () => {
  it.each([
    ['12.50', 1250],
    ['12.5', 1250],
    ['12', 1200],
    ['0.01', 1],
    ['-3.20', -320],
  ])('parses %s to %d minor units', (text, minor) => {
    expect(parseDecimalToMinor(text)).toBe(minor);
  });

  it.each(['abc', '1.234', '', '1e3', '12.', '.5'])('refuses %p', (text) => {
    expect(parseDecimalToMinor(text)).toBeNull();
  });

  it('formats minor units with two decimals', () => {
    expect(formatMinor(1250)).toBe('12.50');
    expect(formatMinor(7)).toBe('0.07');
    expect(formatMinor(-320)).toBe('-3.20');
  });
});

describe('pagination', () => {
  it('round-trips cursors', () => {
    expect(decodeCursor(encodeCursor(['Casque', 'prod-0001']), ['string', 'string'])).toEqual(['Casque', 'prod-0001']);
  });

  it('refuses a cursor that was not issued by the API', () => {
    expect(() => decodeCursor('not-a-cursor', ['string', 'string'])).toThrow(GraphQLError);
    expect(() => decodeCursor(encodeCursor(['a']), ['string', 'string'])).toThrow(/cursor/);
  });

  it('caps first with BAD_USER_INPUT', () => {
    expect(checkFirst(undefined)).toBe(20);
    expect(checkFirst(100)).toBe(100);
    for (const bad of [-1, 101, 10000]) {
      try {
        checkFirst(bad);
        throw new Error('expected an error');
      } catch (err) {
        expect((err as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
      }
    }
  });
});

describe('tokens', () => {
  it('verifies what it signs', () => {
    const token = signToken({ sub: 'c-1', role: 'CUSTOMER' });
    expect(verifyToken(token)).toEqual({ sub: 'c-1', role: 'CUSTOMER' });
    expect(identityFromHeader(`Bearer ${token}`)).toEqual({ sub: 'c-1', role: 'CUSTOMER' });
  });

  it('keeps the store of staff tokens', () => {
    expect(verifyToken(signToken({ sub: 'e-1', role: 'CLERK', storeId: 'store-2' }))).toEqual({
      sub: 'e-1',
      role: 'CLERK',
      storeId: 'store-2',
    });
  });

  it('refuses tampered, expired, unsigned and foreign tokens', () => {
    const token = signToken({ sub: 'c-1', role: 'CUSTOMER' });
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'ADMIN' }),
    ).toString('base64url');
    expect(() => verifyToken(`${header}.${forged}.${signature}`)).toThrow(InvalidTokenError);

    const expired = jwt.sign({ role: 'CUSTOMER' }, jwtSecret(), {
      algorithm: 'HS256',
      subject: 'c-1',
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: -10,
    });
    expect(() => verifyToken(expired)).toThrow('token expired');

    const none = jwt.sign({ role: 'ADMIN', sub: 'x', iss: JWT_ISSUER, aud: JWT_AUDIENCE }, '', { algorithm: 'none' });
    expect(() => verifyToken(none)).toThrow(InvalidTokenError);

    const otherAudience = jwt.sign({ role: 'ADMIN' }, jwtSecret(), {
      algorithm: 'HS256',
      subject: 'x',
      issuer: JWT_ISSUER,
      audience: 'other',
    });
    expect(() => verifyToken(otherAudience)).toThrow(InvalidTokenError);

    const unknownRole = signToken({ sub: 'x', role: 'ROOT' as never });
    expect(() => verifyToken(unknownRole)).toThrow(InvalidTokenError);
  });

  it('refuses tokens without exp or iat, issued in the future, or living longer than their role allows', () => {
    const sign = (payload: Record<string, unknown>, options: jwt.SignOptions = {}) =>
      jwt.sign({ role: 'CUSTOMER', ...payload }, jwtSecret(), {
        algorithm: 'HS256',
        subject: 'c-1',
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        ...options,
      });
    expect(() => verifyToken(sign({}))).toThrow('token must have an expiry (exp) and an issue time (iat)');
    expect(() => verifyToken(sign({}, { noTimestamp: true, expiresIn: 60 }))).toThrow(
      /expiry \(exp\) and an issue time/,
    );
    const now = Math.floor(Date.now() / 1000);
    expect(() => verifyToken(sign({ iat: now + 3600, exp: now + 7200 }))).toThrow('token issued in the future');
    expect(verifyToken(sign({ iat: now + 30, exp: now + 600 }))).toMatchObject({ sub: 'c-1' });
    expect(() => verifyToken(sign({}, { expiresIn: 2 * 24 * 3600 }))).toThrow(
      'token lifetime exceeds the 86400 s allowed for CUSTOMER',
    );
    expect(() => signToken({ sub: 's', role: 'SERVICE' }, 3600)).toThrow(/SERVICE token lives at most 900 s/);
  });

  it('refuses a malformed Authorization header', () => {
    expect(identityFromHeader(undefined)).toBeNull();
    expect(() => identityFromHeader('Basic abc')).toThrow(InvalidTokenError);
  });
});

describe('input hygiene', () => {
  const schema = buildSchemaFromSdl(`
    type UserError { code: String! field: [String!] message: String! }
    input LineInput { productId: ID! note: String }
    input SaleInput { lines: [LineInput!]! }
    type SalePayload { ok: Boolean errors: [UserError!]! }
    type Query { product(id: ID!): String search(text: String): String }
    type Mutation { recordSale(input: SaleInput!): SalePayload! }
  `);
  const resolved: string[] = [];
  schema.getQueryType()!.getFields().product!.resolve = () => (resolved.push('product'), 'found');
  schema.getMutationType()!.getFields().recordSale!.resolve = () => (
    resolved.push('recordSale'),
    { ok: true, errors: [] }
  );
  withInputHygiene(schema);
  const run = (query: string, variableValues?: Record<string, unknown>) =>
    graphqlExecute({ schema, document: parse(query), variableValues });

  it('refuses control characters in arguments as BAD_USER_INPUT, naming the argument', async () => {
    const result = await run('query($id: ID!) { product(id: $id) }', { id: 'prod\u00001' });
    expect(result.errors?.[0]?.message).toBe('id must not contain control characters');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(resolved).toEqual([]);
  });

  it('refuses them inside a mutation input as a UserError with the field path, without running it', async () => {
    const result = await run(
      'mutation($input: SaleInput!) { recordSale(input: $input) { ok errors { code field message } } }',
      {
        input: { lines: [{ productId: 'prod-1' }, { productId: 'prod-2', note: 'bell\u0007' }] },
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      recordSale: {
        ok: null,
        errors: [
          {
            code: 'INVALID_CHARACTERS',
            field: ['input', 'lines', '1', 'note'],
            message: 'input.lines.1.note must not contain control characters',
          },
        ],
      },
    });
    expect(resolved).toEqual([]);
  });

  it('lets tabs, line breaks and every printable character through, and caps length everywhere', async () => {
    expect((await run('{ product(id: "a\\tb\\nc\\r d é 🛒") }')).data).toEqual({ product: 'found' });
    const long = await run('query($t: String) { search(text: $t) }', { t: 'x'.repeat(MAX_INPUT_STRING + 1) });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'text' });
  });
});

describe('Decimal', () => {
  it('refuses amounts that integer minor units cannot hold, before any SQL', () => {
    expect(DecimalScalar.parseValue('21474836.47')).toBe('21474836.47');
    expect(() => DecimalScalar.parseValue('21474836.48')).toThrow(/between -21474836.47 and 21474836.47/);
    expect(() => DecimalScalar.parseValue('999999999999')).toThrow(GraphQLError);
    expect(() => DecimalScalar.parseValue(12.5)).toThrow(/string like "12.50"/);
  });
});

describe('requireFound', () => {
  it("passes a row through and throws the caller's own error for a missing one (null or undefined)", () => {
    const row = { id: 'a' };
    expect(requireFound(row, () => new Error('unused'))).toBe(row);
    expect(requireFound(0, () => new Error('unused'))).toBe(0);
    class LeaseLost extends Error {}
    expect(() => requireFound(null, () => new LeaseLost('sale s-1'))).toThrow(LeaseLost);
    expect(() => requireFound(undefined, () => new Error('store 7 is missing'))).toThrow('store 7 is missing');
  });
});
