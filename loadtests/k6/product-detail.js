// @ts-check
/**
 * Product page: ProductDetail (products, stock per location from inventory, sales stats from
 * reports) for random demo products, 100 concurrent users, p95 < 105 ms and < 1 % errors.
 *
 *   k6 run loadtests/k6/product-detail.js
 *
 * ProductDetail asks for Product.salesStats, which the reports subgraph contributes: until reports
 * is composed into the supergraph, this operation fails validation at the router.
 */
import { check, sleep } from 'k6';
import { duration, thinkTime, vus } from './lib/config.js';
import { field, gql } from './lib/graphql.js';
import { ProductDetail, productDetailVariables, randomProductId } from './lib/operations.js';

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

export default function () {
  const id = randomProductId();
  const data = gql(ProductDetail, productDetailVariables(id));
  if (data) {
    check(data, {
      'product found': (d) => field(d, 'product', 'id') === id,
      'stock levels listed': (d) => Array.isArray(field(d, 'product', 'stock', 'levels')),
    });
  }
  sleep(thinkTime());
}
