/**
 * The k6 scripts of loadtests/k6 on a real k6 (K6_BIN, else `k6` on PATH): `npm run k6 -- --smoke`
 * against a live router with every subgraph and the demo data runs every script and each passes,
 * having done what it says (orders, sales, returns, sessions, reports and approvals in the
 * databases, once each); a rerun with the same RUN_ID places new orders; `k6 run --vus/--duration`
 * leaves the thresholds with data; a threshold without data fails the run (k6's exit code 99); a
 * target that refuses connections stops a script in setup() with that reason.
 *
 * Without k6 the tests are skipped with a message saying how to install it, except in CI
 * (CI=true), where a missing k6 fails. The scripts go straight to the router (K6_TARGET=<its URL>):
 * there is no Kong here. Latency limits are multiplied by LATENCY_SCALE (below); every other
 * threshold is the scripts' own.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { K6_INSTALL_HINT, findK6, k6Scripts } from '../../scripts/k6';
import { K6_DIR, loadModules } from '../helpers/k6';
import { startStack, type Stack } from '../helpers/stack';
import { freePort } from '../helpers/toolkit';

const K6 = findK6();
const IN_CI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPTS = k6Scripts();
/**
 * The latency targets are the production topology's (each process its own cores); here the router
 * and five subgraphs share the test's process on a machine other test files load too, where a
 * smoke run measured p95 up to 3x the targets. 20 keeps the limits (2 s for a 105 ms target) able
 * to catch a hang without failing on a busy machine.
 */
const LATENCY_SCALE = '20';

interface Run {
  code: number | null;
  out: string;
}

/** A child process, asynchronously: the stack it talks to runs in this process and must keep serving. */
function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, K6_NO_USAGE_REPORT: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function k6Run(args: string[], env: Record<string, string>): Promise<Run> {
  return run(K6!, ['run', '--no-usage-report', ...args], env);
}

interface SummaryMetric {
  count?: number;
  passes?: number;
  fails?: number;
  /** Expression -> crossed. */
  thresholds?: Record<string, boolean>;
}
type Summary = { metrics: Record<string, SummaryMetric> };

function readSummary(file: string): Summary {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Summary;
}

/** Every threshold of a summary, `metric expression`, with whether k6 found it crossed. */
function thresholdsOf(summary: Summary): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [metric, m] of Object.entries(summary.metrics)) {
    for (const [expression, crossed] of Object.entries(m.thresholds ?? {})) out[`${metric} ${expression}`] = crossed;
  }
  return out;
}

function count(summary: Summary, metric: string): number {
  return summary.metrics[metric]?.count ?? 0;
}

if (!K6) {
  if (IN_CI) {
    test('k6 is installed (CI runs every k6 script on a real k6)', () => {
      throw new Error(`CI=true and no k6 found (K6_BIN or PATH): ${K6_INSTALL_HINT}`);
    });
  } else {
    console.warn(`test/e2e/k6-live.e2e.test.ts skipped: no k6 found (K6_BIN or PATH); ${K6_INSTALL_HINT}.`);
    test.skip(`the k6 scripts on a real k6 (skipped: no k6 on this machine; ${K6_INSTALL_HINT})`, () => undefined);
  }
}

const describeK6 = K6 ? describe : describe.skip;

describeK6('k6 scripts on a real k6', () => {
  test('every script declares thresholds on its own flow, each with a guard that fails it without data (k6 inspect)', async () => {
    const guardOf = loadModules()(path.join(K6_DIR, 'lib/thresholds.js')).guardOf as (key: string) => string | null;
    for (const script of SCRIPTS) {
      const inspected = await run(K6!, ['inspect', path.join('loadtests/k6', script)], {});
      expect({ script, code: inspected.code }).toEqual({ script, code: 0 });
      const keys = Object.keys((JSON.parse(inspected.out) as { thresholds: Record<string, string[]> }).thresholds);
      const measured = keys.filter((k) => guardOf(k) !== null);
      expect(measured.length).toBeGreaterThan(0);
      for (const k of measured) {
        expect({ script, k, guard: keys.includes(guardOf(k)!) }).toEqual({ script, k, guard: true });
        if (k.startsWith('http_req_') || k.startsWith('graphql_errors') || k.startsWith('checks')) {
          expect(k).toMatch(/\{flow:[a-z_]+[,}]/);
        }
      }
      expect(keys.filter((k) => k.includes('scenario:'))).toEqual([]);
    }
  }, 60_000);

  test('a target that refuses connections stops product-detail.js and catalog.js in setup(), saying so', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/graphql`;
    const detail = await k6Run(['-e', 'SMOKE=1', 'loadtests/k6/product-detail.js'], { K6_TARGET: closed });
    // 108: aborted by the script (exec.test.abort), with the reason: the connection, not the account.
    expect(detail.code).toBe(108);
    expect(detail.out).toContain(`test aborted: StaffLogin: could not reach ${closed}`);
    expect(detail.out).toContain('connection refused');
    expect(detail.out).not.toMatch(/StaffLogin of \S+ refused/);
    const catalog = await k6Run(['-e', 'SMOKE=1', 'loadtests/k6/catalog.js'], { K6_TARGET: closed });
    expect(catalog.code).toBe(108);
    expect(catalog.out).toContain(`test aborted: catalogue walk, page 1: CatalogPage: could not reach ${closed}`);
  }, 60_000);

  describe('against a live router (every subgraph, demo data)', () => {
    let stack: Stack;
    let dir: string;
    const env = () => ({ K6_BIN: K6!, K6_TARGET: stack.routerUrl, LATENCY_SCALE, RUN_ID: 'e2e' });

    /** One number from a subgraph's database. */
    async function sql(name: 'ecommerce' | 'retail' | 'inventory' | 'reports', text: string): Promise<number> {
      const pg = new Client({ connectionString: stack.databases[name]!.url });
      await pg.connect();
      try {
        const { rows } = await pg.query<{ n: string }>(text);
        return Number(rows[0]?.n);
      } finally {
        await pg.end();
      }
    }

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k6-e2e-'));
      stack = await startStack({
        services: ['products', 'inventory', 'ecommerce', 'retail', 'reports'],
        seed: true,
        // No till history (faster seed; the scripts bring their own sales) and no report job timer.
        env: { RETAIL_SEED_HISTORY_DAYS: '0', REPORTS_JOB_INTERVAL_MS: '0' },
      });
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test('npm run k6 -- --smoke: every script passes, and did what it says once', async () => {
      const smoke = await run('npm', ['run', '--silent', 'k6', '--', '--smoke', '--summary-dir', dir], env(), 240_000);
      expect({ code: smoke.code, tail: smoke.code === 0 ? '' : smoke.out.slice(-4000) }).toEqual({ code: 0, tail: '' });
      for (const script of SCRIPTS) expect(smoke.out).toMatch(new RegExp(`${script.replace('.', '\\.')} +passed`));

      const summaries = Object.fromEntries(
        SCRIPTS.map((s) => [s.replace(/\.js$/, ''), readSummary(path.join(dir, s.replace(/\.js$/, '.json')))]),
      );
      for (const [script, summary] of Object.entries(summaries)) {
        const crossed = Object.entries(thresholdsOf(summary)).filter(([, c]) => c);
        expect({ script, crossed }).toEqual({ script, crossed: [] });
        expect({ script, failedChecks: summary.metrics.checks?.fails }).toEqual({ script, failedChecks: 0 });
      }
      // 2 VUs x 2 iterations: what each flow sent, replays included.
      const sent = (script: string, flow: string, op: string) =>
        count(summaries[script]!, `http_reqs{flow:${flow},operation:${op}}`);
      expect(count(summaries.catalog!, 'http_reqs{flow:catalog}')).toBe(4);
      expect(count(summaries['product-detail']!, 'http_reqs{flow:product_detail}')).toBe(4);
      expect(sent('checkout', 'checkout', 'Checkout')).toBe(6); // 4 + the first iteration's replay per VU
      expect(sent('till', 'till', 'RecordSale')).toBe(14); // 4 x 3 + the first sale's replay per VU
      expect(['OpenRegister', 'ReturnSale', 'CloseRegister'].map((op) => sent('till', 'till', op))).toEqual([4, 4, 4]);
      const office = ['Dashboard', 'SalesReport', 'StorePerformance', 'GenerateReport', 'ApproveReplenishment'];
      expect(office.map((op) => sent('back-office', 'back_office', op))).toEqual([4, 4, 4, 4, 4]);

      // What the users would find: each order, sale, return and approval once, the registers balanced.
      expect(count(summaries.checkout!, 'orders_placed')).toBe(4);
      expect(await sql('ecommerce', `select count(*) n from orders where status = 'CONFIRMED'`)).toBe(4);
      expect(await sql('retail', `select count(*) n from sales where status = 'COMPLETED'`)).toBe(12);
      expect(await sql('retail', `select count(*) n from returns where status = 'COMPLETED'`)).toBe(4);
      expect(await sql('retail', `select count(*) n from register_sessions where status = 'CLOSED'`)).toBe(4);
      expect(await sql('retail', `select count(*) n from register_sessions where status = 'OPEN'`)).toBe(0);
      expect(await sql('inventory', `select count(*) n from replenishment_request where status = 'APPROVED'`)).toBe(4);
      expect(await sql('reports', `select count(*) n from saved_reports`)).toBe(4);
    }, 240_000);

    test('a rerun with the same RUN_ID signs its customers in again and places new orders', async () => {
      const file = path.join(dir, 'checkout-again.json');
      const again = await k6Run(['-e', 'SMOKE=1', '--summary-export', file, 'loadtests/k6/checkout.js'], env());
      expect({ code: again.code, tail: again.code === 0 ? '' : again.out.slice(-3000) }).toEqual({ code: 0, tail: '' });
      // The same two customers (registration answered EMAIL_TAKEN, they logged in), four new orders.
      expect(count(readSummary(file), 'orders_placed')).toBe(4);
      expect(await sql('ecommerce', `select count(*) n from orders where status = 'CONFIRMED'`)).toBe(8);
      expect(await sql('ecommerce', `select count(*) n from customers where email like 'k6-e2e-%'`)).toBe(2);
    }, 120_000);

    test('`k6 run --vus 1 --duration 2s` replaces the scenario and the thresholds still judge samples', async () => {
      const file = path.join(dir, 'catalog-override.json');
      const res = await k6Run(
        ['--vus', '1', '--duration', '2s', '-e', 'THINK_TIME=0', '--summary-export', file, 'loadtests/k6/catalog.js'],
        env(),
      );
      expect({ code: res.code, tail: res.code === 0 ? '' : res.out.slice(-3000) }).toEqual({ code: 0, tail: '' });
      expect(res.out).toContain('overrode scenarios configuration entirely');
      const summary = readSummary(file);
      expect(count(summary, 'http_reqs{flow:catalog}')).toBeGreaterThan(0);
      expect(count(summary, 'http_req_duration{flow:catalog}')).toBe(count(summary, 'http_reqs{flow:catalog}'));
      expect(Object.keys(thresholdsOf(summary))).toContain('http_req_duration{flow:catalog} p(95)<2100');
    }, 60_000);

    test('a threshold whose flow was never reached fails the run (exit 99); k6 alone would pass it', async () => {
      const fixture = 'test/e2e/fixtures/k6/no-data.js';
      const guardedRun = await k6Run([fixture], env());
      expect(guardedRun.code).toBe(99);
      expect(guardedRun.out).toContain(
        "thresholds on metrics 'checkout_replay_same_order_samples, http_reqs{flow:checkout,operation:Checkout}, http_reqs{flow:checkout}' have been crossed",
      );
      // The same thresholds without their guards: k6 passes them over nothing (p(95)=0s, rate==1 of no sample).
      const raw = await k6Run(['-e', 'GUARD=0', fixture], env());
      expect(raw.code).toBe(0);
    }, 60_000);
  });
});
