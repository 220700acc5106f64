// @ts-check
/**
 * Settings from the environment (`k6 run -e NAME=value`, or exported variables: `k6 run` reads the
 * process environment too):
 *
 *   K6_TARGET     where the requests go: `kong` (default) is Kong's proxy, K6_BASE_URL or
 *                 http://localhost:8000/graphql, with the API key; `router` is the router of
 *                 `npm start`, http://localhost:4000/graphql, straight (no key); a URL is that
 *                 router, straight (what the tests do: there is no Kong beside them).
 *   K6_BASE_URL   Kong's GraphQL endpoint (default http://localhost:8000/graphql).
 *   K6_API_KEY    the Kong consumer key sent as `apikey`; default the loadtest consumer's
 *                 DEVELOPMENT key of kong/kong.yml (public in the repository; production keys come
 *                 from the environment, never from here).
 *   SMOKE         1: a smoke run, 2 VUs x 2 iterations per script, the same thresholds.
 *   VUS           virtual users (each script has its own default).
 *   DURATION      how long each scenario runs, e.g. 30s, 2m (default 2m).
 *   THINK_TIME    mean pause between a VU's steps in seconds (default 0.5; 0 for closed-loop
 *                 pressure).
 *   LATENCY_SCALE multiplies every latency limit (default 1: the targets as written, which are the
 *                 production topology's). For a stack that is not that topology: the project's
 *                 tests run the scripts against an in-process stack on a shared machine with 20.
 *   RUN_ID        names the run's customers (checkout.js): a rerun with the same RUN_ID signs them
 *                 in again. Idempotency keys carry a nonce of their own (setup()), so they never
 *                 repeat across runs.
 *   STAFF_PASSWORD  the demo staff accounts' password (docs/demo-data.md; a demo value).
 *   STAFF_EMAIL   the manager product-detail.js signs in as (default the demo manager of store-1).
 *   ADMIN_EMAIL   the head-office account of back-office.js and of till.js's setup (default the
 *                 demo ADMIN).
 *
 * `k6 run --vus N --duration T` replaces a script's scenario with k6's default one: the thresholds
 * still hold, since they select samples by the `flow` tag each script sets (lib/flow.js), not by
 * scenario.
 */

/** The loadtest consumer's key in kong/kong.yml: a development key, public like the others there. */
export const DEV_LOADTEST_KEY = 'dev-loadtest-key';
export const KONG_URL = 'http://localhost:8000/graphql';
export const ROUTER_URL = 'http://localhost:4000/graphql';

/**
 * Where the requests go and whether they carry Kong's key.
 * @param {Record<string, string | undefined>} env
 * @returns {{ url: string, apiKey: string | null, via: 'kong' | 'router' }}
 */
export function target(env) {
  const t = (env.K6_TARGET || 'kong').trim();
  if (t === 'kong')
    return { url: env.K6_BASE_URL || KONG_URL, apiKey: env.K6_API_KEY || DEV_LOADTEST_KEY, via: 'kong' };
  if (t === 'router') return { url: ROUTER_URL, apiKey: null, via: 'router' };
  if (/^https?:\/\//.test(t)) return { url: t, apiKey: null, via: 'router' };
  throw new Error('K6_TARGET must be kong, router or a router URL (http://...), not ' + JSON.stringify(t));
}

export const TARGET = target(__ENV);
export const SMOKE = __ENV.SMOKE === '1' || __ENV.SMOKE === 'true';
export const STAFF_PASSWORD = __ENV.STAFF_PASSWORD || 'staff-password';
export const STAFF_EMAIL = __ENV.STAFF_EMAIL || 'manager1@staff.example.com';
export const ADMIN_EMAIL = __ENV.ADMIN_EMAIL || 'admin@staff.example.com';

/**
 * @param {number} fallback
 * @returns {number}
 */
export function vus(fallback) {
  const n = Number(__ENV.VUS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * @param {string} fallback
 * @returns {string}
 */
export function duration(fallback) {
  return __ENV.DURATION || fallback;
}

/**
 * A script's scenario: `load` VUs for DURATION, or in smoke mode 2 VUs of 2 iterations each (two
 * VUs, so per-VU state such as a customer or a register is exercised twice over).
 * @param {{ vus: number, duration: string, gracefulStop: string }} load the script's defaults
 * @returns {import('k6/options').Scenario}
 */
export function scenario(load) {
  if (SMOKE) return { executor: 'per-vu-iterations', vus: 2, iterations: 2, maxDuration: '2m' };
  return {
    executor: 'constant-vus',
    vus: vus(load.vus),
    duration: duration(load.duration),
    gracefulStop: load.gracefulStop,
  };
}

/**
 * A pause drawn uniformly from [0.5, 1.5] x THINK_TIME, so VUs do not march in lockstep; none in
 * smoke mode.
 * @returns {number} seconds
 */
export function thinkTime() {
  if (SMOKE) return 0;
  const mean = __ENV.THINK_TIME === undefined || __ENV.THINK_TIME === '' ? 0.5 : Number(__ENV.THINK_TIME);
  if (!(mean > 0)) return 0;
  return mean * (0.5 + Math.random());
}

/**
 * The most VUs the test's scenarios can run at once (setup() sizes per-VU resources with it, e.g.
 * till.js's registers); `--vus N` makes it N.
 * @param {Record<string, unknown>} scenarios exec.test.options.scenarios
 * @returns {number}
 */
export function maxVus(scenarios) {
  let total = 0;
  for (const s of Object.values(scenarios)) {
    const o = /** @type {Record<string, unknown>} */ (s);
    const stages = Array.isArray(o.stages) ? o.stages.map((st) => Number(st && st.target) || 0) : [];
    total += Math.max(Number(o.vus) || 0, Number(o.maxVUs) || 0, Number(o.startVUs) || 0, ...stages, 1);
  }
  return Math.max(total, 1);
}

const scale = Number(__ENV.LATENCY_SCALE);
/** LATENCY_SCALE (above), 1 unless a positive number is given. */
export const LATENCY_SCALE = scale > 0 ? scale : 1;

/**
 * A latency threshold: the 95th percentile under `ms` milliseconds (times LATENCY_SCALE).
 * @param {number} ms
 * @returns {string}
 */
export function p95Below(ms) {
  return 'p(95)<' + Math.round(ms * LATENCY_SCALE);
}

/** Summary statistics of every script. */
export const SUMMARY_TREND_STATS = ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'];
