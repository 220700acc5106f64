import { Agent, type Dispatcher } from 'undici';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';

/**
 * HTTP client the router uses for every subgraph call: one undici Agent with keep-alive pooled
 * connections per origin (instead of the gateway's default make-fetch-happen, which wraps every
 * call in an HTTP-cache layer and node-fetch objects), round-robin over a subgraph's replica URLs,
 * and a retry on connection errors for calls the caller marks as safe to repeat.
 */

/** Errors that mean "the request never got a response from a live process": safe to retry a read. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ECONNABORTED',
  'ENOTCONN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function isConnectionError(err: unknown): boolean {
  let e: unknown = err;
  // undici wraps the socket error in `cause` for some failures.
  for (let depth = 0; depth < 3 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface ClientOptions {
  /** Connections per subgraph origin; requests beyond it queue in undici. */
  connectionsPerOrigin?: number;
  /** Idle keep-alive time; below the subgraphs' 65 s server keepAliveTimeout so we close first. */
  keepAliveMs?: number;
  /** Total time for one attempt (headers + body). */
  timeoutMs?: number;
}

export function createAgent(opts: ClientOptions = {}): Agent {
  return new Agent({
    connections: opts.connectionsPerOrigin ?? Number(process.env.SUBGRAPH_CONNECTIONS ?? 128),
    keepAliveTimeout: opts.keepAliveMs ?? 60_000,
    keepAliveMaxTimeout: opts.keepAliveMs ?? 60_000,
    headersTimeout: opts.timeoutMs ?? 30_000,
    bodyTimeout: opts.timeoutMs ?? 30_000,
    connect: { noDelay: true },
  });
}

interface Target {
  origin: string;
  path: string;
  url: string;
  /** Skipped by pick() until then (ms epoch) after a refused connection: nothing listens there. */
  downUntil: number;
}

/** Errors meaning no process listens at that address (as opposed to one dropped connection). */
const DOWN_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 3 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Round-robin over the replica URLs of one subgraph, with passive health: a replica that refused a
 * connection is skipped for `cooldownMs` (unless every replica is down, then all are tried).
 */
export class Endpoints {
  private readonly targets: Target[];
  private next = 0;

  constructor(
    urls: string[],
    private readonly cooldownMs = 2_000,
  ) {
    if (urls.length === 0) throw new Error('a subgraph needs at least one URL');
    this.targets = urls.map((url) => {
      const u = new URL(url);
      return { origin: u.origin, path: u.pathname + u.search, url, downUntil: 0 };
    });
  }

  get urls(): string[] {
    return this.targets.map((t) => t.url);
  }

  pick(): Target {
    const n = this.targets.length;
    const now = n > 1 ? Date.now() : 0;
    for (let i = 0; i < n; i++) {
      const t = this.targets[(this.next + i) % n] as Target;
      if (t.downUntil <= now) {
        this.next = (this.next + i + 1) % n;
        return t;
      }
    }
    const t = this.targets[this.next % n] as Target;
    this.next = (this.next + 1) % n;
    return t;
  }

  /** Records a failed attempt on a target; refused connections take it out of rotation for a while. */
  failed(target: Target, err: unknown): void {
    const code = errorCode(err);
    if (code && DOWN_CODES.has(code) && this.targets.length > 1) target.downUntil = Date.now() + this.cooldownMs;
  }
}

export interface PostResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  url: string;
}

export interface PostOptions {
  /** Retry on connection errors (true for queries, never for mutations). */
  retryable: boolean;
  maxRetries: number;
  onRetry?: (err: unknown, attempt: number) => void;
}

const RETRY_DELAYS_MS = [0, 50, 150];

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** POSTs a body to the next replica; on a connection error retries (on the next replica) if allowed. */
export async function postWithRetry(
  agent: Dispatcher,
  endpoints: Endpoints,
  headers: Record<string, string>,
  body: string,
  opts: PostOptions,
): Promise<PostResult> {
  for (let attempt = 0; ; attempt++) {
    const target = endpoints.pick();
    try {
      const res = await agent.request({ origin: target.origin, path: target.path, method: 'POST', headers, body });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text, url: target.url };
    } catch (err) {
      endpoints.failed(target, err);
      if (!opts.retryable || attempt >= opts.maxRetries || !isConnectionError(err)) throw err;
      opts.onRetry?.(err, attempt + 1);
      await delay(RETRY_DELAYS_MS[attempt] ?? 150);
    }
  }
}

class SimpleHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();
  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const [k, v] of Object.entries(raw))
      if (v !== undefined) this.map.set(k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v);
  }
  append(name: string, value: string): void {
    const k = name.toLowerCase();
    const prev = this.map.get(k);
    this.map.set(k, prev ? `${prev}, ${value}` : value);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  entries(): Iterator<[string, string]> {
    return this.map.entries();
  }
  keys(): Iterator<string> {
    return this.map.keys();
  }
  values(): Iterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.map.entries();
  }
}

/** Wraps a buffered response in the small Response-like shape @apollo/utils.fetcher describes. */
export function toFetcherResponse(r: PostResult): FetcherResponse {
  const headers = new SimpleHeaders(r.headers);
  const response: FetcherResponse = {
    bodyUsed: false,
    url: r.url,
    redirected: false,
    status: r.status,
    ok: r.status >= 200 && r.status < 300,
    statusText: String(r.status),
    headers,
    arrayBuffer: async () => {
      const b = Buffer.from(r.text);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
    text: async () => r.text,
    json: async () => JSON.parse(r.text),
    clone: () => toFetcherResponse(r),
  };
  return response;
}

/**
 * A `Fetcher` (the interface RemoteGraphQLDataSource takes) on the keep-alive Agent. The router's
 * data source uses the lower-level postWithRetry on its hot path; this fetcher serves the base
 * class's own code paths and anyone who wants undici through the standard interface.
 */
export function createUndiciFetcher(agent: Dispatcher): Fetcher {
  return async (url: string, init?: FetcherRequestInit) => {
    const u = new URL(url);
    const res = await agent.request({
      origin: u.origin,
      path: u.pathname + u.search,
      method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init?.headers,
      body: init?.body,
    });
    const text = await res.body.text();
    return toFetcherResponse({ status: res.statusCode, headers: res.headers, text, url });
  };
}
