// @ts-check
/**
 * Product page of the back office: ProductDetail (products, stock per location from inventory,
 * sales stats from reports over the last 30 days) for random products on sale, 100 concurrent
 * users, p95 < 105 ms and < 1 % errors.
 *
 *   k6 run loadtests/k6/product-detail.js
 *   k6 run -e STAFF_EMAIL=admin@staff.example.com loadtests/k6/product-detail.js
 *
 * Product.salesStats is for staff managers (MANAGER or ADMIN; anyone else gets the product with an
 * UNAUTHENTICATED or FORBIDDEN error on the figures), so every VU signs in with StaffLogin
 * (STAFF_EMAIL / STAFF_PASSWORD, default the demo manager of store-1) and sends that token, as the
 * back office does. setup() signs in once first and collects the products on sale: when it cannot
 * (the target refuses connections, Kong refuses the key, the account is refused) the test stops
 * there and says which.
 */
import { check, sleep } from 'k6';
import { STAFF_EMAIL, STAFF_PASSWORD, SUMMARY_TREND_STATS, p95Below, scenario, thinkTime } from './lib/config.js';
import { enterFlow } from './lib/flow.js';
import { field, gql } from './lib/graphql.js';
import { ProductDetail, pick, productDetailVariables, salesPeriod } from './lib/operations.js';
import { activeProductIds, setupSignIn, staffToken } from './lib/setup.js';
import { guarded } from './lib/thresholds.js';

/** The back office's default view: the sales of the last 30 days (read once per VU, at init). */
const PERIOD = salesPeriod(new Date(), 30);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { product_detail: scenario({ vus: 100, duration: '2m', gracefulStop: '10s' }) },
  thresholds: guarded({
    'http_req_duration{flow:product_detail}': [p95Below(105)],
    'http_req_failed{flow:product_detail}': ['rate<0.01'],
    'graphql_errors{flow:product_detail}': ['rate<0.01'],
    'checks{flow:product_detail}': ['rate>0.99'],
  }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

/**
 * @typedef {{ productIds: string[] }} SetupData
 */

/** @returns {SetupData} */
export function setup() {
  setupSignIn(STAFF_EMAIL, STAFF_PASSWORD, 'ProductDetail needs a MANAGER or ADMIN token');
  return { productIds: activeProductIds() };
}

/** @param {SetupData} data */
export default function (data) {
  enterFlow('product_detail');
  const token = staffToken(STAFF_EMAIL, STAFF_PASSWORD);
  const id = pick(data.productIds);
  const res = gql(ProductDetail, productDetailVariables(id, PERIOD), { token });
  check(res, {
    'product found': (d) => field(d, 'product', 'id') === id,
    'stock levels listed': (d) => Array.isArray(field(d, 'product', 'stock', 'levels')),
    'sales figures shown': (d) => field(d, 'product', 'salesStats', 'revenue', 'currency') !== undefined,
  });
  sleep(thinkTime());
}
