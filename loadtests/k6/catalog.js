// @ts-check
/**
 * Catalogue browsing: CatalogPage (products + category + stock across products and inventory)
 * at random pages, 100 concurrent users, against the reference targets: p95 < 105 ms and
 * less than 1 % errors.
 *
 *   k6 run loadtests/k6/catalog.js
 *   k6 run -e K6_TARGET=router -e VUS=50 -e DURATION=30s loadtests/k6/catalog.js
 *
 * Cursors are opaque, so setup() walks the catalogue once and every iteration starts from one of
 * the real cursors it collected (or the first page); a page that fails stops the test there.
 */
import { check, sleep } from 'k6';
import { SUMMARY_TREND_STATS, p95Below, scenario, thinkTime } from './lib/config.js';
import { enterFlow } from './lib/flow.js';
import { call, describeFailure, field, str } from './lib/graphql.js';
import { CatalogPage, catalogVariables, pick } from './lib/operations.js';
import { abortSetup } from './lib/setup.js';
import { guarded } from './lib/thresholds.js';

const PAGE_SIZE = 20;
/** Pages collected in setup (20 x 50 = the first 1000 products at most). */
const MAX_PAGES = 50;

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { catalog: scenario({ vus: 100, duration: '2m', gracefulStop: '10s' }) },
  thresholds: guarded({
    'http_req_duration{flow:catalog}': [p95Below(105)],
    'http_req_failed{flow:catalog}': ['rate<0.01'],
    'graphql_errors{flow:catalog}': ['rate<0.01'],
    'checks{flow:catalog}': ['rate>0.99'],
  }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

/**
 * @typedef {{ cursors: (string | null)[] }} SetupData
 */

/** @returns {SetupData} */
export function setup() {
  /** @type {(string | null)[]} */
  const cursors = [null];
  /** @type {string | null} */
  let after = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const res = call(CatalogPage, catalogVariables(after, PAGE_SIZE));
    if (!res.ok) return abortSetup('catalogue walk, page ' + (i + 1) + ': ' + describeFailure(CatalogPage.name, res));
    const end = str(field(res.data, 'products', 'pageInfo', 'endCursor'));
    if (!end) break;
    cursors.push(end);
    if (field(res.data, 'products', 'pageInfo', 'hasNextPage') !== true) break;
    after = end;
  }
  // The last cursor's page is empty; keep it anyway: clients do ask for it.
  console.log('catalog: ' + cursors.length + ' page cursors collected');
  return { cursors };
}

/** @param {SetupData} data */
export default function (data) {
  enterFlow('catalog');
  const res = call(CatalogPage, catalogVariables(pick(data.cursors), PAGE_SIZE));
  check(res.data, { 'catalogue page listed': (d) => Array.isArray(field(d, 'products', 'edges')) });
  sleep(thinkTime());
}
