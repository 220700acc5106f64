/**
 * Running the loadtests/k6 scripts without a k6 binary (no test cases here): the scripts are ES
 * modules for k6; here they are transpiled to CommonJS and run in a vm context whose `require`
 * serves stand-ins for the k6 modules, with k6's init-context `open()` (which reads a file, as k6
 * does) and `import.meta.resolve` (relative to the module). The `k6/http` stand-in hands each request
 * to a transport: a canned answer (test/ops/k6.ops.test.ts) or a real HTTP request to a running
 * router (test/e2e/k6-live.e2e.test.ts). Checks and metrics are recorded, k6's own http_req_duration,
 * http_req_failed and checks included, so a script's thresholds can be evaluated on what it did.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';

export const K6_DIR = path.resolve(__dirname, '..', '..', 'loadtests', 'k6');

export type Exports = Record<string, unknown>;

/** Every file k6's open() read so far (the ops test checks the scripts read schema/operations). */
export const opened: string[] = [];

/** k6's open(): a path or a file: URL (what import.meta.resolve returns). */
function k6Open(target: string): string {
  const file = target.startsWith('file:') ? fileURLToPath(target) : path.resolve(K6_DIR, target);
  opened.push(file);
  return fs.readFileSync(file, 'utf8');
}

/** A loader of k6 modules whose imports of k6's own modules get `stubs`; `__ENV` is `env`. */
export function loadModules(stubs: Record<string, Exports>, env: Record<string, string> = {}) {
  const context = vm.createContext({
    __ENV: env,
    open: k6Open,
    console: { log() {}, info() {}, warn() {}, error() {}, debug() {} },
  });
  const cache = new Map<string, Exports>();
  const load = (file: string): Exports => {
    const cached = cache.get(file);
    if (cached) return cached;
    const source = fs.readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
      fileName: file,
    });
    const module = { exports: {} as Exports };
    cache.set(file, module.exports);
    // CommonJS has no import.meta: the module gets k6's as a parameter.
    const body = outputText.replace(/\bimport\.meta\b/g, '__importMeta');
    const importMeta = { resolve: (spec: string) => pathToFileURL(path.resolve(path.dirname(file), spec)).href };
    const wrapper = vm.runInContext(`(function (require, module, exports, __importMeta) {${body}\n})`, context, {
      filename: file,
    }) as (req: (spec: string) => Exports, m: { exports: Exports }, e: Exports, meta: typeof importMeta) => void;
    wrapper(
      (spec) => {
        const stub = stubs[spec];
        if (stub) return stub;
        if (!spec.startsWith('.')) throw new Error(`${path.basename(file)} imports ${spec}, which k6 does not provide`);
        return load(path.resolve(path.dirname(file), spec));
      },
      module,
      module.exports,
      importMeta,
    );
    return module.exports;
  };
  return load;
}

/** One GraphQL request a script sent, as the transport and the tests see it. */
export interface Sent {
  url: string;
  operationName: string;
  variables: Record<string, unknown>;
  headers: Record<string, string>;
  tags: Record<string, string>;
  /** The request body as the script wrote it. */
  body: string;
  /** k6's `timeout` param, e.g. "30s". */
  timeout?: string;
}

/** What the transport answers: k6's response fields the scripts read, and the request's duration. */
export interface HttpAnswer {
  status: number;
  body: string;
  /** k6's http_req_duration: sending + waiting + receiving, in ms (connection setup excluded). */
  durationMs: number;
}

export interface RecordedMetric {
  name: string;
  value: number | boolean;
  tags: Record<string, string>;
}

/**
 * Stand-ins for k6, k6/http, k6/metrics and k6/execution. Set `runtime.tags` (e.g.
 * `{ scenario: 'product_detail' }`) while running a scenario's iterations: k6 tags every metric of an
 * iteration with its scenario, and setup() with none.
 */
export function k6Runtime(transport: (req: Sent) => HttpAnswer) {
  const sent: Sent[] = [];
  /** The answer to each request of `sent`, same index. */
  const answers: HttpAnswer[] = [];
  const metrics: RecordedMetric[] = [];
  const failedChecks: string[] = [];
  const runtime = { tags: {} as Record<string, string> };
  const record = (name: string, value: number | boolean, tags: Record<string, string> = {}) =>
    metrics.push({ name, value, tags: { ...runtime.tags, ...tags } });
  class MetricStub {
    add: (value: number | boolean, tags?: Record<string, string>) => void;
    constructor(name: string) {
      this.add = (value, tags) => record(name, value, tags);
    }
  }
  const vu = { idInTest: 7, iterationInScenario: 0 };
  const stubs: Record<string, Exports> = {
    k6: {
      check: (value: unknown, sets: Record<string, (v: unknown) => boolean>, tags?: Record<string, string>) => {
        let all = true;
        for (const [name, fn] of Object.entries(sets)) {
          const ok = fn(value);
          record('checks', ok, { ...tags, check: name });
          if (!ok) {
            all = false;
            failedChecks.push(name);
          }
        }
        return all;
      },
      sleep: () => undefined,
      fail: (msg?: string) => {
        throw new Error(`k6 fail(): ${msg ?? ''}`);
      },
    },
    'k6/http': {
      __esModule: true,
      default: {
        post: (
          url: string,
          body: string,
          params: { headers: Record<string, string>; tags: Record<string, string>; timeout?: string },
        ) => {
          const parsed = JSON.parse(body) as { operationName: string; variables: Record<string, unknown> };
          const req: Sent = {
            url,
            operationName: parsed.operationName,
            variables: parsed.variables,
            headers: params.headers,
            tags: params.tags,
            body,
            timeout: params.timeout,
          };
          sent.push(req);
          const answer = transport(req);
          answers.push(answer);
          record('http_reqs', 1, params.tags);
          record('http_req_duration', answer.durationMs, params.tags);
          // k6 counts a status outside 200-399 (or none) as failed.
          record('http_req_failed', !(answer.status >= 200 && answer.status < 400), params.tags);
          return { status: answer.status, body: answer.body };
        },
      },
    },
    'k6/metrics': { Counter: MetricStub, Rate: MetricStub, Trend: MetricStub, Gauge: MetricStub },
    'k6/execution': { __esModule: true, default: { vu } },
  };
  return { stubs, sent, answers, metrics, failedChecks, vu, runtime };
}

/** A script of loadtests/k6 by file name, its k6 imports served by `stubs`. */
export function k6Script(name: string, stubs: Record<string, Exports>, env: Record<string, string> = {}) {
  return loadModules(stubs, env)(path.join(K6_DIR, name));
}

export interface K6Options {
  scenarios: Record<string, { executor: string; vus?: number; duration?: string }>;
  thresholds: Record<string, string[]>;
}

export interface ThresholdResult {
  /** The threshold's key as declared, e.g. "http_req_duration{scenario:product_detail}". */
  metric: string;
  expression: string;
  /** The aggregate the expression compares, over the matching samples (NaN without any). */
  value: number;
  samples: number;
  ok: boolean;
}

/** k6's percentile: linear interpolation between the closest ranks. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Evaluates k6 thresholds (`metric{tag:value,...}` keys; `rate`, `count`, `avg`, `min`, `max`, `med`,
 * `p(N)` compared with <, <=, >, >=, ==) on the recorded metrics. An expression it cannot read throws,
 * so a threshold is never silently skipped.
 */
export function evaluateThresholds(
  thresholds: Record<string, string[]>,
  metrics: readonly RecordedMetric[],
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const [key, expressions] of Object.entries(thresholds)) {
    const m = /^([\w.]+)(?:\{([^}]*)\})?$/.exec(key);
    if (!m) throw new Error(`threshold key not understood: ${key}`);
    const [, name = '', filter = ''] = m;
    const wanted = filter
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split(':').map((s) => s.trim()) as [string, string]);
    const samples = metrics
      .filter((s) => s.name === name && wanted.every(([k, v]) => s.tags[k] === v))
      .map((s) => (typeof s.value === 'boolean' ? (s.value ? 1 : 0) : s.value));
    const sorted = [...samples].sort((a, b) => a - b);
    for (const expression of expressions) {
      const e = /^\s*(rate|count|avg|min|max|med|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(
        expression,
      );
      if (!e) throw new Error(`threshold expression not understood: ${key}: ${expression}`);
      const [, agg = '', p, op = '', limitText = ''] = e;
      const sum = samples.reduce((a, b) => a + b, 0);
      const n = samples.length;
      const value =
        agg === 'count'
          ? sum
          : agg === 'rate' || agg === 'avg'
            ? sum / n
            : agg === 'min'
              ? (sorted[0] ?? NaN)
              : agg === 'max'
                ? (sorted[n - 1] ?? NaN)
                : percentile(sorted, agg === 'med' ? 50 : Number(p));
      const limit = Number(limitText);
      const ok =
        op === '<'
          ? value < limit
          : op === '<='
            ? value <= limit
            : op === '>'
              ? value > limit
              : op === '>='
                ? value >= limit
                : value === limit;
      results.push({ metric: key, expression, value, samples: n, ok });
    }
  }
  return results;
}

/** What a script did in a run of its own process (runScriptInProcess). */
export interface K6Run {
  options: K6Options;
  /** Requests setup() sent, then those of the iterations. */
  setupRequests: Sent[];
  iterationRequests: Sent[];
  /** The answers to setupRequests then iterationRequests, in order. */
  answers: HttpAnswer[];
  metrics: RecordedMetric[];
  failedChecks: string[];
}

/**
 * Runs a script as k6 would against a live server: setup(), then `iterations` calls of the default
 * function with setup's data, the scenario tag set on the iterations' metrics, every request a real
 * HTTP POST. It runs in a child process (test/helpers/k6-run.ts): k6's http API is synchronous, so
 * the requests block, and they must not block the process that serves them (an in-process stack).
 */
export async function runScriptInProcess(opts: {
  script: string;
  scenario: string;
  iterations: number;
  env: Record<string, string>;
  timeoutMs?: number;
}): Promise<K6Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'k6-run.ts'), JSON.stringify(opts)], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`k6 run of ${opts.script} exited ${code}:\n${err}${out.slice(0, 2000)}`);
  return JSON.parse(out) as K6Run;
}

/** One POST with curl, synchronously: status, body, and the time from sending to the last byte. */
export function curlTransport(req: Sent): HttpAnswer {
  const mark = '\n__k6_timing__';
  const seconds = Number.parseFloat(req.timeout ?? '30');
  const args = ['-sS', '-X', 'POST', req.url, '--data-binary', '@-', '--max-time', String(seconds)];
  for (const [k, v] of Object.entries(req.headers)) args.push('-H', `${k}: ${v}`);
  // time_pretransfer: connection set up, request about to be sent; time_total: last byte received.
  args.push('-w', `${mark}%{http_code} %{time_pretransfer} %{time_total}`);
  const res = spawnSync('curl', args, { input: req.body, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (res.error) throw res.error;
  const at = res.stdout.lastIndexOf(mark);
  const [code = '0', pre = '0', total = '0'] = at < 0 ? [] : res.stdout.slice(at + mark.length).split(' ');
  // curl exits non-zero when no response came (refused, timed out): k6 reports status 0 then.
  if (res.status !== 0) return { status: 0, body: '', durationMs: Number(total) * 1000 };
  return { status: Number(code), body: res.stdout.slice(0, at), durationMs: (Number(total) - Number(pre)) * 1000 };
}
