// @ts-check
/**
 * Product page of the back office: ProductDetail (products, stock per location from inventory,
 * sales stats from reports over the last 30 days) for random demo products, 100 concurrent users,
 * p95 < 105 ms and < 1 % errors.
 *
 *   k6 run loadtests/k6/product-detail.js
 *   k6 run -e STAFF_EMAIL=admin@staff.example.com loadtests/k6/product-detail.js
 *
 * Product.salesStats is for staff managers (MANAGER or ADMIN; anyone else gets the product with an
 * UNAUTHENTICATED or FORBIDDEN error on the figures), so setup() signs in with StaffLogin once
 * (STAFF_EMAIL / STAFF_PASSWORD, default the demo manager of store-1) and every iteration sends
 * that token, as the back office does.
 */
import { check, fail, sleep } from 'k6';
import { STAFF_EMAIL, STAFF_PASSWORD, duration, thinkTime, vus } from './lib/config.js';
import { field, gql, str } from './lib/graphql.js';
import {
  ProductDetail,
  StaffLogin,
  productDetailVariables,
  randomProductId,
  salesPeriod,
  staffLoginVariables,
} from './lib/operations.js';

/** The back office's default view: the sales of the last 30 days (read once per VU, at init). */
const PERIOD = salesPeriod(new Date(), 30);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    product_detail: {
      executor: 'constant-vus',
      vus: vus(100),
      duration: duration('2m'),
      gracefulStop: '10s',
    },
  },
  thresholds: {
    'http_req_duration{scenario:product_detail}': ['p(95)<105'],
    'http_req_failed{scenario:product_detail}': ['rate<0.01'],
    'graphql_errors{scenario:product_detail}': ['rate<0.01'],
    'checks{scenario:product_detail}': ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

/**
 * @typedef {{ token: string }} SetupData
 */

/** @returns {SetupData} */
export function setup() {
  const data = gql(StaffLogin, staffLoginVariables(STAFF_EMAIL, STAFF_PASSWORD));
  const token = str(field(data, 'staffLogin', 'token'));
  if (!token) {
    fail('StaffLogin of ' + STAFF_EMAIL + ' refused: ProductDetail needs a MANAGER or ADMIN token');
  }
  return { token: token || '' };
}

/** @param {SetupData} data */
export default function (data) {
  const id = randomProductId();
  const res = gql(ProductDetail, productDetailVariables(id, PERIOD), { token: data.token });
  if (res) {
    check(res, {
      'product found': (d) => field(d, 'product', 'id') === id,
      'stock levels listed': (d) => Array.isArray(field(d, 'product', 'stock', 'levels')),
      'sales figures shown': (d) => field(d, 'product', 'salesStats', 'revenue', 'currency') !== undefined,
    });
  }
  sleep(thinkTime());
}
