/**
 * `npm run reports:rebuild` as an operator runs it: a separate process that asks each producer for
 * its retained events (the `retainedEvents` query docs/events.md, "Retention and rebuild") with a
 * SERVICE token, page by page, and rebuilds the read models in one transaction. The producers are
 * stand-ins serving exactly that query's shape until theirs exist; a producer that does not serve it
 * makes the rebuild fail and change nothing.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { client, tokens } from '../../helpers/toolkit';
import { verifyToken } from '../../../subgraphs/kit';
import { configFromEnv } from '../../../subgraphs/reports/config';
import { addDays, chainDay } from '../../../subgraphs/reports/domain/calendar';
import type { RebuildSummary } from '../../../subgraphs/reports/domain/rebuild';
import { startReports, type RunningReports } from '../../../subgraphs/reports/server';
import {
  amount,
  events,
  expectedFigures,
  reportsQuery,
  type AmountOut,
  type Envelope,
  type PeriodVars,
} from './helpers';

const TOTALS = reportsQuery<
  { salesReport: { revenue: AmountOut; transactions: number; returns: number } },
  { p: PeriodVars }
>('query($p: PeriodInput!) { salesReport(period: $p) { revenue { amount } transactions returns } }');

const REVENUE = reportsQuery<{ salesReport: { revenue: AmountOut } }, { p: PeriodVars }>(
  'query($p: PeriodInput!) { salesReport(period: $p) { revenue { amount } } }',
);

const ROOT = path.join(__dirname, '..', '..', '..');

interface FakeProducer {
  url: string;
  calls: { after: string | null; first: number; role: string }[];
  close: () => Promise<void>;
}

/** A producer's retainedEvents over a list of envelopes; `broken` answers like a subgraph without the field. */
async function fakeProducer(envelopes: Envelope[], broken = false): Promise<FakeProducer> {
  const calls: FakeProducer['calls'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { variables } = JSON.parse(body) as { variables: { after: string | null; first: number } };
      const role = verifyToken((req.headers.authorization ?? '').replace(/^Bearer /, '')).role;
      calls.push({ after: variables.after, first: variables.first, role });
      res.setHeader('content-type', 'application/json');
      if (broken) {
        res.end(JSON.stringify({ errors: [{ message: 'Cannot query field "retainedEvents" on type "Query".' }] }));
        return;
      }
      const start = variables.after === null ? 0 : Number(variables.after);
      const page = envelopes.slice(start, start + variables.first);
      const end = start + page.length;
      res.end(
        JSON.stringify({
          data: {
            retainedEvents: {
              events: page.map((e) => JSON.stringify(e)),
              endCursor: page.length ? String(end) : null,
              hasNextPage: end < envelopes.length,
            },
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** rebuild-cli.ts (npm run reports:rebuild) on the reports database, reading the ecommerce, retail and inventory producers. */
function runRebuild(
  dbUrl: string,
  [ecommerce, retail, inventory]: FakeProducer[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    REPORTS_DATABASE_URL: dbUrl,
    ECOMMERCE_URL: ecommerce!.url,
    RETAIL_URL: retail!.url,
    INVENTORY_URL: inventory!.url,
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/reports/rebuild-cli.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run reports:rebuild', () => {
  let db: TestDatabase;
  let sg: RunningReports;
  const today = chainDay(new Date());
  const period = { from: addDays(today, -1), to: today };
  const line = (n: number, quantity: number, unitPriceCents: number) => ({
    productId: `prod-${String(n).padStart(4, '0')}`,
    categoryId: `cat-${n % 2}`,
    quantity,
    unitPriceCents,
  });
  const ecommerce = [
    events.orderConfirmed('ord-r1', [line(1, 2, 1250)]),
    events.orderConfirmed('ord-r2', [line(2, 1, 990)]),
    events.orderCancelled('ord-r2', [line(2, 1, 990)]),
  ];
  const retail = Array.from({ length: 7 }, (_, i) =>
    events.saleRecorded(`sale-r${i}`, `store-${1 + (i % 3)}`, [line(i, 1 + i, 300)]),
  );
  retail.push(events.saleReturned('sale-r3', 'store-1', [line(3, 1, 300)]));
  const inventory = [events.stockChanged('prod-0001')];

  beforeAll(async () => {
    db = await freshDatabase('reports_rebuild');
    sg = await startReports({
      dbUrl: db.url,
      port: 0,
      config: { ...configFromEnv({}), redisUrl: null },
      consume: false,
    });
  });

  afterAll(async () => {
    await sg?.stop();
    await db?.drop();
  });

  it('reads every producer page by page with a SERVICE token and rebuilds the exact totals', async () => {
    const producers = await Promise.all([fakeProducer(ecommerce), fakeProducer(retail), fakeProducer(inventory)]);
    try {
      const out = await runRebuild(db.url, producers);
      expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      // What rebuild-cli.ts prints: the rebuild's summary as JSON.
      const summary = JSON.parse(out.stdout.trim()) as RebuildSummary;
      expect(summary).toMatchObject({
        applied: 11,
        ignored: 1,
        rejected: 0,
        read: { ecommerce: 3, retail: 8, inventory: 1 },
      });
      // 500 per page: one call each here, with the SERVICE role.
      expect(producers.map((p) => p.calls)).toEqual(
        producers.map(() => [{ after: null, first: 500, role: 'SERVICE' }]),
      );
      const res = await client(sg.url)(TOTALS, { p: period }, { token: tokens.admin() });
      const ex = expectedFigures([...ecommerce, ...retail, ...inventory], period.from, period.to);
      expect(res.body.data?.salesReport).toEqual({
        revenue: { amount: amount(ex.revenueCents) },
        transactions: ex.transactions,
        returns: 1,
      });
      const metrics = await sg.metrics.registry.getSingleMetric('reports_rebuild_duration_seconds')!.get();
      expect(metrics.values[0]?.value).toBeGreaterThanOrEqual(0);
    } finally {
      await Promise.all(producers.map((p) => p.close()));
    }
  }, 60_000);

  it('fails and changes nothing when a producer does not serve retainedEvents', async () => {
    const before = await client(sg.url)(REVENUE, { p: period }, { token: tokens.admin() });
    expect(before.body.data?.salesReport.revenue.amount).toEqual(expect.any(String));
    const producers = await Promise.all([
      fakeProducer([events.orderConfirmed('ord-new', [line(9, 9, 9999)])]),
      fakeProducer([], true),
      fakeProducer([]),
    ]);
    try {
      const out = await runRebuild(db.url, producers);
      expect(out.code).toBe(1);
      expect(out.stdout + out.stderr).toContain('did not serve retainedEvents');
      const after = await client(sg.url)(REVENUE, { p: period }, { token: tokens.admin() });
      expect(after.body.data).toEqual(before.body.data);
    } finally {
      await Promise.all(producers.map((p) => p.close()));
    }
  }, 60_000);
});
