// @ts-check
/**
 * Head office's back office: every VU is an ADMIN who, each iteration, looks at today's Dashboard,
 * the SalesReport of the last 30 days and one store's StorePerformance, asks for a saved report
 * (generateReport, answered PENDING; a background job makes it READY), and approves a replenishment
 * request a store manager has just made (requestReplenishment by the VU's store manager, then
 * ReplenishmentRequests, PENDING at that store, where it must be listed, and approveReplenishment).
 *
 *   k6 run loadtests/k6/back-office.js
 *   k6 run -e VUS=5 -e DURATION=1m loadtests/k6/back-office.js
 *
 * Every VU signs in as head office (ADMIN_EMAIL) and as the demo manager of its store (VU n asks for
 * store ((n - 1) mod 5) + 1); setup() checks those accounts sign in (else the test stops with the
 * reason) and collects the products on sale. Approvals move units from the central warehouse to the
 * stores: a long run ends with requests left PENDING (INSUFFICIENT_STOCK in user_errors,
 * replenishment_approved drops); reseed between runs.
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { ADMIN_EMAIL, STAFF_PASSWORD, SUMMARY_TREND_STATS, p95Below, scenario, thinkTime } from './lib/config.js';
import { enterFlow, outcome } from './lib/flow.js';
import { field, gql, payloadErrors, str } from './lib/graphql.js';
import {
  ApproveReplenishment,
  Dashboard,
  GenerateReport,
  ReplenishmentRequests,
  RequestReplenishment,
  SalesReport,
  StorePerformance,
  approveReplenishmentVariables,
  generateReportVariables,
  pendingReplenishmentsVariables,
  pick,
  pickDistinct,
  requestReplenishmentVariables,
  salesPeriod,
  salesReportVariables,
  storePerformanceVariables,
} from './lib/operations.js';
import { activeProductIds, setupSignIn, staffToken } from './lib/setup.js';
import { guarded } from './lib/thresholds.js';

/** The demo stores (docs/demo-data.md) and their managers. */
const STORES = ['store-1', 'store-2', 'store-3', 'store-4', 'store-5'];
const managerOf = (/** @type {number} */ i) => 'manager' + (i + 1) + '@staff.example.com';

const reportRequested = outcome('report_requested');
const replenishmentApproved = outcome('replenishment_approved');

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { back_office: scenario({ vus: 10, duration: '2m', gracefulStop: '30s' }) },
  thresholds: guarded({
    'http_req_duration{flow:back_office,operation:Dashboard}': [p95Below(250)],
    // Thirty days of every store and product, joined with names, categories and stock.
    'http_req_duration{flow:back_office,operation:SalesReport}': [p95Below(1000)],
    'http_req_duration{flow:back_office,operation:StorePerformance}': [p95Below(250)],
    'http_req_duration{flow:back_office,operation:GenerateReport}': [p95Below(250)],
    'http_req_duration{flow:back_office,operation:ApproveReplenishment}': [p95Below(500)],
    'http_req_failed{flow:back_office}': ['rate<0.01'],
    'graphql_errors{flow:back_office}': ['rate<0.01'],
    'checks{flow:back_office}': ['rate>0.99'],
    report_requested: ['rate>0.99'],
    replenishment_approved: ['rate>0.95'],
  }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

/**
 * @typedef {{ productIds: string[] }} SetupData
 */

/** @returns {SetupData} */
export function setup() {
  setupSignIn(ADMIN_EMAIL, STAFF_PASSWORD, 'the back office is head office, ADMIN');
  STORES.forEach((_s, i) => setupSignIn(managerOf(i), STAFF_PASSWORD, 'replenishment requests come from a store'));
  return { productIds: activeProductIds() };
}

/** @param {SetupData} data */
export default function (data) {
  enterFlow('back_office');
  const store = (exec.vu.idInTest - 1) % STORES.length;
  const admin = { token: staffToken(ADMIN_EMAIL, STAFF_PASSWORD) };
  const manager = { token: staffToken(managerOf(store), STAFF_PASSWORD) };
  const month = salesPeriod(new Date(), 30);

  const dashboard = gql(Dashboard, {}, admin);
  check(dashboard, {
    "today's dashboard shown": (d) => str(field(d, 'dashboard', 'revenueToday', 'currency')) !== null,
  });

  const report = gql(SalesReport, salesReportVariables(month), admin);
  check(report, {
    'sales report shown': (d) => str(field(d, 'salesReport', 'revenue', 'currency')) !== null,
    'sales report by store': (d) => Array.isArray(field(d, 'salesReport', 'byStore')),
  });

  const storeId = pick(STORES);
  const perf = gql(StorePerformance, storePerformanceVariables(storeId, month), admin);
  check(perf, { 'store performance shown': (d) => field(d, 'store', 'performance', 'transactions') !== undefined });
  sleep(thinkTime());

  const generated = gql(GenerateReport, generateReportVariables(salesPeriod(new Date(), 7)), admin);
  payloadErrors(field(generated, 'generateReport'), GenerateReport.name);
  const requested = str(field(generated, 'generateReport', 'report', 'status')) === 'PENDING';
  reportRequested.add(requested);
  check(generated, { 'saved report requested': () => requested });
  sleep(thinkTime());

  // A store asks (its manager), head office finds the request among the store's pending ones and approves it.
  const lines = pickDistinct(data.productIds, 1 + Math.floor(Math.random() * 2)).map((productId) => ({
    productId,
    quantity: 1 + Math.floor(Math.random() * 3),
  }));
  const asked = gql(RequestReplenishment, requestReplenishmentVariables(lines), manager);
  payloadErrors(field(asked, 'requestReplenishment'), RequestReplenishment.name);
  const requestId = str(field(asked, 'requestReplenishment', 'request', 'id'));
  if (!requestId) {
    replenishmentApproved.add(false);
    check(asked, { 'replenishment requested': () => false });
    return;
  }
  const pending = gql(ReplenishmentRequests, pendingReplenishmentsVariables(STORES[store] || 'store-1'), admin);
  const edges = field(pending, 'replenishmentRequests', 'edges');
  const listed = (Array.isArray(edges) ? edges : []).some((e) => field(e, 'node', 'id') === requestId);
  check(pending, { 'request listed as pending at its store': () => listed });
  sleep(thinkTime());

  const approved = gql(ApproveReplenishment, approveReplenishmentVariables(requestId), admin);
  payloadErrors(field(approved, 'approveReplenishment'), ApproveReplenishment.name);
  const ok = str(field(approved, 'approveReplenishment', 'request', 'status')) === 'APPROVED';
  replenishmentApproved.add(ok);
  check(approved, { 'replenishment approved': () => ok });
  sleep(thinkTime());
}
