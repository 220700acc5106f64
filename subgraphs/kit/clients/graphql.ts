import { Agent, request } from 'undici';
import { PORTS, type ServiceName } from '../env';

/**
 * One keep-alive connection pool per process for the calls a subgraph makes to other subgraphs
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
  /** Sent as x-request-id, so the callee's logs carry the caller's request. */
  requestId?: string;
  /** Whole-call budget: connect, headers and body (default 10 s). */
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

/**
 * The URLs of a subgraph this one calls: <NAME>_URL (comma-separated replicas, as `npm start` and
 * the test stack pass them), else the local topology's default port.
 */
export function calleeUrls(name: ServiceName, env: NodeJS.ProcessEnv = process.env): string[] {
  const urls = (env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${PORTS[name]}/graphql`)
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  if (urls.length === 0) throw new Error(`${name.toUpperCase()}_URL must name at least one ${name} URL`);
  return urls;
}

/**
 * Timeout of each call to another subgraph: SUBGRAPH_CALL_TIMEOUT_MS, else `fallback`. Read at start,
 * so a typo fails the start rather than the first call.
 */
export function callTimeoutFromEnv(fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SUBGRAPH_CALL_TIMEOUT_MS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`SUBGRAPH_CALL_TIMEOUT_MS must be a positive number; got ${raw}`);
  return n;
}
