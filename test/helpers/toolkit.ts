/**
 * The test toolkit every test file uses (no test cases here): a GraphQL client over HTTP, tokens for
 * each role, waiting for a condition, free ports, SQL statement counts. Subgraph tests post to a
 * subgraph's URL, e2e tests to the router's (the stack's gql is this client bound to the router).
 */
import net from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { serviceToken, signToken, type Metrics } from '../../subgraphs/kit';

export interface GqlOptions {
  token?: string;
  headers?: Record<string, string>;
  operationName?: string;
}

export interface GqlError {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown> & { code?: string };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: GqlError[] };
}

/** A query as text, or a typed document from schema/operations/generated.ts. */
export type Query<T, V> = string | TypedDocumentNode<T, V>;

/** POSTs one GraphQL request as JSON; a non-JSON answer fails the test with what came back. */
export async function postGraphQL<T = Record<string, unknown>, V = Record<string, unknown>>(
  url: string,
  query: Query<T, V>,
  variables?: V,
  opts: GqlOptions = {},
): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      query: typeof query === 'string' ? query : print(query),
      variables,
      operationName: opts.operationName,
    }),
  });
  return { status: res.status, headers: res.headers, body: await jsonBody<GqlResult<T>['body']>(url, res) };
}

/** A response's JSON body; anything else fails the test with what came back. */
export async function jsonBody<B>(url: string, res: Response): Promise<B> {
  const text = await res.text();
  try {
    return JSON.parse(text) as B;
  } catch {
    throw new Error(`${url} answered ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
}

/** A client bound to one URL, e.g. `const gql = client(subgraph.url)`. */
export function client(url: string) {
  return <T = Record<string, unknown>, V = Record<string, unknown>>(
    query: Query<T, V>,
    variables?: V,
    opts?: GqlOptions,
  ): Promise<GqlResult<T>> => postGraphQL<T, V>(url, query, variables, opts);
}

export type Gql = ReturnType<typeof client>;

/** Signed tokens for each role, as the identity subgraphs would issue them. */
export const tokens = {
  admin: (sub = 'emp-admin') => signToken({ sub, role: 'ADMIN' }),
  manager: (storeId = 'store-1', sub = `emp-manager-${storeId}`) => signToken({ sub, role: 'MANAGER', storeId }),
  clerk: (storeId = 'store-1', sub = `emp-clerk-${storeId}`) => signToken({ sub, role: 'CLERK', storeId }),
  customer: (sub = 'cust-1') => signToken({ sub, role: 'CUSTOMER' }),
  service: (name = 'ecommerce') => serviceToken(name),
};

/** Polls `probe` until it returns something truthy; fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A TCP port free on loopback right now (for processes that must be told their port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The `extensions.code` of each GraphQL error of an answer, in order ([] when it has none). */
export function errorCodes(errors: GqlError[] | undefined): (string | undefined)[] {
  return (errors ?? []).map((e) => e.extensions?.code);
}

/** SQL statements a subgraph process has sent so far (db_statements_total summed over kinds). */
export async function statementCount(metrics: Metrics): Promise<number> {
  const { values } = await metrics.dbStatements.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}
