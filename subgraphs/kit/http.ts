import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { InFlight } from './inflight';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

const MAX_BODY_BYTES = 1_000_000;
/** How much of an over-long body is read and thrown away so the 413 reaches the client; then the socket goes. */
const MAX_DRAIN_BYTES = 8_000_000;

/** A GraphQL request as the client sent it, before Apollo Server looks at it. */
export interface RawGraphQLRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** An answer given instead of executing the request (e.g. an operation over the router's limits). */
export interface ScreenedAnswer {
  status: number;
  errors: { message: string; extensions: Record<string, unknown> & { code: string } }[];
}

export interface HttpHostOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the per-request context; may throw a GraphQLError (e.g. UNAUTHENTICATED). */
  context: (req: IncomingMessage, requestId: string) => Promise<TContext>;
  metrics: Metrics;
  log: Logger;
  /** Readiness: dependencies reachable and migrated. */
  ready: () => Promise<boolean>;
  /** Extra routes (return true when handled), e.g. the router's landing page assets. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /**
   * Looks at a GraphQL request before Apollo Server parses, validates or executes it; an answer
   * given here is sent instead (the router's operation limits).
   */
  screen?: (request: RawGraphQLRequest) => ScreenedAnswer | null;
  /**
   * Identical requests in flight share one execution: the key under which this request may share
   * (everything its answer depends on), or null for a request that must run on its own (a mutation).
   * A request that joins one in flight gets the same status, headers and body, with its own
   * x-request-id.
   */
  share?: (req: IncomingMessage, request: RawGraphQLRequest, rawBody: string | null) => string | null;
  /** Told when a request joined an identical one in flight instead of executing. */
  onShared?: () => void;
  /**
   * Whole answers kept after their execution (the router's response cache), under the share key:
   * looked up before anything runs; an execution's complete answer is offered with the ticket taken
   * before it started, so that the cache can refuse one that a change may have overtaken.
   */
  answers?: AnswerCache;
}

/** What createHttpHost asks of a cache of whole answers (HttpHostOptions.answers). */
export interface AnswerCache {
  get(key: string, req: IncomingMessage): CompleteAnswer | undefined;
  ticket(): number;
  offer(key: string, req: IncomingMessage, request: RawGraphQLRequest, answer: CompleteAnswer, ticket: number): void;
}

/** An answer as sent, kept so that requests sharing its execution (or a cache) send it too. */
export interface CompleteAnswer {
  status: number;
  headers: [string, string][];
  body: string;
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

type Body = { kind: 'ok'; text: string } | { kind: 'too-large' };

/**
 * Reads a request body up to MAX_BODY_BYTES. The rest of a larger one is read and dropped (not
 * buffered) until the client has sent it all, so that the 413 that follows reaches a client that
 * reads its answer only after writing its body; past MAX_DRAIN_BYTES the connection is cut.
 */
function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length']) > MAX_BODY_BYTES;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!tooLarge && size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (!tooLarge) chunks.push(chunk);
      else if (size > MAX_BODY_BYTES + MAX_DRAIN_BYTES) {
        req.destroy();
        resolve({ kind: 'too-large' });
      }
    });
    req.on('end', () =>
      resolve(tooLarge ? { kind: 'too-large' } : { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }),
    );
    req.on('error', reject);
  });
}

function errorBody(message: string, code: string, extensions: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] });
}

/** GraphQL over HTTP: a POST body must be JSON, declared as such (anything else is never parsed). */
function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const type = header.split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

function searchRequest(search: URLSearchParams): RawGraphQLRequest {
  const variables = search.get('variables');
  let parsed: unknown = undefined;
  if (variables) {
    try {
      parsed = JSON.parse(variables);
    } catch {
      // Apollo Server answers malformed variables itself.
    }
  }
  return {
    query: search.get('query') ?? undefined,
    operationName: search.get('operationName') ?? undefined,
    variables: parsed,
  };
}

function routeOf(path: string): string {
  if (path === '/' || path === '/graphql') return '/graphql';
  if (path.startsWith('/health')) return path;
  if (path === '/metrics') return '/metrics';
  return 'other';
}

/**
 * A plain node:http server hosting an ApolloServer plus /health/live, /health/ready and /metrics.
 * No Express: one fewer layer on the hot path, and the same host serves subgraphs and the router.
 */
export function createHttpHost<TContext extends BaseContext>(opts: HttpHostOptions<TContext>): http.Server {
  const { apollo, metrics, log } = opts;
  const inFlight = new InFlight<CompleteAnswer | null>(opts.onShared);

  /** Apollo Server's answer, complete (shareable) or streamed to `res` already (null). */
  const execute = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: unknown,
    requestId: string,
  ): Promise<CompleteAnswer | null> => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => opts.context(req, requestId),
    });
    const status = response.status ?? 200;
    if (response.body.kind === 'complete') {
      return { status, headers: [...response.headers], body: response.body.string };
    }
    // Incremental delivery is streamed to its own request only, never shared.
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = status;
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
    return null;
  };

  const sendAnswer = (res: ServerResponse, answer: CompleteAnswer) => {
    for (const [key, value] of answer.headers) res.setHeader(key, value);
    res.statusCode = answer.status;
    res.setHeader('content-length', Buffer.byteLength(answer.body));
    res.end(answer.body);
  };
  const server = http.createServer(async (req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routeOf(url.pathname);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe({ method: req.method ?? 'GET', route, status: String(res.statusCode) }, seconds);
    });
    try {
      if (url.pathname === '/health/live' || url.pathname === '/health') {
        send(res, 200, '{"status":"ok"}');
        return;
      }
      if (url.pathname === '/health/ready') {
        const ok = await opts.ready();
        send(res, ok ? 200 : 503, JSON.stringify({ status: ok ? 'ready' : 'not ready' }));
        return;
      }
      if (url.pathname === '/metrics') {
        send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
        return;
      }
      if (opts.extraRoutes && (await opts.extraRoutes(req, res))) return;
      if (route !== '/graphql') {
        send(res, 404, '{"error":"not found"}');
        return;
      }
      const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
      res.setHeader('x-request-id', requestId);
      let body: unknown = undefined;
      let rawText: string | null = null;
      if (req.method === 'POST') {
        if (!isJsonContentType(req.headers['content-type'])) {
          // Not even read: a form or text/plain POST is what a cross-site page can send without preflight.
          req.resume();
          send(res, 415, errorBody('POST requests must have content-type application/json', 'UNSUPPORTED_MEDIA_TYPE'));
          return;
        }
        const raw = await readBody(req);
        if (raw.kind === 'too-large') {
          res.setHeader('connection', 'close');
          send(
            res,
            413,
            errorBody(`Request body is larger than ${MAX_BODY_BYTES} bytes`, 'PAYLOAD_TOO_LARGE', {
              limit: MAX_BODY_BYTES,
            }),
          );
          return;
        }
        rawText = raw.text;
        try {
          body = raw.text.length ? JSON.parse(raw.text) : {};
        } catch {
          send(res, 400, errorBody('Request body is not valid JSON', 'BAD_REQUEST'));
          return;
        }
      }
      if (opts.screen) {
        const request = req.method === 'POST' ? body : searchRequest(url.searchParams);
        if (request && typeof request === 'object' && !Array.isArray(request)) {
          const answer = opts.screen(request as RawGraphQLRequest);
          if (answer) {
            send(res, answer.status, JSON.stringify({ errors: answer.errors }));
            return;
          }
        }
      }
      const request = (req.method === 'POST' ? body : searchRequest(url.searchParams)) as RawGraphQLRequest;
      const key = opts.share?.(req, request, rawText);
      if (!key) {
        const answer = await execute(req, res, url, body, requestId);
        if (answer) sendAnswer(res, answer);
        return;
      }
      const kept = opts.answers?.get(key, req);
      if (kept) {
        sendAnswer(res, kept);
        return;
      }
      const ticket = opts.answers?.ticket();
      let ran = false;
      const shared = await inFlight.run(key, async () => {
        ran = true;
        const answer = await execute(req, res, url, body, requestId);
        if (answer && ticket !== undefined) opts.answers?.offer(key, req, request, answer, ticket);
        return answer;
      });
      if (shared) sendAnswer(res, shared);
      // The execution this request joined streamed its answer to its own request: run this one too.
      else if (!ran) {
        const own = await execute(req, res, url, body, requestId);
        if (own) sendAnswer(res, own);
      }
    } catch (err) {
      log.error({ err }, 'unhandled HTTP error');
      if (!res.headersSent)
        send(
          res,
          500,
          JSON.stringify({
            errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          }),
        );
      else res.destroy();
    }
  });
  // Longer than the router's pooled-connection idle time, so the router never writes to a socket
  // the subgraph is closing at that moment.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish (up to timeoutMs), then closes what is left. */
export function closeGracefully(server: http.Server, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    // Keep-alive sockets become idle as their last response finishes; close them as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    server.closeIdleConnections();
  });
}
