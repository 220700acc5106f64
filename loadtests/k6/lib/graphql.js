// @ts-check
/**
 * One GraphQL call, through Kong by default (lib/config.js), with the checks and metrics every
 * script shares.
 *
 * Metrics (besides k6's own http_req_* and http_reqs; every request tagged operation=<name>, and
 * flow=<name> inside a flow, lib/flow.js):
 *   graphql_errors  Rate     requests without a GraphQL answer free of errors: no response at all
 *                            (refused, timed out), an HTTP status other than 200, a body that is not
 *                            a GraphQL response, or a top-level `errors` array
 *   user_errors     Counter  business-rule failures returned in a payload's `errors`, by code
 */
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import { TARGET } from './config.js';

export const graphqlErrors = new Rate('graphql_errors');
export const userErrors = new Counter('user_errors');

/**
 * @typedef {{ code: string, field?: string[] | null, message: string }} UserError
 * @typedef {object} CallResult
 * @property {boolean} ok an answer with `data` and no GraphQL error
 * @property {number} status HTTP status; 0 when no response came
 * @property {string | null} transportError k6's error for a request that got no response
 *   (e.g. "dial tcp 127.0.0.1:8000: connect: connection refused")
 * @property {Record<string, unknown> | null} data
 * @property {unknown[]} errors the top-level GraphQL errors
 * @property {string} bodyStart the first 300 characters of the body (for messages)
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
 * Sends one operation and says what came back.
 * @param {import('./operations.js').Operation} op
 * @param {Record<string, unknown>} variables
 * @param {{ token?: string | null }} [options]
 * @returns {CallResult}
 */
export function call(op, variables, options) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (TARGET.apiKey) headers.apikey = TARGET.apiKey;
  if (options && options.token) headers.authorization = 'Bearer ' + options.token;
  const tags = { operation: op.name, name: op.name };
  const res = http.post(TARGET.url, JSON.stringify({ operationName: op.name, query: op.query, variables }), {
    headers,
    tags,
    timeout: '30s',
  });

  const text = typeof res.body === 'string' ? res.body : '';
  /** @type {unknown} */
  let body = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch (_err) {
      body = null;
    }
  }
  const rawErrors = field(body, 'errors');
  const errors = Array.isArray(rawErrors) ? rawErrors : [];
  const rawData = field(body, 'data');
  const data = isObject(rawData) ? rawData : null;
  const ok = res.status === 200 && errors.length === 0 && data !== null;
  const transportError = res.status === 0 ? res.error || 'no response' : null;

  graphqlErrors.add(!ok, tags);
  check(
    res,
    {
      'HTTP 200': (r) => r.status === 200,
      // A failed request has no GraphQL answer at all: that is not "no GraphQL errors".
      'no GraphQL errors': () => ok,
    },
    tags,
  );
  /** @type {CallResult} */
  const result = { ok, status: res.status, transportError, data, errors, bodyStart: text.slice(0, 300) };
  if (!ok) console.warn(describeFailure(op.name, result));
  return result;
}

/**
 * Sends one operation. Returns the response's `data` object, or null when the call failed (see call()).
 * @param {import('./operations.js').Operation} op
 * @param {Record<string, unknown>} variables
 * @param {{ token?: string | null }} [options]
 * @returns {Record<string, unknown> | null}
 */
export function gql(op, variables, options) {
  return call(op, variables, options).data;
}

/**
 * Why a call failed, in words an operator acts on: the server could not be reached, Kong or the
 * router refused the request (HTTP status), or GraphQL errors (their codes). Never the key or a token.
 * @param {string} operation
 * @param {CallResult} result
 * @returns {string}
 */
export function describeFailure(operation, result) {
  if (result.transportError) return operation + ': could not reach ' + TARGET.url + ' (' + result.transportError + ')';
  if (result.status !== 200) {
    return operation + ': HTTP ' + result.status + ' from ' + TARGET.url + ': ' + result.bodyStart.replace(/\s+/g, ' ');
  }
  if (result.errors.length > 0) {
    const first = result.errors[0];
    return (
      operation +
      ': GraphQL error ' +
      String(field(first, 'extensions', 'code')) +
      ': ' +
      String(field(first, 'message')) +
      (result.errors.length > 1 ? ' (and ' + (result.errors.length - 1) + ' more)' : '')
    );
  }
  if (!result.data) return operation + ': not a GraphQL response from ' + TARGET.url + ': ' + result.bodyStart;
  return operation + ': ok';
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
