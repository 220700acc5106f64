/**
 * Where products and inventory spend their CPU under the gateway comparison's *varied* workload
 * (loadtests/workloads.ts), with the router's entity cache off (ENTITY_CACHE=off: every request
 * reaches the subgraphs) and its in-flight sharing on (the default). docs/benchmarks.md, "Cheaper
 * subgraphs", was written with it.
 *
 *   npx tsx loadtests/subgraph-profile.ts profile
 *       Starts a stack like the bench (scripts/services.ts: DATABASE_URL or embedded PostgreSQL,
 *       REDIS_URL, databases DB_PREFIX (prof_), ports from BASE_PORT (4300), seeded), every process
 *       of it loading cpu-profile-preload.cjs (NODE_OPTIONS=--require; node refuses --cpu-prof
 *       there), drives the varied workload at its router (PROFILE_WARMUP s, then PROFILE_SECONDS s,
 *       PROFILE_CONNECTIONS connections), with V8's profiler running in the router, products and
 *       inventory's workers for the measured window only (a SIGUSR2 before it and one after: start-up,
 *       migrations and the warm-up are left out), writes PROFILE_DIR/<pid>.cpuprofile (Chrome
 *       DevTools opens them as flame charts) and window.json, stops the stack, then prints the summary
 *       below. PROFILE_DIR defaults to loadtests/results/profiles/<time>. The stack's databases and
 *       Redis keys (DB_PREFIX) are left for the next run.
 *
 *   npx tsx loadtests/subgraph-profile.ts measure <routerUrl>[=<dbPrefix>] ...
 *       CPU milliseconds per request of products and inventory (its workers included), the router
 *       and PostgreSQL (its own processes and the backends of <dbPrefix>* databases, when a prefix is
 *       given), read from /proc like the bench (loadtests/util.ts cpuSnapshot), net of each one's idle
 *       rate measured just before each run, on stacks already running (e.g. `npm start` with
 *       ENTITY_CACHE=off from two checkouts, on two BASE_PORTs and DB_PREFIXes: a before and an after).
 *       MEASURE_ROUNDS (5) rounds, each stack in turn (the order reversed every other round, so that
 *       a drift of the machine's load favours none), or all of them at once with MEASURE_TOGETHER=1
 *       (each its own load generator: the machine's other load then weighs on both alike),
 *       MEASURE_WARMUP (3) s then MEASURE_SECONDS (10) s each, at MEASURE_RATE req/s (0: as fast as
 *       they answer); prints every run, the median per stack and, for each stack after the first, the
 *       median of the rounds' ratios to the first. CPU is also given per request each subgraph served
 *       (its /metrics), which the router's in-flight sharing makes fewer than the router's (and the
 *       fewer, the slower the subgraphs answer: compare stacks on this figure).
 *
 *   npx tsx loadtests/subgraph-profile.ts summarise <dir> [<fromUs>,<toUs>]
 *       The summary of the .cpuprofile files of a directory (window.json there, written by `profile`,
 *       says which process is which and the measured window; without it every profile is summed
 *       whole): per service, the functions with the most self time, the functions with the most
 *       total time (a function counted once per sample whatever its recursion) and self time by
 *       module (a package of node_modules, a file of this repository, a node: internal module), each
 *       as a share of the busy samples (not idle).
 *
 * Knobs: PROFILE_CONNECTIONS / MEASURE_CONNECTIONS (50), PROFILE_TOP (25), GATEWAYS_SEED (the bench's).
 */
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { ROOT, SUBGRAPHS, prefixedSink, startStack, stackOptionsFromEnv } from '../scripts/services';
import { goodBody } from './gateways';
import {
  cpuSnapshot,
  envInt,
  metricSum,
  metricsText,
  pidListeningOn,
  postgresScope,
  round,
  type CpuScope,
} from './util';
import { readCatalogue, variedWorkload, type Workload, type WorkloadRequest } from './workloads';

const SEED = envInt('GATEWAYS_SEED', 20261207);
const log = (m: string) => console.log(`[subgraph-profile] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function portOf(name: string, base: number): number {
  const spec = SUBGRAPHS.find((s) => s.name === name);
  if (!spec) throw new Error(`no subgraph ${name}`);
  return base + spec.portOffset;
}

/** Direct children of a process that run node (inventory's cluster workers, not tsx's esbuild service), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (ppid === pid && path.basename(command).startsWith('node')) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

interface Run {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
  /** CPU ms per request, net of idle, by process name. */
  cpu: Record<string, number>;
  /** Requests products and inventory served (their /metrics): fewer than the router's when it shared fetches. */
  served: Record<string, number>;
  /** CPU ms per request each subgraph served, net of idle. */
  cpuPerServed: Record<string, number>;
}

/** Drives a workload at a router for `seconds` (autocannon, one prepared request list per connection). */
async function drive(routerUrl: string, workload: Workload, seconds: number, connections: number, rate = 0) {
  let errors = 0;
  const onResponse = (status: number, body: string) => {
    if (status < 200 || status >= 300 || !goodBody(body)) errors++;
  };
  const path_ = new URL(routerUrl).pathname;
  const objects = new Map<WorkloadRequest, object>();
  const lists = workload.perConnection.map((list) =>
    list.map((r) => {
      let o = objects.get(r);
      if (!o) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (r.token) headers.authorization = `Bearer ${r.token}`;
        o = {
          method: 'POST',
          path: path_,
          headers,
          body: JSON.stringify({ query: r.query, variables: r.variables, operationName: r.operationName }),
          onResponse,
        };
        objects.set(r, o);
      }
      return o;
    }),
  );
  let next = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: routerUrl,
        connections,
        duration: seconds,
        timeout: 10,
        ...(rate > 0 ? { overallRate: rate } : {}),
        requests: [lists[0]?.[0] ?? {}],
        setupClient: (client) => client.setRequests((lists[next++ % lists.length] ?? []) as autocannon.Request[]),
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
  });
  return { requests: result.requests.total, errors: errors + result.non2xx + result.errors };
}

/** One stack's processes, found by their ports; PostgreSQL's backends of its databases when a prefix is known. */
function stackProcesses(routerUrl: string, dbPrefix: string | null) {
  const base = Number(new URL(routerUrl).port);
  const processes: Record<string, number> = {};
  const scopes: Record<string, CpuScope> = {};
  for (const [name, port] of [
    ['router', base],
    ['products', portOf('products', base)],
    ['inventory', portOf('inventory', base)],
  ] as const) {
    const pid = pidListeningOn(port);
    if (pid === null) throw new Error(`nothing listens on ${port} (${name} of ${routerUrl})`);
    processes[name] = pid;
  }
  if (dbPrefix !== null) {
    const pg = pidListeningOn(Number(new URL(process.env.DATABASE_URL ?? 'postgres://x@127.0.0.1:5432/').port || 5432));
    if (pg !== null) {
      processes.postgres = pg;
      scopes.postgres = postgresScope(SUBGRAPHS.map((s) => `${dbPrefix}${s.name}`));
    }
  }
  return { processes, scopes };
}

/** Requests each subgraph has served so far on /graphql (products' /metrics, inventory's primary's, summed over workers). */
async function servedSoFar(routerUrl: string): Promise<Record<string, number>> {
  const base = Number(new URL(routerUrl).port);
  const count = (text: string) => metricSum(text, 'http_request_duration_seconds_count', 'route="/graphql"');
  const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
  return {
    products: count(await metricsText(url(portOf('products', base)))),
    inventory: count(await metricsText(url(portOf('inventory', base)), 100)),
  };
}

async function measureRun(
  routerUrl: string,
  workload: Workload,
  procs: ReturnType<typeof stackProcesses>,
  opts: { warmup: number; seconds: number; idle: number; connections: number; rate: number },
): Promise<Run> {
  const idleBefore = cpuSnapshot(procs.processes, procs.scopes);
  const i0 = performance.now();
  await sleep(opts.idle * 1000);
  const idleAfter = cpuSnapshot(procs.processes, procs.scopes);
  const idleS = (performance.now() - i0) / 1000;
  if (opts.warmup > 0) await drive(routerUrl, workload, opts.warmup, opts.connections, opts.rate);
  const servedBefore = await servedSoFar(routerUrl);
  const before = cpuSnapshot(procs.processes, procs.scopes);
  const t0 = performance.now();
  const { requests, errors } = await drive(routerUrl, workload, opts.seconds, opts.connections, opts.rate);
  const seconds = (performance.now() - t0) / 1000;
  const after = cpuSnapshot(procs.processes, procs.scopes);
  const servedAfter = await servedSoFar(routerUrl);
  const cpu: Record<string, number> = {};
  const cpuPerServed: Record<string, number> = {};
  const served: Record<string, number> = {};
  for (const name of Object.keys(after)) {
    const idleRate = ((idleAfter[name] ?? 0) - (idleBefore[name] ?? 0)) / idleS;
    const used = Math.max(0, (after[name] ?? 0) - (before[name] ?? 0) - idleRate * seconds);
    cpu[name] = round(used / Math.max(1, requests), 4);
    if (name in servedAfter) {
      // The /metrics reads themselves are two requests not on /graphql: they are not counted.
      served[name] = (servedAfter[name] ?? 0) - (servedBefore[name] ?? 0);
      cpuPerServed[name] = round(used / Math.max(1, served[name] ?? 0), 4);
    }
  }
  return { requests, seconds: round(seconds, 2), rps: round(requests / seconds, 1), errors, cpu, served, cpuPerServed };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function measure(targets: string[]): Promise<void> {
  const rounds = Math.max(1, envInt('MEASURE_ROUNDS', 5));
  const opts = {
    warmup: envInt('MEASURE_WARMUP', 3),
    seconds: envInt('MEASURE_SECONDS', 10),
    idle: envInt('MEASURE_IDLE_SECONDS', 3),
    connections: envInt('MEASURE_CONNECTIONS', 50),
    rate: envInt('MEASURE_RATE', 0),
  };
  const stacks = [];
  for (const t of targets) {
    const [url, prefix] = t.split('=') as [string, string | undefined];
    const catalogue = await readCatalogue(url);
    stacks.push({
      url,
      workload: variedWorkload(catalogue, SEED, opts.connections),
      procs: stackProcesses(url, prefix ?? null),
      runs: [] as Run[],
    });
  }
  const together = process.env.MEASURE_TOGETHER === '1';
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? stacks : [...stacks].reverse();
    // Together: every stack driven at the same time, each with its own load generator, so that the
    // rest of the machine weighs on all of them alike.
    const runs = together ? await Promise.all(order.map((s) => measureRun(s.url, s.workload, s.procs, opts))) : [];
    for (const [i, s] of order.entries()) {
      const run = together ? (runs[i] as Run) : await measureRun(s.url, s.workload, s.procs, opts);
      s.runs.push(run);
      const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      log(
        `round ${r + 1} ${s.url}: ${run.rps} req/s, ${run.errors} errors, cpu ms/req ` +
          Object.entries(run.cpu)
            .map(([n, v]) => `${n} ${v.toFixed(3)}`)
            .join(', ') +
          '; per request served ' +
          Object.entries(run.cpuPerServed)
            .map(([n, v]) => `${n} ${v.toFixed(3)} (${run.served[n]})`)
            .join(', ') +
          ` (load ${load})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const s of stacks) {
    const names = Object.keys(s.runs[0]?.cpu ?? {});
    const med = Object.fromEntries(names.map((n) => [n, round(median(s.runs.map((r) => r.cpu[n] ?? 0)), 3)]));
    const spread = Object.fromEntries(
      names.map((n) => {
        const v = s.runs.map((r) => r.cpu[n] ?? 0);
        return [n, [round(Math.min(...v), 3), round(Math.max(...v), 3)]];
      }),
    );
    const servedNames = Object.keys(s.runs[0]?.cpuPerServed ?? {});
    const medServed = Object.fromEntries(
      servedNames.map((n) => [n, round(median(s.runs.map((r) => r.cpuPerServed[n] ?? 0)), 3)]),
    );
    log(
      `${s.url}: median of ${s.runs.length}: ${round(median(s.runs.map((r) => r.rps)), 1)} req/s, cpu ms/req ` +
        names.map((n) => `${n} ${med[n]} [${(spread[n] as number[]).join('..')}]`).join(', ') +
        `; per request served ${servedNames.map((n) => `${n} ${medServed[n]}`).join(', ')}`,
    );
    out[s.url] = { medianCpuMsPerRequest: med, range: spread, medianCpuMsPerServedRequest: medServed, runs: s.runs };
  }
  // Every later stack against the first (a before and its afters): its figure over the first's,
  // round by round (the runs of a round are seconds apart, so they share most of the machine's other
  // load), and the median of those ratios.
  const [first, ...later] = stacks;
  const ratiosOut: Record<string, unknown> = {};
  for (const b of first ? later : []) {
    const ratios: Record<string, number[]> = {};
    for (let r = 0; r < Math.min(first!.runs.length, b.runs.length); r++) {
      const ra = first!.runs[r] as Run;
      const rb = b.runs[r] as Run;
      for (const [n, v] of Object.entries(rb.cpuPerServed)) {
        if (ra.cpuPerServed[n]) (ratios[`${n} per served`] ??= []).push(v / (ra.cpuPerServed[n] as number));
      }
      for (const [n, v] of Object.entries(rb.cpu)) if (ra.cpu[n]) (ratios[n] ??= []).push(v / (ra.cpu[n] as number));
    }
    log(
      `${b.url} / ${first!.url}, median of the rounds' ratios: ` +
        Object.entries(ratios)
          .map(([n, v]) => `${n} ${round(median(v), 3)} [${round(Math.min(...v), 2)}..${round(Math.max(...v), 2)}]`)
          .join(', '),
    );
    ratiosOut[b.url] = Object.fromEntries(
      Object.entries(ratios).map(([n, v]) => [n, { median: median(v), rounds: v }]),
    );
  }
  out.ratios = ratiosOut;
  const file = path.join(ROOT, 'loadtests', 'results', 'subgraph-measure.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2));
  log(`written ${path.relative(ROOT, file)}`);
}

/** Sends SIGUSR2 (cpu-profile-preload.cjs: start, then stop and write) to each pid. */
function signalProfilers(pids: number[]): void {
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
}

async function waitForProfiles(dir: string, pids: number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pids.every((pid) => fs.existsSync(path.join(dir, `${pid}.cpuprofile`)))) return;
    await sleep(200);
  }
  throw new Error(`profiles not written in ${timeoutMs} ms: ${pids.join(', ')}`);
}

async function profile(): Promise<void> {
  const dir = path.resolve(
    process.env.PROFILE_DIR ??
      path.join(ROOT, 'loadtests', 'results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  fs.mkdirSync(dir, { recursive: true });
  const dbPrefix = process.env.DB_PREFIX || 'prof_';
  const basePort = envInt('BASE_PORT', 4300);
  // The children inherit this environment: the router's entity cache off, the profiler's preload
  // (node refuses --cpu-prof in NODE_OPTIONS), the stack's own event streams.
  process.env.ENTITY_CACHE = 'off';
  process.env.REDIS_PREFIX ??= `${dbPrefix.replace(/_+$/, '')}:`;
  process.env.CPU_PROFILE_DIR = dir;
  process.env.NODE_OPTIONS =
    `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'cpu-profile-preload.cjs')}`.trim();
  const logFile = fs.createWriteStream(path.join(dir, 'stack.log'));
  log(`starting a stack on ${basePort}.. (databases ${dbPrefix}*), profiles in ${dir}`);
  const stack = await startStack({
    ...stackOptionsFromEnv(),
    basePort,
    dbPrefix,
    seed: true,
    sink: prefixedSink(logFile, true),
    say: log,
  });
  delete process.env.NODE_OPTIONS;
  const connections = envInt('PROFILE_CONNECTIONS', 50);
  try {
    const workload = variedWorkload(await readCatalogue(stack.routerUrl), SEED, connections);
    const procs = stackProcesses(stack.routerUrl, dbPrefix);
    const services = {
      products: [procs.processes.products as number],
      inventory: childrenOf(procs.processes.inventory as number),
      router: [procs.processes.router as number],
    };
    const pids = Object.values(services).flat();
    const warmup = envInt('PROFILE_WARMUP', 5);
    log(`warm-up ${warmup} s`);
    await drive(stack.routerUrl, workload, warmup, connections);
    const seconds = envInt('PROFILE_SECONDS', 20);
    const before = cpuSnapshot(procs.processes, procs.scopes);
    const from = nowUs();
    signalProfilers(pids);
    const { requests, errors } = await drive(stack.routerUrl, workload, seconds, connections);
    signalProfilers(pids);
    const to = nowUs();
    const after = cpuSnapshot(procs.processes, procs.scopes);
    const cpu = Object.fromEntries(
      Object.keys(after).map((n) => [n, round(((after[n] ?? 0) - (before[n] ?? 0)) / Math.max(1, requests), 3)]),
    );
    log(
      `${requests} requests in ${seconds} s, ${errors} errors; cpu ms/req (profiling, idle not taken off) ${JSON.stringify(cpu)}`,
    );
    await waitForProfiles(dir, pids);
    fs.writeFileSync(
      path.join(dir, 'window.json'),
      JSON.stringify({ fromUs: from, toUs: to, requests, errors, cpuMsPerRequest: cpu, services }, null, 2),
    );
  } finally {
    await stack.stop();
  }
  summarise(dir);
}

// ---------------------------------------------------------------------------------------------
// The profiles' summary
// ---------------------------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A module's name: a package of node_modules, a file of this repository, a node: module, or the VM's own. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? file);
  }
  if (file.startsWith(ROOT + '/')) return file.slice(ROOT.length + 1);
  return file;
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${moduleOf(url, functionName)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

interface Tally {
  busy: number;
  idle: number;
  self: Map<string, number>;
  total: Map<string, number>;
  moduleSelf: Map<string, number>;
  moduleTotal: Map<string, number>;
}

function add(map: Map<string, number>, key: string, n: number) {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** Adds one profile's samples in [from, to] (µs, the monotonic clock of process.hrtime) to a tally. */
function tallyProfile(profile: CpuProfile, tally: Tally, from = -Infinity, to = Infinity): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const id = profile.samples[i] as number;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  for (const [id, n] of hits) {
    const node = byId.get(id) as ProfileNode;
    if (node.callFrame.functionName === '(idle)') {
      tally.idle += n;
      continue;
    }
    tally.busy += n;
    add(tally.self, frameKey(node), n);
    add(tally.moduleSelf, moduleOf(node.callFrame.url, node.callFrame.functionName), n);
    const seen = new Set<string>();
    const seenModules = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur) as ProfileNode;
      if (frame.callFrame.functionName === '(root)') continue;
      const key = frameKey(frame);
      if (!seen.has(key)) {
        seen.add(key);
        add(tally.total, key, n);
      }
      const mod = moduleOf(frame.callFrame.url, frame.callFrame.functionName);
      if (!seenModules.has(mod)) {
        seenModules.add(mod);
        add(tally.moduleTotal, mod, n);
      }
    }
  }
}

function top(map: Map<string, number>, busy: number, n: number, other?: Map<string, number>): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, v]) =>
        `| ${k} | ${((100 * v) / busy).toFixed(1)} |${other ? ` ${((100 * (other.get(k) ?? 0)) / busy).toFixed(1)} |` : ''}`,
    );
}

export function summarise(dir: string, window?: { fromUs: number; toUs: number }): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const meta = fs.existsSync(path.join(dir, 'window.json'))
    ? (JSON.parse(fs.readFileSync(path.join(dir, 'window.json'), 'utf8')) as {
        fromUs: number;
        toUs: number;
        requests?: number;
        services: Record<string, number[]>;
      })
    : null;
  const from = window?.fromUs ?? meta?.fromUs;
  const to = window?.toUs ?? meta?.toUs;
  const groups = new Map<string, string[]>();
  for (const f of files) {
    // <pid>.cpuprofile (cpu-profile-preload.cjs), or node --cpu-prof's CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile
    // (the main thread only, tid 0).
    const parts = f.split('.');
    const pid = parts.length === 2 ? parts[0] : parts[3];
    if (parts.length !== 2 && parts[4] !== '0') continue;
    const service = meta
      ? Object.entries(meta.services).find(([, pids]) => pids.includes(Number(pid)))?.[0]
      : `pid ${pid}`;
    if (!service) continue;
    groups.set(service, [...(groups.get(service) ?? []), f]);
  }
  const topN = envInt('PROFILE_TOP', 25);
  for (const [service, list] of groups) {
    const tally: Tally = {
      busy: 0,
      idle: 0,
      self: new Map(),
      total: new Map(),
      moduleSelf: new Map(),
      moduleTotal: new Map(),
    };
    for (const f of list) {
      tallyProfile(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile, tally, from, to);
    }
    const share = tally.busy + tally.idle ? (100 * tally.busy) / (tally.busy + tally.idle) : 0;
    console.log(
      `\n## ${service} (${list.length} profile${list.length > 1 ? 's' : ''}; ${tally.busy} busy samples, ${share.toFixed(1)} % of all` +
        `${meta?.requests ? `; ${meta.requests} requests` : ''})\n`,
    );
    console.log('Self time by function (% of busy samples), with its total time:\n');
    console.log('| function (module:line) | self % | total % |\n| --- | --- | --- |');
    console.log(top(tally.self, tally.busy, topN, tally.total).join('\n'));
    console.log('\nTotal time by function (% of busy samples in which it is on the stack):\n');
    console.log('| function (module:line) | total % | self % |\n| --- | --- | --- |');
    console.log(top(tally.total, tally.busy, topN, tally.self).join('\n'));
    console.log('\nBy module (self %, total %):\n');
    console.log('| module | self % | total % |\n| --- | --- | --- |');
    console.log(top(tally.moduleSelf, tally.busy, topN, tally.moduleTotal).join('\n'));
  }
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'profile') await profile();
  else if (command === 'measure' && args.length) await measure(args);
  else if (command === 'summarise' && args[0]) {
    const [fromUs, toUs] = (args[1] ?? '').split(',').map(Number);
    summarise(args[0], fromUs && toUs ? { fromUs, toUs } : undefined);
  } else {
    console.error(
      'usage: subgraph-profile.ts profile | measure <routerUrl>[=<dbPrefix>] ... | summarise <dir> [from,to]',
    );
    process.exitCode = 2;
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
