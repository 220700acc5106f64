/**
 * The reports process killed while events flow, then restarted (issue 9, "must show"): reports runs
 * as it does in production (`node --import tsx subgraphs/reports/index.ts`), a producer keeps
 * publishing, the process is killed with SIGKILL mid-stream (batches delivered and not acknowledged,
 * some committed and not acknowledged), a new process (a new consumer name) starts, claims what the
 * dead one left once idle for REPORTS_CLAIM_IDLE_MS, and the totals end exact: nothing lost, nothing
 * counted twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { addDays, chainDay } from '../../subgraphs/reports/domain/calendar';
import {
  amount,
  drained,
  events,
  expectedFigures,
  publish,
  reportsQuery,
  type AmountOut,
  type Envelope,
  type PeriodVars,
} from '../subgraphs/reports/helpers';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { client, freePort, tokens, waitFor } from '../helpers/toolkit';

const TRANSACTIONS = reportsQuery<{ salesReport: { transactions: number } }, { p: PeriodVars }>(
  'query($p: PeriodInput!) { salesReport(period: $p) { transactions } }',
);

const TOTALS = reportsQuery<
  { salesReport: { revenue: AmountOut; transactions: number; unitsSold: number; returns: number } },
  { p: PeriodVars }
>('query($p: PeriodInput!) { salesReport(period: $p) { revenue { amount } transactions unitsSold returns } }');

const ROOT = path.join(__dirname, '..', '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('reports killed while events flow, then restarted', () => {
  let db: TestDatabase;
  let pg: Client;
  let port: number;
  let redis: Redis;
  let child: ChildProcess | null = null;
  let output = '';
  const prefix = `test:reports-crash:${randomBytes(4).toString('hex')}:`;

  function startReports(): ChildProcess {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/reports/index.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        REPORTS_DATABASE_URL: db.url,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        // Small batches so that the kill lands mid-stream; a short claim time so the test is quick.
        REPORTS_BATCH: '5',
        REPORTS_BLOCK_MS: '100',
        REPORTS_CLAIM_IDLE_MS: '1000',
        REPORTS_CLAIM_EVERY_MS: '200',
        REPORTS_JOB_INTERVAL_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return proc;
  }

  async function ready(proc: ChildProcess): Promise<void> {
    await waitFor(
      'reports to be ready',
      async () => {
        if (proc.exitCode !== null) throw new Error(`reports exited early:\n${output}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      60_000,
    );
  }

  beforeAll(async () => {
    port = await freePort();
    db = await freshDatabase('reports_crash');
    redis = new Redis(REDIS_URL);
    pg = new Client({ connectionString: db.url });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await pg.end().catch(() => undefined);
    await db.drop();
  });

  it('loses nothing and counts nothing twice', async () => {
    child = startReports();
    await ready(child);
    const today = chainDay(new Date());
    const line = (n: number, q: number) => ({
      productId: `prod-${String(n).padStart(4, '0')}`,
      categoryId: `cat-${n % 4}`,
      quantity: q,
      unitPriceCents: 100 + n,
    });
    const all: Envelope[] = [];
    for (let i = 0; i < 400; i++) {
      const store = `store-${1 + (i % 5)}`;
      if (i % 4 === 0) all.push(events.orderConfirmed(`ord-k${i}`, [line((i % 300) + 1, 1 + (i % 3))]));
      else all.push(events.saleRecorded(`sale-k${i}`, store, [line((i % 300) + 1, 1), line(((i * 7) % 300) + 1, 2)]));
      if (i % 25 === 0)
        all.push(
          events.saleReturned(`sale-k${i - 1}`, `store-${1 + ((i - 1 + 5) % 5)}`, [line(((i - 1 + 300) % 300) + 1, 1)]),
        );
    }
    // Publish in the background, kill the process when about a third has been applied.
    const publishing = (async () => {
      for (let i = 0; i < all.length; i += 10) {
        await publish(redis, prefix, all.slice(i, i + 10));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const gql = client(`http://127.0.0.1:${port}/graphql`);
    const applied = async () => {
      const res = await gql(TRANSACTIONS, { p: { from: today, to: today } }, { token: tokens.admin() });
      return res.body.data?.salesReport.transactions ?? 0;
    };
    await waitFor('a third of the events applied', async () => (await applied()) > 120, 60_000, 20);
    const killed = child;
    const exited = new Promise((r) => killed.once('exit', r));
    killed.kill('SIGKILL');
    await exited;
    // What the dead process had committed: the rest is left to its successor.
    await pg.connect();
    const atKill = await pg.query<{ n: number }>('select count(*)::int as n from processed_events');
    await publishing;

    child = startReports();
    await ready(child);
    await drained(redis, prefix, 'reports', 60_000);
    const res = await gql(TOTALS, { p: { from: addDays(today, -1), to: today } }, { token: tokens.admin() });
    const ex = expectedFigures(all, addDays(today, -1), today);
    expect(atKill.rows[0]!.n).toBeLessThan(all.length);
    expect(res.body.data?.salesReport).toEqual({
      revenue: { amount: amount(ex.revenueCents) },
      transactions: ex.transactions,
      unitsSold: ex.unitsSold,
      returns: ex.returns,
    });
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }, 180_000);
});
