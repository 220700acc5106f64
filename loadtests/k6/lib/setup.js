// @ts-check
/**
 * What the scripts' setup() and their VUs' first iterations share: staff sign-in and the products on
 * sale. A setup() that cannot get what the run needs stops the whole test (exec.test.abort, exit
 * code 108) with the reason: a run that carried on would measure nothing, or the wrong thing.
 */
import { fail } from 'k6';
import exec from 'k6/execution';
import { call, describeFailure, field, payloadErrors, str } from './graphql.js';
import { CatalogPage, StaffLogin, catalogVariables, staffLoginVariables } from './operations.js';

/**
 * Stops the test from setup(): nothing would be worth measuring.
 * @param {string} message
 * @returns {never}
 */
export function abortSetup(message) {
  exec.test.abort(message);
  // abort() does not return; this keeps the type checker and a k6 that differs honest.
  throw new Error(message);
}

/**
 * Signs a staff member in; null with the reason when that failed: the target could not be reached
 * or refused the request (a connection error, an HTTP status: Kong's key, a rate limit), or the
 * account was refused (its payload code, e.g. INVALID_CREDENTIALS).
 * @param {string} email
 * @param {string} password
 * @returns {{ token: string } | { token: null, reason: string, refused: boolean }} refused: the
 *   account was refused (as opposed to the request)
 */
export function signIn(email, password) {
  const res = call(StaffLogin, staffLoginVariables(email, password));
  if (!res.ok) return { token: null, reason: describeFailure(StaffLogin.name, res), refused: false };
  const token = str(field(res.data, 'staffLogin', 'token'));
  if (token) return { token };
  const codes = payloadErrors(field(res.data, 'staffLogin'), StaffLogin.name).map((e) => e.code);
  return {
    token: null,
    reason: 'StaffLogin of ' + email + ' refused: ' + (codes.join(', ') || 'no token'),
    refused: true,
  };
}

/**
 * signIn() in setup(): the token, or the test stops with the reason.
 * @param {string} email
 * @param {string} password
 * @param {string} why what the token is for, for the message
 * @returns {string}
 */
export function setupSignIn(email, password, why) {
  const r = signIn(email, password);
  if (r.token === null) return abortSetup(r.refused ? r.reason + ' (' + why + ')' : r.reason);
  return r.token;
}

/** Staff tokens of this VU by email (module state is per VU), with when they were issued. */
/** @type {Record<string, { token: string, at: number }>} */
const vuTokens = {};
/** Sign in again well before a token expires (customer tokens live 1 hour, staff tokens 8). */
const TOKEN_MAX_AGE_MS = 50 * 60 * 1000;

/**
 * A staff token for this VU: signed in on first use and again when it gets old, outside the VU's
 * flow (the sign-in is not what the script measures). Tokens stay in the VU: setup() hands none
 * around, so none ends up in setup data or an exported summary. When the sign-in fails the
 * iteration fails with the reason, and the next one tries again.
 * @param {string} email
 * @param {string} password
 * @returns {string}
 */
export function staffToken(email, password) {
  const held = vuTokens[email];
  if (held && Date.now() - held.at < TOKEN_MAX_AGE_MS) return held.token;
  const tags = exec.vu.metrics.tags;
  const flow = tags.flow;
  delete tags.flow;
  try {
    const r = signIn(email, password);
    if (r.token === null) return fail(r.reason);
    vuTokens[email] = { token: r.token, at: Date.now() };
    return r.token;
  } finally {
    if (flow !== undefined) tags.flow = flow;
  }
}

/** Pages of the catalogue walk (100 products each: up to 5000 products). */
const MAX_PAGES = 50;

/**
 * The ids of the products on sale (CatalogPage filtered on active: true, every page), so the scripts
 * never sell, add to a cart or ask to replenish a withdrawn product (PRODUCT_INACTIVE). Stops the
 * test when a page fails or nothing is on sale.
 * @returns {string[]}
 */
export function activeProductIds() {
  /** @type {string[]} */
  const ids = [];
  /** @type {string | null} */
  let after = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = call(CatalogPage, catalogVariables(after, 100, { active: true }));
    if (!res.ok) return abortSetup('active products: ' + describeFailure(CatalogPage.name, res));
    const edges = field(res.data, 'products', 'edges');
    if (Array.isArray(edges)) {
      for (const e of edges) {
        const id = str(field(e, 'node', 'id'));
        if (id) ids.push(id);
      }
    }
    after = str(field(res.data, 'products', 'pageInfo', 'endCursor'));
    if (field(res.data, 'products', 'pageInfo', 'hasNextPage') !== true || !after) break;
  }
  if (ids.length === 0) return abortSetup('active products: the catalogue has no product on sale (seed the demo data)');
  return ids;
}
