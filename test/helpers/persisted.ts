/**
 * Persisted query requests as Apollo's clients send them (Apollo Client's persisted query link, Apollo
 * Kotlin, Apollo iOS): `extensions.persistedQuery = { version: 1, sha256Hash }`, with or without the
 * query text, over POST or GET (GET puts every member in the query string). Also Kong's consumer
 * headers, as Kong forwards them to the router.
 */
import { createHash } from 'node:crypto';
import { jsonBody, type GqlError } from './toolkit';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The headers Kong adds for a consumer (key-auth and acl). */
export function kong(consumer: string, group: string): Record<string, string> {
  return { 'x-consumer-username': consumer, 'x-consumer-groups': group };
}

export interface PersistedCall {
  /** The persisted query id; omitted for a plain request. */
  id?: string;
  /** The document's text; omitted to send the id alone. */
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  /** Any other `extensions.persistedQuery` (a wrong version, a malformed hash). */
  persistedQuery?: unknown;
}

export interface PersistedAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: GqlError[] };
  codes: (string | undefined)[];
}

export async function persisted<T = Record<string, unknown>>(
  url: string,
  call: PersistedCall,
): Promise<PersistedAnswer<T>> {
  const persistedQuery = call.persistedQuery ?? (call.id ? { version: 1, sha256Hash: call.id } : undefined);
  const extensions = persistedQuery === undefined ? undefined : { persistedQuery };
  let res: Response;
  if (call.method === 'GET') {
    const search = new URLSearchParams();
    if (call.query !== undefined) search.set('query', call.query);
    if (call.operationName) search.set('operationName', call.operationName);
    if (call.variables) search.set('variables', JSON.stringify(call.variables));
    if (extensions) search.set('extensions', JSON.stringify(extensions));
    // The CSRF rule: a GET must carry a header a simple cross-site request cannot (docs/graphql-over-http.md).
    res = await fetch(`${url}?${search}`, { headers: { 'apollo-require-preflight': 'true', ...call.headers } });
  } else {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...call.headers },
      body: JSON.stringify({
        query: call.query,
        variables: call.variables,
        operationName: call.operationName,
        extensions,
      }),
    });
  }
  const body = await jsonBody<PersistedAnswer<T>['body']>(url, res);
  return { status: res.status, headers: res.headers, body, codes: (body.errors ?? []).map((e) => e.extensions?.code) };
}

/** A counter's value in a Prometheus text exposition, for the series whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const set = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) total += Number(line.split(' ').pop());
  }
  return total;
}
