import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

const MAX_BODY_BYTES = 1_000_000;

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
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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
      if (req.method === 'POST') {
        const raw = await readBody(req);
        if (raw === null) {
          send(
            res,
            413,
            JSON.stringify({ errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] }),
          );
          return;
        }
        try {
          body = raw.length ? JSON.parse(raw) : {};
        } catch {
          send(
            res,
            400,
            JSON.stringify({
              errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
            }),
          );
          return;
        }
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: () => opts.context(req, requestId),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.setHeader('content-length', Buffer.byteLength(response.body.string));
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
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
