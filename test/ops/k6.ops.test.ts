/**
 * loadtests/k6, what needs no k6: the scripts type-check against @types/k6, their GraphQL operations
 * are the project's client operations (schema/operations, which k6 open()s at init) and validate
 * against the committed supergraph (with the variables the scripts send), every threshold gets a
 * guard that fails it without data (lib/thresholds.js), and the runner and the README name every
 * script. The scripts themselves run on a real k6 against a live stack: test/e2e/k6-live.e2e.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, getVariableValues, parse, print, validate, type OperationDefinitionNode } from 'graphql';
import ts from 'typescript';
import { clientOperations, operation, operationFiles } from '../../schema/operations';
import { k6Scripts, parseArgs } from '../../scripts/k6';
import { K6_DIR, loadModules, opened } from '../helpers/k6';
import { ROOT, readText, rootPath } from './ops-helpers';

const SCRIPTS = k6Scripts();

interface Operation {
  name: string;
  query: string;
}

/** Operations and variable builders: a module without any k6 import, loaded without stubs. */
function loadOperations() {
  const mod = loadModules()(path.join(K6_DIR, 'lib/operations.js'));
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
    // The storefront, the checkout, the till (a session, sales, a return) and the back office.
    expect(operations.map((o) => o.name)).toEqual(
      expect.arrayContaining([
        'CatalogPage',
        'ProductDetail',
        'RegisterCustomer',
        'Login',
        'AddToCart',
        'Checkout',
        'OpenRegister',
        'RecordSale',
        'ReturnSale',
        'CloseRegister',
        'SalesReport',
        'StorePerformance',
        'Dashboard',
        'GenerateReport',
        'RequestReplenishment',
        'ReplenishmentRequests',
        'ApproveReplenishment',
      ]),
    );
    for (const op of operations) {
      const def = operationDefinition(op);
      expect(def.name?.value).toBe(op.name);
      expect(Object.keys(samples)).toContain(op.name);
    }
  });

  test('are read from schema/operations at init, with open() and paths relative to the module', () => {
    expect(operationFiles()).toEqual(expect.arrayContaining(k6Files));
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

describe('k6 thresholds fail without data (lib/thresholds.js)', () => {
  const lib = loadModules()(path.join(K6_DIR, 'lib/thresholds.js'));
  const guarded = (t: Record<string, string[]>) =>
    JSON.parse(JSON.stringify((lib.guarded as (x: unknown) => unknown)(t))) as Record<string, string[]>;

  test('a request metric is guarded by the requests of the same flow and operation, a Rate by its samples', () => {
    expect(
      guarded({
        'http_req_duration{flow:checkout,operation:Checkout}': ['p(95)<500'],
        'graphql_errors{flow:checkout}': ['rate<0.01'],
        'checks{flow:checkout}': ['rate>0.99'],
        checkout_replay_same_order: ['rate==1'],
      }),
    ).toEqual({
      'http_req_duration{flow:checkout,operation:Checkout}': ['p(95)<500'],
      'http_reqs{flow:checkout,operation:Checkout}': ['count>0'],
      'graphql_errors{flow:checkout}': ['rate<0.01'],
      'http_reqs{flow:checkout}': ['count>0'],
      'checks{flow:checkout}': ['rate>0.99'],
      checkout_replay_same_order: ['rate==1'],
      checkout_replay_same_order_samples: ['count>0'],
    });
  });

  test('a threshold that selects a scenario is refused: `k6 run --vus/--duration` would leave it without data', () => {
    expect(() => guarded({ 'http_req_duration{scenario:catalog}': ['p(95)<105'] })).toThrow(
      /selects a scenario; select the flow tag instead/,
    );
  });

  test('every script declares its thresholds through guarded(), on its own flow', () => {
    for (const s of SCRIPTS) {
      const source = readText(`loadtests/k6/${s}`);
      const flow = /enterFlow\('([a-z_]+)'\)/.exec(source)?.[1];
      expect({ script: s, guarded: /thresholds: guarded\(\{/.test(source), flow }).toEqual({
        script: s,
        guarded: true,
        flow: expect.any(String),
      });
      expect(source).not.toMatch(/\{scenario:/);
    }
  });
});

describe('npm run k6 and the README', () => {
  test('the runner runs every script of loadtests/k6 (lib/ aside), the five of the README', () => {
    expect(SCRIPTS).toEqual(['back-office.js', 'catalog.js', 'checkout.js', 'product-detail.js', 'till.js']);
    expect(parseArgs([]).scripts).toEqual(SCRIPTS);
    expect(parseArgs(['--smoke', 'till.js', '--', '--vus', '2'])).toEqual({
      smoke: true,
      scripts: ['till.js'],
      summaryDir: null,
      k6Args: ['--vus', '2'],
    });
    expect(() => parseArgs(['nope.js'])).toThrow(/unknown argument nope.js: the scripts are back-office.js/);
    const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.k6).toBe('tsx scripts/k6.ts');
    const readme = readText('loadtests/k6/README.md');
    for (const s of SCRIPTS) expect(readme).toContain(`| \`${s}\``);
    expect(readme).toContain('npm run k6 -- --smoke');
  });
});
