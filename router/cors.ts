/**
 * CORS for browsers that call the router directly (the back-office app served by `npm start` on
 * :4100 in development). Behind Kong, Kong's cors plugin answers (kong/kong.yml). Bearer tokens, not
 * cookies, carry the caller, so credentials are never allowed and a page of another origin gains
 * nothing it could not do with its own token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DEVELOPMENT_CORS_ORIGINS = ['http://localhost:4100', 'http://127.0.0.1:4100'];

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** What Apollo Client (web, Kotlin, iOS) and the CSRF rule (router/README.md) send. */
const ALLOWED_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
].join(', ');
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * ROUTER_CORS_ORIGINS, comma-separated (empty: no origin); unset: the development origins outside
 * production and none in production, where Kong answers browsers.
 */
export function corsOriginsFromEnv(production: boolean, env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.ROUTER_CORS_ORIGINS;
  if (raw === undefined) return production ? [] : [...DEVELOPMENT_CORS_ORIGINS];
  return raw
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter((o) => o.length > 0);
}

/**
 * Adds the CORS headers for an allowed Origin and answers a preflight (OPTIONS) itself: 204, with the
 * allowed methods and headers when the origin is allowed, without them otherwise (the browser then
 * refuses). Returns true when it answered.
 */
export function corsHandler(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    const ok = typeof origin === 'string' && allowed.has(origin);
    res.setHeader('vary', 'Origin');
    if (ok) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'x-request-id');
    }
    if (req.method !== 'OPTIONS') return false;
    if (ok) {
      res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
    }
    res.setHeader('allow', ALLOWED_METHODS);
    res.writeHead(204, { 'content-length': '0' });
    res.end();
    return true;
  };
}
