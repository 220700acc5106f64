// @ts-check
/**
 * The till: every VU is a clerk at a register of their store. Each iteration is a compressed shift:
 * open the register with a 200.00 float, ring up three sales of 1 to 3 products on sale (cash,
 * card, cash), take one unit of the first back (a cash refund), and close the register with exactly
 * the cash expected, so the session balances. The first iteration of every VU also replays its
 * first sale with the same idempotency key, as a register that lost its connection does, and
 * expects the same sale back.
 *
 *   k6 run loadtests/k6/till.js
 *   k6 run -e VUS=10 -e DURATION=1m loadtests/k6/till.js
 *
 * setup() signs head office (ADMIN_EMAIL) in, gives every VU a register of its own in the demo
 * stores (store-1..store-5, VU n at store ((n - 1) mod 5) + 1), adding registers (addCashRegister)
 * where the store has fewer than the run needs (kept for later runs), and collects the products on
 * sale that each store holds at least 20 of. VUs sign in as their store's demo clerks (clerkNa,
 * clerkNb); setup data holds no token. A register an interrupted run left open is closed first.
 * Sales take stock at the stores: a long run ends in INSUFFICIENT_STOCK (FAILED sales,
 * till_sale_completed drops); reseed between runs.
 */
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import {
  ADMIN_EMAIL,
  STAFF_PASSWORD,
  SUMMARY_TREND_STATS,
  p95Below,
  maxVus,
  scenario,
  thinkTime,
} from './lib/config.js';
import { enterFlow, outcome, runNonce } from './lib/flow.js';
import { call, describeFailure, field, gql, payloadErrors, str } from './lib/graphql.js';
import {
  AddCashRegister,
  CloseRegister,
  OpenRegister,
  RecordSale,
  ReturnSale,
  StoreDetail,
  StoreStock,
  addCashRegisterVariables,
  amount,
  cents,
  closeRegisterVariables,
  openRegisterVariables,
  pickDistinct,
  recordSaleVariables,
  returnSaleVariables,
  storeDetailVariables,
  storeStockVariables,
} from './lib/operations.js';
import { abortSetup, activeProductIds, setupSignIn, staffToken } from './lib/setup.js';
import { guarded } from './lib/thresholds.js';

/** The demo stores (docs/demo-data.md), whose clerks are clerkNa and clerkNb. */
const STORES = [1, 2, 3, 4, 5];
const OPENING_FLOAT = '200.00';

const saleCompleted = outcome('till_sale_completed');
const saleReplayed = outcome('till_replay_same_sale');
const returnCompleted = outcome('till_return_completed');
const sessionBalanced = outcome('till_session_balanced');

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { till: scenario({ vus: 20, duration: '2m', gracefulStop: '30s' }) },
  thresholds: guarded({
    // A sale and a return are sagas: prices from products, the stock taken or put back in inventory.
    'http_req_duration{flow:till,operation:RecordSale}': [p95Below(500)],
    'http_req_duration{flow:till,operation:ReturnSale}': [p95Below(500)],
    'http_req_duration{flow:till,operation:OpenRegister}': [p95Below(250)],
    'http_req_duration{flow:till,operation:CloseRegister}': [p95Below(250)],
    'http_req_failed{flow:till}': ['rate<0.01'],
    'graphql_errors{flow:till}': ['rate<0.01'],
    'checks{flow:till}': ['rate>0.99'],
    till_sale_completed: ['rate>0.95'],
    till_replay_same_sale: ['rate==1'],
    till_return_completed: ['rate>0.95'],
    till_session_balanced: ['rate>0.95'],
  }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

/**
 * @typedef {{ storeId: string, registerId: string, clerkEmail: string, productIds: string[] }} Till
 * @typedef {{ nonce: string, tills: Till[] }} SetupData
 */

/** Units a product needs at the store to be rung up by the run (a sale of a product the store lacks is refused). */
const STOCKED = 20;

/**
 * The products on sale the store holds enough of (its first 100 levels): what its tills ring up, so
 * that a sale is refused only when a run has sold the store out.
 * @param {string} storeId
 * @param {string} adminToken
 * @param {Set<string>} onSale
 * @returns {string[]}
 */
function stockedAt(storeId, adminToken, onSale) {
  const res = call(StoreStock, storeStockVariables(storeId), { token: adminToken });
  if (!res.ok) return abortSetup('stock of ' + storeId + ': ' + describeFailure(StoreStock.name, res));
  const edges = field(res.data, 'store', 'stock', 'edges');
  const ids = (Array.isArray(edges) ? edges : [])
    .filter((e) => Number(field(e, 'node', 'available')) >= STOCKED)
    .map((e) => str(field(e, 'node', 'product', 'id')) || '')
    .filter((id) => onSale.has(id));
  if (ids.length < 3)
    return abortSetup(storeId + ' holds fewer than 3 products on sale with ' + STOCKED + ' units (reseed)');
  return ids;
}

/**
 * The active registers of a demo store, by number.
 * @param {string} storeId
 * @param {string} adminToken
 * @returns {string[]}
 */
function activeRegisters(storeId, adminToken) {
  const res = call(StoreDetail, storeDetailVariables(storeId), { token: adminToken });
  if (!res.ok) return abortSetup('registers of ' + storeId + ': ' + describeFailure(StoreDetail.name, res));
  if (field(res.data, 'store', 'active') !== true)
    return abortSetup(storeId + ' is not an active store (seed the demo data)');
  const list = field(res.data, 'store', 'registers');
  return (Array.isArray(list) ? list : [])
    .filter((r) => field(r, 'active') === true)
    .sort((a, b) => Number(field(a, 'number')) - Number(field(b, 'number')))
    .map((r) => String(field(r, 'id')));
}

/** @returns {SetupData} */
export function setup() {
  const admin = setupSignIn(ADMIN_EMAIL, STAFF_PASSWORD, 'till.js gives every VU a register of its own');
  const needed = maxVus(/** @type {Record<string, unknown>} */ (exec.test.options.scenarios));
  /** @type {Till[]} */
  const tills = [];
  /** @type {Record<string, string[]>} */
  const registers = {};
  /** @type {Record<string, string[]>} */
  const stocked = {};
  const onSale = new Set(activeProductIds());
  for (let vu = 1; vu <= needed; vu++) {
    const n = STORES[(vu - 1) % STORES.length] || 1;
    const storeId = 'store-' + n;
    const slot = Math.floor((vu - 1) / STORES.length);
    const own = registers[storeId] || (registers[storeId] = activeRegisters(storeId, admin));
    while (own.length <= slot) {
      const res = call(AddCashRegister, addCashRegisterVariables(storeId), { token: admin });
      const errors = payloadErrors(field(res.data, 'addCashRegister'), AddCashRegister.name);
      const id = str(field(res.data, 'addCashRegister', 'register', 'id'));
      if (!id) {
        const why = res.ok ? errors.map((e) => e.code).join(', ') : describeFailure(AddCashRegister.name, res);
        return abortSetup('a register for VU ' + vu + ' at ' + storeId + ': ' + why);
      }
      own.push(id);
    }
    tills.push({
      storeId,
      registerId: /** @type {string} */ (own[slot]),
      clerkEmail: 'clerk' + n + (slot % 2 === 0 ? 'a' : 'b') + '@staff.example.com',
      productIds: stocked[storeId] || (stocked[storeId] = stockedAt(storeId, admin, onSale)),
    });
  }
  return { nonce: runNonce(), tills };
}

/**
 * @param {Till} till
 * @param {string} token the clerk's
 * @returns {boolean} the register is open
 */
function open(till, token) {
  const opened = gql(OpenRegister, openRegisterVariables(till.registerId, OPENING_FLOAT), { token });
  const errors = payloadErrors(field(opened, 'openRegister'), OpenRegister.name);
  if (errors.some((e) => e.code === 'REGISTER_ALREADY_OPEN')) {
    // Left open by an interrupted run: closed (with its difference on record) and opened again.
    gql(CloseRegister, closeRegisterVariables(till.registerId, '0.00'), { token });
    const again = gql(OpenRegister, openRegisterVariables(till.registerId, OPENING_FLOAT), { token });
    payloadErrors(field(again, 'openRegister'), OpenRegister.name);
    return str(field(again, 'openRegister', 'session', 'status')) === 'OPEN';
  }
  return str(field(opened, 'openRegister', 'session', 'status')) === 'OPEN';
}

/** @param {SetupData} data */
export default function (data) {
  enterFlow('till');
  const till = data.tills[exec.vu.idInTest - 1];
  if (!till) return fail('no register for VU ' + exec.vu.idInTest + ' (setup sized ' + data.tills.length + ')');
  const token = staffToken(till.clerkEmail, STAFF_PASSWORD);
  const iteration = exec.vu.iterationInScenario;
  const keyOf = (/** @type {string} */ what) =>
    'k6-' + data.nonce + '-' + exec.vu.idInTest + '-' + iteration + '-' + what;

  const isOpen = open(till, token);
  check(null, { 'register opened': () => isOpen });
  if (!isOpen) return;

  let cashIn = cents(OPENING_FLOAT);
  /** @type {{ id: string, lineId: string } | null} */
  let firstSale = null;
  /** @type {('CASH' | 'CARD')[]} */
  const payments = ['CASH', 'CARD', 'CASH'];
  for (let n = 0; n < payments.length; n++) {
    const paymentMethod = payments[n] || 'CASH';
    const vars = recordSaleVariables({
      storeId: till.storeId,
      registerId: till.registerId,
      productIds: pickDistinct(till.productIds, 1 + Math.floor(Math.random() * 3)),
      paymentMethod,
      idempotencyKey: keyOf('sale-' + n),
    });
    const res = gql(RecordSale, vars, { token });
    payloadErrors(field(res, 'recordSale'), RecordSale.name);
    const sale = field(res, 'recordSale', 'sale');
    const completed = str(field(sale, 'status')) === 'COMPLETED';
    saleCompleted.add(completed);
    check(res, { 'sale completed': () => completed });
    sleep(thinkTime());
    if (!completed) continue;
    const total = str(field(sale, 'total', 'amount')) || '0.00';
    if (paymentMethod === 'CASH') cashIn += cents(total);
    const id = str(field(sale, 'id'));
    const lines = field(sale, 'lines');
    const lineId = str(field(Array.isArray(lines) ? lines[0] : null, 'id'));
    if (n === 0 && id && lineId) firstSale = { id, lineId };
    if (n === 0 && id && iteration === 0) {
      const replay = gql(RecordSale, vars, { token });
      const same = str(field(replay, 'recordSale', 'sale', 'id')) === id;
      saleReplayed.add(same);
      check(replay, { 'replayed sale returns the same sale': () => same });
    }
  }

  const toReturn = firstSale;
  if (toReturn) {
    const res = gql(
      ReturnSale,
      returnSaleVariables({
        saleId: toReturn.id,
        registerId: till.registerId,
        saleLineId: toReturn.lineId,
        refundMethod: 'CASH',
        idempotencyKey: keyOf('return'),
      }),
      { token },
    );
    payloadErrors(field(res, 'returnSale'), ReturnSale.name);
    const ret = field(res, 'returnSale', 'return');
    const completed = str(field(ret, 'status')) === 'COMPLETED';
    returnCompleted.add(completed);
    check(res, { 'return completed': () => completed });
    const refund = str(field(ret, 'refund', 'amount'));
    if (refund) cashIn -= cents(refund);
  }

  const closed = gql(CloseRegister, closeRegisterVariables(till.registerId, amount(cashIn)), { token });
  payloadErrors(field(closed, 'closeRegister'), CloseRegister.name);
  const session = field(closed, 'closeRegister', 'session');
  const balanced = str(field(session, 'status')) === 'CLOSED' && str(field(session, 'difference', 'amount')) === '0.00';
  sessionBalanced.add(balanced);
  check(closed, { 'register closed, the cash as expected': () => balanced });
  sleep(thinkTime());
}
