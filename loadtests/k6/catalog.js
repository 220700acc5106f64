// @ts-check
/**
 * Catalogue browsing: CatalogPage (products + category + stock across products and inventory)
 * at random pages, 100 concurrent users, against the reference targets: p95 < 105 ms and
 * less than 1 % errors.
 *
 *   k6 run loadtests/k6/catalog.js
 *   k6 run -e BASE_URL=http://localhost:4000/graphql -e VUS=50 -e DURATION=30s loadtests/k6/catalog.js
 *
 * Cursors are opaque, so setup() walks the catalogue once and every iteration starts from one of
 * the real cursors it collected (or the first page).
 */
import { sleep } from 'k6';
import { duration, thinkTime, vus } from './lib/config.js';
import { field, gql, str } from './lib/graphql.js';
import { CatalogPage, catalogVariables } from './lib/operations.js';

const PAGE_SIZE = 20;
/** Pages collected in setup (20 x 50 = the first 1000 products at most). */
const MAX_PAGES = 50;

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    catalog: {
      executor: 'constant-vus',
      vus: vus(100),
      duration: duration('2m'),
      gracefulStop: '10s',
    },
  },
  thresholds: {
    // Scenario-tagged, so the cursor walk in setup() does not count.
    'http_req_duration{scenario:catalog}': ['p(95)<105'],
    'http_req_failed{scenario:catalog}': ['rate<0.01'],
    'graphql_errors{scenario:catalog}': ['rate<0.01'],
    'checks{scenario:catalog}': ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
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
    const data = gql(CatalogPage, catalogVariables(after, PAGE_SIZE));
    const end = str(field(data, 'products', 'pageInfo', 'endCursor'));
    if (!data || !end) break;
    cursors.push(end);
    if (field(data, 'products', 'pageInfo', 'hasNextPage') !== true) break;
    after = end;
  }
  // The last cursor's page is empty; keep it anyway: clients do ask for it.
  console.log('catalog: ' + cursors.length + ' page cursors collected');
  return { cursors };
}

/** @param {SetupData} data */
export default function (data) {
  const after = data.cursors[Math.floor(Math.random() * data.cursors.length)];
  gql(CatalogPage, catalogVariables(after === undefined ? null : after, PAGE_SIZE));
  sleep(thinkTime());
}
