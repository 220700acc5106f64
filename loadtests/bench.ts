/**
 * `npm run bench`: how much the router costs, measured in one run against three targets serving the
 * same page (the contract's CatalogPage, first: 20):
 *
 *   router  CatalogPage through our router (products + inventory's stock)
 *   direct  the same query minus `stock`, straight to the products subgraph: the limit
 *   stock   CatalogPage through a stock @apollo/gateway with its documented defaults
 *           (loadtests/stock-gateway.ts, its own process, same supergraph, same subgraphs)
 *
 * Each: a correctness check of the first response, a warm-up, then autocannon at fixed concurrency
 * (throughput, latency under saturation), then a fixed rate, evenly paced (latency at a normal load). Then the
 * checkout saga: distinct customers with 1 to 3 cart lines each, checked out at fixed concurrency.
 * Prints a table and writes loadtests/results/latest.json.
 *
 * Uses a running stack when ROUTER_URL (default http://127.0.0.1:4000/graphql) answers, with
 * subgraphs at the router's port +1, +2, +3 unless PRODUCTS_URL, INVENTORY_URL, ECOMMERCE_URL say
 * otherwise (then JWT_SECRET must be that stack's). Otherwise starts one like `npm start` does
 * (scripts/services.ts): embedded PostgreSQL or DATABASE_URL, databases prefixed bench_, seeded,
 * ports from BENCH_BASE_PORT (4100); its output goes to loadtests/results/stack.log.
 *
 * Knobs (env): BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_WARMUP=3 BENCH_RATE=100
 * BENCH_RATE_DURATION=10 BENCH_TARGETS=router,direct,stock
 * CHECKOUT_COUNT=200 CHECKOUT_CONCURRENCY=20 (0 skips the checkout scenario).
 * POS_COUNT=300 POS_CONCURRENCY=10: point-of-sale sales over the 5 stores (loadtests/pos.ts; 0 skips it).
 * LIMITS_DURATION=10 LIMITS_ATTACKERS=4 LIMITS_RATE=20: the abusive-request scenario (loadtests/limits.ts),
 * against the router and the stock gateway (0 skips it).
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
import { runCheckoutScenario, type CheckoutResult } from './checkout';
import { runLimitsScenario, type LimitsResult } from './limits';
import { pacedLoad } from './paced';
import { runPosScenario, type PosResult } from './pos';
import { cpuSnapshot, envInt, gql, percentile, pidListeningOn, round } from './util';

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
  key: 'router' | 'direct' | 'stock';
  label: string;
  url: string;
  query: string;
  withStock: boolean;
  /** Name of the process serving it in Environment.processes (for CPU per request). */
  server: string;
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

const config = {
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
  /** Abusive-request scenario: seconds per target (0 skips it), attacking clients, CatalogPage rate. */
  limitsDuration: envInt('LIMITS_DURATION', 10),
  limitsAttackers: envInt('LIMITS_ATTACKERS', 4),
  limitsRate: envInt('LIMITS_RATE', 20),
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
  /** Processes whose CPU time is measured (name -> pid): those this run started. */
  processes: Record<string, number>;
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
    return { routerUrl, subgraphUrls, started: null, processes };
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = path.join(RESULTS_DIR, 'stack.log');
  const out = fs.createWriteStream(logFile);
  const options = stackOptionsFromEnv();
  const basePort = envInt('BENCH_BASE_PORT', 4100);
  log(
    `no router at ${routerUrl}: starting a stack on ports ${basePort}.. with ${options.databaseUrl ? 'DATABASE_URL' : 'embedded PostgreSQL'}, databases bench_* (log: ${path.relative(ROOT, logFile)})`,
  );
  const started = await startStack({
    ...options,
    basePort,
    dbPrefix: process.env.BENCH_DB_PREFIX ?? 'bench_',
    seed: true,
    sink: prefixedSink(out, true),
    say: (m) => {
      out.write(`start    | ${m}\n`);
      log(m);
    },
  });
  return {
    routerUrl: started.routerUrl ?? '',
    subgraphUrls: started.subgraphUrls,
    started,
    processes: Object.fromEntries(started.processes.map((p) => [p.name, p.pid])),
  };
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

interface PageCheck {
  ok: boolean;
  reason: string;
  body: string;
}

/** The first response must be the real page: 20 edges, no errors, stock on every node when asked. */
async function checkPage(target: Target): Promise<PageCheck> {
  const res = await gql(target.url, target.query, { first: config.first });
  const body = res.body as {
    data?: { products?: { edges?: { node: { id: string; stock?: { available: number } | null } }[] } };
    errors?: { message: string }[];
  };
  const text = JSON.stringify(res.body);
  if (res.status !== 200) return { ok: false, reason: `HTTP ${res.status}`, body: text };
  if (body.errors?.length)
    return { ok: false, reason: `errors: ${body.errors.map((e) => e.message).join('; ')}`, body: text };
  const edges = body.data?.products?.edges ?? [];
  if (edges.length !== config.first) return { ok: false, reason: `${edges.length} edges`, body: text };
  if (target.withStock && !edges.every((e) => typeof e.node.stock?.available === 'number')) {
    return { ok: false, reason: 'a node has no stock.available', body: text };
  }
  if (!target.withStock && edges.some((e) => 'stock' in e.node))
    return { ok: false, reason: 'unexpected stock', body: text };
  return { ok: true, reason: 'ok', body: text };
}

/** A body is good when it is the page: edges present, no GraphQL errors. Cheap string tests (hot path). */
function verifyBody(raw: string | Buffer | undefined): boolean {
  const body = typeof raw === 'string' ? raw : (raw?.toString() ?? '');
  return body.includes('"edges":[') && !body.includes('"errors":');
}

async function load(
  target: Target,
  processes: Record<string, number>,
  opts: { connections: number; duration: number; overallRate?: number },
): Promise<LoadStats> {
  const cpuBefore = cpuSnapshot(processes);
  const benchCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const body = JSON.stringify({
    query: target.query,
    variables: { first: config.first },
    operationName: 'CatalogPage',
  });
  let latencies: number[] = [];
  let errorDetail: LoadStats['errorDetail'];
  if (opts.overallRate) {
    const paced = await pacedLoad({
      url: target.url,
      body,
      rate: opts.overallRate,
      durationS: opts.duration,
      verifyBody,
    });
    latencies = paced.latencies;
    errorDetail = { non2xx: paced.non2xx, socket: paced.socketErrors, timeouts: 0, badBody: paced.badBody };
  } else {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: target.url,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          connections: opts.connections,
          duration: opts.duration,
          timeout: 10,
          verifyBody,
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
  const cpuAfter = cpuSnapshot(processes);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  latencies.sort((a, b) => a - b);
  const requests = latencies.length;
  const perRequest = (ms: number) => round(ms / Math.max(1, requests), 3);
  const cpuBreakdown: Record<string, number> = {};
  for (const [name, after] of Object.entries(cpuAfter)) cpuBreakdown[name] = perRequest(after - (cpuBefore[name] ?? 0));
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
  const check = await checkPage(target);
  if (!check.ok) {
    throw new Error(`${target.key}: first response is wrong (${check.reason}): ${check.body.slice(0, 500)}`);
  }
  log(`${target.key}: first response ok (${config.first} edges${target.withStock ? ', stock on each' : ''})`);
}

async function measureTarget(
  target: Target,
  processes: Record<string, number>,
  roundLabel: string,
): Promise<TargetResult> {
  log(
    `${target.key}${roundLabel}: warm-up ${config.warmup} s, then ${config.connections} connections for ${config.duration} s`,
  );
  if (config.warmup > 0) await load(target, processes, { connections: config.connections, duration: config.warmup });
  const saturated = await load(target, processes, { connections: config.connections, duration: config.duration });
  log(`${target.key}${roundLabel}: ${config.rate} requests/s, evenly paced (open model), for ${config.rateDuration} s`);
  const fixed = await load(target, processes, {
    connections: 0,
    duration: config.rateDuration,
    overallRate: config.rate,
  });
  return { target: target.label, url: target.url, saturated, fixedRate: { ...fixed, targetRate: config.rate } };
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

function table(results: Record<string, TargetResult>): string {
  const head = [
    'target'.padEnd(36),
    'req/s'.padStart(8),
    'p50'.padStart(7),
    'p95'.padStart(7),
    'p99'.padStart(7),
    'err'.padStart(5),
    'cpu/req'.padStart(8),
    '|',
    `@${config.rate}/s`.padStart(7),
    'p50'.padStart(7),
    'p95'.padStart(7),
    'p99'.padStart(7),
    'err'.padStart(5),
  ].join(' ');
  const rows = Object.values(results).map((r) =>
    [
      r.target.padEnd(36),
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
    `latency in ms; left: ${config.connections} connections for ${config.duration} s; right: ${config.rate} requests/s evenly paced, latency from each request's scheduled start; cpu/req: CPU ms of the serving process per request`,
    head,
    '-'.repeat(head.length),
    ...rows,
  ].join('\n');
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : null;
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
        query: CATALOG_PAGE,
        withStock: true,
        server: 'router',
      });
    }
    if (config.targets.includes('direct')) {
      const url = env.subgraphUrls.products;
      if (!url) throw new Error('no products subgraph URL');
      targets.push({
        key: 'direct',
        label: 'direct: products subgraph, no stock',
        url,
        query: CATALOG_PAGE_DIRECT,
        withStock: false,
        server: 'products',
      });
    }
    if (config.targets.includes('stock')) {
      const gw = await startStockGateway(env.subgraphUrls);
      stockGateway = gw.proc;
      // Its CPU is measured whether or not the bench started the stack.
      env.processes['stock-gw'] = gw.proc.pid;
      log(`stock @apollo/gateway (defaults) at ${gw.url}`);
      targets.push({
        key: 'stock',
        label: 'stock @apollo/gateway: CatalogPage',
        url: gw.url,
        query: CATALOG_PAGE,
        withStock: true,
        server: 'stock-gw',
      });
    }

    for (const target of targets) await checkTarget(target);
    const rounds: Record<string, TargetResult[]> = {};
    for (let r = 1; r <= config.rounds; r++) {
      const label = config.rounds > 1 ? ` (round ${r}/${config.rounds})` : '';
      for (const target of targets) (rounds[target.key] ??= []).push(await measureTarget(target, env.processes, label));
    }
    const results: Record<string, TargetResult> = {};
    for (const [key, list] of Object.entries(rounds)) results[key] = medianRound(list);

    let checkout: CheckoutResult | { skipped: string } = { skipped: 'CHECKOUT_COUNT=0' };
    if (config.checkoutCount > 0) {
      checkout = await runCheckoutScenario({
        routerUrl: env.routerUrl,
        count: config.checkoutCount,
        concurrency: config.checkoutConcurrency,
        adminToken: signToken({ sub: 'bench', role: 'ADMIN' }),
        log,
      });
    }

    let pos: PosResult | { skipped: string } = { skipped: 'POS_COUNT=0' };
    if (config.posCount > 0) {
      pos = await runPosScenario({
        routerUrl: env.routerUrl,
        subgraphUrls: env.subgraphUrls,
        count: config.posCount,
        concurrency: config.posConcurrency,
        adminToken: signToken({ sub: 'bench', role: 'ADMIN' }),
        log,
      });
    }

    const limits: LimitsResult[] = [];
    if (config.limitsDuration > 0) {
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
    console.log(table(results));
    for (const r of Object.values(results)) {
      const parts = Object.entries(r.saturated.cpuBreakdown)
        .filter(([, ms]) => ms >= 0.005)
        .map(([name, ms]) => `${name} ${ms.toFixed(2)}`);
      if (parts.length > 1) console.log(`  cpu ms/request, ${r.target.split(':')[0]}: ${parts.join(', ')}`);
    }
    console.log('');
    console.log(
      `router/direct: throughput ${fmt(ratios.routerOverDirect.throughput, 2)}x, p95 at ${config.rate}/s ${fmt(ratios.routerOverDirect.p95AtFixedRate, 2)}x`,
    );
    console.log(
      `router/stock:  throughput ${fmt(ratios.routerOverStock.throughput, 2)}x, p95 at ${config.rate}/s ${fmt(ratios.routerOverStock.p95AtFixedRate, 2)}x, p95 saturated ${fmt(ratios.routerOverStock.p95Saturated, 2)}x, gateway CPU per request ${fmt(ratios.routerOverStock.cpuPerRequest, 2)}x`,
    );
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
    }
    if ('skipped' in checkout) console.log(`checkout: skipped (${checkout.skipped})`);
    else {
      console.log(
        `checkout: ${checkout.checkouts} checkouts (${checkout.lines} lines) at concurrency ${checkout.concurrency}: ` +
          `${fmt(checkout.perSecond)}/s, p50 ${fmt(checkout.p50)} ms, p95 ${fmt(checkout.p95)} ms, p99 ${fmt(checkout.p99)} ms, ` +
          `errors ${checkout.errors}${checkout.errors ? ` ${JSON.stringify(checkout.errorCodes)}` : ''}`,
      );
    }

    const report = {
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model ?? '',
        node: process.version,
        /** 1/5/15-minute load averages before and after: above the core count, other work competed. */
        loadavgBefore: loadBefore,
        loadavgAfter: os.loadavg(),
      },
      stack: env.started ? 'started by the bench' : 'already running',
      config,
      results,
      ratios,
      limits,
      checkout,
      pos,
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
