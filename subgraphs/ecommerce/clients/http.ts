import { Agent, request } from 'undici';

/**
 * One keep-alive connection pool per process for the calls ecommerce makes to other subgraphs
 * (product lookups, inventory saga steps): no TCP/TLS handshake per call.
 */
let agent: Agent | null = null;
function sharedAgent(): Agent {
  agent ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 64 });
  return agent;
}

/** The call did not get a GraphQL answer (connection refused, timeout, 5xx, non-JSON body). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface PostOptions {
  token?: string;
  requestId?: string;
  timeoutMs?: number;
}

/** POSTs a GraphQL operation and returns its JSON answer; throws TransportError when there is none. */
export async function postGraphQL<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  opts: PostOptions = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.requestId) headers['x-request-id'] = opts.requestId;
  const timeout = opts.timeoutMs ?? 10_000;
  let statusCode: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      dispatcher: sharedAgent(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    statusCode = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw new TransportError(`request to ${url} failed: ${(err as Error).message}`, url);
  }
  // 502-504 come from proxies and dying processes; a 500 from Apollo still carries a JSON answer.
  if (statusCode >= 502) {
    throw new TransportError(`${url} answered HTTP ${statusCode}`, url);
  }
  try {
    return JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    throw new TransportError(`${url} answered HTTP ${statusCode} without JSON`, url);
  }
}

/** Closes pooled connections (tests, shutdown). */
export async function closeHttpAgent(): Promise<void> {
  const a = agent;
  agent = null;
  if (a) await a.close();
}
