/**
 * Hostile input through the router, generated from the supergraph (test/helpers/hostile.ts): every
 * mutation and every argument reachable from Query, each input leaf replaced in turn by hostile
 * values, sent with a token of a role the field allows. Never an INTERNAL_SERVER_ERROR, never a stack,
 * a path or SQL text; a mutation that was refused changed no row of any subgraph's database; a value
 * its scalar or enum cannot coerce is a 400 BAD_USER_INPUT from the router naming the variable,
 * whatever the scalar (ADR 0024).
 */
import { Supergraph } from '@apollo/federation-internals';
import { Client } from 'pg';
import { DEMO_ADMIN_ID, demoRegisterId, demoStaffIds } from '../../subgraphs/kit/demo-ids';
import { SUBGRAPH_LIST } from '../../subgraphs/registry';
import { operation } from '../../schema/operations';
import { generateCorpus, LEAKS, type HostileCase, type IdHints } from '../helpers/hostile';
import { startStack, type Stack } from '../helpers/stack';
import { tokens, type GqlResult } from '../helpers/toolkit';

type Body = GqlResult['body'];

/** Row count and checksum of every table of one database, in one statement on a kept connection. */
async function snapshotter(url: string): Promise<{ take: () => Promise<string>; close: () => Promise<void> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const tables = (
    await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations'
        order by table_name`,
    )
  ).rows.map((r) => r.name);
  const sql = tables
    .map(
      (t) =>
        `select '${t}' as t, count(*)::int as n, md5(coalesce(string_agg(x::text, ',' order by x::text), '')) as h from "${t}" x`,
    )
    .join(' union all ');
  return {
    take: async () =>
      tables.length
        ? (await client.query<{ t: string; n: number; h: string }>(sql)).rows
            .map((r) => `${r.t}:${r.n}:${r.h}`)
            .join('\n')
        : '',
    close: () => client.end(),
  };
}

/** A query is refused with an error; a mutation with an error, a null payload or UserErrors in it. */
function refused(c: HostileCase, body: Body): boolean {
  if (body.errors?.length) return true;
  if (c.operation === 'query') return false;
  const data = body.data as Record<string, unknown> | null | undefined;
  const payload = data?.[c.field] as { errors?: unknown[] } | null | undefined;
  return payload === null || payload === undefined || (Array.isArray(payload.errors) && payload.errors.length > 0);
}

function leaks(body: unknown): string[] {
  const found: string[] = [];
  for (const err of (body as Body).errors ?? []) {
    const text = JSON.stringify(err);
    for (const re of LEAKS) if (re.test(text)) found.push(`${re}: ${text.slice(0, 300)}`);
    if (err.extensions && ('stacktrace' in err.extensions || 'exception' in err.extensions))
      found.push(`stack in ${text.slice(0, 200)}`);
  }
  for (const e of ((body as Body).data ? JSON.stringify((body as Body).data) : '').matchAll(/"message":"([^"]*)"/g)) {
    for (const re of LEAKS) if (re.test(e[1] ?? '')) found.push(`${re} in a UserError: ${e[1]}`);
  }
  return found;
}

describe('hostile input, generated from the supergraph', () => {
  let stack: Stack;
  let snapshotters: { name: string; take: () => Promise<string>; close: () => Promise<void> }[] = [];
  const snapshot = async () =>
    (await Promise.all(snapshotters.map(async (s) => `${s.name}\n${await s.take()}`))).join('\n');

  beforeAll(async () => {
    // No seeded sales history: the corpus needs the demo rows, not four weeks of sales (a lighter snapshot).
    stack = await startStack({
      services: SUBGRAPH_LIST.map((s) => s.name),
      seed: true,
      // No report job: an accepted generateReport must not be turned READY between two snapshots.
      // No outbox relay: it would mark an accepted mutation's events published after the snapshot
      // that follows it. The outbox tables stay in the snapshots: a refused mutation writes no event.
      env: { RETAIL_SEED_HISTORY_DAYS: '0', REPORTS_JOB: 'off', OUTBOX_RELAY: 'off' },
    });
    snapshotters = await Promise.all(
      Object.entries(stack.databases).map(async ([name, db]) => ({ name, ...(await snapshotter(db!.url)) })),
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(snapshotters.map((s) => s.close()));
    await stack?.stop();
  });

  it('never crashes, never leaks, and a refused mutation writes nothing', async () => {
    const api = Supergraph.build(stack.supergraphSdl).apiSchema().toGraphQLJSSchema();
    const customer = tokens.customer('cust-0001');
    const hints: IdHints = await idHints(stack, customer);
    const { cases, fields } = generateCorpus(api, hints);
    // The demo staff of store 1 (retail's seed), so that the employee behind a token exists.
    const roles = [
      ['ADMIN', tokens.admin(DEMO_ADMIN_ID)],
      ['MANAGER', tokens.manager('store-1', demoStaffIds('store-1').manager)],
      ['CLERK', tokens.clerk('store-1', demoStaffIds('store-1').clerks[0])],
      ['CUSTOMER', customer],
    ] as const;

    // The role each field allows: probed with a NUL (the kit refuses it after the permission check, so
    // probing writes nothing), then the first role that is not refused with FORBIDDEN/UNAUTHENTICATED.
    const roleOf = new Map<string, string | undefined>();
    const denied = (b: Body) =>
      (b.errors ?? []).some((e) => e.extensions?.code === 'FORBIDDEN' || e.extensions?.code === 'UNAUTHENTICATED');
    const failures: string[] = [];
    const roleFor = async (field: string, operation: string): Promise<string | undefined> => {
      const key = `${operation} ${field}`;
      if (!roleOf.has(key)) {
        // A NUL the router lets through (a string's, not an enum's or a Date's, which it refuses before
        // any subgraph, so before any permission check).
        const probe =
          cases.find(
            (x) => x.field === field && x.operation === operation && x.label.endsWith('= NUL') && !x.uncoercible,
          ) ?? cases.find((x) => x.field === field && x.operation === operation);
        let chosen: string | undefined;
        for (const [, token] of roles) {
          const res = await stack.gql(probe!.query, probe!.variables, { token });
          if (!denied(res.body)) {
            chosen = token;
            break;
          }
        }
        roleOf.set(key, chosen);
      }
      return roleOf.get(key);
    };
    const check = (c: HostileCase, res: GqlResult) => {
      const where = `${c.operation} ${c.field} [${c.label}]`;
      if (c.mustRefuse && !refused(c, res.body)) failures.push(`${where}: accepted`);
      const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
      if (res.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) {
        failures.push(`${where}: status ${res.status}, ${JSON.stringify(res.body.errors).slice(0, 300)}`);
      }
      for (const leak of leaks(res.body)) failures.push(`${where}: leaks ${leak}`);
      if (c.uncoercible) {
        const message = res.body.errors?.[0]?.message ?? '';
        if (
          res.status !== 400 ||
          res.body.data !== undefined ||
          codes.length === 0 ||
          codes.some((code) => code !== 'BAD_USER_INPUT') ||
          !/^Variable "\$v\d+" got invalid value /.test(message)
        ) {
          failures.push(`${where}: not refused by the router: status ${res.status}, ${message.slice(0, 200)}`);
        }
      }
      return where;
    };
    const hostile = cases.filter((c) => c.label !== 'baseline');
    for (const c of hostile) await roleFor(c.field, c.operation);

    // Queries write nothing: sent eight at a time.
    const queries = hostile.filter((c) => c.operation === 'query');
    for (let i = 0; i < queries.length; i += 8) {
      await Promise.all(
        queries
          .slice(i, i + 8)
          .map(async (c) => check(c, await stack.gql(c.query, c.variables, { token: roleOf.get(`query ${c.field}`) }))),
      );
    }
    // Mutations one at a time, each refused one checked against the snapshot taken before it.
    let before = await snapshot();
    for (const c of hostile.filter((x) => x.operation === 'mutation')) {
      const res = await stack.gql(c.query, c.variables, { token: roleOf.get(`mutation ${c.field}`) });
      const where = check(c, res);
      // A request refused before execution (data absent: the router refused its variables) reached no
      // subgraph and cannot have written; every other mutation is checked against a fresh snapshot.
      if (res.body.data !== undefined) {
        const after = await snapshot();
        if (refused(c, res.body) && after !== before) failures.push(`${where}: refused, but the database changed`);
        before = after;
      }
    }
    const sent = hostile.length;
    const operations = new Set(cases.map((c) => `${c.operation} ${c.field}`)).size;
    console.info(
      `hostile input: ${operations} operations (${fields.filter((f) => f.startsWith('mutation')).length} mutations), ${sent} cases`,
    );
    expect(fields.filter((f) => f.startsWith('mutation')).length).toBe(
      Object.keys(api.getMutationType()?.getFields() ?? {}).length,
    );
    expect(failures).toEqual([]);
  }, 300_000);
});

/**
 * Ids of live rows for the baseline values, read (and, for orders and cart lines, made) through the
 * router like a client would, so that a hostile value meets a request that would otherwise succeed.
 */
async function idHints(stack: Stack, customer: string): Promise<IdHints> {
  const hints: IdHints = {
    productId: 'prod-0001',
    id: 'prod-0001',
    sku: 'SKU-0001',
    locationId: 'loc-store-1',
    storeId: 'store-1',
    categoryId: 'cat-electronics',
    email: 'alice@example.com',
    password: 'demo-password',
    idempotencyKey: 'hostile-key-1',
    'adjustStock.locationId': 'loc-store-1',
  };
  const asCustomer = { token: customer };
  const address = await stack.gql<{ addAddress: { address: { id: string } | null } }>(
    operation('AddAddress'),
    {
      input: {
        address: {
          recipient: 'Alice',
          line1: '1 rue Test',
          city: 'Montréal',
          postalCode: 'H2X 1Y4',
          country: 'CA',
          isDefault: true,
        },
      },
    },
    asCustomer,
  );
  const addressId = address.body.data?.addAddress.address?.id;
  if (addressId) Object.assign(hints, { addressId, shippingAddressId: addressId, billingAddressId: addressId });
  // Two confirmed orders: one for cancelOrder's cases, one for shipOrder's.
  const card = { cardNumber: '4242424242424242', expiryMonth: 12, expiryYear: 2030, cvc: '123', holderName: 'Alice' };
  for (const field of ['cancelOrder', 'shipOrder']) {
    await stack.gql(operation('AddToCart'), { input: { productId: 'prod-0002', quantity: 1 } }, asCustomer);
    const order = await stack.gql<{ checkout: { order: { id: string } | null } }>(
      operation('QuickCheckout'),
      { input: { shippingAddressId: addressId, paymentMethod: card, idempotencyKey: `hostile-${field}` } },
      asCustomer,
    );
    const id = order.body.data?.checkout.order?.id;
    if (id) hints[`${field}.orderId`] = id;
  }
  const cart = await stack.gql<{ addToCart: { cart: { lines: { id: string }[] } | null } }>(
    operation('AddToCart'),
    { input: { productId: 'prod-0003', quantity: 1 } },
    asCustomer,
  );
  const lineId = cart.body.data?.addToCart.cart?.lines[0]?.id;
  if (lineId) hints.lineId = lineId;

  // Retail: store 1's first register open, a completed sale (for returns; cancelSale gets its own).
  const clerk = { token: tokens.clerk('store-1', demoStaffIds('store-1').clerks[0]) };
  const manager = { token: tokens.manager('store-1', demoStaffIds('store-1').manager) };
  const registerId = demoRegisterId('store-1', 1);
  Object.assign(hints, { registerId, employeeId: demoStaffIds('store-1').clerks[1], paymentMethod: 'CARD' });
  await stack.gql(operation('OpenRegister'), { input: { registerId, openingFloat: '100.00' } }, clerk);
  for (const field of ['returnSale', 'cancelSale']) {
    const sale = await stack.gql<{ recordSale: { sale: { id: string; lines: { id: string }[] } | null } }>(
      operation('RecordSale'),
      {
        input: {
          storeId: 'store-1',
          registerId,
          lines: [{ productId: 'prod-0004', quantity: 2 }],
          paymentMethod: 'CASH',
          idempotencyKey: `hostile-${field}`,
        },
      },
      clerk,
    );
    const made = sale.body.data?.recordSale.sale;
    if (made) {
      hints[`${field}.saleId`] = made.id;
      if (made.lines[0]) hints[`${field}.saleLineId`] = made.lines[0].id;
    }
  }
  // Inventory: a pending replenishment request each for approve and reject.
  for (const field of ['approveReplenishment', 'rejectReplenishment']) {
    const request = await stack.gql<{ requestReplenishment: { request: { id: string } | null } }>(
      operation('RequestReplenishment'),
      { input: { lines: [{ productId: 'prod-0005', quantity: 3 }], note: `hostile ${field}` } },
      manager,
    );
    const id = request.body.data?.requestReplenishment.request?.id;
    if (id) hints[`${field}.requestId`] = id;
  }
  return hints;
}
