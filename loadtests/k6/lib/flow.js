// @ts-check
/**
 * Flows and their metrics. A script's default function starts with `enterFlow('<name>')`: from
 * then on every metric the VU emits (k6's http_req_*, checks, the custom metrics) carries the tag
 * `flow:<name>`, whatever executor runs it: the script's scenario or the default one of
 * `k6 run --vus N --duration T`. setup() runs in a VU of its own and sets no flow, so its requests
 * (a sign-in, a catalogue walk) stay out of the thresholds. Thresholds select `{flow:<name>}` and go
 * through lib/thresholds.js's guarded(), which fails them when they have no sample.
 */
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

/** @param {string} name */
export function enterFlow(name) {
  exec.vu.metrics.tags.flow = name;
}

/**
 * A Rate (e.g. `checkout_completed`) with the Counter `<name>_samples` its guard reads.
 * @param {string} name
 */
export function outcome(name) {
  const rate = new Rate(name);
  const samples = new Counter(name + '_samples');
  return {
    /**
     * @param {boolean} ok
     * @param {Record<string, string>} [tags]
     */
    add(ok, tags) {
      rate.add(ok, tags);
      samples.add(1, tags);
    },
  };
}

/**
 * A nonce for this run's idempotency keys: setup() draws it once and hands it to every VU, so two
 * runs never share a key even with the same RUN_ID, and a replay inside the run (the same key again)
 * still replays.
 * @returns {string}
 */
export function runNonce() {
  return Date.now().toString(36) + '-' + Math.floor(Math.random() * 0x7fffffff).toString(36);
}
