/**
 * One rule for a value that cannot be coerced (ADR 0024), through the router over HTTP: whatever its
 * scalar (Int, Boolean, enum, ID, Decimal, DateTime, Date), a variable the scalar refuses is a 400
 * BAD_USER_INPUT naming the variable, answered by the router before any subgraph is called; a literal
 * is a 400 GRAPHQL_VALIDATION_FAILED with the same rule. A well-formed value that breaks a business
 * rule still reaches its subgraph and comes back as a UserError in a 200.
 */
import type { IncomingMessage } from 'node:http';
import { demoRegisterId, demoStaffIds } from '../../subgraphs/kit/demo-ids';
import { operation } from '../../schema/operations';
import { LEAKS } from '../helpers/hostile';
import { startStack, type Stack, type StackService } from '../helpers/stack';
import { tokens, type GqlResult } from '../helpers/toolkit';

const SERVICES: StackService[] = ['products', 'inventory', 'retail', 'reports'];
const REGISTER = demoRegisterId('store-1', 1);
const codes = (r: GqlResult) => (r.body.errors ?? []).map((e) => e.extensions?.code);

describe('values that cannot be coerced, through the router', () => {
  let stack: Stack;
  /** Requests every subgraph instance of the stack received. */
  let received = 0;
  const clerk = () => tokens.clerk('store-1', demoStaffIds('store-1').clerks[0]);
  const admin = () => tokens.admin();

  beforeAll(async () => {
    stack = await startStack({
      services: SERVICES,
      seed: true,
      // Nothing in the background sends a subgraph a request between two counts.
      env: { RETAIL_SEED_HISTORY_DAYS: '0', REPORTS_JOB: 'off', OUTBOX_RELAY: 'off' },
    });
    for (const name of SERVICES) {
      // A second 'request' listener only observes; the kit's handler still serves the request.
      for (const s of stack.instances(name)) s.server.on('request', (_req: IncomingMessage) => void received++);
    }
    const opened = await stack.gql(
      operation('OpenRegister'),
      { input: { registerId: REGISTER, openingFloat: '100.00' } },
      { token: clerk() },
    );
    expect(opened.body.errors).toBeUndefined();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function refusals(kind: string): Promise<number> {
    const m = await stack.router.metrics.operationRefusals.get();
    return m.values.filter((v) => v.labels.kind === kind).reduce((n, v) => n + v.value, 0);
  }

  function expectNoLeak(res: GqlResult) {
    for (const err of res.body.errors ?? []) {
      const text = JSON.stringify(err);
      for (const re of LEAKS) expect(text).not.toMatch(re);
      expect(err.extensions ?? {}).not.toHaveProperty('stacktrace');
      expect(err.extensions ?? {}).not.toHaveProperty('serviceName');
    }
  }

  interface Case {
    scalar: string;
    query: string;
    variables: Record<string, unknown>;
    /** How the message names the variable (and the field inside it) and the value. */
    names: string;
    /** The scalar's own rule, as the message gives it. */
    rule: RegExp;
    token?: () => string;
  }
  const c = (
    scalar: string,
    query: string,
    variables: Record<string, unknown>,
    names: string,
    rule: RegExp,
    token?: () => string,
  ): Case => ({ scalar, query, variables, names, rule, token });
  const FIRST = 'query($n: Int) { products(first: $n) { totalCount } }';
  const MIN_PRICE = 'query($p: Decimal) { products(first: 5, filter: { minPrice: $p }) { totalCount } }';
  const cases: Case[] = [
    c('Int, huge', FIRST, { n: 2 ** 31 }, 'Variable "$n" got invalid value 2147483648', /32-bit signed integer/),
    c('Int, a string', FIRST, { n: 'abc' }, 'Variable "$n" got invalid value "abc"', /Int cannot represent/),
    c(
      'Boolean',
      'query($a: Boolean) { products(first: 5, filter: { active: $a }) { totalCount } }',
      { a: 'yes' },
      'Variable "$a" got invalid value "yes"',
      /Boolean cannot represent/,
    ),
    c(
      'enum',
      'query($s: ReplenishmentStatus) { replenishmentRequests(status: $s) { totalCount } }',
      { s: 'SOMEDAY' },
      'Variable "$s" got invalid value "SOMEDAY"',
      /Value "SOMEDAY" does not exist in "ReplenishmentStatus" enum/,
      admin,
    ),
    c(
      'ID',
      'query($id: ID!) { product(id: $id) { id } }',
      { id: true },
      'Variable "$id" got invalid value true',
      /ID cannot represent value: true/,
    ),
    c('Decimal "abc"', MIN_PRICE, { p: 'abc' }, 'Variable "$p" got invalid value "abc"', /at most 2 decimals/),
    c(
      'Decimal "1.234" for a price',
      operation('ChangeProductPrice'),
      { input: { productId: 'prod-0001', price: '1.234' } },
      'Variable "$input" got invalid value "1.234" at "input.price"',
      /Decimal must be a string like "12.50" with at most 2 decimals/,
      admin,
    ),
    c(
      'Decimal "1.234" for counted cash',
      operation('CloseRegister'),
      { input: { registerId: REGISTER, countedCash: '1.234' } },
      'Variable "$input" got invalid value "1.234" at "input.countedCash"',
      /at most 2 decimals/,
      clerk,
    ),
    c(
      'Decimal as a JSON number',
      MIN_PRICE,
      { p: 12.5 },
      'Variable "$p" got invalid value 12.5',
      /Decimal must be a string/,
    ),
    c(
      'DateTime "yesterday"',
      operation('RecordSale'),
      {
        input: {
          storeId: 'store-1',
          registerId: REGISTER,
          lines: [{ productId: 'prod-0004', quantity: 1 }],
          paymentMethod: 'CASH',
          idempotencyKey: 'bad-values-1',
          soldAt: 'yesterday',
        },
      },
      'Variable "$input" got invalid value "yesterday" at "input.soldAt"',
      /DateTime must be an ISO 8601 instant with an offset/,
      clerk,
    ),
    c(
      'Date "yesterday"',
      operation('SalesReport'),
      { period: { from: 'yesterday', to: '2026-03-01' } },
      'Variable "$period" got invalid value "yesterday" at "period.from"',
      /Date must be a calendar date written YYYY-MM-DD/,
      admin,
    ),
    c(
      'Date that is not a day',
      operation('SalesReport'),
      { period: { from: '2026-02-01', to: '2026-02-30' } },
      'Variable "$period" got invalid value "2026-02-30" at "period.to"',
      /Date must be a calendar date/,
      admin,
    ),
  ];

  it.each(cases)(
    '$scalar: 400 BAD_USER_INPUT naming the variable, no subgraph called',
    async ({ query, variables, names, rule, token }) => {
      const before = received;
      const counted = await refusals('variables');
      const res = await stack.gql(query, variables, { token: token?.() });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      const message = res.body.errors![0]!.message;
      expect(message.startsWith(names)).toBe(true);
      expect(message).toMatch(rule);
      expectNoLeak(res);
      expect(received).toBe(before);
      expect(await refusals('variables')).toBe(counted + 1);
    },
  );

  it.each([
    ['Int', '{ products(first: 2147483648) { totalCount } }', /Int cannot represent non 32-bit signed integer/],
    ['enum', '{ replenishmentRequests(status: SOMEDAY) { totalCount } }', /does not exist in "ReplenishmentStatus"/],
    ['Decimal', '{ products(first: 5, filter: { minPrice: "1.234" }) { totalCount } }', /at most 2 decimals/],
    ['Decimal number', '{ products(first: 5, filter: { minPrice: 12.5 }) { totalCount } }', /Decimal must be a string/],
    [
      'Date',
      '{ salesReport(period: { from: "yesterday", to: "2026-03-01" }) { transactions } }',
      /Date must be a calendar date/,
    ],
  ])(
    'a %s literal that cannot be coerced: 400 GRAPHQL_VALIDATION_FAILED, no subgraph called',
    async (_s, query, rule) => {
      const before = received;
      const counted = await refusals('validation');
      const res = await stack.gql(query, {}, { token: admin() });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.body.errors![0]!.message).toMatch(rule);
      expect(res.body.errors![0]!.locations).toBeDefined();
      expectNoLeak(res);
      expect(received).toBe(before);
      expect(await refusals('validation')).toBe(counted + 1);
    },
  );

  it('a well-formed amount that breaks a business rule is still a UserError in a 200: closeRegister "-5"', async () => {
    const before = received;
    const res = await stack.gql<{ closeRegister: { session: unknown; errors: { code: string; field: string[] }[] } }>(
      operation('CloseRegister'),
      { input: { registerId: REGISTER, countedCash: '-5' } },
      { token: clerk() },
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.closeRegister.session).toBeNull();
    expect(res.body.data?.closeRegister.errors).toEqual([
      expect.objectContaining({ code: 'INVALID_AMOUNT', field: ['input', 'countedCash'] }),
    ]);
    expect(received).toBeGreaterThan(before);
  });

  it('a well-formed negative price is still a UserError in a 200: changeProductPrice "-5.00"', async () => {
    const res = await stack.gql<{ changeProductPrice: { product: unknown; errors: { code: string }[] } }>(
      operation('ChangeProductPrice'),
      { input: { productId: 'prod-0001', price: '-5.00' } },
      { token: admin() },
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.changeProductPrice.product).toBeNull();
    expect(res.body.data?.changeProductPrice.errors.map((e) => e.code)).toEqual(['INVALID_PRICE']);
  });

  it('well-formed values of the same scalars are served', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const report = await stack.gql(
      operation('SalesReport'),
      { period: { from: today, to: today } },
      { token: admin() },
    );
    expect(report.status).toBe(200);
    expect(report.body.errors).toBeUndefined();
    const page = await stack.gql(MIN_PRICE, { p: '12.50' });
    expect(page.status).toBe(200);
    expect(page.body.errors).toBeUndefined();
  });
});
