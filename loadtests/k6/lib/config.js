// @ts-check
/**
 * Settings from the environment (`k6 run -e NAME=value` or exported variables):
 *
 *   BASE_URL    GraphQL endpoint; default Kong's proxy, http://localhost:8000/graphql.
 *               Use http://localhost:4000/graphql to hit a router started by `npm start` directly.
 *   API_KEY     Kong consumer key sent as the `apikey` header; default the web-storefront
 *               DEVELOPMENT key of kong/kong.yml (dev-only, public in the repository).
 *   VUS         virtual users (each script has its own default, 100 for the read paths).
 *   DURATION    how long each scenario runs, e.g. 30s, 2m (default 2m).
 *   THINK_TIME  mean pause between a VU's iterations in seconds (default 0.5; 0 for closed-loop
 *               maximum pressure). The web-storefront key is limited to 1000 req/s by Kong.
 *   STAFF_EMAIL, STAFF_PASSWORD
 *               the staff account product-detail.js signs in with in setup(): ProductDetail's
 *               salesStats is for MANAGER and ADMIN tokens only. Default the demo manager of
 *               store-1 (docs/demo-data.md; a demo account, public in the repository).
 */

export const BASE_URL = __ENV.BASE_URL || 'http://localhost:8000/graphql';
export const API_KEY = __ENV.API_KEY || 'dev-web-storefront-key';
export const STAFF_EMAIL = __ENV.STAFF_EMAIL || 'manager1@staff.example.com';
export const STAFF_PASSWORD = __ENV.STAFF_PASSWORD || 'staff-password';

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
 * A pause drawn uniformly from [0.5, 1.5] x THINK_TIME, so VUs do not march in lockstep.
 * @returns {number} seconds
 */
export function thinkTime() {
  const mean = __ENV.THINK_TIME === undefined || __ENV.THINK_TIME === '' ? 0.5 : Number(__ENV.THINK_TIME);
  if (!(mean > 0)) return 0;
  return mean * (0.5 + Math.random());
}
