// @ts-check
/**
 * One GraphQL call through Kong, with the checks and metrics every script shares.
 *
 * Metrics (besides k6's own http_req_*, all tagged operation=<name>):
 *   graphql_errors     Rate   responses that are not HTTP 200 or carry a top-level `errors` array
 *   user_errors        Counter business-rule failures returned in a payload's `errors`, by code
 */
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import { API_KEY, BASE_URL } from './config.js';

export const graphqlErrors = new Rate('graphql_errors');
export const userErrors = new Counter('user_errors');

/**
 * @typedef {{ code: string, field?: string[] | null, message: string }} UserError
 */

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a nested field: field(data, 'checkout', 'order', 'id'). Undefined when any step is missing.
 * @param {unknown} value
 * @param {...string} path
 * @returns {unknown}
 */
export function field(value, ...path) {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * @param {unknown} value
 * @returns {string | null}
 */
export function str(value) {
  return typeof value === 'string' ? value : null;
}

/**
 * Sends one operation. Returns the response's `data` object, or null when the call failed
 * (HTTP status other than 200, unparsable body, or GraphQL errors).
 *
 * @param {import('./operations.js').Operation} op
 * @param {Record<string, unknown>} variables
 * @param {{ token?: string | null }} [options]
 * @returns {Record<string, unknown> | null}
 */
export function gql(op, variables, options) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json', accept: 'application/json', apikey: API_KEY };
  if (options && options.token) headers.authorization = 'Bearer ' + options.token;
  const tags = { operation: op.name, name: op.name };
  const res = http.post(BASE_URL, JSON.stringify({ operationName: op.name, query: op.query, variables }), {
    headers,
    tags,
    timeout: '30s',
  });

  /** @type {unknown} */
  let body = null;
  if (typeof res.body === 'string' && res.body.length > 0) {
    try {
      body = JSON.parse(res.body);
    } catch (_err) {
      body = null;
    }
  }
  const errors = field(body, 'errors');
  const hasErrors = Array.isArray(errors) && errors.length > 0;
  const data = field(body, 'data');
  const ok = res.status === 200 && !hasErrors && isObject(data);

  graphqlErrors.add(!ok, tags);
  check(
    res,
    {
      'HTTP 200': (r) => r.status === 200,
      'no GraphQL errors': () => !hasErrors,
    },
    tags,
  );
  if (!ok && hasErrors && Array.isArray(errors)) {
    const first = errors[0];
    console.warn(op.name + ': ' + String(field(first, 'extensions', 'code')) + ' ' + String(field(first, 'message')));
  }
  return ok && isObject(data) ? data : null;
}

/**
 * The `errors: [UserError!]!` list of a mutation payload; each is counted in user_errors by code.
 * @param {unknown} payload
 * @param {string} operationName
 * @returns {UserError[]}
 */
export function payloadErrors(payload, operationName) {
  const list = field(payload, 'errors');
  if (!Array.isArray(list)) return [];
  /** @type {UserError[]} */
  const out = [];
  for (const e of list) {
    const code = str(field(e, 'code')) || 'UNKNOWN';
    out.push({ code, message: str(field(e, 'message')) || '' });
    userErrors.add(1, { operation: operationName, code });
  }
  return out;
}
