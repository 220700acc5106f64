/**
 * `npm run bench`: how much the router costs, measured in one run. Its scenarios, in the order they
 * run (BENCH_SCENARIOS=catalogue,gateways,freshness,checkout,pos,limits,reports,eventlag, all by default; or
 * name them as arguments: `npm run bench -- gateways` runs only the gateway comparison):
 *
 * catalogue: three targets serving the same page (the contract's CatalogPage, first: 20):
 *
 *   router  CatalogPage through our router (products + inventory's stock)
 *   direct  the same query minus `stock`, straight to the products subgraph: the limit
 *   stock   CatalogPage through a stock @apollo/gateway with its documented defaults
 *           (loadtests/stock-gateway.ts, its own process, same supergraph, same subgraphs)
 *
 * Each: a correctness check of the first response, a warm-up, then autocannon at fixed concurrency
 * (throughput, latency under saturation), then a fixed rate, evenly paced (latency at a normal load).
 * gateways (loadtests/gateways.ts): our router beside its peers, each its own process on the same
 * supergraph and subgraphs: the stock @apollo/gateway, Hive Gateway (@graphql-hive/gateway) and Hive
 * Gateway with its Rust query planner (@graphql-hive/router-runtime), under three workloads
 * (loadtests/workloads.ts: hot, one catalogue page; varied, a fixed list of distinct requests;
 * skewed, a seeded Zipf storefront mix with signed-in Me), 50 connections, the median of 3 rounds of
 * 8 s; req/s, p50/p95/p99, errors, CPU ms per request of every process, and our router's ratios.
 * freshness (loadtests/freshness.ts): under the varied workload, prices and stock changed beside the
 * router, and how soon each change shows through it (the entity cache's event invalidation).
 * Then the checkout saga: distinct customers with 1 to 3 cart lines each, checked out at fixed concurrency.
 * Around each measured write run (checkout, POS), loadtests/exactness.ts reads stock (from inventory)
 * and SalesReport (through the router) before and after: stock must have gone down by exactly the
 * units the completed operations carried, no level below zero, and reports must reach exactly the
 * operations' transactions, units and revenue (the line says how long after the last operation).
 * Then reports (loadtests/reports.ts): its 30-day period topped up to every store selling every
 * sellable product every day (documented events published to the streams, consumed before measuring),
 * the read scenarios SalesReport (ADMIN), StorePerformance (a MANAGER) and Dashboard (the chain's)
 * measured like the catalogue targets, and the event lag: POS sales and checkouts sent at once, then
 * the time from each event's occurrence to reports' read model (p50/p95/max).
 * Prints tables and writes loadtests/results/latest.json.
 *
 * Uses a running stack when ROUTER_URL (default http://127.0.0.1:4000/graphql) answers, with
 * subgraphs at the router's port +1, +2, +3 unless PRODUCTS_URL, INVENTORY_URL, ECOMMERCE_URL say
 * otherwise (then JWT_SECRET must be that stack's). Otherwise starts one like `npm start` does
 * (scripts/services.ts): embedded PostgreSQL or DATABASE_URL, databases prefixed bench_, seeded,
 * ports from BENCH_BASE_PORT (4100); its output goes to loadtests/results/stack.log.
 *
 * Knobs (env): BENCH_SCENARIOS (above; arguments win) BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_WARMUP=3 BENCH_RATE=100
 * BENCH_RATE_DURATION=10 BENCH_TARGETS=router,direct,stock
 * CHECKOUT_COUNT=200 CHECKOUT_CONCURRENCY=20 (0 skips the checkout scenario).
 * POS_COUNT=300 POS_CONCURRENCY=10: point-of-sale sales over the 5 stores (loadtests/pos.ts; 0 skips it).
 * WRITE_WARMUP=1500: checkouts and sales sent, unmeasured, before each of those two scenarios (0: none).
 * LIMITS_DURATION=10 LIMITS_ATTACKERS=4 LIMITS_RATE=20: the abusive-request scenario (loadtests/limits.ts),
 * against the router and the stock gateway (0 skips it).
 * REPORTS_BENCH_DURATION=10 (0 skips the read scenarios and the top-up) REPORTS_BENCH_CONNECTIONS=20
 * REPORTS_BENCH_WARMUP=3 REPORTS_BENCH_RATE_DURATION=10 REPORTS_BENCH_RATE (unset: SalesReport 5/s,
 * StorePerformance and Dashboard 20/s; set: every read at that rate)
 * REPORTS_BENCH_TARGETS=salesReport,storePerformance,dashboard: the reports reads (fewer connections
 * and lower rates than the catalogue: back-office screens, each request several times the work).
 * EVENT_LAG_SALES=300 (at POS_CONCURRENCY) EVENT_LAG_CHECKOUTS=150 EVENT_LAG_CHECKOUT_CONCURRENCY=5
 * (both counts 0 skips it): the event-lag load, sales and checkouts sent together.
 * GATEWAYS_DURATION=8 GATEWAYS_CONNECTIONS=50 GATEWAYS_WARMUP=3 GATEWAYS_ROUNDS=3
 * GATEWAYS_TARGETS=router,stock,hive,hive-rust GATEWAYS_WORKLOADS=hot,varied,skewed GATEWAYS_SEED
 * GATEWAYS_ZIPF_S=1.1 GATEWAYS_SKEWED_PER_CONNECTION=40 GATEWAYS_CUSTOMERS=8 GATEWAYS_SAMPLE_EVERY=50
 * GATEWAYS_IDLE_SECONDS=3: the gateway comparison (loadtests/gateways.ts).
 * FRESHNESS_CHANGES=60 FRESHNESS_CONNECTIONS=20 FRESHNESS_POLL_MS=10 FRESHNESS_TIMEOUT_MS=10000: the
 * freshness scenario.
 * CPU is read from /proc for every process of the stack, PostgreSQL and Redis included (found by
 * their ports when the stack uses a server of the machine; of a shared PostgreSQL only its own
 * processes and the backends of the stack's databases count; a shared Redis counts whole).
 * A running stack's reports data is reached through REPORTS_DATABASE_URL (default: DATABASE_URL, or
 * the embedded server, with database DB_PREFIX + reports), REDIS_URL and REDIS_PREFIX (retail:); a
 * stack the bench starts uses the stream prefix bench: (BENCH_DB_PREFIX without its underscore), so
 * that it shares no stream with another stack on the same Redis.
 *
 * The load generator shares the machine with everything it measures: on 2 cores the absolute
 * numbers are lower bounds; the ratios between targets, measured in the same run, are the point.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { parse, print, visit } from 'graphql';
import { operation } from '../schema/operations';
import { signToken } from '../subgraphs/kit/auth';
import {
  ROOT,
  SUBGRAPHS,
  prefixedSink,
  spawnService,
  startStack,
  stackOptionsFromEnv,
  type ManagedProcess,
  type RunningStack,
} from '../scripts/services';
import { databaseUrl } from '../subgraphs/kit/db';
import { prepareCheckoutScenario, type CheckoutResult } from './checkout';
import { runLimitsScenario, type LimitsResult } from './limits';
import { checkExact, exactnessLine, readLedger, type Effects, type ExactnessResult } from './exactness';
import { pacedLoad } from './paced';
import { preparePosScenario, type PosResult } from './pos';
import {
  benchPeriod,
  ensureReportsData,
  measureEventLag,
  readScenarios,
  type EventLagResult,
  type ReportsAccess,
  type ReportsData,
} from './reports';
import { freshnessLines, runFreshnessScenario, type FreshnessResult } from './freshness';
import { gatewaysMarkdown, gatewaysTables, runGatewayComparison, type GatewaysResult } from './gateways';
import {
  cpuSnapshot,
  envInt,
  gql,
  percentile,
  pidListeningOn,
  postgresScope,
  round,
  withDb,
  type CpuScope,
} from './util';

const RESULTS_DIR = path.join(ROOT, 'loadtests', 'results');

const CATALOG_PAGE = operation('CatalogPage');

/** CatalogPage without `stock` (inventory's field): what the products subgraph alone can serve. */
const CATALOG_PAGE_DIRECT = withoutField(CATALOG_PAGE, 'stock');

function withoutField(query: string, field: string): string {
  let removed = 0;
  const document = visit(parse(query), {
    Field: (node) => {
      if (node.name.value !== field) return undefined;
      removed++;
      return null;
    },
  });
  if (removed !== 1) throw new Error(`CatalogPage without ${field}: expected one ${field} selection, found ${removed}`);
  return print(document);
}

interface Target {
  key: string;
  label: string;
  url: string;
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
  /** Bearer token sent with every request. */
  token?: string;
  /** Name of the process serving it in Environment.processes (for CPU per request). */
  server: string;
  /** What is wrong with the first response (its parsed body), or null when it is right. */
  check: (body: unknown) => string | null;
  /** Whether a response under load is good: cheap string tests (hot path). */
  verifyBody: (raw: string | Buffer | undefined) => boolean;
  /** Its paced rate when not the plan's. */
  rate?: number;
}

/** How one group of targets is driven. */
interface Plan {
  warmup: number;
  duration: number;
  connections: number;
  rate: number;
  rateDuration: number;
  /**
   * CPU ms per second each process spends with no request (relays' polling, consumers, timers),
   * taken off before dividing by the requests: at a few requests per second it would dominate.
   */
  idleCpuMsPerSecond?: Record<string, number>;
}

interface LoadStats {
  requests: number;
  durationS: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  errorDetail: { non2xx: number; socket: number; timeouts: number; badBody: number };
  /** CPU milliseconds the serving process used per request (null when not known). */
  cpuMsPerRequest: number | null;
  /** CPU ms per request of every known process: where a request's cost goes on a shared machine. */
  cpuBreakdown: Record<string, number>;
}

interface TargetResult {
  target: string;
  url: string;
  saturated: LoadStats;
  fixedRate: LoadStats & { targetRate: number };
}

const SCENARIOS = ['catalogue', 'gateways', 'freshness', 'checkout', 'pos', 'limits', 'reports', 'eventlag'] as const;

/** The scenarios to run: the command's arguments, else BENCH_SCENARIOS, else all of them. */
function selectedScenarios(): Set<string> {
  const args = process.argv.slice(2).flatMap((a) => a.split(','));
  const raw = args.length ? args : (process.env.BENCH_SCENARIOS ?? SCENARIOS.join(',')).split(',');
  const names = raw.map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  return new Set(names);
}

const scenarios = selectedScenarios();

const config = {
  scenarios: [...scenarios],
  duration: envInt('BENCH_DURATION', 10),
  connections: envInt('BENCH_CONNECTIONS', 50),
  warmup: envInt('BENCH_WARMUP', 3),
  rate: envInt('BENCH_RATE', 100),
  rateDuration: envInt('BENCH_RATE_DURATION', 10),
  first: 20,
  targets: (process.env.BENCH_TARGETS ?? 'router,direct,stock').split(',').map((s) => s.trim()),
  /** Rounds over all targets in turn; each target's median round is kept (drift on a shared machine). */
  rounds: Math.max(1, envInt('BENCH_ROUNDS', 1)),
  checkoutCount: envInt('CHECKOUT_COUNT', 200),
  checkoutConcurrency: envInt('CHECKOUT_CONCURRENCY', 20),
  posCount: envInt('POS_COUNT', 300),
  posConcurrency: envInt('POS_CONCURRENCY', 10),
  /**
   * Checkouts and sales sent, unmeasured, before each write scenario's measured ones: a stack just
   * started gets faster over its first few thousand (one run: 20.3, 16.2, 14.5 and 12.6 ms of CPU per
   * sale over four runs of 1000 back to back, the load generator's own cost flat; docs/benchmarks.md).
   */
  writeWarmup: envInt('WRITE_WARMUP', 1500),
  /** Abusive-request scenario: seconds per target (0 skips it), attacking clients, CatalogPage rate. */
  limitsDuration: envInt('LIMITS_DURATION', 10),
  limitsAttackers: envInt('LIMITS_ATTACKERS', 4),
  limitsRate: envInt('LIMITS_RATE', 20),
  reports: {
    warmup: envInt('REPORTS_BENCH_WARMUP', 3),
    duration: envInt('REPORTS_BENCH_DURATION', 10),
    connections: envInt('REPORTS_BENCH_CONNECTIONS', 20),
    /** Paced rate of every read when set; unset, each its own (readScenarios: SalesReport 5/s, the others 20/s). */
    rate: envInt('REPORTS_BENCH_RATE', 20),
    rateOverride: process.env.REPORTS_BENCH_RATE ? envInt('REPORTS_BENCH_RATE', 20) : null,
    rateDuration: envInt('REPORTS_BENCH_RATE_DURATION', 10),
    targets: (process.env.REPORTS_BENCH_TARGETS ?? 'salesReport,storePerformance,dashboard')
      .split(',')
      .map((t) => t.trim()),
  },
  eventLagSales: envInt('EVENT_LAG_SALES', 300),
  eventLagCheckouts: envInt('EVENT_LAG_CHECKOUTS', 150),
  eventLagCheckoutConcurrency: envInt('EVENT_LAG_CHECKOUT_CONCURRENCY', 5),
};

/** How a shared server's processes are counted (set once the environment is known). */
let cpuScopes: Record<string, CpuScope> = {};

const catalogPlan: Plan = {
  warmup: config.warmup,
  duration: config.duration,
  connections: config.connections,
  rate: config.rate,
  rateDuration: config.rateDuration,
};

function log(message: string): void {
  console.log(`bench | ${message}`);
}

async function reachable(graphqlUrl: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/health/ready', graphqlUrl), { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

interface Environment {
  routerUrl: string;
  subgraphUrls: Record<string, string>;
  started: RunningStack | null;
  /** Processes whose CPU time is measured (name -> pid): the stack's, PostgreSQL and Redis included. */
  processes: Record<string, number>;
  /** How a shared server's processes are counted (PostgreSQL: its own and our databases' backends). */
  cpuScopes: Record<string, CpuScope>;
  /** reports' database and streams (the top-up and the event lag read them). */
  reports: ReportsAccess;
}

/** A setting of the PostgreSQL server behind `url`, or null when it cannot be read. */
async function serverSetting(url: string, name: string): Promise<string | null> {
  try {
    return await withDb(url, async (db) => {
      const res = await db.query<{ setting: string }>('select setting from pg_settings where name = $1', [name]);
      return res.rows[0]?.setting ?? null;
    });
  } catch {
    return null;
  }
}

/** A running stack if the router answers, else one started here like `npm start` does. */
async function environment(): Promise<Environment> {
  const routerUrl = process.env.ROUTER_URL ?? 'http://127.0.0.1:4000/graphql';
  if (await reachable(routerUrl)) {
    const base = Number(new URL(routerUrl).port || 80);
    const subgraphUrls: Record<string, string> = {};
    for (const s of SUBGRAPHS) {
      subgraphUrls[s.name] = process.env[s.urlEnv ?? ''] ?? withPort(routerUrl, base + s.portOffset);
    }
    log(`using the running stack at ${routerUrl}`);
    // Its processes, found by the ports they listen on, so that CPU per request is known too.
    const processes: Record<string, number> = {};
    const ports: Record<string, number> = { router: base };
    for (const [name, url] of Object.entries(subgraphUrls)) ports[name] = Number(new URL(url).port);
    if (!process.env.DATABASE_URL) ports.postgres = envInt('EMBEDDED_PG_PORT', 5433);
    for (const [name, port] of Object.entries(ports)) {
      const pid = pidListeningOn(port);
      if (pid !== null) processes[name] = pid;
    }
    const server =
      process.env.DATABASE_URL || `postgres://postgres:postgres@127.0.0.1:${envInt('EMBEDDED_PG_PORT', 5433)}/postgres`;
    const reports: ReportsAccess = {
      reportsDatabaseUrl:
        process.env.REPORTS_DATABASE_URL || databaseUrl(server, `${process.env.DB_PREFIX ?? ''}reports`),
      redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
      redisPrefix: process.env.REDIS_PREFIX ?? 'retail:',
      subgraphUrls,
    };
    const cpuScopes = dataStores(
      processes,
      server,
      reports.redisUrl,
      SUBGRAPHS.map((s) => `${process.env.DB_PREFIX ?? ''}${s.name}`),
    );
    return { routerUrl, subgraphUrls, started: null, processes, cpuScopes, reports };
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = path.join(RESULTS_DIR, 'stack.log');
  const out = fs.createWriteStream(logFile);
  const options = stackOptionsFromEnv();
  const basePort = envInt('BENCH_BASE_PORT', 4100);
  log(
    `no router at ${routerUrl}: starting a stack on ports ${basePort}.. with ${options.databaseUrl ? 'DATABASE_URL' : 'embedded PostgreSQL'}, databases bench_* (log: ${path.relative(ROOT, logFile)})`,
  );
  const dbPrefix = process.env.BENCH_DB_PREFIX ?? 'bench_';
  // The children inherit this environment: their streams are the bench's own (see the knobs).
  process.env.REDIS_PREFIX ??= `${dbPrefix.replace(/_+$/, '') || 'bench'}:`;
  const started = await startStack({
    ...options,
    basePort,
    dbPrefix,
    seed: true,
    sink: prefixedSink(out, true),
    say: (m) => {
      out.write(`start    | ${m}\n`);
      log(m);
    },
  });
  const processes: Record<string, number> = Object.fromEntries(started.processes.map((p) => [p.name, p.pid]));
  const cpuScopes = dataStores(
    processes,
    started.databaseServerUrl,
    started.redisUrl,
    Object.values(started.databaseNames),
  );
  return {
    routerUrl: started.routerUrl ?? '',
    subgraphUrls: started.subgraphUrls,
    started,
    processes,
    cpuScopes,
    reports: {
      reportsDatabaseUrl: databaseUrl(started.databaseServerUrl, started.databaseNames.reports ?? `${dbPrefix}reports`),
      redisUrl: started.redisUrl,
      redisPrefix: process.env.REDIS_PREFIX,
      subgraphUrls: started.subgraphUrls,
    },
  };
}

/**
 * Adds PostgreSQL and Redis to the measured processes when they run on this machine and are not
 * there yet (a server of the machine rather than the stack's own child), found by their ports.
 * Returns the CPU scopes: a PostgreSQL found that way may serve other work, so only its own
 * processes and the backends of `databases` count.
 */
function dataStores(
  processes: Record<string, number>,
  databaseServerUrl: string,
  redisUrl: string,
  databases: string[],
): Record<string, CpuScope> {
  const scopes: Record<string, CpuScope> = {};
  const localPort = (url: string, fallback: number): number | null => {
    try {
      const u = new URL(url);
      return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(u.hostname) ? Number(u.port || fallback) : null;
    } catch {
      return null;
    }
  };
  if (processes.postgres === undefined) {
    const port = localPort(databaseServerUrl, 5432);
    const pid = port === null ? null : pidListeningOn(port);
    if (pid !== null) {
      processes.postgres = pid;
      scopes.postgres = postgresScope(databases);
    }
  } else if (process.env.DATABASE_URL) {
    scopes.postgres = postgresScope(databases);
  }
  if (processes.redis === undefined) {
    const port = localPort(redisUrl, 6379);
    const pid = port === null ? null : pidListeningOn(port);
    if (pid !== null) processes.redis = pid;
  }
  return scopes;
}

async function startStockGateway(subgraphUrls: Record<string, string>): Promise<{ proc: ManagedProcess; url: string }> {
  const sinkFile = fs.createWriteStream(path.join(RESULTS_DIR, 'stock-gateway.log'));
  const proc = spawnService(
    'stock-gw',
    process.execPath,
    ['--import', 'tsx', path.join('loadtests', 'stock-gateway.ts')],
    {
      env: { ...process.env, PORT: '0', SUBGRAPH_URLS: JSON.stringify(subgraphUrls), NODE_ENV: 'development' },
      sink: prefixedSink(sinkFile, true),
      ipc: true,
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    proc.child.on('message', (msg: { ready?: string }) => {
      if (msg.ready) resolve(msg.ready);
    });
    void proc.exited.then(() => reject(new Error(`stock gateway exited during start-up:\n${proc.tail()}`)));
  });
  return { proc, url };
}

/** The catalogue page's first response: 20 edges, no errors, stock on every node when asked (and only then). */
function catalogCheck(withStock: boolean) {
  return (raw: unknown): string | null => {
    const body = raw as {
      data?: { products?: { edges?: { node: { id: string; stock?: { available: number } | null } }[] } };
      errors?: { message: string }[];
    };
    if (body.errors?.length) return `errors: ${body.errors.map((e) => e.message).join('; ')}`;
    const edges = body.data?.products?.edges ?? [];
    if (edges.length !== config.first) return `${edges.length} edges`;
    if (withStock && !edges.every((e) => typeof e.node.stock?.available === 'number'))
      return 'a node has no stock.available';
    if (!withStock && edges.some((e) => 'stock' in e.node)) return 'unexpected stock';
    return null;
  };
}

/** A good response under load carries `marker` (its data) and no GraphQL error. Cheap string tests (hot path). */
function bodyHas(marker: string) {
  return (raw: string | Buffer | undefined): boolean => {
    const body = typeof raw === 'string' ? raw : (raw?.toString() ?? '');
    return body.includes(marker) && !body.includes('"errors":');
  };
}

async function load(
  target: Target,
  processes: Record<string, number>,
  opts: { connections: number; duration: number; overallRate?: number },
  idle: Record<string, number> = {},
): Promise<LoadStats> {
  const cpuBefore = cpuSnapshot(processes, cpuScopes);
  const benchCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const body = JSON.stringify({
    query: target.query,
    variables: target.variables,
    operationName: target.operationName,
  });
  const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
  let latencies: number[] = [];
  let errorDetail: LoadStats['errorDetail'];
  if (opts.overallRate) {
    const paced = await pacedLoad({
      url: target.url,
      body,
      rate: opts.overallRate,
      durationS: opts.duration,
      verifyBody: target.verifyBody,
      headers,
    });
    latencies = paced.latencies;
    errorDetail = { non2xx: paced.non2xx, socket: paced.socketErrors, timeouts: 0, badBody: paced.badBody };
  } else {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: target.url,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
          connections: opts.connections,
          duration: opts.duration,
          timeout: 10,
          verifyBody: target.verifyBody,
        },
        (err, res) => (err ? reject(err as Error) : resolve(res)),
      );
      // Every response's latency (ms, fractional): autocannon's own histogram has no p95.
      instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    });
    errorDetail = {
      non2xx: result.non2xx,
      socket: result.errors - result.timeouts,
      timeouts: result.timeouts,
      badBody: result.mismatches,
    };
  }
  const durationS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = cpuSnapshot(processes, cpuScopes);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  latencies.sort((a, b) => a - b);
  const requests = latencies.length;
  const perRequest = (ms: number) => round(ms / Math.max(1, requests), 3);
  const cpuBreakdown: Record<string, number> = {};
  for (const [name, after] of Object.entries(cpuAfter))
    cpuBreakdown[name] = perRequest(after - (cpuBefore[name] ?? 0) - (idle[name] ?? 0) * durationS);
  cpuBreakdown['bench (load generator)'] = perRequest((benchCpu.user + benchCpu.system) / 1000);
  return {
    requests,
    durationS: round(durationS, 2),
    rps: round(requests / durationS, 1),
    p50: round(percentile(latencies, 0.5), 2),
    p95: round(percentile(latencies, 0.95), 2),
    p99: round(percentile(latencies, 0.99), 2),
    max: round(latencies[latencies.length - 1] ?? 0, 2),
    errors: errorDetail.non2xx + errorDetail.socket + errorDetail.timeouts + errorDetail.badBody,
    errorDetail,
    cpuMsPerRequest: cpuBreakdown[target.server] ?? null,
    cpuBreakdown,
  };
}

async function checkTarget(target: Target): Promise<void> {
  const res = await gql(target.url, target.query, target.variables, target.token);
  const reason = res.status !== 200 ? `HTTP ${res.status}` : target.check(res.body);
  if (reason !== null) {
    throw new Error(`${target.key}: first response is wrong (${reason}): ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  log(`${target.key}: first response ok`);
}

async function measureTarget(
  target: Target,
  plan: Plan,
  processes: Record<string, number>,
  roundLabel: string,
): Promise<TargetResult> {
  log(
    `${target.key}${roundLabel}: warm-up ${plan.warmup} s, then ${plan.connections} connections for ${plan.duration} s`,
  );
  const idle = plan.idleCpuMsPerSecond;
  if (plan.warmup > 0) await load(target, processes, { connections: plan.connections, duration: plan.warmup });
  const saturated = await load(target, processes, { connections: plan.connections, duration: plan.duration }, idle);
  const rate = target.rate ?? plan.rate;
  log(`${target.key}${roundLabel}: ${rate} requests/s, evenly paced (open model), for ${plan.rateDuration} s`);
  const fixed = await load(target, processes, { connections: 0, duration: plan.rateDuration, overallRate: rate }, idle);
  return { target: target.label, url: target.url, saturated, fixedRate: { ...fixed, targetRate: rate } };
}

/** Every target in turn, `config.rounds` times; each target's median round. */
async function measureAll(targets: Target[], plan: Plan, processes: Record<string, number>) {
  const rounds: Record<string, TargetResult[]> = {};
  for (let r = 1; r <= config.rounds; r++) {
    const label = config.rounds > 1 ? ` (round ${r}/${config.rounds})` : '';
    for (const target of targets) (rounds[target.key] ??= []).push(await measureTarget(target, plan, processes, label));
  }
  const results: Record<string, TargetResult> = {};
  for (const [key, list] of Object.entries(rounds)) results[key] = medianRound(list);
  return results;
}

/** The round with the median throughput (saturated) and, separately, the median fixed-rate p95. */
function medianRound(rounds: TargetResult[]): TargetResult {
  const mid = (list: TargetResult[], by: (r: TargetResult) => number) =>
    [...list].sort((a, b) => by(a) - by(b))[Math.floor((list.length - 1) / 2)] as TargetResult;
  const saturated = mid(rounds, (r) => r.saturated.rps).saturated;
  const fixedRate = mid(rounds, (r) => r.fixedRate.p95).fixedRate;
  return { ...(rounds[0] as TargetResult), saturated, fixedRate };
}

function fmt(n: number | null, digits = 1): string {
  return n === null ? '-' : n.toFixed(digits);
}

function table(results: Record<string, TargetResult>, plan: Plan): string {
  const rates = new Set(Object.values(results).map((r) => r.fixedRate.targetRate));
  const uniform = rates.size <= 1;
  const rateLabel = uniform ? `${[...rates][0] ?? plan.rate} requests/s` : 'the rate after each name (requests/s)';
  const name = (r: TargetResult) => (uniform ? r.target : `${r.target} @${r.fixedRate.targetRate}`);
  const width = Math.max(36, ...Object.values(results).map((r) => name(r).length));
  const head = [
    'target'.padEnd(width),
    'req/s'.padStart(8),
    'p50'.padStart(7),
    'p95'.padStart(7),
    'p99'.padStart(7),
    'err'.padStart(5),
    'cpu/req'.padStart(8),
    '|',
    (uniform ? `@${[...rates][0] ?? plan.rate}/s` : 'paced').padStart(7),
    'p50'.padStart(7),
    'p95'.padStart(7),
    'p99'.padStart(7),
    'err'.padStart(5),
  ].join(' ');
  const rows = Object.values(results).map((r) =>
    [
      name(r).padEnd(width),
      fmt(r.saturated.rps).padStart(8),
      fmt(r.saturated.p50).padStart(7),
      fmt(r.saturated.p95).padStart(7),
      fmt(r.saturated.p99).padStart(7),
      String(r.saturated.errors).padStart(5),
      fmt(r.saturated.cpuMsPerRequest, 2).padStart(8),
      '|',
      fmt(r.fixedRate.rps).padStart(7),
      fmt(r.fixedRate.p50).padStart(7),
      fmt(r.fixedRate.p95).padStart(7),
      fmt(r.fixedRate.p99).padStart(7),
      String(r.fixedRate.errors).padStart(5),
    ].join(' '),
  );
  return [
    `latency in ms; left: ${plan.connections} connections for ${plan.duration} s; right: ${rateLabel} evenly paced, latency from each request's scheduled start; cpu/req: CPU ms of the serving process per request`,
    head,
    '-'.repeat(head.length),
    ...rows,
  ].join('\n');
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : null;
}

/**
 * A write scenario prepared for `count` measured operations, after config.writeWarmup unmeasured ones
 * (0: none) sent through a set-up of their own.
 */
async function warmedUp<T extends { run: () => Promise<unknown> } | { skipped: string }>(
  name: string,
  prepare: (count: number) => Promise<T>,
  count: number,
): Promise<T> {
  if (config.writeWarmup > 0) {
    const warm = await prepare(config.writeWarmup);
    if (!('skipped' in warm)) {
      log(`${name}: warm-up of ${config.writeWarmup} (not measured)`);
      await warm.run();
    }
  }
  return prepare(count);
}

/** A write scenario's result with its exactness (loadtests/exactness.ts) in place of its raw effects. */
type Checked<T> = Omit<T, 'effects'> & { exactness: ExactnessResult | { skipped: string } };

/**
 * Runs a prepared write scenario between two readings of stock and reports: the ledger before (once
 * the report has stopped moving), the run, then whether both moved by exactly what the run's
 * successful operations did. The readings are outside the run, so outside its timings and CPU.
 */
async function checkedExact<T extends { effects: Effects }>(
  env: Environment,
  prepared: { productIds: string[] },
  run: () => Promise<T>,
): Promise<Checked<T>> {
  const inventoryUrl = env.subgraphUrls.inventory;
  if (!inventoryUrl) {
    const { effects: _e, ...result } = await run();
    return { ...result, exactness: { skipped: 'no inventory subgraph URL' } };
  }
  const opts = { routerUrl: env.routerUrl, inventoryUrl, adminToken: signToken({ sub: 'bench', role: 'ADMIN' }) };
  const before = await readLedger(opts, prepared.productIds);
  const { effects, ...result } = await run();
  return { ...result, exactness: await checkExact(opts, before, effects) };
}

/**
 * A write scenario end to end: its warm-up (warmedUp), then its measured run with the CPU every
 * process spent per operation (withCpu), between two readings of stock and reports (checkedExact).
 */
async function measuredWrite<R extends { effects: Effects }>(
  env: Environment,
  name: string,
  prepare: (count: number) => Promise<{ productIds: string[]; run: () => Promise<R> } | { skipped: string }>,
  count: number,
  operations: (result: R) => number,
): Promise<Checked<WithCpu<R>> | { skipped: string }> {
  const prepared = await warmedUp(name, prepare, count);
  if ('skipped' in prepared) return prepared;
  return checkedExact(env, prepared, () => withCpu(env.processes, operations, prepared.run));
}

/** CPU ms of every measured process per operation of a write scenario, the load generator apart. */
type WithCpu<T> = T & { cpuMsPerOperation: Record<string, number> };

/**
 * Runs a write scenario (checkout, POS) and adds the CPU every process spent per operation. The
 * stack is idle between scenarios, so the figures are gross (idle rate not taken off: a few ms per
 * second, against the hundreds a process spends under this load). PostgreSQL's figure leaves out the
 * backends that ended during the run (a pool closing idle connections): a lower bound.
 */
async function withCpu<T>(
  processes: Record<string, number>,
  operations: (result: T) => number,
  run: () => Promise<T>,
): Promise<WithCpu<T>> {
  const before = cpuSnapshot(processes, cpuScopes);
  const benchBefore = process.cpuUsage();
  const result = await run();
  const after = cpuSnapshot(processes, cpuScopes);
  const bench = process.cpuUsage(benchBefore);
  const n = Math.max(1, operations(result));
  const cpuMsPerOperation: Record<string, number> = {};
  let all = 0;
  for (const [name, ms] of Object.entries(after)) {
    // Floored at 0: a PostgreSQL backend that ends during the run takes its time with it.
    const used = Math.max(0, ms - (before[name] ?? 0));
    all += used;
    cpuMsPerOperation[name] = round(used / n, 2);
  }
  cpuMsPerOperation.all = round(all / n, 2);
  cpuMsPerOperation['bench (load generator)'] = round((bench.user + bench.system) / 1000 / n, 2);
  return { ...result, cpuMsPerOperation };
}

function exactnessText(r: ExactnessResult | { skipped: string }): string {
  return 'skipped' in r ? `exactness: skipped (${r.skipped})` : exactnessLine(r);
}

function cpuLine(cpu: Record<string, number>): string {
  return Object.entries(cpu)
    .map(([k, v]) => `${k} ${fmt(v, 2)}`)
    .join(', ');
}

/** CPU ms per second of each process over `seconds` with no request sent. */
async function idleCpu(processes: Record<string, number>, seconds: number): Promise<Record<string, number>> {
  const before = cpuSnapshot(processes, cpuScopes);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = cpuSnapshot(processes, cpuScopes);
  const s = (performance.now() - t0) / 1000;
  return Object.fromEntries(
    Object.entries(after).map(([name, ms]) => [name, round((ms - (before[name] ?? 0)) / s, 1)]),
  );
}

function printCpuBreakdown(results: Record<string, TargetResult>): void {
  for (const r of Object.values(results)) {
    const parts = Object.entries(r.saturated.cpuBreakdown)
      .filter(([, ms]) => ms >= 0.005)
      .map(([name, ms]) => `${name} ${ms.toFixed(2)}`);
    if (parts.length > 1) console.log(`  cpu ms/request, ${r.target.split(/[:(]/)[0]?.trim()}: ${parts.join(', ')}`);
  }
}

interface EventLagPhase {
  lag: EventLagResult;
  pos: PosResult | { skipped: string };
  checkout: CheckoutResult | { skipped: string };
}

/**
 * POS sales and checkouts prepared apart, then sent together (the load window), then the lag of
 * the events that occurred in that window once reports has all of them.
 */
async function eventLagPhase(env: Environment): Promise<EventLagPhase> {
  const adminToken = signToken({ sub: 'bench', role: 'ADMIN' });
  const tagged = (m: string) => log(`event lag, ${m}`);
  const pos =
    config.eventLagSales > 0
      ? await preparePosScenario({
          routerUrl: env.routerUrl,
          subgraphUrls: env.subgraphUrls,
          count: config.eventLagSales,
          concurrency: config.posConcurrency,
          adminToken,
          log: tagged,
        })
      : { skipped: 'EVENT_LAG_SALES=0' };
  const checkout =
    config.eventLagCheckouts > 0
      ? await prepareCheckoutScenario({
          routerUrl: env.routerUrl,
          count: config.eventLagCheckouts,
          concurrency: config.eventLagCheckoutConcurrency,
          adminToken,
          log: tagged,
        })
      : { skipped: 'EVENT_LAG_CHECKOUTS=0' };
  log('event lag: POS sales and checkouts at once');
  const from = new Date();
  const [posResult, checkoutResult] = await Promise.all([
    'skipped' in pos ? pos : pos.run(),
    'skipped' in checkout ? checkout : checkout.run(),
  ]);
  const to = new Date();
  log('event lag: waiting until reports has every event of the load');
  const lag = await measureEventLag(env.reports, from, to);
  return { lag, pos: posResult, checkout: checkoutResult };
}

function printReports(
  data: ReportsData | { skipped: string },
  results: Record<string, TargetResult>,
  plan: Plan,
  eventLag: EventLagPhase | { skipped: string },
): void {
  console.log('');
  if ('skipped' in data) console.log(`reports reads: skipped (${data.skipped})`);
  else {
    const v = data.volume;
    const t = data.topUp;
    console.log(
      `reports data, ${v.period.from}..${v.period.to}: ${v.events} events (${v.transactions} transactions), ${v.days} days, ` +
        `${v.stores} stores, ${v.products} distinct products, ${v.productDayRows} product-day rows` +
        (t.sales + t.orders > 0
          ? `; topped up this run with ${t.sales} sales and ${t.orders} orders (${t.lines} lines), consumed in ${fmt(t.consumedS)} s (${fmt(t.eventsPerSecond, 0)} events/s)`
          : ''),
    );
    console.log(table(results, plan));
    printCpuBreakdown(results);
  }
  if ('skipped' in eventLag) {
    console.log(`event lag: skipped (${eventLag.skipped})`);
    return;
  }
  const { lag, pos, checkout } = eventLag;
  const rate = (r: PosResult | CheckoutResult | { skipped: string }, what: string) =>
    'skipped' in r
      ? `no ${what}`
      : `${'sales' in r ? r.sales : r.checkouts} ${what} at ${fmt(r.perSecond)}/s (errors ${r.errors})`;
  console.log(
    `event lag (occurred -> reports' read model), load of ${rate(pos, 'sales')} and ${rate(checkout, 'checkouts')} in ${fmt(lag.window.seconds)} s: ` +
      `${lag.events} events, p50 ${fmt(lag.p50Ms)} ms, p95 ${fmt(lag.p95Ms)} ms, max ${fmt(lag.maxMs)} ms`,
  );
  console.log(
    `  by type: ${Object.entries(lag.byType)
      .map(([type, n]) => `${type} ${n}`)
      .join(', ')}`,
  );
  for (const [source, f] of Object.entries(lag.bySource)) {
    console.log(
      `  ${source}: ${f.events} events, p50 ${fmt(f.p50Ms)} ms, p95 ${fmt(f.p95Ms)} ms, max ${fmt(f.maxMs)} ms`,
    );
  }
  if (lag.producersWithoutRelay.length)
    console.log(`  no outbox relay at ${lag.producersWithoutRelay.join(', ')}: their events cannot be counted`);
}

async function main(): Promise<void> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const loadBefore = os.loadavg();
  if ((loadBefore[0] ?? 0) > os.cpus().length * 0.5) {
    log(
      `warning: load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores: other work competes with the bench`,
    );
  }
  const env = await environment();
  cpuScopes = env.cpuScopes;
  const autovacuum = await serverSetting(env.reports.reportsDatabaseUrl, 'autovacuum');
  if (autovacuum === 'off') {
    log(
      'warning: autovacuum is off on this PostgreSQL: the rows every write changes leave dead versions that nothing ' +
        'takes back during the run, and statistics stay as they were (docs/adr/0030); a deployment keeps it on',
    );
  }
  log(`scenarios: ${[...scenarios].join(', ')}`);
  log(
    `CPU measured for: ${Object.entries(env.processes)
      .map(([name, pid]) => `${name} (${pid}${env.cpuScopes[name] ? ", its own and our databases' backends" : ''})`)
      .join(', ')}`,
  );
  let stockGateway: ManagedProcess | null = null;
  const stopAll = async () => {
    if (stockGateway) await stockGateway.stop();
    if (env.started) {
      log('stopping the stack it started');
      await env.started.stop();
    }
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    // The admin token (stock top-ups) is signed like the stack's own: JWT_SECRET, else the kit's dev secret.

    const targets: Target[] = [];
    if (config.targets.includes('router')) {
      targets.push({
        key: 'router',
        label: 'router: CatalogPage(first: 20)',
        url: env.routerUrl,
        operationName: 'CatalogPage',
        query: CATALOG_PAGE,
        variables: { first: config.first },
        server: 'router',
        check: catalogCheck(true),
        verifyBody: bodyHas('"edges":['),
      });
    }
    if (config.targets.includes('direct')) {
      const url = env.subgraphUrls.products;
      if (!url) throw new Error('no products subgraph URL');
      targets.push({
        key: 'direct',
        label: 'direct: products subgraph, no stock',
        url,
        operationName: 'CatalogPage',
        query: CATALOG_PAGE_DIRECT,
        variables: { first: config.first },
        server: 'products',
        check: catalogCheck(false),
        verifyBody: bodyHas('"edges":['),
      });
    }
    const wantStock =
      (config.targets.includes('stock') &&
        (scenarios.has('catalogue') || (scenarios.has('limits') && config.limitsDuration > 0))) ||
      (scenarios.has('gateways') && (process.env.GATEWAYS_TARGETS ?? 'stock').split(',').includes('stock'));
    let stockUrl: string | null = null;
    if (wantStock) {
      const gw = await startStockGateway(env.subgraphUrls);
      stockUrl = gw.url;
      stockGateway = gw.proc;
      // Its CPU is measured whether or not the bench started the stack.
      env.processes['stock-gw'] = gw.proc.pid;
      log(`stock @apollo/gateway (defaults) at ${gw.url}`);
    }
    if (stockUrl && config.targets.includes('stock')) {
      targets.push({
        key: 'stock',
        label: 'stock @apollo/gateway: CatalogPage',
        url: stockUrl,
        operationName: 'CatalogPage',
        query: CATALOG_PAGE,
        variables: { first: config.first },
        server: 'stock-gw',
        check: catalogCheck(true),
        verifyBody: bodyHas('"edges":['),
      });
    }

    let results: Record<string, TargetResult> = {};
    if (scenarios.has('catalogue')) {
      for (const target of targets) await checkTarget(target);
      results = await measureAll(targets, catalogPlan, env.processes);
    }

    let gateways: GatewaysResult | { skipped: string } = { skipped: 'not among the scenarios' };
    if (scenarios.has('gateways')) {
      gateways = await runGatewayComparison({
        routerUrl: env.routerUrl,
        subgraphUrls: env.subgraphUrls,
        processes: env.processes,
        cpuScopes: env.cpuScopes,
        stockUrl,
        resultsDir: RESULTS_DIR,
        log,
      });
    }

    let freshness: FreshnessResult | { skipped: string } = { skipped: 'not among the scenarios' };
    if (scenarios.has('freshness')) {
      freshness = await runFreshnessScenario({ routerUrl: env.routerUrl, subgraphUrls: env.subgraphUrls, log });
    }

    let checkout: Checked<WithCpu<CheckoutResult>> | { skipped: string } = {
      skipped: scenarios.has('checkout') ? 'CHECKOUT_COUNT=0' : 'not among the scenarios',
    };
    // What both write scenarios are prepared with, for `count` operations `concurrency` at a time.
    const writeRun = (count: number, concurrency: number) => ({
      routerUrl: env.routerUrl,
      subgraphUrls: env.subgraphUrls,
      count,
      concurrency,
      adminToken: signToken({ sub: 'bench', role: 'ADMIN' }),
      log,
    });
    if (scenarios.has('checkout') && config.checkoutCount > 0) {
      const checkoutRun = (count: number) => prepareCheckoutScenario(writeRun(count, config.checkoutConcurrency));
      checkout = await measuredWrite(env, 'checkout', checkoutRun, config.checkoutCount, (r) => r.checkouts);
    }

    let pos: Checked<WithCpu<PosResult>> | { skipped: string } = {
      skipped: scenarios.has('pos') ? 'POS_COUNT=0' : 'not among the scenarios',
    };
    if (scenarios.has('pos') && config.posCount > 0) {
      const posRun = (count: number) => preparePosScenario(writeRun(count, config.posConcurrency));
      pos = await measuredWrite(env, 'pos', posRun, config.posCount, (r) => r.sales);
    }

    const limits: LimitsResult[] = [];
    if (scenarios.has('limits') && config.limitsDuration > 0) {
      for (const target of targets.filter((t) => t.key !== 'direct')) {
        log(
          `${target.key}: ${config.limitsAttackers} clients send the 200-alias request, CatalogPage at ${config.limitsRate}/s`,
        );
        limits.push(
          await runLimitsScenario({
            target: target.key,
            url: target.url,
            durationS: config.limitsDuration,
            attackers: config.limitsAttackers,
            rate: config.limitsRate,
          }),
        );
      }
    }

    let reportsData: ReportsData | { skipped: string } = {
      skipped: scenarios.has('reports') ? 'REPORTS_BENCH_DURATION=0' : 'not among the scenarios',
    };
    let reportsResults: Record<string, TargetResult> = {};
    const reportsPlan: Plan = { ...config.reports };
    if (scenarios.has('reports') && config.reports.duration > 0) {
      const period = benchPeriod();
      reportsData = await ensureReportsData(env.reports, period, log);
      const v = reportsData.volume;
      log(
        `reports: ${v.events} events in ${v.period.from}..${v.period.to}: ${v.days} days, ${v.stores} stores, ${v.products} products, ${v.productDayRows} product-day rows`,
      );
      const reportTargets: Target[] = readScenarios(period)
        .filter((r) => config.reports.targets.includes(r.key))
        .map((r) => ({
          ...r,
          url: env.routerUrl,
          server: 'router',
          verifyBody: bodyHas(r.marker),
          rate: config.reports.rateOverride ?? r.rate,
        }));
      for (const target of reportTargets) await checkTarget(target);
      reportsPlan.idleCpuMsPerSecond = await idleCpu(env.processes, 3);
      log(
        `reports: idle CPU ms/s ${Object.entries(reportsPlan.idleCpuMsPerSecond)
          .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
          .join(', ')} (taken off cpu/req)`,
      );
      reportsResults = await measureAll(reportTargets, reportsPlan, env.processes);
    }

    let eventLag: EventLagPhase | { skipped: string } = {
      skipped: scenarios.has('eventlag') ? 'EVENT_LAG_SALES=0 and EVENT_LAG_CHECKOUTS=0' : 'not among the scenarios',
    };
    if (scenarios.has('eventlag') && config.eventLagSales + config.eventLagCheckouts > 0)
      eventLag = await eventLagPhase(env);

    const ratios = {
      routerOverDirect: {
        throughput: ratio(results.router?.saturated.rps, results.direct?.saturated.rps),
        p95AtFixedRate: ratio(results.router?.fixedRate.p95, results.direct?.fixedRate.p95),
      },
      routerOverStock: {
        throughput: ratio(results.router?.saturated.rps, results.stock?.saturated.rps),
        p95AtFixedRate: ratio(results.router?.fixedRate.p95, results.stock?.fixedRate.p95),
        p95Saturated: ratio(results.router?.saturated.p95, results.stock?.saturated.p95),
        cpuPerRequest: ratio(
          results.router?.saturated.cpuMsPerRequest ?? undefined,
          results.stock?.saturated.cpuMsPerRequest ?? undefined,
        ),
      },
    };

    console.log('');
    if (Object.keys(results).length) {
      console.log(table(results, catalogPlan));
      printCpuBreakdown(results);
    }
    console.log('');
    if (results.router && results.direct)
      console.log(
        `router/direct: throughput ${fmt(ratios.routerOverDirect.throughput, 2)}x, p95 at ${config.rate}/s ${fmt(ratios.routerOverDirect.p95AtFixedRate, 2)}x`,
      );
    if (results.router && results.stock)
      console.log(
        `router/stock:  throughput ${fmt(ratios.routerOverStock.throughput, 2)}x, p95 at ${config.rate}/s ${fmt(ratios.routerOverStock.p95AtFixedRate, 2)}x, p95 saturated ${fmt(ratios.routerOverStock.p95Saturated, 2)}x, gateway CPU per request ${fmt(ratios.routerOverStock.cpuPerRequest, 2)}x`,
      );
    if ('skipped' in freshness) console.log(`freshness: skipped (${freshness.skipped})`);
    else console.log(`${freshnessLines(freshness).join('\n')}\n`);
    if ('skipped' in gateways) console.log(`gateways: skipped (${gateways.skipped})`);
    else {
      console.log(`${gatewaysTables(gateways)}\n`);
      fs.writeFileSync(path.join(RESULTS_DIR, 'gateways.md'), gatewaysMarkdown(gateways));
    }
    for (const l of limits) {
      console.log(
        `abusive requests, ${l.target}: heavy ${l.heavy.requests} answered (${JSON.stringify(l.heavy.status)}), p50 ${fmt(l.heavy.p50)} ms, p95 ${fmt(l.heavy.p95)} ms; ` +
          `CatalogPage meanwhile p50 ${fmt(l.catalog.p50)} ms, p95 ${fmt(l.catalog.p95)} ms, p99 ${fmt(l.catalog.p99)} ms, errors ${l.catalog.errors}`,
      );
    }
    if ('skipped' in pos) console.log(`pos: skipped (${pos.skipped})`);
    else {
      console.log(
        `pos: ${pos.sales} sales (${pos.lines} lines) at concurrency ${pos.concurrency}: ${fmt(pos.perSecond)}/s, ` +
          `p50 ${fmt(pos.p50)} ms, p95 ${fmt(pos.p95)} ms, p99 ${fmt(pos.p99)} ms, errors ${pos.errors}` +
          `${pos.errors ? ` ${JSON.stringify(pos.errorCodes)}` : ''}`,
      );
      console.log(
        `  per sale: ${Object.entries(pos.perSale)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      console.log(`  CPU ms per sale: ${cpuLine(pos.cpuMsPerOperation)}`);
      console.log(`  ${exactnessText(pos.exactness)}`);
    }
    if ('skipped' in checkout) console.log(`checkout: skipped (${checkout.skipped})`);
    else {
      console.log(
        `checkout: ${checkout.checkouts} checkouts (${checkout.lines} lines) at concurrency ${checkout.concurrency}: ` +
          `${fmt(checkout.perSecond)}/s, p50 ${fmt(checkout.p50)} ms, p95 ${fmt(checkout.p95)} ms, p99 ${fmt(checkout.p99)} ms, ` +
          `errors ${checkout.errors}${checkout.errors ? ` ${JSON.stringify(checkout.errorCodes)}` : ''}`,
      );
      console.log(`  CPU ms per checkout: ${cpuLine(checkout.cpuMsPerOperation)}`);
      console.log(`  ${exactnessText(checkout.exactness)}`);
    }
    printReports(reportsData, reportsResults, reportsPlan, eventLag);

    const report = {
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model ?? '',
        node: process.version,
        /** 1/5/15-minute load averages before and after: above the core count, other work competed. */
        loadavgBefore: loadBefore,
        loadavgAfter: os.loadavg(),
        /** PostgreSQL's autovacuum setting (off: tables bloat through the run), null when unread. */
        postgresAutovacuum: autovacuum,
      },
      stack: env.started ? 'started by the bench' : 'already running',
      config,
      results,
      ratios,
      gateways,
      freshness,
      limits,
      checkout,
      pos,
      reports: { data: reportsData, results: reportsResults, eventLag },
    };
    const file = path.join(RESULTS_DIR, 'latest.json');
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    console.log(`\nwritten to ${path.relative(ROOT, file)}`);
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
