// @ts-check
/**
 * Thresholds that fail when they have nothing to judge. k6 passes a threshold whose metric got no
 * sample (`p(95)=0s ✓`, `rate==1 ✓` over nothing), so a script that never reached a flow would
 * report success. `guarded()` adds, for every threshold, a `count>0` threshold on a Counter that
 * has a sample whenever the guarded metric does, under the same tags:
 *
 *   http_req_*, graphql_errors, checks   -> http_reqs{same tags}: every request of the flow adds
 *                                           to all of them (lib/graphql.js), and k6 counts it in
 *                                           http_reqs.
 *   any other metric M (a Rate made by   -> M_samples{same tags}: the Counter outcome() adds to
 *   lib/flow.js's outcome())                beside M.
 *
 * No k6 module and no __ENV here: test/ops checks the scripts' thresholds with it in Node.
 */

/** Metrics every request sent through lib/graphql.js adds a sample to. */
export const PER_REQUEST = [
  'http_req_duration',
  'http_req_waiting',
  'http_req_sending',
  'http_req_receiving',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_failed',
  'graphql_errors',
  'checks',
];

/**
 * The `count>0` guard of a threshold key, e.g. `http_req_duration{flow:checkout,operation:Checkout}`
 * -> `http_reqs{flow:checkout,operation:Checkout}`; null for a guard itself.
 * @param {string} key
 * @returns {string | null}
 */
export function guardOf(key) {
  const m = /^([A-Za-z0-9_]+)(\{.*\})?$/.exec(key);
  if (!m) throw new Error('threshold key not understood: ' + key);
  const name = m[1] || '';
  const tags = m[2] || '';
  if (name === 'http_reqs' || name.endsWith('_samples')) return null;
  return (PER_REQUEST.indexOf(name) >= 0 ? 'http_reqs' : name + '_samples') + tags;
}

/**
 * The thresholds with a `count>0` guard for each (see above).
 * @param {Record<string, string[]>} thresholds
 * @returns {Record<string, string[]>}
 */
export function guarded(thresholds) {
  /** @type {Record<string, string[]>} */
  const out = {};
  for (const [key, list] of Object.entries(thresholds)) {
    if (/[{,]\s*scenario\s*:/.test(key)) {
      // `k6 run --vus/--duration` replaces the scenarios: such a threshold would judge nothing.
      throw new Error('threshold ' + key + ' selects a scenario; select the flow tag instead (lib/flow.js)');
    }
    out[key] = list;
    const guard = guardOf(key);
    if (guard) out[guard] = ['count>0'];
  }
  return out;
}
