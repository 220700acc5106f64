/**
 * Serves the built back-office app (web/dist) on its own port (WEB_PORT, 4100): the files, index.html
 * for any other path (the app routes by path), /config.json with where the app finds the API, and
 * /health/ready. No framework: node:http, GET and HEAD only.
 *
 *   node --import tsx web/server.ts     (npm start runs it in-process; compose runs it as SERVICE=web)
 *
 * WEB_PORT (4100), WEB_HOST (127.0.0.1; HOST in the image), WEB_ROUTER_URL (the GraphQL endpoint the
 * browser calls: http://localhost:4000/graphql, or Kong's), WEB_API_KEY (Kong's key for the back
 * office, sent by the browser as `apikey`; none when calling the router directly),
 * WEB_DASHBOARD_REFRESH_MS (30000), WEB_PERSISTED_QUERIES (on; off sends full documents).
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const DEFAULT_WEB_PORT = 4100;
const DIST_DIR = path.join(__dirname, 'dist');

export interface WebServerOptions {
  routerUrl: string;
  apiKey?: string | null;
  dashboardRefreshMs?: number;
  /** Whether the app sends persisted operations (default true; WEB_PERSISTED_QUERIES=off sends documents). */
  persistedQueries?: boolean;
  port?: number;
  host?: string;
  distDir?: string;
}

export interface RunningWebServer {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new Error(`WEB_ROUTER_URL is not a URL: ${url}`);
  }
}

/**
 * The page may run its own scripts, and talk only to this server and the API; ECharts and React set
 * inline styles, hence 'unsafe-inline' for styles only.
 */
function securityHeaders(routerOrigin: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      `connect-src 'self' ${routerOrigin}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

interface Asset {
  body: Buffer;
  gzipped: Buffer | null;
  type: string;
}

export async function startWebServer(opts: WebServerOptions): Promise<RunningWebServer> {
  const dist = opts.distDir ?? DIST_DIR;
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`${dist} holds no build of the back-office app: run npm run web:build`);
  }
  const headers = securityHeaders(originOf(opts.routerUrl));
  const config = Buffer.from(
    JSON.stringify({
      routerUrl: opts.routerUrl,
      apiKey: opts.apiKey ?? null,
      dashboardRefreshMs: opts.dashboardRefreshMs ?? 30_000,
      persistedQueries: opts.persistedQueries ?? true,
    }),
  );
  // Assets are named by their content, so each is read and gzipped once; index.html is read at each
  // request, so a rebuild (npm run web:build) is served without a restart.
  const assets = new Map<string, Asset>();
  const asset = (file: string): Asset | null => {
    const cached = assets.get(file);
    if (cached) return cached;
    let body: Buffer;
    try {
      body = fs.readFileSync(file);
    } catch {
      return null;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
    const entry = { body, gzipped: compressible ? gzipSync(body) : null, type };
    if (file.startsWith(path.join(dist, 'assets') + path.sep)) assets.set(file, entry);
    return entry;
  };

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    type: string,
    body: Buffer,
    extra: Record<string, string> = {},
    gzipped: Buffer | null = null,
  ) => {
    const useGzip = gzipped !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const out = useGzip ? gzipped : body;
    res.writeHead(status, {
      ...headers,
      'content-type': type,
      'content-length': out.length,
      ...(gzipped ? { vary: 'accept-encoding' } : {}),
      ...(useGzip ? { 'content-encoding': 'gzip' } : {}),
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : out);
  };

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, TYPES['.txt']!, Buffer.from('Method not allowed\n'), { allow: 'GET, HEAD' });
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://web').pathname);
    } catch {
      send(req, res, 400, TYPES['.txt']!, Buffer.from('Bad request\n'));
      return;
    }
    if (pathname === '/health/ready' || pathname === '/health/live') {
      send(req, res, 200, TYPES['.json']!, Buffer.from('{"status":"ok"}'), { 'cache-control': 'no-store' });
      return;
    }
    if (pathname === '/config.json') {
      send(req, res, 200, TYPES['.json']!, config, { 'cache-control': 'no-store' });
      return;
    }
    const file = path.join(dist, path.normalize(pathname));
    // Nothing outside the build, and not the build's own bookkeeping.
    const inside = file.startsWith(dist + path.sep) && !path.basename(file).startsWith('.');
    const found =
      inside && pathname !== '/' && fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? asset(file) : null;
    if (found) {
      // Vite names every asset by its content: those never change; anything else is revalidated.
      const immutable = pathname.startsWith('/assets/');
      send(
        req,
        res,
        200,
        found.type,
        found.body,
        {
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
        found.gzipped,
      );
      return;
    }
    // A file that is not there (or hidden) is a 404; only a screen's path gets the app.
    if (path.extname(pathname) || path.basename(pathname).startsWith('.')) {
      send(req, res, 404, TYPES['.txt']!, Buffer.from('Not found\n'));
      return;
    }
    const index = asset(path.join(dist, 'index.html'));
    if (!index) {
      send(req, res, 503, TYPES['.txt']!, Buffer.from('The app is not built\n'));
      return;
    }
    send(req, res, 200, index.type, index.body, { 'cache-control': 'no-cache' }, index.gzipped);
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_WEB_PORT, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const shown = host === '0.0.0.0' || host === '127.0.0.1' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function envPort(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`WEB_PORT is not a port number: ${value}`);
  return n;
}

/** The server's settings from the environment (see the header). */
export function webOptionsFromEnv(env = process.env): WebServerOptions {
  const refresh = Number(env.WEB_DASHBOARD_REFRESH_MS ?? '');
  return {
    routerUrl: env.WEB_ROUTER_URL || 'http://localhost:4000/graphql',
    apiKey: env.WEB_API_KEY || null,
    dashboardRefreshMs: Number.isInteger(refresh) && refresh > 0 ? refresh : 30_000,
    persistedQueries: !['off', '0', 'false'].includes((env.WEB_PERSISTED_QUERIES ?? '').toLowerCase()),
    port: envPort(env.WEB_PORT, DEFAULT_WEB_PORT),
    host: env.WEB_HOST || env.HOST || '127.0.0.1',
  };
}

if (require.main === module) {
  startWebServer(webOptionsFromEnv()).then(
    (running) => {
      console.log(`back office: ${running.url}`);
      const stop = () => void running.stop().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
