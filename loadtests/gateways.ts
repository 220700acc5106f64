/**
 * The gateway comparison of `npm run bench` (BENCH_SCENARIOS=gateways, or `npm run bench -- gateways`,
 * runs it alone): our router beside its peers, each its own process on the same supergraph and the
 * same running subgraphs, PostgreSQL and Redis:
 *
 *   router     our router (router/), as the stack runs it
 *   stock      a stock @apollo/gateway with its documented defaults (loadtests/stock-gateway.ts)
 *   hive       Hive Gateway with its documented defaults (loadtests/hive-gateway.ts and .config.ts)
 *   hive-rust  Hive Gateway with the Rust query planner (@graphql-hive/router-runtime, HIVE_ROUTER_RUNTIME=true)
 *
 * Every gateway forwards the client's Authorization and x-consumer-username to the subgraphs.
 * Three workloads (loadtests/workloads.ts): hot, varied, skewed. For each workload, round after
 * round, every target in turn: a warm-up, then autocannon at a fixed concurrency for a fixed time;
 * each figure reported is the median of the rounds (errors: their sum).
 *
 * Before measuring, every distinct request of every workload is sent once to every target: it must
 * answer 200 with data and no GraphQL error (else that target is left out of that workload, with the
 * reason), and the body is compared with our router's (differences are reported, not fatal).
 * Under load, a response counts as an error when it is not 2xx, the socket failed or timed out, or
 * its body holds an `"errors"` key or no `"data":{` (a string test on every response); one response
 * in GATEWAYS_SAMPLE_EVERY is also parsed in full (the sample: how many, how many with errors).
 *
 * CPU: milliseconds per request of every process involved (the gateway under test, each subgraph
 * with its children — inventory's cluster workers —, PostgreSQL — its own processes and the backends
 * of the stack's databases —, Redis), read from /proc before and after each run, net of each process's
 * idle rate measured just before the comparison; and the load generator's own.
 */
import autocannon from 'autocannon';
import { percentile, pool, round, gql, type CpuScope, cpuSnapshot, envInt } from './util';
import { hasRustPlanner, startHiveGateway } from './hive-gateway';
import {
  hotWorkload,
  readCatalogue,
  registerCustomers,
  skewedWorkload,
  variedWorkload,
  type Workload,
  type WorkloadRequest,
} from './workloads';
import type { ManagedProcess } from '../scripts/services';

export const GATEWAY_TARGETS = ['router', 'stock', 'hive', 'hive-rust'] as const;
export type GatewayKey = (typeof GATEWAY_TARGETS)[number];
export const PEERS = ['stock', 'hive', 'hive-rust'] as const;
export const WORKLOADS = ['hot', 'varied', 'skewed'] as const;

const LABELS: Record<GatewayKey, string> = {
  router: 'router (ours)',
  stock: 'stock @apollo/gateway',
  hive: 'Hive Gateway',
  'hive-rust': 'Hive Gateway + Rust QP',
};

export const gatewaysConfig = () => ({
  duration: envInt('GATEWAYS_DURATION', 8),
  connections: envInt('GATEWAYS_CONNECTIONS', 50),
  warmup: envInt('GATEWAYS_WARMUP', 3),
  rounds: Math.max(1, envInt('GATEWAYS_ROUNDS', 3)),
  targets: (process.env.GATEWAYS_TARGETS ?? GATEWAY_TARGETS.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean),
  workloads: (process.env.GATEWAYS_WORKLOADS ?? WORKLOADS.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean),
  seed: envInt('GATEWAYS_SEED', 20261207),
  zipfS: Number(process.env.GATEWAYS_ZIPF_S ?? '1.1'),
  /** Draws of the skewed sequence per connection (each connection cycles its own). */
  skewedPerConnection: Math.max(1, envInt('GATEWAYS_SKEWED_PER_CONNECTION', 40)),
  customers: Math.max(1, envInt('GATEWAYS_CUSTOMERS', 8)),
  sampleEvery: Math.max(1, envInt('GATEWAYS_SAMPLE_EVERY', 50)),
  idleSeconds: envInt('GATEWAYS_IDLE_SECONDS', 3),
});
export type GatewaysConfig = ReturnType<typeof gatewaysConfig>;

interface Target {
  key: GatewayKey;
  label: string;
  url: string;
  /** Its process's name in `processes`. */
  server: string;
}

export interface GatewayRun {
  requests: number;
  durationS: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  errorDetail: { non2xx: number; socket: number; timeouts: number; graphql: number };
  /** Responses parsed in full (one in sampleEvery) and how many of them carried GraphQL errors or no data. */
  sample: { checked: number; withErrors: number };
  firstError?: string;
  /** The gateway under test's CPU ms per request. */
  gatewayCpuMsPerRequest: number | null;
  /** Sum over the processes that serve the request (gateway, subgraphs, PostgreSQL, Redis). */
  stackCpuMsPerRequest: number;
  /** CPU ms per request of every process measured (net of idle), and of the load generator. */
  cpuMsPerRequest: Record<string, number>;
}

export interface GatewayCell {
  target: string;
  url: string;
  median: GatewayRun;
  rounds: GatewayRun[];
}

export interface GatewaysResult {
  config: GatewaysConfig;
  workloads: Record<string, { description: string; mix: Record<string, number>; distinct: number }>;
  /** Targets left out, and why (did not start, or answered a workload's requests with errors). */
  leftOut: Record<string, string>;
  /** Per target: distinct requests checked and how many bodies differ from our router's. */
  checks: Record<string, Record<string, { requests: number; differentFromRouter: number; example?: string }>>;
  idleCpuMsPerSecond: Record<string, number>;
  /** Columns of the CPU table, in order: the gateway, then the stack's processes. */
  stackProcesses: string[];
  results: Record<string, Partial<Record<GatewayKey, GatewayCell>>>;
  ratios: Record<
    string,
    Partial<Record<string, { throughput: number | null; p95: number | null; gatewayCpuPerRequest: number | null }>>
  >;
}

export interface GatewayEnvironment {
  routerUrl: string;
  subgraphUrls: Record<string, string>;
  /** Every process to measure (name -> pid): the router, the subgraphs, PostgreSQL, Redis, and the stock gateway. */
  processes: Record<string, number>;
  cpuScopes: Record<string, CpuScope>;
  /** The stock gateway when the bench started it (its process is `stock-gw` in processes). */
  stockUrl: string | null;
  resultsDir: string;
  log: (message: string) => void;
}

/** Names of gateway processes (not part of the stack serving a request through another gateway). */
const GATEWAY_PROCESSES = new Set(['router', 'stock-gw', 'hive', 'hive-rust']);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

function medianRun(runs: GatewayRun[]): GatewayRun {
  const m = (f: (r: GatewayRun) => number) => median(runs.map(f));
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.cpuMsPerRequest)))];
  const sum = (f: (r: GatewayRun) => number) => runs.reduce((a, r) => a + f(r), 0);
  const gatewayCpu = runs.map((r) => r.gatewayCpuMsPerRequest).filter((v): v is number => v !== null);
  return {
    requests: m((r) => r.requests),
    durationS: m((r) => r.durationS),
    rps: m((r) => r.rps),
    p50: m((r) => r.p50),
    p95: m((r) => r.p95),
    p99: m((r) => r.p99),
    max: m((r) => r.max),
    errors: sum((r) => r.errors),
    errorDetail: {
      non2xx: sum((r) => r.errorDetail.non2xx),
      socket: sum((r) => r.errorDetail.socket),
      timeouts: sum((r) => r.errorDetail.timeouts),
      graphql: sum((r) => r.errorDetail.graphql),
    },
    sample: { checked: sum((r) => r.sample.checked), withErrors: sum((r) => r.sample.withErrors) },
    ...(runs.find((r) => r.firstError) ? { firstError: runs.find((r) => r.firstError)?.firstError } : {}),
    gatewayCpuMsPerRequest: gatewayCpu.length ? round(median(gatewayCpu), 3) : null,
    stackCpuMsPerRequest: round(
      m((r) => r.stackCpuMsPerRequest),
      3,
    ),
    cpuMsPerRequest: Object.fromEntries(
      names.map((n) => [
        n,
        round(
          m((r) => r.cpuMsPerRequest[n] ?? 0),
          3,
        ),
      ]),
    ),
  };
}

/** The autocannon request of a workload request, for one target (its path). */
function cannonRequest(r: WorkloadRequest, path: string, onResponse: (status: number, body: string) => void) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  return {
    method: 'POST' as const,
    path,
    headers,
    body: JSON.stringify({ query: r.query, variables: r.variables, operationName: r.operationName }),
    onResponse,
  };
}

/** True when a response body looks like data without GraphQL errors (cheap: runs on every response). */
export function goodBody(body: string): boolean {
  return body.includes('"data":{') && !body.includes('"errors"');
}

async function drive(
  target: Target,
  workload: Workload,
  seconds: number,
  connections: number,
  env: GatewayEnvironment,
  idle: Record<string, number>,
  sampleEvery: number,
): Promise<GatewayRun> {
  const path = new URL(target.url).pathname;
  let graphql = 0;
  let responses = 0;
  let checked = 0;
  let withErrors = 0;
  let firstError: string | undefined;
  const onResponse = (status: number, body: string) => {
    if (status < 200 || status >= 300) return;
    responses++;
    if (!goodBody(body)) {
      graphql++;
      firstError ??= body.slice(0, 300);
    }
    if (responses % sampleEvery === 0) {
      checked++;
      try {
        const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown[] };
        if (parsed.errors?.length || !parsed.data) withErrors++;
      } catch {
        withErrors++;
      }
    }
  };
  // One request object per distinct workload request; each connection gets its own list of them.
  const objects = new Map<WorkloadRequest, ReturnType<typeof cannonRequest>>();
  const lists = workload.perConnection.map((list) =>
    list.map((r) => {
      let o = objects.get(r);
      if (!o) objects.set(r, (o = cannonRequest(r, path, onResponse)));
      return o;
    }),
  );
  let nextClient = 0;
  const latencies: number[] = [];
  const cpuBefore = cpuSnapshot(env.processes, env.cpuScopes);
  const benchBefore = process.cpuUsage();
  const t0 = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections,
        duration: seconds,
        timeout: 10,
        requests: [lists[0]?.[0] ?? {}],
        setupClient: (client) => {
          client.setRequests(lists[nextClient++ % lists.length] ?? []);
        },
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const windowS = (performance.now() - t0) / 1000;
  const cpuAfter = cpuSnapshot(env.processes, env.cpuScopes);
  const bench = process.cpuUsage(benchBefore);
  latencies.sort((a, b) => a - b);
  const requests = latencies.length;
  const durationS =
    Math.max(0.001, (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000) || windowS;
  const perRequest = (ms: number) => round(ms / Math.max(1, requests), 3);
  const cpu: Record<string, number> = {};
  for (const [name, after] of Object.entries(cpuAfter)) {
    // Net of idle, floored at 0 (a process that did nothing for the load can dip below its idle rate).
    cpu[name] = Math.max(0, perRequest(after - (cpuBefore[name] ?? 0) - (idle[name] ?? 0) * windowS));
  }
  let stack = 0;
  for (const [name, ms] of Object.entries(cpu)) if (!GATEWAY_PROCESSES.has(name) || name === target.server) stack += ms;
  cpu['bench (load generator)'] = perRequest((bench.user + bench.system) / 1000);
  const socket = result.errors - result.timeouts;
  return {
    requests,
    durationS: round(durationS, 2),
    rps: round(requests / durationS, 1),
    p50: round(percentile(latencies, 0.5), 2),
    p95: round(percentile(latencies, 0.95), 2),
    p99: round(percentile(latencies, 0.99), 2),
    max: round(latencies[latencies.length - 1] ?? 0, 2),
    errors: result.non2xx + result.errors + graphql,
    errorDetail: { non2xx: result.non2xx, socket, timeouts: result.timeouts, graphql },
    sample: { checked, withErrors },
    ...(firstError ? { firstError } : {}),
    gatewayCpuMsPerRequest: cpu[target.server] ?? null,
    stackCpuMsPerRequest: round(stack, 3),
    cpuMsPerRequest: cpu,
  };
}

/** CPU ms per second of each process over `seconds` with no request sent. */
async function idleCpu(env: GatewayEnvironment, seconds: number): Promise<Record<string, number>> {
  if (seconds <= 0) return {};
  const before = cpuSnapshot(env.processes, env.cpuScopes);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = cpuSnapshot(env.processes, env.cpuScopes);
  const s = (performance.now() - t0) / 1000;
  return Object.fromEntries(Object.entries(after).map(([n, ms]) => [n, round((ms - (before[n] ?? 0)) / s, 1)]));
}

function canonical(body: unknown): string {
  return JSON.stringify(body);
}

/**
 * Sends every distinct request once to every target: the router's answers are the reference. A
 * target whose answers carry errors is left out of the workload (the reason is returned).
 */
async function checkWorkload(
  workload: Workload,
  targets: Target[],
): Promise<{
  failed: Record<string, string>;
  checks: Record<string, { requests: number; differentFromRouter: number; example?: string }>;
}> {
  const reference = new Map<WorkloadRequest, string>();
  const failed: Record<string, string> = {};
  const checks: Record<string, { requests: number; differentFromRouter: number; example?: string }> = {};
  for (const target of targets) {
    const problems: string[] = [];
    let different = 0;
    let example: string | undefined;
    await pool(workload.distinct, 4, async (r) => {
      const res = await gql(target.url, r.query, r.variables, r.token);
      if (res.status !== 200 || res.body.errors?.length || !res.body.data) {
        problems.push(`${r.label}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        return;
      }
      const text = canonical(res.body);
      if (target.key === 'router') reference.set(r, text);
      else if (reference.has(r) && reference.get(r) !== text) {
        different++;
        example ??= `${r.label}: router ${reference.get(r)?.slice(0, 200)} / ${target.key} ${text.slice(0, 200)}`;
      }
    });
    checks[target.key] = {
      requests: workload.distinct.length,
      differentFromRouter: different,
      ...(example ? { example } : {}),
    };
    if (problems.length) {
      failed[target.key] =
        `${problems.length} of ${workload.distinct.length} distinct requests answered with errors, e.g. ${problems[0]}`;
    }
  }
  return { failed, checks };
}

function fmt(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined ? '-' : n.toFixed(digits);
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a !== null && a !== undefined && b !== null && b !== undefined && b > 0 ? round(a / b, 2) : null;
}

/** The comparison's tables: one per workload, then the router's ratios to each peer. */
export function gatewaysTables(result: GatewaysResult): string {
  const out: string[] = [];
  const c = result.config;
  const cpuCols = result.stackProcesses;
  const width = Math.max(...Object.values(LABELS).map((l) => l.length));
  out.push(
    `gateways: ${c.connections} connections, each figure the median of ${c.rounds} rounds of ${c.duration} s (${c.warmup} s warm-up before each); ` +
      `latency in ms; cpu: CPU ms per request of each process, net of its idle rate; all: gateway + ${cpuCols.join(' + ')}`,
  );
  for (const [reason, why] of Object.entries(result.leftOut)) out.push(`  left out: ${reason}: ${why}`);
  for (const [workload, cells] of Object.entries(result.results)) {
    const w = result.workloads[workload];
    out.push('', `${workload}: ${w?.description ?? ''}`);
    const head = [
      'target'.padEnd(width),
      'req/s'.padStart(7),
      'p50'.padStart(7),
      'p95'.padStart(7),
      'p99'.padStart(7),
      'err'.padStart(5),
      '|',
      'cpu: gw'.padStart(7),
      ...cpuCols.map((n) => n.slice(0, 9).padStart(Math.max(6, Math.min(9, n.length)))),
      'all'.padStart(6),
      'bench'.padStart(6),
    ].join(' ');
    out.push(head, '-'.repeat(head.length));
    for (const [key, cell] of Object.entries(cells) as [GatewayKey, GatewayCell][]) {
      const r = cell.median;
      out.push(
        [
          LABELS[key].padEnd(width),
          fmt(r.rps).padStart(7),
          fmt(r.p50).padStart(7),
          fmt(r.p95).padStart(7),
          fmt(r.p99).padStart(7),
          String(r.errors).padStart(5),
          '|',
          fmt(r.gatewayCpuMsPerRequest, 2).padStart(7),
          ...cpuCols.map((n) => fmt(r.cpuMsPerRequest[n] ?? null, 2).padStart(Math.max(6, Math.min(9, n.length)))),
          fmt(r.stackCpuMsPerRequest, 2).padStart(6),
          fmt(r.cpuMsPerRequest['bench (load generator)'] ?? null, 2).padStart(6),
        ].join(' '),
      );
      if (r.errors > 0 || r.sample.withErrors > 0) {
        out.push(
          `  ${key}: errors non-2xx ${r.errorDetail.non2xx}, socket ${r.errorDetail.socket}, timeouts ${r.errorDetail.timeouts}, ` +
            `GraphQL ${r.errorDetail.graphql}; sample ${r.sample.withErrors} of ${r.sample.checked}${r.firstError ? `; first: ${r.firstError}` : ''}`,
        );
      }
    }
    const ratios = result.ratios[workload] ?? {};
    for (const [peer, q] of Object.entries(ratios)) {
      if (!q) continue;
      out.push(
        `  router/${peer}: throughput ${fmt(q.throughput, 2)}x, p95 ${fmt(q.p95, 2)}x, gateway CPU per request ${fmt(q.gatewayCpuPerRequest, 2)}x`,
      );
    }
  }
  return out.join('\n');
}

/** The comparison as Markdown tables (for docs/benchmarks.md; written to loadtests/results/gateways.md). */
export function gatewaysMarkdown(result: GatewaysResult): string {
  const cols = result.stackProcesses;
  const out: string[] = [];
  for (const [workload, cells] of Object.entries(result.results)) {
    out.push(`**${workload}**: ${result.workloads[workload]?.description ?? ''}`, '');
    out.push(
      `| target | req/s | p50 | p95 | p99 | errors | gateway CPU ms/req | ${cols.join(' | ')} | all | load generator |`,
      `|${' --- |'.repeat(9 + cols.length)}`,
    );
    for (const [key, cell] of Object.entries(cells) as [GatewayKey, GatewayCell][]) {
      const r = cell.median;
      out.push(
        `| ${LABELS[key]} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${r.errors} | ${fmt(r.gatewayCpuMsPerRequest, 2)} | ` +
          `${cols.map((n) => fmt(r.cpuMsPerRequest[n] ?? null, 2)).join(' | ')} | ${fmt(r.stackCpuMsPerRequest, 2)} | ${fmt(r.cpuMsPerRequest['bench (load generator)'] ?? null, 2)} |`,
      );
    }
    const ratios = Object.entries(result.ratios[workload] ?? {}).filter(([, q]) => q);
    if (ratios.length) {
      out.push(
        '',
        `Router ÷ peer: ${ratios
          .map(
            ([peer, q]) =>
              `${peer} throughput ${fmt(q?.throughput, 2)}x, p95 ${fmt(q?.p95, 2)}x, gateway CPU/req ${fmt(q?.gatewayCpuPerRequest, 2)}x`,
          )
          .join('; ')}.`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** Runs the whole comparison; starts (and stops) the Hive Gateways it needs. */
export async function runGatewayComparison(env: GatewayEnvironment): Promise<GatewaysResult> {
  const config = gatewaysConfig();
  const { log } = env;
  const leftOut: Record<string, string> = {};
  const started: ManagedProcess[] = [];
  const unknown = config.targets.filter((t) => !(GATEWAY_TARGETS as readonly string[]).includes(t));
  if (unknown.length)
    throw new Error(`GATEWAYS_TARGETS: unknown ${unknown.join(', ')} (known: ${GATEWAY_TARGETS.join(', ')})`);
  const badWorkloads = config.workloads.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
  if (badWorkloads.length) throw new Error(`GATEWAYS_WORKLOADS: unknown ${badWorkloads.join(', ')}`);
  try {
    const targets: Target[] = [];
    for (const key of config.targets as GatewayKey[]) {
      if (key === 'router') targets.push({ key, label: LABELS[key], url: env.routerUrl, server: 'router' });
      else if (key === 'stock') {
        if (env.stockUrl) targets.push({ key, label: LABELS[key], url: env.stockUrl, server: 'stock-gw' });
        else leftOut[key] = 'the stock gateway was not started';
      } else {
        try {
          const gw = await startHiveGateway({
            name: key,
            routerRuntime: key === 'hive-rust',
            subgraphUrls: env.subgraphUrls,
            resultsDir: env.resultsDir,
          });
          started.push(gw.proc);
          env.processes[key] = gw.proc.pid;
          targets.push({ key, label: LABELS[key], url: gw.url, server: key });
          log(`${LABELS[key]} at ${gw.url} (log: loadtests/results/${key}.log)`);
        } catch (err) {
          leftOut[key] = `did not start: ${(err as Error).message.split('\n').slice(0, 6).join(' | ')}`;
          log(`${key}: ${leftOut[key]}`);
        }
      }
    }
    if (!targets.some((t) => t.key === 'router')) throw new Error('the gateway comparison needs the router target');

    // The workloads, from the seeded data as our router serves it.
    const workloads: Workload[] = [];
    const catalogue = config.workloads.some((w) => w !== 'hot') ? await readCatalogue(env.routerUrl) : null;
    for (const key of config.workloads) {
      if (key === 'hot') workloads.push(hotWorkload());
      else if (key === 'varied') workloads.push(variedWorkload(catalogue!, config.seed, config.connections));
      else {
        log(`gateways: registering ${config.customers} customers (address, cart) for the skewed workload's Me`);
        const customers = await registerCustomers(env.routerUrl, catalogue!.products, config.customers, config.seed);
        workloads.push(
          skewedWorkload(catalogue!, customers, {
            seed: config.seed,
            s: config.zipfS,
            connections: config.connections,
            perConnection: config.skewedPerConnection,
            catalogueShare: 0.75,
            productShare: 0.2,
          }),
        );
      }
    }

    const checks: GatewaysResult['checks'] = {};
    const measured = new Map<string, Target[]>();
    for (const w of workloads) {
      const { failed, checks: c } = await checkWorkload(w, targets);
      checks[w.key] = c;
      if (failed.router) throw new Error(`gateways, ${w.key}: our router ${failed.router}`);
      for (const [key, why] of Object.entries(failed)) {
        leftOut[`${key} (${w.key})`] = why;
        log(`gateways, ${w.key}: ${key} left out: ${why}`);
      }
      for (const [key, v] of Object.entries(c)) {
        if (v.differentFromRouter > 0) {
          log(
            `gateways, ${w.key}: ${key} answered ${v.differentFromRouter} of ${v.requests} requests differently from the router, e.g. ${v.example}`,
          );
        }
      }
      measured.set(
        w.key,
        targets.filter((t) => !failed[t.key]),
      );
      log(
        `gateways, ${w.key}: ${w.distinct.length} distinct requests answered by ${targets
          .filter((t) => !failed[t.key])
          .map((t) => t.key)
          .join(', ')}`,
      );
    }
    if (env.processes['hive-rust'] !== undefined && !hasRustPlanner(env.processes['hive-rust'])) {
      throw new Error('hive-rust answered, but its process has no Rust query planner loaded (/proc/<pid>/maps)');
    }

    const idle = await idleCpu(env, config.idleSeconds);
    log(
      `gateways: idle CPU ms/s ${Object.entries(idle)
        .map(([n, ms]) => `${n} ${ms.toFixed(0)}`)
        .join(', ')} (taken off cpu per request)`,
    );

    const results: GatewaysResult['results'] = {};
    for (const w of workloads) {
      const list = measured.get(w.key) ?? [];
      const runs: Record<string, GatewayRun[]> = {};
      for (let r = 1; r <= config.rounds; r++) {
        for (const target of list) {
          log(
            `gateways, ${w.key}, ${target.key} (round ${r}/${config.rounds}): warm-up ${config.warmup} s, then ${config.connections} connections for ${config.duration} s`,
          );
          if (config.warmup > 0)
            await drive(target, w, config.warmup, config.connections, env, idle, config.sampleEvery);
          const run = await drive(target, w, config.duration, config.connections, env, idle, config.sampleEvery);
          log(
            `  ${fmt(run.rps)} req/s, p50 ${fmt(run.p50)} p95 ${fmt(run.p95)} p99 ${fmt(run.p99)} ms, errors ${run.errors}, gateway ${fmt(run.gatewayCpuMsPerRequest, 2)} CPU ms/req`,
          );
          (runs[target.key] ??= []).push(run);
        }
      }
      results[w.key] = Object.fromEntries(
        list.map((t) => [
          t.key,
          { target: t.label, url: t.url, median: medianRun(runs[t.key] ?? []), rounds: runs[t.key] ?? [] },
        ]),
      );
    }

    const ratios: GatewaysResult['ratios'] = {};
    for (const [workload, cells] of Object.entries(results)) {
      const ours = cells.router?.median;
      ratios[workload] = {};
      for (const peer of PEERS) {
        const theirs = cells[peer]?.median;
        if (!ours || !theirs) continue;
        ratios[workload][peer] = {
          throughput: ratio(ours.rps, theirs.rps),
          p95: ratio(ours.p95, theirs.p95),
          gatewayCpuPerRequest: ratio(ours.gatewayCpuMsPerRequest, theirs.gatewayCpuMsPerRequest),
        };
      }
    }
    const stackProcesses = Object.keys(env.processes).filter((n) => !GATEWAY_PROCESSES.has(n));
    return {
      config,
      workloads: Object.fromEntries(
        workloads.map((w) => [w.key, { description: w.description, mix: w.mix, distinct: w.distinct.length }]),
      ),
      leftOut,
      checks,
      idleCpuMsPerSecond: idle,
      stackProcesses,
      results,
      ratios,
    };
  } finally {
    for (const proc of started) {
      await proc.stop();
      delete env.processes[proc.name];
    }
  }
}
