import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { eventStream } from '../../../subgraphs/kit';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { freePort, waitFor } from '../../helpers/toolkit';

/**
 * The real entry point as a process tree: primary + 3 workers sharing one port (ADR 0005).
 * Run with `node --import tsx` (what the tsx CLI does, minus its extra signal-relaying parent) so
 * the pid we signal is the primary's.
 */
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../../..');

interface LogLine {
  event?: string;
  workerPid?: number;
  workerId?: number;
  signal?: string | null;
  code?: number | null;
  [k: string]: unknown;
}

let db: TestDatabase;
let child: ChildProcess | null = null;
const lines: LogLine[] = [];
const seenPids = new Set<number>();
let port = 0;
let metricsPort = 0;
// The cluster's own event stream (its relays read REDIS_PREFIX), read back by the test.
const prefix = `test:${randomBytes(4).toString('hex')}:`;
let redis: Redis | null = null;

/** Waits for a condition on the process tree's log; the log is printed when it never comes. */
async function waitForLog<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  try {
    return await waitFor(what, probe, 120_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  }
}

/** One request on a fresh connection, so each one is handed to a worker by the primary anew. */
function request(
  method: 'GET' | 'POST',
  p: number,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: p,
        path: urlPath,
        method,
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const STOCK_QUERY = {
  query:
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock { available levels { location { id } } } } } }',
  variables: { r: [{ __typename: 'Product', id: 'prod-0001' }] },
};

async function stockRequestSucceeds(): Promise<boolean> {
  const res = await request('POST', port, '/graphql', STOCK_QUERY);
  if (res.status !== 200) return false;
  const json = JSON.parse(res.body) as { data?: { _entities: { stock: { levels: unknown[] } }[] }; errors?: unknown };
  return !json.errors && json.data?._entities[0]?.stock.levels.length === 7;
}

function started(): LogLine[] {
  return lines.filter((l) => l.event === 'worker_started');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  db = await freshDatabase('inventory_cluster');
  port = await freePort();
  metricsPort = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/inventory/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      INVENTORY_DATABASE_URL: db.url,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      INVENTORY_REPLICAS: '3',
      SEED_DEMO: '1',
      LOG_LEVEL: 'info',
      DB_POOL_MAX: '3',
      REDIS_PREFIX: prefix,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line) as LogLine;
        lines.push(parsed);
        if (parsed.event === 'worker_started' && parsed.workerPid) seenPids.add(parsed.workerPid);
      } catch {
        // not a log line of ours
      }
    }
  });
  child.stderr!.resume();
});

afterAll(async () => {
  const keys = await redis?.keys(`${prefix}*`);
  if (keys?.length) await redis!.del(...keys);
  redis?.disconnect();
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // Workers leave on their own when the primary disappears; make sure of it for the pids we started.
  for (const pid of seenPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await db?.drop();
});

it('runs 3 workers on one port, replaces a killed worker, and stops cleanly on SIGTERM', async () => {
  await waitForLog('3 workers', () => started().length >= 3);
  const firstPids = started().map((l) => l.workerPid!);
  expect(new Set(firstPids).size).toBe(3);

  const ready = await request('GET', port, '/health/ready');
  expect(ready).toEqual({ status: 200, body: '{"status":"ready"}' });
  for (let i = 0; i < 6; i++) expect(await stockRequestSucceeds()).toBe(true);

  const victim = firstPids[1]!;
  process.kill(victim, 'SIGKILL');
  const exited = await waitForLog('the killed worker to be reported', () =>
    lines.find((l) => l.event === 'worker_exited' && l.workerPid === victim),
  );
  expect(exited.signal).toBe('SIGKILL');
  expect(isAlive(victim)).toBe(false);

  // The two survivors keep serving while the replacement starts.
  const during = await Promise.all(Array.from({ length: 12 }, () => stockRequestSucceeds()));
  expect(during.every(Boolean)).toBe(true);

  const replacement = await waitForLog('a replacement worker', () =>
    started().find((l) => !firstPids.includes(l.workerPid!)),
  );
  expect(isAlive(replacement.workerPid!)).toBe(true);
  const after = await Promise.all(Array.from({ length: 12 }, () => stockRequestSucceeds()));
  expect(after.every(Boolean)).toBe(true);

  // Every worker runs the outbox relay; the advisory lock lets one publish at a time, so the seed's
  // events reach the stream in sequence order, whichever workers published them. Delivery is at least
  // once (ADR 0019): the SIGKILL above can land between a worker's XADD and its commit, and the next
  // holder of the lock publishes those rows again, right after the first copies. So every row is in
  // the stream under the id it was marked with, nothing is lost or reordered, and the only extra
  // entries are repeats of rows already there.
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const pending = async () =>
      (await pg.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n;
    await waitFor('the outbox published', async () => (await pending()) === 0, 60_000);
    const rows = await pg.query<{ seq: string; stream_id: string }>(
      'select seq::text as seq, stream_id from outbox order by outbox.seq',
    );
    expect(rows.rows.length).toBeGreaterThan(2_000);
    const entries = (await redis.xrange(eventStream('inventory', prefix), '-', '+')).map(([id, f]) => ({
      id,
      seq: String((JSON.parse(f[1]!) as { sequence: number }).sequence),
    }));
    const seen = new Set<string>();
    const firstCopies = entries.filter((e) => !seen.has(e.seq) && seen.add(e.seq));
    expect(firstCopies.map((e) => e.seq)).toEqual(rows.rows.map((r) => r.seq));
    const seqOfId = new Map(entries.map((e) => [e.id, e.seq]));
    expect(rows.rows.filter((r) => seqOfId.get(r.stream_id) !== r.seq)).toEqual([]);
    // Repeats come from at most one interrupted pass (one batch of OUTBOX_BATCH rows).
    expect(entries.length - firstCopies.length).toBeLessThanOrEqual(200);
  } finally {
    await pg.end();
  }

  const metrics = await request('GET', metricsPort, '/metrics');
  expect(metrics.status).toBe(200);
  expect(metrics.body).toMatch(/db_statements_total\{kind="select",service="inventory"\} \d+/);
  // Read from the one outbox by every worker: the primary shows it once (max), not summed.
  expect(metrics.body).toMatch(/outbox_backlog\{service="inventory"\} 0\n/);
  expect(metrics.body).toMatch(/outbox_published_total\{type="stock.changed",service="inventory"\} \d+/);

  const living = [...firstPids.filter((p) => p !== victim), replacement.workerPid!];
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child!.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child!.kill('SIGTERM');
  expect(await exit).toEqual({ code: 0, signal: null });
  for (const pid of living) {
    const stopped = lines.find((l) => l.event === 'worker_exited' && l.workerPid === pid);
    // Exit code 0: the worker drained and closed its pool itself rather than dying of the signal.
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(isAlive(pid)).toBe(false);
  }
  expect(lines.some((l) => l.event === 'primary_stopped' && l.forcedKill === false)).toBe(true);
});
