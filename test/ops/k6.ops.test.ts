/**
 * loadtests/k6: the scripts type-check against @types/k6, their GraphQL operations are the
 * project's client operations (schema/operations, which k6 open()s at init) and validate against the
 * committed supergraph (with the variables the scripts send), and the scripts themselves run
 * correctly against a stubbed k6 runtime (no k6 binary here).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, getVariableValues, parse, print, validate, type OperationDefinitionNode } from 'graphql';
import ts from 'typescript';
import { clientOperations, operation, operationFiles } from '../../schema/operations';
import { K6_DIR, k6Runtime, k6Script, loadModules, opened, type K6Options, type Sent } from '../helpers/k6';
import { ROOT, readText, rootPath } from './ops-helpers';

const SCRIPTS = ['catalog.js', 'product-detail.js', 'checkout.js'];

interface Operation {
  name: string;
  query: string;
}

/** Operations and variable builders: a module without any k6 import, loaded without stubs. */
function loadOperations() {
  const mod = loadModules({})(path.join(K6_DIR, 'lib/operations.js'));
  // JSON round trip: plain objects of this realm.
  const ops = JSON.parse(JSON.stringify(mod.OPERATIONS)) as Record<string, Operation>;
  const samples = JSON.parse(JSON.stringify((mod.sampleVariables as () => unknown)())) as Record<
    string,
    Record<string, unknown>
  >;
  const files = JSON.parse(JSON.stringify(mod.OPERATION_FILES)) as string[];
  const extract = mod.extractOperation as (sources: string[], name: string) => string;
  return { operations: Object.values(ops), samples, files, extract };
}

function operationDefinition(op: Operation): OperationDefinitionNode {
  const doc = parse(op.query);
  const defs = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (defs.length !== 1 || doc.definitions.length !== 1) throw new Error(`${op.name}: one operation per document`);
  const def = defs[0];
  if (!def) throw new Error(`${op.name}: no operation`);
  return def;
}

const { operations, samples, files: k6Files, extract } = loadOperations();

describe('k6 scripts type-check', () => {
  test('npx tsc -p loadtests/k6/tsconfig.json exits 0', () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const res = spawnSync(process.execPath, [tsc, '-p', path.join(K6_DIR, 'tsconfig.json')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(`${res.stdout}${res.stderr}`).toBe('');
    expect(res.status).toBe(0);
  }, 60_000);

  test('the tsconfig checks every script with @types/k6, strictly, without emitting', () => {
    const raw = ts.parseConfigFileTextToJson('tsconfig.json', readText('loadtests/k6/tsconfig.json'));
    const opts = (raw.config as { compilerOptions: Record<string, unknown> }).compilerOptions;
    expect(opts).toMatchObject({ allowJs: true, checkJs: true, noEmit: true, strict: true, types: ['k6'] });
    for (const s of SCRIPTS) expect(readText(`loadtests/k6/${s}`).startsWith('// @ts-check')).toBe(true);
  });
});

describe('k6 GraphQL operations', () => {
  test('every operation parses, is named as exported and has the variables the scripts send', () => {
    expect(operations.map((o) => o.name)).toEqual(
      expect.arrayContaining(['CatalogPage', 'ProductDetail', 'RegisterCustomer', 'Login', 'AddToCart', 'Checkout']),
    );
    for (const op of operations) {
      const def = operationDefinition(op);
      expect(def.name?.value).toBe(op.name);
      expect(Object.keys(samples)).toContain(op.name);
    }
  });

  test('are read from schema/operations at init, with open() and paths relative to the module', () => {
    expect(k6Files).toEqual(operationFiles());
    const dir = rootPath('schema/operations');
    expect(new Set(opened.filter((f) => f.startsWith(dir)))).toEqual(new Set(k6Files.map((f) => path.join(dir, f))));
  });

  test('every operation is the schema/operations one, verbatim', () => {
    for (const op of operations) {
      expect({ name: op.name, query: print(operationDefinition(op)) }).toEqual({
        name: op.name,
        query: operation(op.name),
      });
    }
  });

  test('the extractor finds every operation of schema/operations by name, and only by its whole name', () => {
    const sources = operationFiles().map((f) => readText(`schema/operations/${f}`));
    expect(clientOperations().size).toBeGreaterThan(operations.length);
    for (const op of clientOperations().values()) {
      expect({ name: op.name, query: print(parse(extract(sources, op.name))) }).toEqual({
        name: op.name,
        query: op.source,
      });
    }
    // "Order" is a prefix of "Orders", "Checkout" a suffix of "QuickCheckout".
    expect(print(parse(extract(sources, 'Order')))).toBe(operation('Order'));
    expect(print(parse(extract(sources, 'Checkout')))).toBe(operation('Checkout'));
    expect(() => extract(sources, 'Check')).toThrow(/no operation Check in schema\/operations/);
    const tricky = '# query Fake { x }\nquery Q($s: String = "}{") {\n  a(s: """ } """) { b } # }\n}\nquery R { c }';
    expect(print(parse(extract([tricky], 'Q')))).toBe(print(parse(tricky.split('\nquery R')[0]!)));
    expect(() => extract(['query Q { a { b }'], 'Q')).toThrow(/not closed/);
  });

  const sdlFile = process.env.SUPERGRAPH_FILE ?? rootPath('schema/supergraph.graphql');
  const describeSchema = fs.existsSync(sdlFile) ? describe : describe.skip;
  describeSchema('against the supergraph', () => {
    let api: ReturnType<ReturnType<Supergraph['apiSchema']>['toGraphQLJSSchema']>;
    beforeAll(() => {
      // As the router sees it: the API schema of the supergraph.
      api = Supergraph.build(fs.readFileSync(sdlFile, 'utf8')).apiSchema().toGraphQLJSSchema();
    });

    test.each(operations.map((o) => [o.name, o] as const))(
      '%s validates, with the variables the scripts send',
      (_n, op) => {
        const def = operationDefinition(op);
        expect(validate(api, { kind: Kind.DOCUMENT, definitions: [def] }).map((e) => e.message)).toEqual([]);
        const coerced = getVariableValues(api, def.variableDefinitions ?? [], samples[op.name] ?? {});
        expect((coerced.errors ?? []).map((e) => e.message)).toEqual([]);
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Running the scripts against stubs
// ---------------------------------------------------------------------------------------------

/** The k6 stand-ins with a canned GraphQL answer for each request (HTTP 200, no time spent). */
function k6Stubs(respond: (req: Sent) => unknown) {
  return k6Runtime((req) => ({ status: 200, body: JSON.stringify(respond(req)), durationMs: 0 }));
}

describe('k6 scripts run against a stubbed k6', () => {
  test('catalog: 100 VUs, p95 < 105 ms and < 1 % errors; setup collects real cursors and pages start from them', () => {
    const pages = ['c1', 'c2', 'c3'];
    const k6 = k6Stubs((req) => {
      const after = req.variables.after as string | null;
      const i = after === null ? 0 : pages.indexOf(after) + 1;
      return {
        data: {
          products: {
            totalCount: 60,
            pageInfo: { hasNextPage: i < 2, endCursor: pages[i] },
            edges: [],
          },
        },
      };
    });
    const mod = k6Script('catalog.js', k6.stubs);
    const options = mod.options as K6Options;
    expect(options.scenarios.catalog).toMatchObject({ executor: 'constant-vus', vus: 100 });
    expect(options.thresholds['http_req_duration{scenario:catalog}']).toEqual(['p(95)<105']);
    expect(options.thresholds['graphql_errors{scenario:catalog}']).toEqual(['rate<0.01']);
    expect(options.thresholds['http_req_failed{scenario:catalog}']).toEqual(['rate<0.01']);

    const data = (mod.setup as () => { cursors: (string | null)[] })();
    expect(data.cursors).toEqual([null, 'c1', 'c2', 'c3']);
    const run = mod.default as (d: unknown) => void;
    k6.sent.length = 0;
    for (let i = 0; i < 30; i++) run(data);
    expect(k6.sent.every((r) => r.operationName === 'CatalogPage')).toBe(true);
    expect(new Set(k6.sent.map((r) => r.variables.after))).toEqual(new Set([null, 'c1', 'c2', 'c3']));
    expect(k6.sent[0]).toMatchObject({
      url: 'http://localhost:8000/graphql',
      headers: { apikey: 'dev-web-storefront-key', 'content-type': 'application/json' },
      tags: { operation: 'CatalogPage' },
    });
    expect(k6.failedChecks).toEqual([]);
    const errors = k6.metrics.filter((m) => m.name === 'graphql_errors');
    expect(errors.length).toBeGreaterThanOrEqual(30);
    expect(errors.every((m) => m.value === false)).toBe(true);
  });

  test('BASE_URL, API_KEY and VUS come from the environment', () => {
    const k6 = k6Stubs(() => ({ data: { product: { id: 'prod-0001', stock: { levels: [] } } } }));
    const mod = k6Script('product-detail.js', k6.stubs, {
      BASE_URL: 'http://router:4000/graphql',
      API_KEY: 'other-key',
      VUS: '12',
    });
    expect((mod.options as K6Options).scenarios.product_detail?.vus).toBe(12);
    (mod.default as (d: unknown) => void)({ token: 'tok-staff' });
    expect(k6.sent[0]).toMatchObject({ url: 'http://router:4000/graphql', headers: { apikey: 'other-key' } });
    expect(k6.sent[0]?.operationName).toBe('ProductDetail');
    expect(String(k6.sent[0]?.variables.id)).toMatch(/^prod-0\d{3}$/);
    // The sales of the last 30 days, both ends included.
    const period = k6.sent[0]?.variables.period as { from: string; to: string };
    expect(period.to).toBe(new Date().toISOString().slice(0, 10));
    expect((Date.parse(period.to) - Date.parse(period.from)) / 86_400_000).toBe(29);
  });

  test('product-detail: setup() signs in staff (STAFF_EMAIL, STAFF_PASSWORD) and every iteration sends that token', () => {
    const k6 = k6Stubs((req) =>
      req.operationName === 'StaffLogin'
        ? { data: { staffLogin: { token: 'tok-manager', employee: { id: 'emp', role: 'MANAGER' }, errors: [] } } }
        : {
            data: {
              product: {
                id: req.variables.id,
                stock: { levels: [] },
                salesStats: { unitsSold: 0, revenue: { amount: '0.00', currency: 'CAD' } },
              },
            },
          },
    );
    const mod = k6Script('product-detail.js', k6.stubs, {
      STAFF_EMAIL: 'boss@staff.example.com',
      STAFF_PASSWORD: 'pw',
    });
    const data = (mod.setup as () => unknown)();
    expect(data).toEqual({ token: 'tok-manager' });
    expect(k6.sent[0]).toMatchObject({
      operationName: 'StaffLogin',
      variables: { input: { email: 'boss@staff.example.com', password: 'pw' } },
    });
    expect(k6.sent[0]?.headers.authorization).toBeUndefined();
    for (let i = 0; i < 3; i++) (mod.default as (d: unknown) => void)(data);
    expect(k6.sent.slice(1).map((r) => [r.operationName, r.headers.authorization])).toEqual(
      Array.from({ length: 3 }, () => ['ProductDetail', 'Bearer tok-manager']),
    );
    expect(k6.failedChecks).toEqual([]);
  });

  test('product-detail: the demo manager by default; a refused sign-in stops the run in setup()', () => {
    const k6 = k6Stubs(() => ({
      data: { staffLogin: { token: null, employee: null, errors: [{ code: 'INVALID_CREDENTIALS', message: 'no' }] } },
    }));
    const mod = k6Script('product-detail.js', k6.stubs);
    expect(() => (mod.setup as () => unknown)()).toThrow(/StaffLogin of manager1@staff.example.com refused/);
    expect(k6.sent[0]?.variables).toEqual({
      input: { email: 'manager1@staff.example.com', password: 'staff-password' },
    });
  });

  test('a GraphQL error counts as an error even with HTTP 200', () => {
    const k6 = k6Stubs(() => ({
      errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      data: null,
    }));
    const mod = k6Script('product-detail.js', k6.stubs);
    (mod.default as (d: unknown) => void)({ token: 'tok-staff' });
    expect(k6.metrics.filter((m) => m.name === 'graphql_errors').map((m) => m.value)).toEqual([true]);
    expect(k6.failedChecks).toContain('no GraphQL errors');
  });

  test('checkout: a distinct customer per VU, registered once, then cart and checkout with a fresh idempotency key', () => {
    const orders = new Map<string, string>();
    const k6 = k6Stubs((req) => {
      switch (req.operationName) {
        case 'RegisterCustomer':
          return { data: { registerCustomer: { token: 'tok-7', customer: { id: 'c7' }, errors: [] } } };
        case 'AddAddress':
          return { data: { addAddress: { address: { id: 'addr-7', isDefault: true }, errors: [] } } };
        case 'AddToCart':
          return { data: { addToCart: { cart: { id: 'cart-7', itemCount: 1 }, errors: [] } } };
        case 'Checkout': {
          const input = req.variables.input as { idempotencyKey: string };
          const id = orders.get(input.idempotencyKey) ?? `order-${orders.size + 1}`;
          orders.set(input.idempotencyKey, id);
          return { data: { checkout: { order: { id, status: 'CONFIRMED' }, errors: [] } } };
        }
        default:
          throw new Error(`unexpected ${req.operationName}`);
      }
    });
    const mod = k6Script('checkout.js', k6.stubs, { RUN_ID: 'run1' });
    const data = (mod.setup as () => { runId: string })();
    expect(data.runId).toBe('run1');
    const run = mod.default as (d: unknown) => void;
    for (let i = 0; i < 3; i++) {
      k6.vu.iterationInScenario = i;
      run(data);
    }
    const names = k6.sent.map((r) => r.operationName);
    expect(names.filter((n) => n === 'RegisterCustomer')).toHaveLength(1);
    expect(names.slice(0, 2)).toEqual(['RegisterCustomer', 'AddAddress']);
    expect(names.filter((n) => n === 'AddToCart').length).toBeGreaterThanOrEqual(3);
    const register = k6.sent[0]?.variables.input as { email: string };
    expect(register.email).toBe('k6-run1-vu7@loadtest.example.com');
    for (const r of k6.sent.slice(1)) expect(r.headers.authorization).toBe('Bearer tok-7');
    const keys = k6.sent
      .filter((r) => r.operationName === 'Checkout')
      .map((r) => r.variables.input as { idempotencyKey: string; shippingAddressId: string })
      .map((i) => {
        expect(i.shippingAddressId).toBe('addr-7');
        return i.idempotencyKey;
      });
    expect(new Set(keys)).toEqual(new Set(['k6-run1-7-0', 'k6-run1-7-1', 'k6-run1-7-2']));
    expect(k6.metrics.filter((m) => m.name === 'checkout_completed').map((m) => m.value)).toEqual([true, true, true]);
    expect(k6.metrics.filter((m) => m.name === 'checkout_replay_same_order').every((m) => m.value === true)).toBe(true);
    expect(k6.failedChecks).toEqual([]);
    const thresholds = (mod.options as K6Options).thresholds;
    expect(thresholds['graphql_errors{scenario:checkout}']).toEqual(['rate<0.01']);
  });

  test('checkout: a rerun with the same RUN_ID logs the existing customer in', () => {
    const k6 = k6Stubs((req) => {
      if (req.operationName === 'RegisterCustomer')
        return {
          data: {
            registerCustomer: { token: null, customer: null, errors: [{ code: 'EMAIL_TAKEN', message: 'taken' }] },
          },
        };
      if (req.operationName === 'Login')
        return { data: { login: { token: 'tok-again', customer: { id: 'c7' }, errors: [] } } };
      if (req.operationName === 'AddAddress')
        return { data: { addAddress: { address: { id: 'addr-8' }, errors: [] } } };
      if (req.operationName === 'AddToCart') return { data: { addToCart: { cart: { id: 'cart' }, errors: [] } } };
      return { data: { checkout: { order: { id: 'o', status: 'CONFIRMED' }, errors: [] } } };
    });
    const mod = k6Script('checkout.js', k6.stubs, { RUN_ID: 'run1' });
    (mod.default as (d: unknown) => void)({ runId: 'run1' });
    expect(k6.sent.map((r) => r.operationName).slice(0, 3)).toEqual(['RegisterCustomer', 'Login', 'AddAddress']);
    expect(k6.sent.find((r) => r.operationName === 'Checkout')?.headers.authorization).toBe('Bearer tok-again');
  });
});
