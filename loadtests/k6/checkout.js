// @ts-check
/**
 * Online checkout: every VU is a distinct customer (registerCustomer on its first iteration, a
 * shipping address, then login whenever its token is about to expire); each iteration adds 1 to 3
 * distinct products on sale to the cart and checks out with a fresh idempotency key. The first
 * iteration of every VU, and every 20th after it, repeats its checkout with the same key and
 * expects the same order back (no double reservation or charge).
 *
 *   k6 run loadtests/k6/checkout.js
 *   k6 run -e VUS=20 -e DURATION=1m -e RUN_ID=nightly-42 loadtests/k6/checkout.js
 *
 * RUN_ID (default: the start time) names the run's customers; a rerun with the same RUN_ID signs
 * them in again, keeps their address and empties what an interrupted run left in their carts.
 * Idempotency keys carry setup()'s nonce as well, so a rerun never replays an earlier run's orders.
 * Checkouts consume stock at the online location: a long run ends in INSUFFICIENT_STOCK (counted in
 * user_errors, and checkout_completed drops); reseed between runs.
 */
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { SUMMARY_TREND_STATS, p95Below, scenario, thinkTime } from './lib/config.js';
import { enterFlow, outcome, runNonce } from './lib/flow.js';
import { field, gql, payloadErrors, str } from './lib/graphql.js';
import {
  AddAddress,
  AddToCart,
  Checkout,
  Login,
  Me,
  RegisterCustomer,
  RemoveCartLine,
  addAddressVariables,
  addToCartVariables,
  checkoutVariables,
  loginVariables,
  pickDistinct,
  registerVariables,
  removeCartLineVariables,
} from './lib/operations.js';
import { activeProductIds } from './lib/setup.js';
import { guarded } from './lib/thresholds.js';

const checkoutCompleted = outcome('checkout_completed');
const idempotentReplays = outcome('checkout_replay_same_order');
const ordersPlaced = new Counter('orders_placed');

/** Customer tokens live one hour; log in again a little before. */
const TOKEN_MAX_AGE_MS = 50 * 60 * 1000;
/** A VU replays its checkout on its first iteration and on every REPLAY_EVERY-th after. */
const REPLAY_EVERY = 20;

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { checkout: scenario({ vus: 50, duration: '2m', gracefulStop: '30s' }) },
  thresholds: guarded({
    'http_req_duration{flow:checkout,operation:AddToCart}': [p95Below(105)],
    // A saga: payment authorisation, the stock taken in inventory, confirmation.
    'http_req_duration{flow:checkout,operation:Checkout}': [p95Below(500)],
    'http_req_failed{flow:checkout}': ['rate<0.01'],
    'graphql_errors{flow:checkout}': ['rate<0.01'],
    checkout_completed: ['rate>0.95'],
    checkout_replay_same_order: ['rate==1'],
  }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

/** @typedef {{ runId: string, nonce: string, productIds: string[] }} SetupData */

/** @returns {SetupData} */
export function setup() {
  return { runId: __ENV.RUN_ID || String(Date.now()), nonce: runNonce(), productIds: activeProductIds() };
}

/**
 * This VU's customer (module state is per VU in k6).
 * @type {{ email: string, token: string, tokenAt: number, addressId: string } | null}
 */
let session = null;

/**
 * @param {string} email
 * @returns {string | null}
 */
function login(email) {
  const data = gql(Login, loginVariables(email));
  payloadErrors(field(data, 'login'), Login.name);
  return str(field(data, 'login', 'token'));
}

/**
 * A customer of an earlier run with this RUN_ID, signed in again: their default (or first) address,
 * and a cart emptied of what an interrupted iteration left there.
 * @param {string} token
 * @returns {string | null} the address id, null when they have none
 */
function resume(token) {
  const me = gql(Me, {}, { token });
  const lines = field(me, 'me', 'cart', 'lines');
  for (const line of Array.isArray(lines) ? lines : []) {
    const lineId = str(field(line, 'id'));
    if (lineId)
      payloadErrors(
        field(gql(RemoveCartLine, removeCartLineVariables(lineId), { token }), 'removeCartLine'),
        RemoveCartLine.name,
      );
  }
  const addresses = field(me, 'me', 'addresses');
  const list = Array.isArray(addresses) ? addresses : [];
  const chosen = list.find((a) => field(a, 'isDefault') === true) || list[0];
  return str(field(chosen, 'id'));
}

/**
 * Registers this VU's customer (or signs in the one a rerun with the same RUN_ID finds) and gives it
 * a shipping address.
 * @param {string} runId
 */
function signUp(runId) {
  const email = 'k6-' + runId + '-vu' + exec.vu.idInTest + '@loadtest.example.com';
  const reg = gql(RegisterCustomer, registerVariables(email));
  const regErrors = payloadErrors(field(reg, 'registerCustomer'), RegisterCustomer.name);
  let token = str(field(reg, 'registerCustomer', 'token'));
  let addressId = null;
  if (!token && regErrors.some((e) => e.code === 'EMAIL_TAKEN')) {
    token = login(email);
    if (token) addressId = resume(token);
  }
  if (!token) return fail('could not register or log in ' + email);
  if (!addressId) {
    const addr = gql(AddAddress, addAddressVariables(), { token });
    payloadErrors(field(addr, 'addAddress'), AddAddress.name);
    addressId = str(field(addr, 'addAddress', 'address', 'id'));
  }
  if (!addressId) return fail('could not add an address for ' + email);
  session = { email, token, tokenAt: Date.now(), addressId };
  return session;
}

/** @param {SetupData} data */
export default function (data) {
  enterFlow('checkout');
  const s = session || signUp(data.runId);
  if (Date.now() - s.tokenAt > TOKEN_MAX_AGE_MS) {
    const token = login(s.email);
    if (!token) fail('login failed for ' + s.email);
    s.token = token;
    s.tokenAt = Date.now();
  }
  const token = s.token;

  /** @type {string[]} */
  const added = [];
  for (const productId of pickDistinct(data.productIds, 1 + Math.floor(Math.random() * 3))) {
    const cart = gql(AddToCart, addToCartVariables(productId, 1), { token });
    const errors = payloadErrors(field(cart, 'addToCart'), AddToCart.name);
    if (cart && errors.length === 0) added.push(productId);
  }
  sleep(thinkTime());
  if (added.length === 0) {
    checkoutCompleted.add(false);
    return;
  }

  const iteration = exec.vu.iterationInScenario;
  const key = 'k6-' + data.runId + '-' + data.nonce + '-' + exec.vu.idInTest + '-' + iteration;
  const result = gql(Checkout, checkoutVariables(s.addressId, key), { token });
  payloadErrors(field(result, 'checkout'), Checkout.name);
  const order = field(result, 'checkout', 'order');
  const orderId = str(field(order, 'id'));
  const confirmed = str(field(order, 'status')) === 'CONFIRMED';
  checkoutCompleted.add(confirmed);
  if (confirmed) ordersPlaced.add(1);
  const lines = field(order, 'lines');
  const ordered = (Array.isArray(lines) ? lines : []).map((l) => [
    str(field(l, 'product', 'id')),
    field(l, 'quantity'),
  ]);
  check(result, {
    'order confirmed': () => confirmed,
    // Nothing of an earlier run or iteration rides along.
    'order holds what was added': () =>
      JSON.stringify(ordered.sort()) === JSON.stringify(added.map((id) => [id, 1]).sort()),
  });

  if (orderId && iteration % REPLAY_EVERY === 0) {
    const replay = gql(Checkout, checkoutVariables(s.addressId, key), { token });
    const same = str(field(replay, 'checkout', 'order', 'id')) === orderId;
    idempotentReplays.add(same);
    check(replay, { 'replayed checkout returns the same order': () => same });
  }
  sleep(thinkTime());
}
