// @ts-check
/**
 * Online checkout: every VU is a distinct customer (registerCustomer on its first iteration, a
 * shipping address, then login whenever its token is about to expire); each iteration adds 1 to 3
 * random products to the cart and checks out with a fresh idempotency key. One iteration in 20
 * repeats its checkout with the same key and expects the same order back (no double reservation
 * or charge).
 *
 *   k6 run loadtests/k6/checkout.js
 *   k6 run -e VUS=20 -e DURATION=1m -e RUN_ID=nightly-42 loadtests/k6/checkout.js
 *
 * RUN_ID (default: the start time) makes customer emails unique per run; rerunning with the same
 * RUN_ID logs the existing customers in instead. Checkouts consume demo stock: a long run ends in
 * INSUFFICIENT_STOCK (counted in user_errors, and checkout_completed drops); reseed between runs.
 */
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';
import { duration, thinkTime, vus } from './lib/config.js';
import { field, gql, payloadErrors, str } from './lib/graphql.js';
import {
  AddAddress,
  AddToCart,
  Checkout,
  Login,
  RegisterCustomer,
  addAddressVariables,
  addToCartVariables,
  checkoutVariables,
  loginVariables,
  randomProductId,
  registerVariables,
} from './lib/operations.js';

const checkoutCompleted = new Rate('checkout_completed');
const idempotentReplays = new Rate('checkout_replay_same_order');
const ordersPlaced = new Counter('orders_placed');

/** Customer tokens live one hour; log in again a little before. */
const TOKEN_MAX_AGE_MS = 50 * 60 * 1000;

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    checkout: {
      executor: 'constant-vus',
      vus: vus(50),
      duration: duration('2m'),
      gracefulStop: '30s',
    },
  },
  thresholds: {
    'http_req_duration{scenario:checkout,operation:AddToCart}': ['p(95)<105'],
    // A saga: reservation in inventory, payment authorisation, confirmation.
    'http_req_duration{scenario:checkout,operation:Checkout}': ['p(95)<500'],
    'http_req_failed{scenario:checkout}': ['rate<0.01'],
    'graphql_errors{scenario:checkout}': ['rate<0.01'],
    checkout_completed: ['rate>0.95'],
    checkout_replay_same_order: ['rate==1'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

/** @typedef {{ runId: string }} SetupData */

/** @returns {SetupData} */
export function setup() {
  return { runId: __ENV.RUN_ID || String(Date.now()) };
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
 * Registers this VU's customer (or logs in when a rerun with the same RUN_ID finds it) and gives
 * it a default shipping address.
 * @param {string} runId
 */
function signUp(runId) {
  const email = 'k6-' + runId + '-vu' + exec.vu.idInTest + '@loadtest.example.com';
  const reg = gql(RegisterCustomer, registerVariables(email));
  const regErrors = payloadErrors(field(reg, 'registerCustomer'), RegisterCustomer.name);
  let token = str(field(reg, 'registerCustomer', 'token'));
  if (!token && regErrors.some((e) => e.code === 'EMAIL_TAKEN')) token = login(email);
  if (!token) fail('could not register or log in ' + email);

  const addr = gql(AddAddress, addAddressVariables(), { token });
  payloadErrors(field(addr, 'addAddress'), AddAddress.name);
  const addressId = str(field(addr, 'addAddress', 'address', 'id'));
  if (!addressId) fail('could not add an address for ' + email);
  session = { email, token, tokenAt: Date.now(), addressId };
}

/** @param {SetupData} data */
export default function (data) {
  if (!session) signUp(data.runId);
  if (!session) return;
  if (Date.now() - session.tokenAt > TOKEN_MAX_AGE_MS) {
    const token = login(session.email);
    if (!token) fail('login failed for ' + session.email);
    session.token = token;
    session.tokenAt = Date.now();
  }
  const token = session.token;

  const lines = 1 + Math.floor(Math.random() * 3);
  for (let i = 0; i < lines; i++) {
    const cart = gql(AddToCart, addToCartVariables(randomProductId(), 1), { token });
    payloadErrors(field(cart, 'addToCart'), AddToCart.name);
  }
  sleep(thinkTime());

  const key = 'k6-' + data.runId + '-' + exec.vu.idInTest + '-' + exec.vu.iterationInScenario;
  const result = gql(Checkout, checkoutVariables(session.addressId, key), { token });
  payloadErrors(field(result, 'checkout'), Checkout.name);
  const status = str(field(result, 'checkout', 'order', 'status'));
  const orderId = str(field(result, 'checkout', 'order', 'id'));
  const confirmed = status === 'CONFIRMED';
  checkoutCompleted.add(confirmed);
  if (confirmed) ordersPlaced.add(1);
  check(result, { 'order confirmed': () => confirmed });

  if (orderId && Math.random() < 0.05) {
    const replay = gql(Checkout, checkoutVariables(session.addressId, key), { token });
    const same = str(field(replay, 'checkout', 'order', 'id')) === orderId;
    idempotentReplays.add(same);
    check(replay, { 'replayed checkout returns the same order': () => same });
  }
  sleep(thinkTime());
}
